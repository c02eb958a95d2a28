"""Rollup rows and change markers per receiving center, so that writers at different centers
do not wait for each other; and one function that rebuilds every rollup (PostgreSQL only).

Until here every referral write updated shared rows until its commit: the one-row change
marker of 0006, and the level rows of "all centers" (the everything, practice, site and
practice × site levels of the stage histograms and the level counts, center 0). Now:

- the levels are those of one center: the center, the center's practice, the center's site,
  the center's practice × site (0 or '' for all); the report sums them over the centers at
  query time (reports.rollups: a few hundred rows per center);
- `reports_rollup_change` holds one row per receiving center (0: the organizations and the
  truncations); each trigger moves the markers of the centers its statement wrote, in center
  order. The summary's version is their sum (it grows with every committed write), its time
  the latest.
- `reports_rollups_rebuild()` empties every rollup and counts it again in one statement per
  table (the triggers' back-fills): for bulk loads run without triggers, and for this
  migration. The tests prove it equal to the triggers.
"""

import importlib

from django.conf import settings
from django.db import migrations

rollups = importlib.import_module("reports.migrations.0003_referral_rollups")
per_statement = importlib.import_module("reports.migrations.0005_referral_rollups_per_statement")
histograms = importlib.import_module(
    "reports.migrations.0006_stage_histograms_linked_rollup_change_marker"
)
levels = importlib.import_module("reports.migrations.0008_summary_level_counts")

# (center, practice, site) of each level; 0 and '' mean all.
CENTER_LEVELS = [
    ("{row}.receiving_center_id", "0", "''"),
    ("{row}.receiving_center_id", "{row}.referring_organization_id", "''"),
    ("{row}.receiving_center_id", "0", "{row}.cancer_site"),
    ("{row}.receiving_center_id", "{row}.referring_organization_id", "{row}.cancer_site"),
]
ROLLUP_TABLES = (
    "reports_referral_rollup, reports_referral_reason_rollup, reports_referral_issued_rollup, "
    "reports_stage_histogram, reports_referral_linked_rollup, reports_level_count, "
    "reports_referral_followers"
)
MARK = """
    INSERT INTO reports_rollup_change AS t (receiving_center_id, version, changed_at)
    SELECT center, 1, clock_timestamp() FROM ({centers}) AS written(center) ORDER BY 1
    ON CONFLICT (receiving_center_id) DO UPDATE SET version = t.version + 1,
        changed_at = GREATEST(EXCLUDED.changed_at, t.changed_at + interval '1 microsecond');
"""


def _touch_referrals(changes: str) -> str:
    return MARK.format(
        centers=f"SELECT DISTINCT c.receiving_center_id FROM ({changes}) AS c"
        " WHERE c.receiving_center_id IS NOT NULL"
    )


def _touch_linked(changes: str) -> str:
    return MARK.format(
        centers=f"""SELECT DISTINCT r.receiving_center_id FROM ({changes}) AS c
        JOIN referrals_referral AS r ON r.id = c.referral_id
        WHERE r.receiving_center_id IS NOT NULL"""
    )


TOUCH_ALL = MARK.format(centers="VALUES (0::bigint)")
TOUCHED = f"""
CREATE OR REPLACE FUNCTION reports_rollup_touched() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {TOUCH_ALL}
    RETURN NULL;
END $$;
"""
TRUNCATED = f"""
CREATE OR REPLACE FUNCTION reports_rollup_referrals_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {TOUCH_ALL}
    TRUNCATE {ROLLUP_TABLES};
    RETURN NULL;
END $$;
"""
PER_CENTER_MARKERS = [
    "ALTER TABLE reports_rollup_change ADD COLUMN receiving_center_id bigint NOT NULL DEFAULT 0",
    "ALTER TABLE reports_rollup_change DROP COLUMN only_row",  # and its primary key
    "ALTER TABLE reports_rollup_change ADD PRIMARY KEY (receiving_center_id)",
    "ALTER TABLE reports_rollup_change ALTER COLUMN receiving_center_id DROP DEFAULT",
]
ONE_MARKER = [
    """CREATE TABLE reports_rollup_change_one (only_row boolean PRIMARY KEY DEFAULT true
        CHECK (only_row), version bigint NOT NULL, changed_at timestamptz NOT NULL)""",
    """INSERT INTO reports_rollup_change_one (version, changed_at)
        SELECT COALESCE(SUM(version), 0) + 1, COALESCE(MAX(changed_at), clock_timestamp())
        FROM reports_rollup_change""",
    "DROP TABLE reports_rollup_change",
    "ALTER TABLE reports_rollup_change_one RENAME TO reports_rollup_change",
]


def _backfills(zone: str, level_list: list, measures=None) -> list[str]:
    """Every rollup counted from the rows (into empty tables), one statement each; measures:
    the level counts' (0008 _referral_levels), by default 0008's."""
    every = "SELECT r.*, 1 AS sign FROM referrals_referral AS r WHERE r.submitted_at IS NOT NULL"
    return [
        *rollups._backfill(zone),
        histograms._histogram_upsert(every, level_list),
        *histograms._backfill()[1:],  # the linked rollup (day-keyed, per center already)
        *levels._backfill(zone, level_list, measures),
    ]


def _rebuild_function(
    zone: str, measures=None, more: tuple[str, ...] = (), locked: str = histograms.LOCKED
) -> str:
    """The rebuild; later migrations add level measures (measures), back-fills (more) and the
    tables they count (locked)."""
    statements = ";\n".join(
        statement.strip().rstrip(";")
        for statement in [*_backfills(zone, CENTER_LEVELS, measures), *more]
    )
    return f"""
CREATE OR REPLACE FUNCTION reports_rollups_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE {locked} IN SHARE ROW EXCLUSIVE MODE;
    -- The back-fill's sums in memory (until the caller's transaction ends).
    PERFORM set_config('work_mem', '256MB', true);
    TRUNCATE {ROLLUP_TABLES};
    {statements};
    {TOUCH_ALL}
END $$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute(f"LOCK TABLE {histograms.LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    statements = [
        *PER_CENTER_MARKERS,
        levels._referral_function(zone, CENTER_LEVELS, _touch_referrals),
        levels._linked_function("recommendation", CENTER_LEVELS, _touch_linked),
        levels._linked_function("pathologyreview", CENTER_LEVELS, _touch_linked),
        TOUCHED,
        TRUNCATED,
        _rebuild_function(zone),
        "SELECT reports_rollups_rebuild()",
    ]
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute(f"LOCK TABLE {histograms.LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    schema_editor.execute("SET LOCAL work_mem = '256MB'")
    statements = [
        "DROP FUNCTION reports_rollups_rebuild()",
        *ONE_MARKER,
        levels._referral_function(zone),
        levels._linked_function("recommendation"),
        levels._linked_function("pathologyreview"),
        histograms.TOUCHED.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
        levels.TRUNCATED,
        f"TRUNCATE {ROLLUP_TABLES}",
        *_backfills(zone, histograms.LEVELS),
    ]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reports", "0008_summary_level_counts")]

    operations = [migrations.RunPython(create, drop)]
