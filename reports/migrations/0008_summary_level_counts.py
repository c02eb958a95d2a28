"""Every count of a summary without a period, in a few hundred rows (PostgreSQL only).

The rollups of 0003 and 0006 are keyed by submission day: a report without a period still
sums all their rows (tens of thousands at a million referrals), and the overdue steps and
the further opinions were counted from the referrals (a share of them, growing with them).
`reports_level_count` holds, at the levels of the stage histograms (0006: everything, one
center, one practice, one site, one center's or one practice's site; 0 or '' for all),
each `measure` of the submitted referrals by `value`:

- `status` (by state; at the levels center × site and center × practice × site only, which
  give the breakdowns by center and by site);
- `flag` (issued, returned, second opinions issued, turnaround buckets, stage counts);
- `reason`; `submitted_week` and `issued_week` (local Mondays);
- `due:<state>` by due date, of the open referrals (overdue now: those before today);
- `linked`: recommendations in force (with a trial, suggesting a third opinion, per
  concordance), signed reviews (with a major discrepancy), and `followed`: the issued
  second opinions that a submitted referral names as its previous one.

`reports_referral_followers` counts, per referral, the submitted referrals naming it as
previous: the trigger compares the counts before and after a statement to move `followed`.
Kept by the triggers of 0006 (replaced here), back-filled under their lock.
"""

import importlib

from django.conf import settings
from django.db import migrations

rollups = importlib.import_module("reports.migrations.0003_referral_rollups")
per_statement = importlib.import_module("reports.migrations.0005_referral_rollups_per_statement")
histograms = importlib.import_module(
    "reports.migrations.0006_stage_histograms_linked_rollup_change_marker"
)
LEVEL_KEY = "receiving_center_id, referring_organization_id, cancer_site, measure, value"
OPEN = "('submitted', 'accepted', 'under_review', 'recommendation_issued', 'monitoring')"
BREAKDOWN_LEVELS = [
    ("{row}.receiving_center_id", "0", "{row}.cancer_site"),
    ("{row}.receiving_center_id", "{row}.referring_organization_id", "{row}.cancer_site"),
]
TABLES = [
    f"""CREATE TABLE reports_level_count (receiving_center_id bigint NOT NULL,
        referring_organization_id bigint NOT NULL, cancer_site varchar(30) NOT NULL,
        measure varchar(40) NOT NULL, value varchar(60) NOT NULL,
        referrals bigint NOT NULL DEFAULT 0, PRIMARY KEY ({LEVEL_KEY}))""",
    """CREATE TABLE reports_referral_followers (referral_id bigint PRIMARY KEY,
        followers bigint NOT NULL DEFAULT 0)""",
]


def _levels(levels: list[tuple[str, str, str]], row: str) -> str:
    return ", ".join("(" + ", ".join(part.format(row=row) for part in level) + ")" for level in levels)


def _chosen(conditions: dict[str, str]) -> str:
    """The names whose condition holds, as a subquery of one column."""
    pairs = ", ".join(
        f"('{name}', COALESCE({condition}, false))" for name, condition in conditions.items()
    )
    return f"SELECT chosen.name FROM (VALUES {pairs}) AS chosen(name, met) WHERE chosen.met"


def _measures(zone: str) -> tuple[str, str]:
    """(measure, value) of a referral c: its state, and its other measures."""
    flags = dict(rollups._flags("c"))
    others = [
        f"SELECT 'flag'::text, flagged.name::text FROM ({_chosen(flags)}) AS flagged",
        f"SELECT 'reason', given.reason FROM ({rollups._reasons('c')}) AS given",
        f"SELECT 'submitted_week', ({rollups._week('c.submitted_at', zone)})::text",
        f"SELECT 'issued_week', ({rollups._week('c.recommendation_issued_at', zone)})::text"
        " WHERE c.recommendation_issued_at IS NOT NULL",
        f"SELECT 'due:' || c.status, c.next_due::text WHERE c.status IN {OPEN}"
        " AND c.next_due IS NOT NULL",
    ]
    return "SELECT 'status'::text, c.status::text", " UNION ALL ".join(others)


def _level_upsert(
    source: str, condition: str, measures: str, levels: list, key_row: str, weight: str
) -> str:
    """Add `weight` of each row of `source` meeting `condition` to its `measures` (measure,
    value) at `levels` of `key_row` (the referral)."""
    return f"""
    INSERT INTO reports_level_count AS t ({LEVEL_KEY}, referrals)
    SELECT level.center, level.practice, level.site, m.measure, m.value, SUM({weight})
    FROM {source}
        CROSS JOIN LATERAL ({measures}) AS m(measure, value)
        CROSS JOIN LATERAL (VALUES {_levels(levels, key_row)}) AS level(center, practice, site)
    WHERE {condition}
    GROUP BY 1, 2, 3, 4, 5 HAVING SUM({weight}) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({LEVEL_KEY}) DO UPDATE SET referrals = t.referrals + EXCLUDED.referrals;
    """


