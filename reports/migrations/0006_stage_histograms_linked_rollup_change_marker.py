"""The rest of the summary pre-aggregated by the same per-statement triggers (PostgreSQL only).

1. `reports_stage_histogram`: how many referrals took each duration of each stage, in whole
   hundredths of a day (centidays, rounded half up: the report's figures are shown to 0.01
   day), so the median and the 90th percentile are read from a few thousand rows instead of
   a million durations. Its levels (center, practice, site; 0 or '' standing for "all") are
   those the report asks without a period: everything, one center, one practice, one site,
   one center's or one practice's site. Every referral counts once at each level.
2. `reports_referral_linked_rollup`: per rollup key (local submission day, center, practice,
   site), the recommendations in force (with a trial, suggesting a third opinion, per
   concordance) and the signed pathology reviews (with a major discrepancy) of the submitted
   referrals; kept by statement triggers on the recommendations and the reviews, and moved by
   the referral trigger when a referral changes key (or is submitted).
3. `reports_rollup_change`: one row, the version and time of the last write to anything the
   summary shows (the dashboard's ETag and Last-Modified). Every trigger touches it first:
   the writers of referrals, recommendations and reviews therefore take the rollups' locks
   one transaction at a time (no deadlock between rollup rows; referral writes are a few a
   second, each short).

Everything is back-filled under a SHARE ROW EXCLUSIVE lock on the three tables (writes wait,
reads do not). The truncate trigger empties the new tables too.
"""

import importlib

from django.conf import settings
from django.db import migrations

rollups = importlib.import_module("reports.migrations.0003_referral_rollups")
per_statement = importlib.import_module("reports.migrations.0005_referral_rollups_per_statement")
KEY, STAGES = rollups.KEY, rollups.STAGES

# A stage's duration in centidays, as reports.queries.centidays computes it in Python.
CENTIDAYS = "FLOOR(DATE_PART('epoch', {row}.{end} - {row}.{start}) / 864.0 + 0.5)::integer"
# (center, practice, site) of each level; 0 and '' mean all.
LEVELS = [
    ("0", "0", "''"),
    ("{row}.receiving_center_id", "0", "''"),
    ("0", "{row}.referring_organization_id", "''"),
    ("0", "0", "{row}.cancer_site"),
    ("{row}.receiving_center_id", "0", "{row}.cancer_site"),
    ("0", "{row}.referring_organization_id", "{row}.cancer_site"),
]
HISTOGRAM_KEY = "receiving_center_id, referring_organization_id, cancer_site, stage, centidays"
LINKED_COLUMNS = [
    "in_force", "naming_a_trial", "suggesting_third_opinion", "concurs", "modifies", "differs",
    "signed_reviews", "major_discrepancies",
]  # fmt: skip
RECOMMENDATION_COUNTS = {
    "in_force": "true",
    "naming_a_trial": "{row}.clinical_trials <> '[]'::jsonb",
    "suggesting_third_opinion": "{row}.third_opinion_suggested",
    "concurs": "{row}.concordance = 'concurs'",
    "modifies": "{row}.concordance = 'modifies'",
    "differs": "{row}.concordance = 'differs'",
}
IN_FORCE = "{row}.signed_at IS NOT NULL AND {row}.superseded_at IS NULL"
REVIEW_COUNTS = {"signed_reviews": "true", "major_discrepancies": "{row}.discrepancy = 'major'"}
SIGNED = "{row}.signed_at IS NOT NULL"
TOUCH = """UPDATE reports_rollup_change SET version = version + 1,
    changed_at = GREATEST(clock_timestamp(), changed_at + interval '1 microsecond');"""

TABLES = [
    f"""CREATE TABLE reports_stage_histogram (receiving_center_id bigint NOT NULL,
        referring_organization_id bigint NOT NULL, cancer_site varchar(30) NOT NULL,
        stage varchar(40) NOT NULL, centidays integer NOT NULL,
        referrals bigint NOT NULL DEFAULT 0, PRIMARY KEY ({HISTOGRAM_KEY}))""",
    f"""CREATE TABLE reports_referral_linked_rollup (day date NOT NULL,
        receiving_center_id bigint NOT NULL, referring_organization_id bigint NOT NULL,
        cancer_site varchar(30) NOT NULL,
        {", ".join(f"{column} bigint NOT NULL DEFAULT 0" for column in LINKED_COLUMNS)},
        PRIMARY KEY ({KEY}))""",
    """CREATE TABLE reports_rollup_change (only_row boolean PRIMARY KEY DEFAULT true
        CHECK (only_row), version bigint NOT NULL, changed_at timestamptz NOT NULL)""",
    "INSERT INTO reports_rollup_change (version, changed_at) VALUES (1, clock_timestamp())",
]


