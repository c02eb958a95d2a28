from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The function is created by referrals' migration 0002; create it here too so the order
    # of the apps' migrations does not matter.
    schema_editor.execute(
        """CREATE OR REPLACE FUNCTION refuse_change_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END;
        $$ LANGUAGE plpgsql""",
        params=None,
    )
    schema_editor.execute(
        """CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
        FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only()"""
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS auditentry_append_only ON audit_auditentry")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