def _linked_measures(table: str, row: str) -> str:
    counts = (
        histograms.RECOMMENDATION_COUNTS if table == "recommendation" else histograms.REVIEW_COUNTS
    )
    resolved = {name: condition.format(row=row) for name, condition in counts.items()}
    return f"SELECT 'linked'::text, measured.name::text FROM ({_chosen(resolved)}) AS measured"


def _linked_condition(table: str, row: str) -> str:
    condition = histograms.IN_FORCE if table == "recommendation" else histograms.SIGNED
    return condition.format(row=row)


def _referral_levels(
    changes: str, zone: str, operation: str, levels: list = histograms.LEVELS, measures=None
) -> str:
    """The level counts of the written referrals (`changes`, with sign); measures(zone): the
    (status, others) subqueries, by default _measures (a later migration adds some)."""
    status, others = (measures or _measures)(zone)
    written, submitted = f"({changes}) AS c", "c.submitted_at IS NOT NULL"
    statements = [
        _level_upsert(written, submitted, status, BREAKDOWN_LEVELS, "c", "c.sign"),
        _level_upsert(written, submitted, others, levels, "c", "c.sign"),
    ]
    # Their recommendations and reviews move with them (another center, site, practice).
    for table in ("recommendation", "pathologyreview"):
        statements.append(
            _level_upsert(
                f"({changes}) AS c JOIN referrals_{table} AS linked ON linked.referral_id = c.id",
                f"{submitted} AND {_linked_condition(table, 'linked')}",
                _linked_measures(table, "linked"),
                levels,
                "c",
                "c.sign",
            )
        )
    statements.append(_followed(changes, operation, levels))
    return "".join(statements)


def _followed(changes: str, operation: str, levels: list = histograms.LEVELS) -> str:
    """Keep the followers per referral, and move `followed` of every referral whose row or
    followers the statement changed: its version before (with its followers before) off,
    its version after on."""
    before = [
        "SELECT r.* FROM referrals_referral AS r JOIN affected ON affected.id = r.id"
        # NOT EXISTS, not NOT IN: an anti-join (NOT IN over a million ids that do not fit in
        # work_mem rescans them for every row).
        " WHERE NOT EXISTS (SELECT FROM c WHERE c.id = r.id)"
    ]
    if operation != "INSERT":
        before.append("SELECT o.* FROM old_rows AS o JOIN affected ON affected.id = o.id")
    levels = _levels(levels, "v")
    return f"""
    WITH c AS ({changes}),
    delta AS (
        SELECT c.previous_referral_id AS id, SUM(c.sign) AS followers FROM c
        WHERE c.submitted_at IS NOT NULL AND c.previous_referral_id IS NOT NULL
        GROUP BY 1 HAVING SUM(c.sign) <> 0
    ),
    kept AS (
        INSERT INTO reports_referral_followers AS t (referral_id, followers)
        SELECT id, followers FROM delta ORDER BY id
        ON CONFLICT (referral_id) DO UPDATE SET followers = t.followers + EXCLUDED.followers
    ),
    affected AS (SELECT id FROM c UNION SELECT id FROM delta),
    versions AS (
        SELECT v.*, -1 AS weight, COALESCE(f.followers, 0) AS followed_by
        FROM ({" UNION ALL ".join(before)}) AS v
        LEFT JOIN reports_referral_followers AS f ON f.referral_id = v.id
        UNION ALL
        SELECT v.*, 1, COALESCE(f.followers, 0) + COALESCE(delta.followers, 0)
        FROM referrals_referral AS v JOIN affected ON affected.id = v.id
        LEFT JOIN reports_referral_followers AS f ON f.referral_id = v.id
        LEFT JOIN delta ON delta.id = v.id
    )
    INSERT INTO reports_level_count AS t ({LEVEL_KEY}, referrals)
    SELECT level.center, level.practice, level.site, 'linked', 'followed', SUM(v.weight)
    FROM versions AS v
        CROSS JOIN LATERAL (VALUES {levels}) AS level(center, practice, site)
    WHERE v.submitted_at IS NOT NULL AND v.recommendation_issued_at IS NOT NULL
        AND v.opinion_number = 2 AND v.followed_by > 0
    GROUP BY 1, 2, 3, 4, 5 HAVING SUM(v.weight) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({LEVEL_KEY}) DO UPDATE SET referrals = t.referrals + EXCLUDED.referrals;
    """


