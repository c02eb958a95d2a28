"""The consults' attendance and the slides' returns in the level counts (PostgreSQL only).

The summary without a period counted them from their tables (reports.flow): every
consultation, earlier appointment and dated record item, one each per referral or more, so
its cost grew with the referrals. Now `reports_level_count` holds, per level of the referral
(0009's centers' levels), of the submitted referrals:

- `attendance` by `attended` / `no_show`: consultations (their current appointment);
- `earlier_attendance` by `no_show`: their earlier appointments that were missed;
- `slides` by `with_date` / `returned_late`: record items with a return date, and those
  returned (local date, settings.TIME_ZONE as every rollup) after it;
- `slide_out_due` by return date: items still at the center (received) with a return date;
  those before today are late now, as the open referrals' `due:` measures.

Kept by statement triggers on the three tables (each first moves its centers' change
markers, as 0009's do) and by a second trigger on the referrals, which moves these counts
with a referral that changes center, practice, site or submission (it fires after the
rollup trigger of the same statement, which has taken the markers: names in order). Truncating
one of the tables takes its measures out. `reports_rollups_rebuild()` counts them too.
Back-filled under the rollups' lock.
"""

import importlib

from django.conf import settings
from django.db import migrations

per_statement = importlib.import_module("reports.migrations.0005_referral_rollups_per_statement")
levels = importlib.import_module("reports.migrations.0008_summary_level_counts")
centers = importlib.import_module("reports.migrations.0009_rollups_per_center_change_markers_rebuild")
reasons = importlib.import_module("reports.migrations.0010_level_counts_of_decline_and_cancel_reasons")

# (measure, value, condition) of one row `c` of each table.
MEASURES = {
    "consultation": [
        ("attendance", "'attended'", "c.attendance = 'attended'"),
        ("attendance", "'no_show'", "c.attendance = 'no_show'"),
    ],
    "consultationappointment": [
        ("earlier_attendance", "'no_show'", "c.attendance = 'no_show'"),
    ],
    "recorditem": [
        ("slides", "'with_date'", "c.return_due IS NOT NULL"),
        (
            "slides",
            "'returned_late'",
            "c.status = 'returned' AND c.return_due IS NOT NULL"
            " AND (c.returned_at AT TIME ZONE '{zone}')::date > c.return_due",
        ),
        ("slide_out_due", "c.return_due::text", "c.status = 'received' AND c.return_due IS NOT NULL"),
    ],
}
# How a row `c` of each table reaches its referral `r`.
TO_REFERRAL = {
    "consultation": "JOIN referrals_referral AS r ON r.id = c.referral_id",
    "consultationappointment": """JOIN referrals_consultation AS consult
        ON consult.id = c.consultation_id
        JOIN referrals_referral AS r ON r.id = consult.referral_id""",
    "recorditem": "JOIN referrals_referral AS r ON r.id = c.referral_id",
}
# How the rows `c` of each table hang off a referral `r`.
FROM_REFERRAL = {
    "consultation": "JOIN referrals_consultation AS c ON c.referral_id = r.id",
    "consultationappointment": """JOIN referrals_consultation AS consult
        ON consult.referral_id = r.id
        JOIN referrals_consultationappointment AS c ON c.consultation_id = consult.id""",
    "recorditem": "JOIN referrals_recorditem AS c ON c.referral_id = r.id",
}
LOCKED = (
    "referrals_referral, referrals_recommendation, referrals_pathologyreview, "
    "referrals_consultation, referrals_consultationappointment, referrals_recorditem"
)
SUBMITTED = "r.submitted_at IS NOT NULL"
ELSE_IF = "\n    ELS"  # joins branches "IF TG_OP = ..." into ELSIF


def _measures(table: str, zone: str) -> str:
    """(measure, value) of the row `c`, as a subquery."""
    rows = ", ".join(
        f"('{measure}'::text, ({value})::text, COALESCE({condition.format(zone=zone)}, false))"
        for measure, value, condition in MEASURES[table]
    )
    return f"SELECT m.measure, m.value FROM (VALUES {rows}) AS m(measure, value, met) WHERE m.met"


def _names(table: str) -> str:
    return ", ".join(sorted({f"'{measure}'" for measure, *_ in MEASURES[table]}))


