"""A covering index for the reports, on PostgreSQL only (reports/queries.py).

The semi-joins that scope recommendations, pathology reviews and further opinions to the
reported referrals read this index alone (index-only scans) instead of the whole referral
table. It lives here, not on the Referral model, because it is the reports' concern and
SQLite (the embedded `make run`) cannot build an index with INCLUDE columns.
"""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS referral_report_scope ON referrals_referral (submitted_at)
INCLUDE (id, receiving_center_id, referring_organization_id, cancer_site, opinion_number,
         recommendation_issued_at)
"""
DROP = "DROP INDEX IF EXISTS referral_report_scope"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_defaults_and_database_guards")]

    operations = [migrations.RunPython(create_index, drop_index)]