def _referral_function(
    zone: str, levels: list = histograms.LEVELS, touch=None, measures=None
) -> str:
    """The referral trigger function. touch(changes): the statement marking the change, first
    in each branch; by default the one-row marker of 0006, first in the function. measures:
    as in _referral_levels."""
    branches = "\n    ELS".join(
        f"IF TG_OP = '{operation}' THEN {touch(changes) if touch else ''}"
        f"{per_statement._statements(changes, zone)}"
        f"{histograms._histogram_upsert(changes, levels)}"
        f"{histograms._linked_of_referrals(changes)}"
        f"{_referral_levels(changes, zone, operation, levels, measures)}"
        for operation, changes in per_statement.CHANGES.items()
    )
    return f"""
CREATE OR REPLACE FUNCTION reports_rollup_referrals_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {"" if touch else histograms.TOUCH}
    {branches}
    END IF;
    RETURN NULL;
END $$;
"""


def _linked_function(table: str, levels: list = histograms.LEVELS, touch=None) -> str:
    """The trigger function of the recommendations or the reviews; touch as in
    _referral_function."""
    counts = (
        histograms.RECOMMENDATION_COUNTS if table == "recommendation" else histograms.REVIEW_COUNTS
    )
    condition = histograms.IN_FORCE if table == "recommendation" else histograms.SIGNED
    branches = []
    for operation, changes in per_statement.CHANGES.items():
        rows = f"""({changes}) AS c JOIN referrals_referral AS r ON r.id = c.referral_id
            WHERE r.submitted_at IS NOT NULL AND {condition.format(row="c")}"""
        day_rollup = histograms._linked_upsert(rows, histograms._counted(counts, "c", "c.sign"))
        level_counts = _level_upsert(
            f"({changes}) AS c JOIN referrals_referral AS r ON r.id = c.referral_id",
            f"r.submitted_at IS NOT NULL AND {condition.format(row='c')}",
            _linked_measures(table, "c"),
            levels,
            "r",
            "c.sign",
        )
        touched = touch(changes) if touch else ""
        branches.append(f"IF TG_OP = '{operation}' THEN {touched}{day_rollup}{level_counts}")
    joined = "\n    ELS".join(branches)
    return f"""
CREATE OR REPLACE FUNCTION reports_rollup_{table}_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {"" if touch else histograms.TOUCH}
    {joined}
    END IF;
    RETURN NULL;
END $$;
"""


TRUNCATED = histograms.TRUNCATED.replace(
    "reports_referral_linked_rollup;",
    "reports_referral_linked_rollup, reports_level_count, reports_referral_followers;",
)


def _backfill(zone: str, levels: list = histograms.LEVELS, measures=None) -> list[str]:
    every = "SELECT r.*, 1 AS sign FROM referrals_referral AS r WHERE r.submitted_at IS NOT NULL"
    status, others = (measures or _measures)(zone)
    written = f"({every}) AS c"
    statements = [
        _level_upsert(written, "true", status, BREAKDOWN_LEVELS, "c", "1"),
        _level_upsert(written, "true", others, levels, "c", "1"),
    ]
    for table in ("recommendation", "pathologyreview"):
        statements.append(
            _level_upsert(
                f"referrals_{table} AS linked JOIN ({every}) AS c ON c.id = linked.referral_id",
                _linked_condition(table, "linked"),
                _linked_measures(table, "linked"),
                levels,
                "c",
                "1",
            )
        )
    statements += [
        """INSERT INTO reports_referral_followers (referral_id, followers)
           SELECT previous_referral_id, COUNT(*) FROM referrals_referral
           WHERE submitted_at IS NOT NULL AND previous_referral_id IS NOT NULL GROUP BY 1""",
        f"""INSERT INTO reports_level_count AS t ({LEVEL_KEY}, referrals)
           SELECT level.center, level.practice, level.site, 'linked', 'followed', COUNT(*)
           FROM referrals_referral AS v
           JOIN reports_referral_followers AS f ON f.referral_id = v.id AND f.followers > 0
           CROSS JOIN LATERAL (VALUES {_levels(levels, "v")})
               AS level(center, practice, site)
           WHERE v.submitted_at IS NOT NULL AND v.recommendation_issued_at IS NOT NULL
               AND v.opinion_number = 2
           GROUP BY 1, 2, 3, 4, 5""",
    ]
    return statements


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute(f"LOCK TABLE {histograms.LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    # The back-fill's sums in memory (until the migration's transaction ends).
    schema_editor.execute("SET LOCAL work_mem = '256MB'")
    statements = [
        *TABLES,
        _referral_function(zone),
        _linked_function("recommendation"),
        _linked_function("pathologyreview"),
        TRUNCATED,
        *_backfill(zone),
    ]
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute(f"LOCK TABLE {histograms.LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    for statement in [
        histograms._referral_function(zone),
        histograms._linked_function(
            "recommendation", histograms.RECOMMENDATION_COUNTS, histograms.IN_FORCE
        ).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
        histograms._linked_function(
            "pathologyreview", histograms.REVIEW_COUNTS, histograms.SIGNED
        ).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
        histograms.TRUNCATED,
        "DROP TABLE reports_level_count",
        "DROP TABLE reports_referral_followers",
    ]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reports", "0007_drop_referral_report_days_indexes")]

    operations = [migrations.RunPython(create, drop)]
