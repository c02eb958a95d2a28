"""The report's counts and weekly series read from the rollups of migration reports 0003.

The rollups hold, per local submission date, receiving center, referring organization and
cancer site, the submitted referrals' counts by state (with the flags the rates and
turnaround buckets need and each stage's count), by reason, and by week of their
recommendation. Every filter of the report (period by local day, center, site) and every
viewer's scope (a center's or a practice's referrals, or all) is a condition on those keys,
so one query sums a few tens of thousands of rows instead of a million referrals. The overdue
steps depend on today's date and are counted live, from the (few) open referrals past their
due date (index-only, migration reports 0004), in the same query.
"""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from referrals.models import Referral
from reports import postgres
from reports.access import ReportViewer
from reports.filters import ReportFilters
from reports.queries import DISTRIBUTION_BUCKETS, STAGES, STEP_BY_STATUS, histogram_figures

FLAGS = ["issued", "returned", "second_opinions_issued"]
FLAGS += [f"bucket_{index}" for index in range(len(DISTRIBUTION_BUCKETS))]
FLAGS += [f"count_{stage}" for stage, *_ in STAGES]
# Monday of a date's week (ISO: Monday is day 1), as the report's weeks.
MONDAY = "{day} - (EXTRACT(ISODOW FROM {day})::int - 1)"
ROLLUP_SQL = """
SELECT (
    SELECT json_agg(counted) FROM (
        SELECT center.uuid, center.name, rollup.cancer_site, rollup.status,
            SUM(rollup.referrals) AS referrals, {flag_sums}
        FROM reports_referral_rollup AS rollup
        JOIN accounts_organization AS center ON center.id = rollup.receiving_center_id
        WHERE {condition}
        GROUP BY 1, 2, 3, 4
    ) AS counted
) AS counts, (
    SELECT json_object_agg(reason, referrals) FROM (
        SELECT rollup.reason, SUM(rollup.referrals) AS referrals
        FROM reports_referral_reason_rollup AS rollup WHERE {condition} GROUP BY 1
    ) AS counted
) AS reasons, (
    SELECT json_object_agg(week, referrals) FROM (
        SELECT {monday} AS week, SUM(rollup.referrals) AS referrals
        FROM reports_referral_rollup AS rollup WHERE {condition} GROUP BY 1
    ) AS counted
) AS submitted_weeks, (
    SELECT json_object_agg(week, referrals) FROM (
        SELECT rollup.issued_week AS week, SUM(rollup.referrals) AS referrals
        FROM reports_referral_issued_rollup AS rollup WHERE {condition} GROUP BY 1
    ) AS counted
) AS issued_weeks, (
    SELECT json_object_agg(status, count) FROM ({overdue}) AS late
) AS overdue, (
    SELECT row_to_json(linked) FROM (
        SELECT {linked_sums} FROM reports_referral_linked_rollup AS rollup WHERE {condition}
    ) AS linked
) AS linked, (
    SELECT followed FROM ({further}) AS further
) AS followed, (
    SELECT json_agg(json_build_array(stage, centidays, referrals) ORDER BY stage, centidays)
    FROM (
        SELECT stage, centidays, SUM(referrals) AS referrals
        FROM reports_stage_histogram AS histogram WHERE {level} GROUP BY 1, 2
        HAVING SUM(referrals) > 0
    ) AS counted
) AS histogram
"""
LINKED_COLUMNS = [
    "in_force", "naming_a_trial", "suggesting_third_opinion", "concurs", "modifies", "differs",
    "signed_reviews", "major_discrepancies",
]  # fmt: skip


