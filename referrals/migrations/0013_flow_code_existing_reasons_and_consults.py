"""Rows from before the coded reasons and attendance: kept valid for the constraints of 0014.

Its own migration (its own transaction on PostgreSQL): updated rows and new constraints in one
transaction can meet "pending trigger events"."""

from django.db import migrations


def code_existing_rows(apps, schema_editor):
    """Rows from before the codes: their reason stays in words, coded `other`; a completed
    consult was attended."""
    Referral = apps.get_model("referrals", "Referral")
    Consultation = apps.get_model("referrals", "Consultation")
    Referral.objects.filter(status="declined", decline_reason_code="").update(
        decline_reason_code="other"
    )
    Referral.objects.filter(status="cancelled", cancel_reason_code="").update(
        cancel_reason_code="other"
    )
    Consultation.objects.filter(completed_at__isnull=False).update(attendance="attended")


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0012_flow_reasons_forward_local_plan_attendance"),
    ]

    operations = [
        migrations.RunPython(code_existing_rows, migrations.RunPython.noop),
    ]
