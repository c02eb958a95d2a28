"""A covering index of the submitted referrals for the reports (reports.postgres).

It holds every column the report's queries read, the fixed-width ones first, so PostgreSQL
answers them with index-only scans of about half the table's size, without decoding the
table's wide rows. Built concurrently: no lock on the referrals while it is built.
Raw SQL in the reports app: the referral model (core) need not know of it. PostgreSQL only:
SQLite (embedded `make run`) has no INCLUDE columns, and needs no such index.
"""

from django.db import migrations

CREATE = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS referral_report_covering
ON referrals_referral (submitted_at)
INCLUDE (accepted_at, review_started_at, recommendation_issued_at, returned_at, id,
         receiving_center_id, referring_organization_id, next_due, opinion_number,
         status, cancer_site, reasons)
WHERE submitted_at IS NOT NULL
"""
DROP = "DROP INDEX CONCURRENTLY IF EXISTS referral_report_covering"


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("referrals", "0005_referral_newest_first_index")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
