from django.db import migrations

# Retention: referrals and patients are never deleted; a referral is cancelled instead, with
# its history kept. Row-level DELETE triggers; TRUNCATE (the test suite's flush) is untouched.
GUARDED_TABLES = ["referrals_referral", "referrals_patient"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """CREATE OR REPLACE FUNCTION refuse_delete_clinical_record() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% rows are kept for the medical record: DELETE refused (cancel the referral instead)', TG_TABLE_NAME;
        END;
        $$ LANGUAGE plpgsql""",
        params=None,
    )
    for table in GUARDED_TABLES:
        schema_editor.execute(
            f"""CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION refuse_delete_clinical_record()"""
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in GUARDED_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_never_deleted ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS refuse_delete_clinical_record()")


class Migration(migrations.Migration):
    dependencies = [("referrals", "0003_reminder_delivery_bookkeeping")]

    operations = [migrations.RunPython(forwards, backwards)]
