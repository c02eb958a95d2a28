"""The rollups (migration reports 0003) kept up to date once per statement, not once per row.

The row-level triggers of 0003 add each changed referral to its rollup rows one by one. A
statement that writes many referrals (a bulk load, an import, a mass update) then updates the
same few rollup rows again and again in one transaction, and each new version of a row makes
the next update of it slower (a million referrals in one INSERT had not finished after 22
minutes; per statement they load in about 70 s). Here one trigger per statement
reads the rows it wrote from its transition tables, sums their contributions per rollup key,
and adds each sum that is not zero once, in key order (so concurrent writers take the rollup
rows' locks in the same order). An update that changes no counted column writes nothing. The
rollups keep their meaning and their contents: nothing is rebuilt. PostgreSQL only.
"""

import importlib

from django.conf import settings
from django.db import migrations

rollups = importlib.import_module("reports.migrations.0003_referral_rollups")
KEY, FLAG_COLUMNS = rollups.KEY, rollups.FLAG_COLUMNS

# The rows each statement wrote, with the sign of their contribution. An update takes every
# old row off and adds every new one: a referral whose counted columns did not change cancels
# out within its key, and the HAVING clauses leave out keys whose sums are all zero, so such
# an update writes no rollup row. (No join of the old and new rows by id: transition tables
# have no index, and a join made a 3,000-row update take seconds.)
CHANGES = {
    "INSERT": "SELECT n.*, 1 AS sign FROM new_rows AS n",
    "DELETE": "SELECT o.*, -1 AS sign FROM old_rows AS o",
    "UPDATE": """SELECT n.*, 1 AS sign FROM new_rows AS n
        UNION ALL SELECT o.*, -1 AS sign FROM old_rows AS o""",
}
DIMENSIONS = "c.receiving_center_id, c.referring_organization_id, c.cancer_site"


def _statements(changes: str, zone: str) -> str:
    """The three rollups' upserts of the summed contributions of `changes` (alias c)."""
    day = rollups._day("c.submitted_at", zone)
    sums = ["SUM(c.sign)"] + [
        f"SUM(c.sign * COALESCE({condition}, false)::int)" for _, condition in rollups._flags("c")
    ]
    nonzero = " OR ".join(f"{total} <> 0" for total in sums)
    added = ", ".join(f"{column} = t.{column} + EXCLUDED.{column}" for column in FLAG_COLUMNS)
    return f"""
    WITH c AS ({changes})
    INSERT INTO reports_referral_rollup AS t ({KEY}, status, referrals, {", ".join(FLAG_COLUMNS)})
    SELECT {day}, {DIMENSIONS}, c.status, {", ".join(sums)}
    FROM c WHERE c.submitted_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5 HAVING {nonzero} ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({KEY}, status) DO UPDATE SET referrals = t.referrals + EXCLUDED.referrals,
        {added};

    WITH c AS ({changes})
    INSERT INTO reports_referral_reason_rollup AS t ({KEY}, reason, referrals)
    SELECT {day}, {DIMENSIONS}, given.reason, SUM(c.sign)
    FROM c, LATERAL ({rollups._reasons("c")}) AS given WHERE c.submitted_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5 HAVING SUM(c.sign) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({KEY}, reason) DO UPDATE SET referrals = t.referrals + EXCLUDED.referrals;

    WITH c AS ({changes})
    INSERT INTO reports_referral_issued_rollup AS t ({KEY}, issued_week, referrals)
    SELECT {day}, {DIMENSIONS}, {rollups._week("c.recommendation_issued_at", zone)}, SUM(c.sign)
    FROM c WHERE c.submitted_at IS NOT NULL AND c.recommendation_issued_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5 HAVING SUM(c.sign) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({KEY}, issued_week) DO UPDATE SET referrals = t.referrals + EXCLUDED.referrals;
    """


def _function(zone: str) -> str:
    branches = "\n    ELS".join(
        f"IF TG_OP = '{operation}' THEN {_statements(changes, zone)}"
        for operation, changes in CHANGES.items()
    )
    return f"""
CREATE FUNCTION reports_rollup_referrals_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {branches}
    END IF;
    RETURN NULL;
END $$;
"""


# Transition tables allow one event per trigger and no column list.
TRIGGERS = [
    """CREATE TRIGGER reports_rollup_inserted AFTER INSERT ON referrals_referral
       REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_referrals_written()""",
    """CREATE TRIGGER reports_rollup_updated AFTER UPDATE ON referrals_referral
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_referrals_written()""",
    """CREATE TRIGGER reports_rollup_deleted AFTER DELETE ON referrals_referral
       REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_referrals_written()""",
]
ROW_LEVEL = [
    "DROP TRIGGER reports_rollup_insert_delete ON referrals_referral",
    "DROP TRIGGER reports_rollup_update ON referrals_referral",
    "DROP FUNCTION reports_rollup_referral_changed()",
    "DROP FUNCTION reports_rollup_add(referrals_referral, integer)",
]


def per_statement(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Writes wait until the new triggers are in place: none goes uncounted meanwhile.
    schema_editor.execute("LOCK TABLE referrals_referral IN SHARE ROW EXCLUSIVE MODE")
    for statement in [*ROW_LEVEL, _function(settings.TIME_ZONE), *TRIGGERS]:
        schema_editor.execute(statement)


def per_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("LOCK TABLE referrals_referral IN SHARE ROW EXCLUSIVE MODE")
    for statement in [
        "DROP TRIGGER reports_rollup_inserted ON referrals_referral",
        "DROP TRIGGER reports_rollup_updated ON referrals_referral",
        "DROP TRIGGER reports_rollup_deleted ON referrals_referral",
        "DROP FUNCTION reports_rollup_referrals_written()",
        # 0003's functions and triggers again (its truncate trigger and function included).
        "DROP TRIGGER reports_rollup_truncate ON referrals_referral",
        "DROP FUNCTION reports_rollup_referrals_truncated()",
        rollups._function(settings.TIME_ZONE),
        *rollups._triggers(),
    ]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_referral_report_overdue_index")]

    operations = [migrations.RunPython(per_statement, per_row)]
