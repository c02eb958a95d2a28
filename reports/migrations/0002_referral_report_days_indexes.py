"""Indexes of each stage's days, for exact percentiles by index order (reports.postgres).

One per stage of reports.queries.STAGES, on the stage's days exactly as the report computes
them (ElapsedDays: DATE_PART of the interval / 86400.0), over the submitted referrals with
both milestones set. The value at rank i of the sorted days is then the (i+1)-th entry of an
index-only scan, so the unfiltered report reads the two entries around each percentile
instead of sorting a million values. INCLUDE: an index-only scan needs the columns the
expression is made of. Built concurrently (no lock on the table meanwhile), PostgreSQL only:
SQLite (embedded `make run`) computes its percentiles in Python.
"""

from django.db import migrations

# (stage, start, end) of reports.queries.STAGES, written out: a migration stays as it ran.
STAGES = [
    ("submitted_to_recommendation", "submitted_at", "recommendation_issued_at"),
    ("triage", "submitted_at", "accepted_at"),
    ("records", "accepted_at", "review_started_at"),
    ("review", "review_started_at", "recommendation_issued_at"),
    ("return", "recommendation_issued_at", "returned_at"),
]



def _milestones_set(*columns: str) -> str:
    return " AND ".join(f"{column} IS NOT NULL" for column in dict.fromkeys(columns))


DAYS_INDEXES = {
    f"referral_report_days_{stage}": f"""
        ON referrals_referral ((DATE_PART('epoch', {end} - {start}) / 86400.0))
        INCLUDE ({start}, {end})
        WHERE {_milestones_set("submitted_at", start, end)}
    """
    for stage, start, end in STAGES
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in DAYS_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in DAYS_INDEXES:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0001_referral_report_covering_index")]

    operations = [migrations.RunPython(create, drop)]