def _histogram_upsert(changes: str, levels: list = LEVELS) -> str:
    """Add the summed stage durations of `changes` (alias c, with sign) at every level."""
    stages = ", ".join(
        f"('{stage}', {CENTIDAYS.format(row='c', start=start, end=end)})"
        for stage, start, end in STAGES
    )
    levels = ", ".join(
        "(" + ", ".join(part.format(row="c") for part in level) + ")" for level in levels
    )
    return f"""
    WITH c AS ({changes})
    INSERT INTO reports_stage_histogram AS t ({HISTOGRAM_KEY}, referrals)
    SELECT level.center, level.practice, level.site, stage.name, stage.centidays, SUM(c.sign)
    FROM c CROSS JOIN LATERAL (VALUES {stages}) AS stage(name, centidays)
        CROSS JOIN LATERAL (VALUES {levels}) AS level(center, practice, site)
    WHERE c.submitted_at IS NOT NULL AND stage.centidays IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5 HAVING SUM(c.sign) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({HISTOGRAM_KEY}) DO UPDATE SET referrals = t.referrals + EXCLUDED.referrals;
    """


def _linked_upsert(rows: str, sums: dict[str, str]) -> str:
    """Add `sums` (column: SQL over `rows`, keyed by the referral r) to the linked rollup."""
    day = rollups._day("r.submitted_at", settings.TIME_ZONE)
    columns = list(sums)
    nonzero = " OR ".join(f"{sums[column]} <> 0" for column in columns)
    added = ", ".join(f"{column} = t.{column} + EXCLUDED.{column}" for column in columns)
    return f"""
    INSERT INTO reports_referral_linked_rollup AS t ({KEY}, {", ".join(columns)})
    SELECT {day}, r.receiving_center_id, r.referring_organization_id, r.cancer_site,
        {", ".join(sums.values())}
    FROM {rows}
    GROUP BY 1, 2, 3, 4 HAVING {nonzero} ORDER BY 1, 2, 3, 4
    ON CONFLICT ({KEY}) DO UPDATE SET {added};
    """


def _counted(counts: dict[str, str], row: str, weight: str) -> dict[str, str]:
    return {
        column: f"COALESCE(SUM({weight}) FILTER (WHERE {condition.format(row=row)}), 0)"
        for column, condition in counts.items()
    }


def _linked_of_referrals(changes: str) -> str:
    """Move the recommendations and reviews of the written referrals (`changes`, alias r,
    with sign) with them: off their old key, onto their new one."""
    recommendations = _linked_upsert(
        f"""({changes}) AS r JOIN referrals_recommendation AS linked ON linked.referral_id = r.id
        WHERE r.submitted_at IS NOT NULL AND {IN_FORCE.format(row="linked")}""",
        _counted(RECOMMENDATION_COUNTS, "linked", "r.sign"),
    )
    reviews = _linked_upsert(
        f"""({changes}) AS r JOIN referrals_pathologyreview AS linked
            ON linked.referral_id = r.id
        WHERE r.submitted_at IS NOT NULL AND {SIGNED.format(row="linked")}""",
        _counted(REVIEW_COUNTS, "linked", "r.sign"),
    )
    return recommendations + reviews


def _referral_function(zone: str) -> str:
    branches = "\n    ELS".join(
        f"IF TG_OP = '{operation}' THEN {per_statement._statements(changes, zone)}"
        f"{_histogram_upsert(changes)}{_linked_of_referrals(changes)}"
        for operation, changes in per_statement.CHANGES.items()
    )
    return f"""
CREATE OR REPLACE FUNCTION reports_rollup_referrals_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {TOUCH}
    {branches}
    END IF;
    RETURN NULL;
END $$;
"""


