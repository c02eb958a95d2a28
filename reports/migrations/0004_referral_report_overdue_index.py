"""Index of the open submitted referrals by due date, for the report's overdue steps.

Overdue counts depend on today's date, so the rollups (migration reports 0003) cannot hold
them: the report counts the open referrals past their due date each time. This partial index
holds just those referrals (open states of reports.queries.STEP_BY_STATUS), by due date, with
every column the report's filters and scopes read, so the count is an index-only range scan
of the late ones. Built concurrently (no lock on the table meanwhile), PostgreSQL only.
"""

from django.db import migrations

NAME = "referral_report_overdue"
# The states an open referral waits on a step in (reports.queries.STEP_BY_STATUS), written
# out: a migration stays as it ran.
DEFINITION = """
    ON referrals_referral (next_due)
    INCLUDE (status, receiving_center_id, referring_organization_id, cancer_site, submitted_at)
    WHERE submitted_at IS NOT NULL
      AND status IN ('submitted', 'accepted', 'under_review', 'recommendation_issued',
                     'monitoring')
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} {DEFINITION}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0003_referral_rollups")]

    operations = [migrations.RunPython(create, drop)]
