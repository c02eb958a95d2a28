import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_operations import portable_on_tables_with_postgres_indexes

# Earlier appointments are history: the database refuses to change them, like the timeline
# (refuse_change_append_only comes from 0002). SQLite relies on the model.
TRIGGER = """CREATE TRIGGER consultationappointment_append_only
    BEFORE UPDATE OR DELETE ON referrals_consultationappointment
    FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only()"""
DROP_TRIGGER = (
    "DROP TRIGGER IF EXISTS consultationappointment_append_only"
    " ON referrals_consultationappointment"
)


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0013_flow_code_existing_reasons_and_consults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = portable_on_tables_with_postgres_indexes(
        [
        migrations.AddIndex(
            model_name="consultation",
            index=models.Index(
                condition=models.Q(("reschedule_due__isnull", False)),
                fields=["reschedule_due"],
                name="consultation_no_show_due",
            ),
        ),
        migrations.AddIndex(
            model_name="recorditem",
            index=models.Index(
                condition=models.Q(("return_due__isnull", False), ("status", "received")),
                fields=["return_due"],
                name="record_item_return_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "attendance__in",
                        ["scheduled", "attended", "no_show", "cancelled_by_patient", "rescheduled"],
                    )
                ),
                name="consultation_attendance_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        (
                            "attendance__in",
                            ["scheduled", "no_show", "cancelled_by_patient", "rescheduled"],
                        ),
                        ("completed_at__isnull", True),
                    ),
                    models.Q(("attendance", "attended"), ("completed_at__isnull", False)),
                    _connector="OR",
                ),
                name="consultation_completed_is_attended",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("reschedule_due__isnull", True), ("attendance", "no_show"), _connector="OR"
                ),
                name="consultation_reschedule_due_only_no_show",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "draft",
                            "submitted",
                            "accepted",
                            "declined",
                            "under_review",
                            "recommendation_issued",
                            "returned",
                            "monitoring",
                            "closed",
                            "cancelled",
                            "forwarded",
                        ],
                    )
                ),
                name="referral_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("opinion_number", 2),
                    models.Q(("opinion_number__gt", 2), ("previous_referral__isnull", False)),
                    _connector="OR",
                ),
                name="referral_opinion_number_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "decline_reason_code__in",
                        [
                            "",
                            "outside_expertise",
                            "site_not_accepted",
                            "insufficient_information",
                            "no_capacity",
                            "patient_ineligible",
                            "duplicate",
                            "other",
                        ],
                    )
                ),
                name="referral_decline_reason_code_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "cancel_reason_code__in",
                        [
                            "",
                            "patient_withdrew",
                            "patient_deceased",
                            "treated_elsewhere",
                            "duplicate",
                            "entered_in_error",
                            "other",
                        ],
                    )
                ),
                name="referral_cancel_reason_code_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "declined"), _negated=True),
                    models.Q(("decline_reason_code", ""), _negated=True),
                    _connector="OR",
                ),
                name="referral_decline_has_reason_code",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("decline_reason_code", "other"), _negated=True),
                    models.Q(("decline_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="referral_decline_other_explained",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "cancelled"), _negated=True),
                    models.Q(("cancel_reason_code", ""), _negated=True),
                    _connector="OR",
                ),
                name="referral_cancel_has_reason_code",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("cancel_reason_code", "other"), _negated=True),
                    models.Q(("cancel_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="referral_cancel_other_explained",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "forwarded"), _negated=True),
                    models.Q(
                        models.Q(("forward_reason", ""), _negated=True),
                        ("forwarded_at__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="referral_forward_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("no_local_plan_yet", False), ("local_treatment_plan", ""), _connector="OR"
                ),
                name="referral_local_plan_or_none_yet",
            ),
        ),
        migrations.AddField(
            model_name="consultationappointment",
            name="consultation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="earlier_appointments",
                to="referrals.consultation",
            ),
        ),
        migrations.AddField(
            model_name="consultationappointment",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="consultationappointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("attendance__in", ("no_show", "cancelled_by_patient", "rescheduled"))
                ),
                name="consultation_appointment_did_not_take_place",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultationappointment",
            constraint=models.CheckConstraint(
                condition=models.Q(("modality__in", ["in_person", "virtual", "records_only"])),
                name="consultation_appointment_modality_valid",
            ),
        ),
        migrations.RunPython(add_trigger, drop_trigger),
        ]
    )