def _linked_function(table: str, counts: dict[str, str], condition: str) -> str:
    """The trigger function of the recommendations or the reviews (`table`)."""
    branches = []
    for operation, changes in per_statement.CHANGES.items():
        rows = f"""({changes}) AS c JOIN referrals_referral AS r ON r.id = c.referral_id
            WHERE r.submitted_at IS NOT NULL AND {condition.format(row="c")}"""
        branches.append(
            f"IF TG_OP = '{operation}' THEN {_linked_upsert(rows, _counted(counts, 'c', 'c.sign'))}"
        )
    joined = "\n    ELS".join(branches)
    return f"""
CREATE FUNCTION reports_rollup_{table}_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {TOUCH}
    {joined}
    END IF;
    RETURN NULL;
END $$;
"""


TRUNCATED = f"""
CREATE OR REPLACE FUNCTION reports_rollup_referrals_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {TOUCH}
    TRUNCATE reports_referral_rollup, reports_referral_reason_rollup,
        reports_referral_issued_rollup, reports_stage_histogram, reports_referral_linked_rollup;
    RETURN NULL;
END $$;
"""
TOUCHED = f"""
CREATE FUNCTION reports_rollup_touched() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {TOUCH}
    RETURN NULL;
END $$;
"""


def _linked_triggers() -> list[str]:
    statements = []
    for table in ("recommendation", "pathologyreview"):
        function = f"reports_rollup_{table}_written()"
        statements += [
            f"""CREATE TRIGGER reports_rollup_inserted AFTER INSERT ON referrals_{table}
               REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}""",
            f"""CREATE TRIGGER reports_rollup_updated AFTER UPDATE ON referrals_{table}
               REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
               FOR EACH STATEMENT EXECUTE FUNCTION {function}""",
            f"""CREATE TRIGGER reports_rollup_deleted AFTER DELETE ON referrals_{table}
               REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}""",
            f"""CREATE TRIGGER reports_rollup_truncated AFTER TRUNCATE ON referrals_{table}
               FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_touched()""",
        ]
    # The centers' names are in the summary.
    statements.append(
        """CREATE TRIGGER reports_rollup_organization_changed AFTER UPDATE
           ON accounts_organization FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_touched()"""
    )
    return statements


def _backfill() -> list[str]:
    every = "SELECT r.*, 1 AS sign FROM referrals_referral AS r WHERE r.submitted_at IS NOT NULL"
    return [
        _histogram_upsert(every),
        _linked_upsert(
            f"""referrals_recommendation AS linked JOIN referrals_referral AS r
                ON r.id = linked.referral_id
            WHERE r.submitted_at IS NOT NULL AND {IN_FORCE.format(row="linked")}""",
            _counted(RECOMMENDATION_COUNTS, "linked", "1"),
        ),
        _linked_upsert(
            f"""referrals_pathologyreview AS linked JOIN referrals_referral AS r
                ON r.id = linked.referral_id
            WHERE r.submitted_at IS NOT NULL AND {SIGNED.format(row="linked")}""",
            _counted(REVIEW_COUNTS, "linked", "1"),
        ),
    ]


LOCKED = "referrals_referral, referrals_recommendation, referrals_pathologyreview"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute(f"LOCK TABLE {LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    statements = [*TABLES, _referral_function(zone), TRUNCATED, TOUCHED]
    statements += [
        _linked_function("recommendation", RECOMMENDATION_COUNTS, IN_FORCE),
        _linked_function("pathologyreview", REVIEW_COUNTS, SIGNED),
        *_linked_triggers(),
        *_backfill(),
    ]
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"LOCK TABLE {LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    statements = []
    for table in ("recommendation", "pathologyreview"):
        for trigger in ("inserted", "updated", "deleted", "truncated"):
            statements.append(f"DROP TRIGGER reports_rollup_{trigger} ON referrals_{table}")
        statements.append(f"DROP FUNCTION reports_rollup_{table}_written()")
    statements += [
        "DROP TRIGGER reports_rollup_organization_changed ON accounts_organization",
        "DROP FUNCTION reports_rollup_touched()",
        # 0005's referral function and 0003's truncate function again.
        per_statement._function(settings.TIME_ZONE).replace(
            "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
        ),
        TRUNCATED_BEFORE,
        "DROP TABLE reports_stage_histogram",
        "DROP TABLE reports_referral_linked_rollup",
        "DROP TABLE reports_rollup_change",
    ]
    for statement in statements:
        schema_editor.execute(statement)


TRUNCATED_BEFORE = """
CREATE OR REPLACE FUNCTION reports_rollup_referrals_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE reports_referral_rollup, reports_referral_reason_rollup,
        reports_referral_issued_rollup;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_referral_rollups_per_statement"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
