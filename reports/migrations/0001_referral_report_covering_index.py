"""Covering indexes for the report's queries (reports.postgres).

Each holds every column a report query reads from its table (the referrals' fixed-width
columns first), so PostgreSQL answers with index-only scans of a fraction of the table
without decoding its wide rows: the submitted referrals by center (all of them for a
superuser, one center's for its coordinator) and by id, and, in referral id order too, the
recommendations in force and the signed pathology reviews, so these are matched to the
referrals by merge joins. Built concurrently: no lock on
the tables meanwhile. Raw SQL in the reports app: the core's models need not know of them.
PostgreSQL only: SQLite (embedded `make run`) has no INCLUDE columns, and needs no such index.
"""

from django.db import migrations

INDEXES = {
    "referral_report_covering": """
        ON referrals_referral (receiving_center_id, submitted_at)
        INCLUDE (accepted_at, review_started_at, recommendation_issued_at, returned_at, id,
                 referring_organization_id, next_due, opinion_number, status, cancer_site,
                 reasons)
        WHERE submitted_at IS NOT NULL
    """,
    "referral_report_by_id": """
        ON referrals_referral (id)
        INCLUDE (submitted_at, receiving_center_id, referring_organization_id, cancer_site,
                 recommendation_issued_at, opinion_number)
        WHERE submitted_at IS NOT NULL
    """,
    "recommendation_in_force_report": """
        ON referrals_recommendation (referral_id)
        INCLUDE (third_opinion_suggested, concordance, clinical_trials)
        WHERE signed_at IS NOT NULL AND superseded_at IS NULL
    """,
    "pathology_signed_report": """
        ON referrals_pathologyreview (referral_id) INCLUDE (discrepancy)
        WHERE signed_at IS NOT NULL
    """,
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("referrals", "0005_referral_newest_first_index")]

    operations = [migrations.RunPython(create, drop)]
