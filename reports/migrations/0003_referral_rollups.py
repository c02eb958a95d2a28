"""Rollup counts of the submitted referrals, kept up to date by triggers (PostgreSQL only).

The report's counts (per state, reason, site and center, totals, turnaround buckets, stage
counts, return and third-opinion denominators) and its weekly series are sums over these
few tens of thousands of rows instead of a pass over a million referrals
(reports.rollups reads them). Keyed by the local submission date (the zone of
settings.TIME_ZONE when this migration ran: the day the report's from/to filters and weeks
use), receiving center, referring organization, cancer site (and state, reason or week of
the recommendation). Each referral adds 1 to its key's counts (and to the flag columns it
meets); an AFTER trigger on referrals_referral takes a changed or deleted referral's
contribution off its old key and adds it to its new one, by INSERT ... ON CONFLICT DO
UPDATE, so concurrent writers add up instead of overwriting each other. The back-fill runs
in the same transaction as the triggers' creation, under a SHARE lock (writes wait, reads
do not), so no referral is counted twice or missed. SQLite (embedded `make run`) has none:
the report counts the referrals there.
"""

from django.conf import settings
from django.db import migrations

# Written out (a migration stays as it ran): reports.queries.STAGES, DISTRIBUTION_BUCKETS.
STAGES = [
    ("submitted_to_recommendation", "submitted_at", "recommendation_issued_at"),
    ("triage", "submitted_at", "accepted_at"),
    ("records", "accepted_at", "review_started_at"),
    ("review", "review_started_at", "recommendation_issued_at"),
    ("return", "recommendation_issued_at", "returned_at"),
]
BUCKET_SECONDS = "ARRAY[0, 604800, 1209600, 1814400, 2592000, 3888000]::float8[]"
BUCKETS = 6
# The columns a rollup row depends on: an update touching none of them changes no count.
COUNTED_COLUMNS = [
    "submitted_at", "receiving_center_id", "referring_organization_id", "cancer_site",
    "status", "reasons", "accepted_at", "review_started_at", "recommendation_issued_at",
    "returned_at", "opinion_number",
]  # fmt: skip
KEY = "day, receiving_center_id, referring_organization_id, cancer_site"


def _flags(row: str) -> list[tuple[str, str]]:
    """(column, condition) of each flag counted in reports_referral_rollup."""
    issued = f"{row}.recommendation_issued_at IS NOT NULL"
    bucket = (
        f"WIDTH_BUCKET(DATE_PART('epoch', {row}.recommendation_issued_at - {row}.submitted_at),"
        f" {BUCKET_SECONDS})"
    )
    flags = [
        ("issued", issued),
        ("returned", f"{issued} AND {row}.returned_at IS NOT NULL"),
        ("second_opinions_issued", f"{issued} AND {row}.opinion_number = 2"),
    ]
    flags += [(f"bucket_{index}", f"{bucket} = {index + 1}") for index in range(BUCKETS)]
    flags += [
        (f"count_{stage}", f"{row}.{start} IS NOT NULL AND {row}.{end} IS NOT NULL")
        for stage, start, end in STAGES
    ]
    return flags


FLAG_COLUMNS = [column for column, _ in _flags("r")]


def _day(column: str, zone: str) -> str:
    return f"({column} AT TIME ZONE '{zone}')::date"


def _reasons(row: str) -> str:
    """The distinct reasons of a referral (its list; anything else gives none)."""
    return (
        f"SELECT DISTINCT reason FROM jsonb_array_elements_text(CASE WHEN "
        f"jsonb_typeof({row}.reasons) = 'array' THEN {row}.reasons ELSE '[]' END) AS reason"
    )


def _week(column: str, zone: str) -> str:
    return f"DATE_TRUNC('week', {column} AT TIME ZONE '{zone}')::date"


def _tables() -> list[str]:
    counts = ", ".join(f"{column} bigint NOT NULL DEFAULT 0" for column in FLAG_COLUMNS)
    dimensions = """
        day date NOT NULL, receiving_center_id bigint NOT NULL,
        referring_organization_id bigint NOT NULL, cancer_site varchar(30) NOT NULL
    """
    return [
        f"""CREATE TABLE reports_referral_rollup ({dimensions}, status varchar(30) NOT NULL,
            referrals bigint NOT NULL DEFAULT 0, {counts},
            PRIMARY KEY ({KEY}, status))""",
        f"""CREATE TABLE reports_referral_reason_rollup ({dimensions},
            reason varchar(50) NOT NULL, referrals bigint NOT NULL DEFAULT 0,
            PRIMARY KEY ({KEY}, reason))""",
        f"""CREATE TABLE reports_referral_issued_rollup ({dimensions},
            issued_week date NOT NULL, referrals bigint NOT NULL DEFAULT 0,
            PRIMARY KEY ({KEY}, issued_week))""",
    ]


