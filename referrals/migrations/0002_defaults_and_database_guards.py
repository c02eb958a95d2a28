from django.db import migrations

# PostgreSQL-only guards for what Django's CheckConstraint cannot say about JSON columns,
# and the append-only rule of the timeline. SQLite (the embedded demo) relies on the services.
REASONS = (
    '["complex_diagnosis", "non_specialist_oncologist", "recurrence_or_progression", '
    '"clinical_trial_interest", "patient_uncertainty", "other"]'
)
POSTGRES_FORWARDS = [
    f"""ALTER TABLE referrals_referral ADD CONSTRAINT referral_reasons_valid
        CHECK (jsonb_typeof(reasons) = 'array' AND reasons <@ '{REASONS}'::jsonb)""",
    """ALTER TABLE referrals_recommendation ADD CONSTRAINT recommendation_trials_nct_format
        CHECK (jsonb_typeof(clinical_trials) = 'array' AND NOT jsonb_path_exists(
            clinical_trials, '$[*] ? (!(@.type() == "string" && @ like_regex "^NCT[0-9]{8}$"))'))""",
    """CREATE OR REPLACE FUNCTION refuse_change_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END;
        $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER referralevent_append_only BEFORE UPDATE OR DELETE ON referrals_referralevent
        FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only()""",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS referralevent_append_only ON referrals_referralevent",
    "ALTER TABLE referrals_recommendation DROP CONSTRAINT IF EXISTS recommendation_trials_nct_format",
    "ALTER TABLE referrals_referral DROP CONSTRAINT IF EXISTS referral_reasons_valid",
]

DEFAULT_POLICIES = [
    {"urgency": "routine", "triage_days": 2, "records_days": 7, "recommendation_days": 10},
    {"urgency": "urgent", "triage_days": 2, "records_days": 7, "recommendation_days": 5},
]


def postgres_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARDS:
            schema_editor.execute(statement, params=None)


def drop_postgres_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARDS:
            schema_editor.execute(statement, params=None)


def default_sla_policies(apps, schema_editor):
    SLAPolicy = apps.get_model("referrals", "SLAPolicy")
    for policy in DEFAULT_POLICIES:
        SLAPolicy.objects.get_or_create(
            center=None, urgency=policy["urgency"], defaults={**policy, "return_days": 5}
        )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [
        migrations.RunPython(postgres_guards, drop_postgres_guards),
        migrations.RunPython(default_sla_policies, migrations.RunPython.noop),
    ]
