"""The summary of every referral (or of one site) read in group order, index-only (PostgreSQL
only).

Since 0009 every level row is one center's, so the summary of every center sums each
center's rows: the report probed the primary keys (center first) once per organization and
hashed the rows (81,844 histogram rows at a million referrals, into 8,397 groups) by stage
and duration. These partial indexes hold the levels of all practices (center, or center ×
site) in the order the report groups them, with the count: one index-only range per report,
summed as it streams, with no condition on the center at all (reports.rollups._level).

Writes to the histograms and level counts no longer update in place (HOT): the count is in
an index now. Autovacuum visits these two tables sooner, so that their pages stay all-visible
for the index-only scans.
"""

from django.db import migrations

INDEXES = {
    "reports_stage_histogram_all_practices": (
        "reports_stage_histogram",
        "(cancer_site, stage, centidays) INCLUDE (referrals)",
    ),
    "reports_level_count_all_practices": (
        "reports_level_count",
        "(cancer_site, measure, value) INCLUDE (referrals)",
    ),
}
SOONER = "autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, columns) in INDEXES.items():
        # Concurrently: the writers of referrals keep writing while it builds.
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {columns}"
            " WHERE referring_organization_id = 0"
        )
        schema_editor.execute(f"ALTER TABLE {table} SET ({SOONER})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, _) in INDEXES.items():
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        schema_editor.execute(
            f"ALTER TABLE {table} RESET (autovacuum_vacuum_scale_factor,"
            " autovacuum_vacuum_insert_scale_factor)"
        )


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [("reports", "0010_level_counts_of_decline_and_cancel_reasons")]

    operations = [migrations.RunPython(create, drop)]