def rollup_counts(
    referrals: QuerySet[Referral], *, viewer: ReportViewer, filters: ReportFilters
) -> dict:
    """Totals, stage counts, and referrals per center, state, overdue step, site, reason and
    week of `referrals` (report_referrals(viewer, filters)), their recommendations, reviews
    and further opinions, as reports.queries.grouped_counts gives them, from the rollups; and
    "percentiles" (as reports.queries.referral_figures gives them) from the stage histograms
    when the report has no period and one of their levels answers it, else None."""
    condition, params = _condition(viewer, filters)
    level, level_params = _histogram_level(viewer, filters)
    further, further_params = postgres.further_opinions_sql(
        referrals, every_referral=viewer.scope is None and filters == ReportFilters()
    )
    overdue, overdue_params = (
        referrals.filter(next_due__lt=timezone.localdate(), status__in=list(STEP_BY_STATUS))
        .values("status")
        .annotate(count=Count("*"))  # not the id: the overdue index holds none
        .query.sql_with_params()
    )
    sql = ROLLUP_SQL.format(
        flag_sums=", ".join(f"SUM(rollup.{flag}) AS {flag}" for flag in FLAGS),
        condition=condition,
        monday=MONDAY.format(day="rollup.day"),
        overdue=overdue,
        linked_sums=", ".join(
            f"COALESCE(SUM(rollup.{column}), 0) AS {column}" for column in LINKED_COLUMNS
        ),
        further=further,
        level=level or "false",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            params * 4 + list(overdue_params) + params + list(further_params) + level_params,
        )
        counts, reasons, submitted_weeks, issued_weeks, late, linked, followed, histogram = (
            cursor.fetchone()
        )
    totals = dict.fromkeys(["total", *FLAGS], 0)
    centers: dict[tuple[str, str], int] = {}
    statuses: dict[str, int] = {}
    sites: dict[str, int] = {}
    for row in counts or []:
        count = int(row["referrals"])
        totals["total"] += count
        for flag in FLAGS:
            totals[flag] += int(row[flag])
        center = (str(row["uuid"]), row["name"])
        centers[center] = centers.get(center, 0) + count
        statuses[row["status"]] = statuses.get(row["status"], 0) + count
        sites[row["cancer_site"]] = sites.get(row["cancer_site"], 0) + count
    stage_counts = {name: totals.pop(name) for name in FLAGS if name.startswith("count_")}
    return {
        "totals": totals,
        "stage_counts": stage_counts,
        "centers": [(uuid, name, count) for (uuid, name), count in centers.items() if count],
        "status": statuses,
        "overdue": {status: int(count) for status, count in (late or {}).items()},
        "cancer_site": sites,
        "reasons": {reason: int(count) for reason, count in (reasons or {}).items()},
        "submitted_weeks": _weeks(submitted_weeks),
        "issued_weeks": _weeks(issued_weeks),
        "recommendations": {
            name: int(linked[name]) for name in LINKED_COLUMNS if name in RECOMMENDATION_FIGURES
        },
        "pathology": {
            "signed": int(linked["signed_reviews"]),
            "major": int(linked["major_discrepancies"]),
        },
        "followed": int(followed),
        "percentiles": None if level is None else histogram_figures(histogram or []),
    }


RECOMMENDATION_FIGURES = LINKED_COLUMNS[:6]


def _histogram_level(viewer: ReportViewer, filters: ReportFilters) -> tuple[str | None, list]:
    """The stage histogram rows (migration reports 0006) that hold exactly the durations of
    the report's referrals, as SQL; None when no level does (a period, or a scope of both
    centers and practices, or a practice's scope filtered by center)."""
    if filters.submitted_from or filters.submitted_to:
        return None, []
    conditions = ["histogram.cancer_site = %s"]
    params: list = [filters.cancer_site or ""]
    center = "(SELECT id FROM accounts_organization WHERE uuid = %s)"
    if viewer.scope is not None and viewer.practices:
        if viewer.centers or filters.center_uuid:
            return None, []
        conditions += [
            "histogram.receiving_center_id = 0",
            "histogram.referring_organization_id = ANY(%s)",
        ]
        params.append(list(viewer.practices))
        return " AND ".join(conditions), params
    conditions.append("histogram.referring_organization_id = 0")
    if viewer.scope is not None:
        conditions.append("histogram.receiving_center_id = ANY(%s)")
        params.append(list(viewer.centers))
    if filters.center_uuid:
        conditions.append(f"histogram.receiving_center_id = {center}")
        params.append(filters.center_uuid)
    elif viewer.scope is None:
        conditions.append("histogram.receiving_center_id = 0")
    return " AND ".join(conditions), params


class RollupChange(NamedTuple):
    version: int
    changed_at: datetime.datetime


def rollups_changed() -> RollupChange | None:
    """The version and time of the last write to anything the summary shows (migration
    reports 0006: every statement writing referrals, recommendations, pathology reviews or
    organizations moves them), or None when the rollups do not apply."""
    if not rollups_apply():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT version, changed_at FROM reports_rollup_change")
        return RollupChange(*cursor.fetchone())


def rollups_apply() -> bool:
    """Whether the rollups can answer: PostgreSQL, and the report's local days are those of
    the rollups (settings.TIME_ZONE; after changing it, rebuild them: `migrate reports 0002`,
    then `migrate`)."""
    return (
        connection.vendor == "postgresql"
        and timezone.get_current_timezone_name() == settings.TIME_ZONE
    )


def _condition(viewer: ReportViewer, filters: ReportFilters) -> tuple[str, list]:
    """The rollup rows of the viewer's scope and the filters, as SQL on their keys."""
    conditions, params = ["true"], []
    if viewer.scope is not None:
        conditions.append(
            "(rollup.receiving_center_id = ANY(%s) OR rollup.referring_organization_id = ANY(%s))"
        )
        params += [list(viewer.centers), list(viewer.practices)]
    if filters.submitted_from:
        conditions.append("rollup.day >= %s")
        params.append(filters.submitted_from)
    if filters.submitted_to:
        conditions.append("rollup.day <= %s")
        params.append(filters.submitted_to)
    if filters.center_uuid:
        conditions.append(
            "rollup.receiving_center_id = (SELECT id FROM accounts_organization WHERE uuid = %s)"
        )
        params.append(filters.center_uuid)
    if filters.cancer_site:
        conditions.append("rollup.cancer_site = %s")
        params.append(filters.cancer_site)
    return " AND ".join(conditions), params


def _weeks(counts: dict | None) -> dict[datetime.date, int]:
    """Non-zero counts per week (a rollup row's count falls to 0 when its referrals leave)."""
    return {
        datetime.date.fromisoformat(week): int(count)
        for week, count in (counts or {}).items()
        if count
    }
