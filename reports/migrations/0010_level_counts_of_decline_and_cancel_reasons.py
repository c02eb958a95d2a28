"""The coded reasons of declined and cancelled referrals in the level counts (PostgreSQL only).

The summary without a period read them from the referrals (reports.flow): every declined or
cancelled referral, a tenth of them in the benchmark, so its cost grew with the table. Now
`reports_level_count` holds two more measures, kept by the same referral trigger and rebuilt
by `reports_rollups_rebuild()`:

- `decline_reason` by `decline_reason_code`, of the declined referrals;
- `cancel_reason` by `cancel_reason_code`, of the cancelled ones.

Back-filled under the rollups' lock (writes wait, reads do not); every change marker moves,
so no dashboard keeps an ETag of the figures without them.
"""

import importlib

from django.conf import settings
from django.db import migrations

histograms = importlib.import_module(
    "reports.migrations.0006_stage_histograms_linked_rollup_change_marker"
)
levels = importlib.import_module("reports.migrations.0008_summary_level_counts")
centers = importlib.import_module("reports.migrations.0009_rollups_per_center_change_markers_rebuild")

REASON_MEASURES = (
    "SELECT 'decline_reason'::text, c.decline_reason_code::text WHERE c.status = 'declined'"
    " UNION ALL "
    "SELECT 'cancel_reason'::text, c.cancel_reason_code::text WHERE c.status = 'cancelled'"
)


def _measures(zone: str) -> tuple[str, str]:
    """0008's measures and the reasons."""
    status, others = levels._measures(zone)
    return status, f"{others} UNION ALL {REASON_MEASURES}"


def _functions(zone: str, measures) -> list[str]:
    return [
        levels._referral_function(
            zone, centers.CENTER_LEVELS, centers._touch_referrals, measures=measures
        ),
        centers._rebuild_function(zone, measures=measures),
    ]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute(f"LOCK TABLE {histograms.LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    every = "SELECT r.*, 1 AS sign FROM referrals_referral AS r WHERE r.submitted_at IS NOT NULL"
    backfill = levels._level_upsert(
        f"({every}) AS c", "true", REASON_MEASURES, centers.CENTER_LEVELS, "c", "1"
    )
    for statement in [*_functions(zone, _measures), backfill, centers.TOUCH_ALL]:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    schema_editor.execute(f"LOCK TABLE {histograms.LOCKED} IN SHARE ROW EXCLUSIVE MODE")
    statements = [
        *_functions(zone, levels._measures),
        "DELETE FROM reports_level_count WHERE measure IN ('decline_reason', 'cancel_reason')",
        centers.TOUCH_ALL,
    ]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reports", "0009_rollups_per_center_change_markers_rebuild")]

    operations = [migrations.RunPython(create, drop)]