def _table_function(table: str, zone: str) -> str:
    """The trigger function of one of the three tables: its centers' markers, then its rows'
    measures (sign: +1 new, -1 old)."""
    branches = []
    for operation, changes in per_statement.CHANGES.items():
        source = f"({changes}) AS c {TO_REFERRAL[table]}"
        mark = centers.MARK.format(
            centers=f"SELECT DISTINCT r.receiving_center_id FROM {source}"
            f" WHERE {SUBMITTED} AND r.receiving_center_id IS NOT NULL"
        )
        upsert = levels._level_upsert(
            source, SUBMITTED, _measures(table, zone), centers.CENTER_LEVELS, "r", "c.sign"
        )
        if table == "consultation":  # its earlier appointments move with it
            upsert += levels._level_upsert(
                f"""({changes}) AS consult
                JOIN referrals_consultationappointment AS c ON c.consultation_id = consult.id
                JOIN referrals_referral AS r ON r.id = consult.referral_id""",
                SUBMITTED,
                _measures("consultationappointment", zone),
                centers.CENTER_LEVELS,
                "r",
                "consult.sign",
            )
        branches.append(f"IF TG_OP = '{operation}' THEN {mark}{upsert}")
    return f"""
CREATE OR REPLACE FUNCTION reports_rollup_{table}_flow_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {ELSE_IF.join(branches)}
    END IF;
    RETURN NULL;
END $$;
"""


def _truncated_function(table: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION reports_rollup_{table}_flow_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {centers.TOUCH_ALL}
    DELETE FROM reports_level_count WHERE measure IN ({_names(table)});
    RETURN NULL;
END $$;
"""


def _referral_function(zone: str) -> str:
    """The referrals' second trigger: the three tables' measures move with their referral
    (the version before off, the version after on; nothing moves for a change of state)."""
    branches = []
    for operation, changes in per_statement.CHANGES.items():
        upserts = "".join(
            levels._level_upsert(
                f"({changes}) AS r {FROM_REFERRAL[table]}",
                SUBMITTED,
                _measures(table, zone),
                centers.CENTER_LEVELS,
                "r",
                "r.sign",
            )
            for table in MEASURES
        )
        branches.append(f"IF TG_OP = '{operation}' THEN {upserts}")
    return f"""
CREATE OR REPLACE FUNCTION reports_rollup_referrals_flow_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {ELSE_IF.join(branches)}
    END IF;
    RETURN NULL;
END $$;
"""


def _triggers(table: str, function: str, suffix: str) -> list[str]:
    return [
        f"""CREATE TRIGGER reports_rollup_inserted{suffix} AFTER INSERT ON {table}
           REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}""",
        f"""CREATE TRIGGER reports_rollup_updated{suffix} AFTER UPDATE ON {table}
           REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
           FOR EACH STATEMENT EXECUTE FUNCTION {function}""",
        f"""CREATE TRIGGER reports_rollup_deleted{suffix} AFTER DELETE ON {table}
           REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}""",
    ]


def _backfills(zone: str) -> list[str]:
    """The three tables' measures counted from their rows (into rows without them)."""
    return [
        levels._level_upsert(
            f"referrals_{table} AS c {TO_REFERRAL[table]}",
            SUBMITTED,
            _measures(table, zone),
            centers.CENTER_LEVELS,
            "r",
            "1",
        )
        for table in MEASURES
    ]


def _rebuild_function(zone: str) -> str:
    return centers._rebuild_function(
        zone, measures=reasons._measures, more=tuple(_backfills(zone)), locked=LOCKED
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute(f"LOCK TABLE {LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    statements = [_referral_function(zone)]
    # After the referrals' rollup trigger of the same name (which takes the markers first).
    statements += _triggers(
        "referrals_referral", "reports_rollup_referrals_flow_moved()", "_then_flow"
    )
    for table in MEASURES:
        statements += [
            _table_function(table, zone),
            _truncated_function(table),
            *_triggers(f"referrals_{table}", f"reports_rollup_{table}_flow_written()", ""),
            f"""CREATE TRIGGER reports_rollup_truncated AFTER TRUNCATE ON referrals_{table}
               FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_{table}_flow_truncated()""",
        ]
    statements += [_rebuild_function(zone), *_backfills(zone), centers.TOUCH_ALL]
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute(f"LOCK TABLE {LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    statements = []
    for table, suffix in [("referral", "_then_flow"), *((table, "") for table in MEASURES)]:
        for trigger in ("inserted", "updated", "deleted"):
            statements.append(
                f"DROP TRIGGER reports_rollup_{trigger}{suffix} ON referrals_{table}"
            )
    for table in MEASURES:
        statements += [
            f"DROP TRIGGER reports_rollup_truncated ON referrals_{table}",
            f"DROP FUNCTION reports_rollup_{table}_flow_written()",
            f"DROP FUNCTION reports_rollup_{table}_flow_truncated()",
            f"DELETE FROM reports_level_count WHERE measure IN ({_names(table)})",
        ]
    statements += [
        "DROP FUNCTION reports_rollup_referrals_flow_moved()",
        centers._rebuild_function(zone, measures=reasons._measures),
        centers.TOUCH_ALL,
    ]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0011_everything_level_in_group_order"),
        ("referrals", "0019_new_columns_default_in_the_database"),
    ]

    operations = [migrations.RunPython(create, drop)]