def _function(zone: str) -> str:
    flags = _flags("r")
    added = ", ".join(f"{column} = t.{column} + EXCLUDED.{column}" for column in FLAG_COLUMNS)
    return f"""
CREATE FUNCTION reports_rollup_add(r referrals_referral, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF r.submitted_at IS NULL THEN
        RETURN;  -- drafts are in no report
    END IF;
    INSERT INTO reports_referral_rollup AS t ({KEY}, status, referrals,
        {", ".join(FLAG_COLUMNS)})
    VALUES ({_day("r.submitted_at", zone)}, r.receiving_center_id,
        r.referring_organization_id, r.cancer_site, r.status, sign,
        {", ".join(f"sign * COALESCE({condition}, false)::int" for _, condition in flags)})
    ON CONFLICT ({KEY}, status) DO UPDATE SET referrals = t.referrals + EXCLUDED.referrals,
        {added};
    INSERT INTO reports_referral_reason_rollup AS t ({KEY}, reason, referrals)
    SELECT {_day("r.submitted_at", zone)}, r.receiving_center_id,
        r.referring_organization_id, r.cancer_site, reason, sign FROM ({_reasons("r")}) AS given
    ON CONFLICT ({KEY}, reason) DO UPDATE SET referrals = t.referrals + EXCLUDED.referrals;
    IF r.recommendation_issued_at IS NOT NULL THEN
        INSERT INTO reports_referral_issued_rollup AS t ({KEY}, issued_week, referrals)
        VALUES ({_day("r.submitted_at", zone)}, r.receiving_center_id,
            r.referring_organization_id, r.cancer_site,
            {_week("r.recommendation_issued_at", zone)}, sign)
        ON CONFLICT ({KEY}, issued_week) DO UPDATE
        SET referrals = t.referrals + EXCLUDED.referrals;
    END IF;
END $$;

CREATE FUNCTION reports_rollup_referral_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM reports_rollup_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM reports_rollup_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION reports_rollup_referrals_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE reports_referral_rollup, reports_referral_reason_rollup,
        reports_referral_issued_rollup;
    RETURN NULL;
END $$;
"""


def _triggers() -> list[str]:
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in COUNTED_COLUMNS)
    return [
        """CREATE TRIGGER reports_rollup_insert_delete AFTER INSERT OR DELETE
           ON referrals_referral FOR EACH ROW EXECUTE FUNCTION reports_rollup_referral_changed()""",
        f"""CREATE TRIGGER reports_rollup_update AFTER UPDATE OF {", ".join(COUNTED_COLUMNS)}
           ON referrals_referral FOR EACH ROW WHEN ({changed})
           EXECUTE FUNCTION reports_rollup_referral_changed()""",
        # A truncated table (test database flushes) leaves nothing to count.
        """CREATE TRIGGER reports_rollup_truncate AFTER TRUNCATE ON referrals_referral
           FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_referrals_truncated()""",
    ]


def _backfill(zone: str) -> list[str]:
    day = _day("r.submitted_at", zone)
    flags = ", ".join(f"COUNT(*) FILTER (WHERE {condition})" for _, condition in _flags("r"))
    dimensions = "r.receiving_center_id, r.referring_organization_id, r.cancer_site"
    return [
        f"""INSERT INTO reports_referral_rollup ({KEY}, status, referrals,
            {", ".join(FLAG_COLUMNS)})
            SELECT {day}, {dimensions}, r.status, COUNT(*), {flags}
            FROM referrals_referral AS r WHERE r.submitted_at IS NOT NULL
            GROUP BY 1, 2, 3, 4, 5""",
        f"""INSERT INTO reports_referral_reason_rollup ({KEY}, reason, referrals)
            SELECT {day}, {dimensions}, given.reason, COUNT(*)
            FROM referrals_referral AS r, LATERAL ({_reasons("r")}) AS given
            WHERE r.submitted_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5""",
        f"""INSERT INTO reports_referral_issued_rollup ({KEY}, issued_week, referrals)
            SELECT {day}, {dimensions}, {_week("r.recommendation_issued_at", zone)}, COUNT(*)
            FROM referrals_referral AS r
            WHERE r.submitted_at IS NOT NULL AND r.recommendation_issued_at IS NOT NULL
            GROUP BY 1, 2, 3, 4, 5""",
    ]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute("LOCK TABLE referrals_referral IN SHARE MODE")
    for statement in [*_tables(), _function(zone), *_triggers(), *_backfill(zone)]:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in [
        "DROP TRIGGER IF EXISTS reports_rollup_insert_delete ON referrals_referral",
        "DROP TRIGGER IF EXISTS reports_rollup_update ON referrals_referral",
        "DROP TRIGGER IF EXISTS reports_rollup_truncate ON referrals_referral",
        "DROP FUNCTION IF EXISTS reports_rollup_referrals_truncated()",
        "DROP FUNCTION IF EXISTS reports_rollup_referral_changed()",
        "DROP FUNCTION IF EXISTS reports_rollup_add(referrals_referral, integer)",
        "DROP TABLE IF EXISTS reports_referral_rollup",
        "DROP TABLE IF EXISTS reports_referral_reason_rollup",
        "DROP TABLE IF EXISTS reports_referral_issued_rollup",
    ]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_referral_report_days_indexes"),
        ("referrals", "0005_referral_newest_first_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
