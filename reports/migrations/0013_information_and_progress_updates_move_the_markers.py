"""Information requests and progress updates move the dashboard's change markers (PostgreSQL
only).

The summary counts them live (reports.information: the requests and the recommendations
followed), but its ETag is the rollups' version (reports.rollups.rollups_changed), moved
only by writes to the referrals and the rolled-up tables. A progress update saying whether
the recommendation is followed on a referral that stays returned writes no referral: a
dashboard revalidating got 304 and kept the old share. Now a statement trigger on each of
the two tables moves the markers of the centers whose referrals it wrote (0009's MARK),
and a truncation that of center 0.
"""

import importlib

from django.db import migrations

per_statement = importlib.import_module("reports.migrations.0005_referral_rollups_per_statement")
centers = importlib.import_module("reports.migrations.0009_rollups_per_center_change_markers_rebuild")
flow = importlib.import_module("reports.migrations.0012_flow_counts_in_the_level_counts")

TABLES = ["informationrequest", "progressupdate"]


def _function(table: str) -> str:
    branches = "\n    ELS".join(
        f"IF TG_OP = '{operation}' THEN {centers._touch_linked(changes)}"
        for operation, changes in per_statement.CHANGES.items()
    )
    return f"""
CREATE OR REPLACE FUNCTION reports_rollup_{table}_touched() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {branches}
    END IF;
    RETURN NULL;
END $$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        function = f"reports_rollup_{table}_touched()"
        statements = [
            _function(table),
            *flow._triggers(f"referrals_{table}", function, ""),
            f"""CREATE TRIGGER reports_rollup_truncated AFTER TRUNCATE ON referrals_{table}
               FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_touched()""",
        ]
        for statement in statements:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for trigger in ("inserted", "updated", "deleted", "truncated"):
            schema_editor.execute(f"DROP TRIGGER reports_rollup_{trigger} ON referrals_{table}")
        schema_editor.execute(f"DROP FUNCTION reports_rollup_{table}_touched()")


class Migration(migrations.Migration):
    dependencies = [("reports", "0012_flow_counts_in_the_level_counts")]

    operations = [migrations.RunPython(create, drop)]
