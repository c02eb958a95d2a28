"""The report's counts, weekly series and percentiles read from the trigger-kept rollups.

Without a period (the dashboard's default, for every viewer), everything comes from the level
counts and stage histograms of migrations reports 0006 and 0008: a few hundred rows per
level (everything, a center, a practice, a site, a center's or a practice's site), whatever
the number of referrals; the report's scope and filters pick one level or a sum of disjoint
ones.

With a period, from the day-keyed rollups of migration reports 0003 (per local submission
date, receiving center, referring organization and cancer site: counts by state, with the
flags the rates and turnaround buckets need and each stage's count, by reason, and by week
of the recommendation) and the linked rollup of 0006 (recommendations and reviews): every
filter and scope is a condition on their keys, so one query sums a few tens of thousands of
rows instead of a million referrals. The overdue steps depend on today's date and the
further opinions on pairs of referrals: there they are counted live, from the (few) open
referrals past their due date (index-only, migration reports 0004) and the (few) referrals
naming a previous one, in the same query; the percentiles are computed from the referrals.
"""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from referrals.models import Referral
from reports import flow, postgres
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
) AS followed
"""
# A report without a period: its counts from reports_level_count, its percentiles from the
# stage histograms (migration reports 0006, 0008), a few hundred rows whatever the referrals.
LEVEL_SQL = """
SELECT (
    SELECT json_agg(json_build_array(center.uuid, center.name, counted.cancer_site,
        counted.value, counted.referrals))
    FROM (
        SELECT level.receiving_center_id, level.cancer_site, level.value,
            SUM(level.referrals) AS referrals
        FROM reports_level_count AS level WHERE level.measure = 'status' AND {breakdown}
        GROUP BY 1, 2, 3 HAVING SUM(level.referrals) <> 0
    ) AS counted JOIN accounts_organization AS center ON center.id = counted.receiving_center_id
) AS statuses, (
    SELECT json_agg(json_build_array(counted.measure, counted.value, counted.referrals))
    FROM (
        SELECT level.measure, level.value, SUM(level.referrals) AS referrals
        FROM reports_level_count AS level
        WHERE level.measure <> 'status' AND {level}
            AND (level.measure NOT LIKE 'due:%%' AND level.measure <> 'slide_out_due'
                OR level.value < %s)
        GROUP BY 1, 2 HAVING SUM(level.referrals) <> 0
    ) AS counted
) AS measures, (
    SELECT json_agg(json_build_array(stage, centidays, referrals) ORDER BY stage, centidays)
    FROM (
        SELECT level.stage, level.centidays, SUM(level.referrals) AS referrals
        FROM reports_stage_histogram AS level WHERE {level} GROUP BY 1, 2
        HAVING SUM(level.referrals) > 0
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
    level, level_params = _level(viewer, filters)
    if level is not None:
        return _level_counts(viewer, filters, level, level_params)
    condition, params = _condition(viewer, filters)
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
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params * 4 + list(overdue_params) + params + list(further_params))
        counts, reasons, submitted_weeks, issued_weeks, late, linked, followed = cursor.fetchone()
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
        "percentiles": None,
    }


RECOMMENDATION_FIGURES = LINKED_COLUMNS[:6]
FLOW_MEASURES = {
    "decline_reason", "cancel_reason",  # migration reports 0010
    "attendance", "earlier_attendance", "slides", "slide_out_due",  # 0012
}  # fmt: skip
CENTER_OF_UUID = "(SELECT id FROM accounts_organization WHERE uuid = %s)"
# Any organization (a rollup's center is a referral's, which references one): one probe of
# the rollups' primary key per organization, rather than a scan of every level's rows.
EVERY_CENTER = "level.receiving_center_id = ANY(ARRAY(SELECT id FROM accounts_organization))"


def _level(viewer: ReportViewer, filters: ReportFilters) -> tuple[str | None, list]:
    """The level rows (migrations reports 0006, 0008, 0009) that count exactly the report's
    referrals, as SQL on alias `level`; None when no level does (a period, a scope of both
    centers and practices, or a practice's scope filtered by center).

    Every level is one center's (migration reports 0009): a report over several centers sums
    their rows: one center's (or a few) through the primary key (center, practice, site),
    every center's through the partial indexes of all practices (migration reports 0011)."""
    if filters.submitted_from or filters.submitted_to:
        return None, []
    conditions = ["level.cancer_site = %s"]
    params: list = [filters.cancer_site or ""]
    if viewer.scope is not None and viewer.practices:
        if viewer.centers or filters.center_uuid:
            return None, []
        conditions += [EVERY_CENTER, "level.referring_organization_id = ANY(%s)"]
        params.append(list(viewer.practices))
        return " AND ".join(conditions), params
    conditions.append("level.referring_organization_id = 0")
    if viewer.scope is not None:
        conditions.append("level.receiving_center_id = ANY(%s)")
        params.append(list(viewer.centers))
    if filters.center_uuid:
        conditions.append(f"level.receiving_center_id = {CENTER_OF_UUID}")
        params.append(filters.center_uuid)
    # Otherwise every center's rows of the level, no condition on the center: the partial
    # indexes of migration reports 0011 hold them in group order.
    return " AND ".join(conditions), params


def _breakdown(viewer: ReportViewer, filters: ReportFilters) -> tuple[str, list]:
    """The level rows of the referrals' states per center and site (for the breakdowns):
    center × site, or center × practice × site for a practice's scope."""
    conditions = ["level.receiving_center_id <> 0", "level.cancer_site <> ''"]
    params: list = []
    if viewer.scope is not None and viewer.practices:
        conditions.append("level.referring_organization_id = ANY(%s)")
        params.append(list(viewer.practices))
    else:
        conditions.append("level.referring_organization_id = 0")
        if viewer.scope is not None:
            conditions.append("level.receiving_center_id = ANY(%s)")
            params.append(list(viewer.centers))
    if filters.center_uuid:
        conditions.append(f"level.receiving_center_id = {CENTER_OF_UUID}")
        params.append(filters.center_uuid)
    if filters.cancer_site:
        conditions.append("level.cancer_site = %s")
        params.append(filters.cancer_site)
    return " AND ".join(conditions), params


def _level_counts(viewer: ReportViewer, filters: ReportFilters, level: str, params: list) -> dict:
    """rollup_counts of a report that a level answers, in one query of a few hundred rows."""
    breakdown, breakdown_params = _breakdown(viewer, filters)
    today = timezone.localdate().isoformat()
    with connection.cursor() as cursor:
        cursor.execute(
            LEVEL_SQL.format(breakdown=breakdown, level=level),
            breakdown_params + params + [today] + params,
        )
        statuses, measures, histogram = cursor.fetchone()
    counts: dict = {
        "totals": dict.fromkeys(["total", *FLAGS], 0),
        "centers": {},
        "status": {},
        "cancer_site": {},
        "overdue": {},
        "reasons": {},
        "submitted_weeks": {},
        "issued_weeks": {},
        "linked": dict.fromkeys([*LINKED_COLUMNS, "followed"], 0),
        # reports.flow's counts (migrations reports 0010, 0012).
        "flow": flow.no_counts(),
    }
    for uuid, name, site, status, count in statuses or []:
        counts["totals"]["total"] += count
        for breakdown_name, key in (("centers", (str(uuid), name)), ("status", status)):
            _add(counts[breakdown_name], key, count)
        _add(counts["cancer_site"], site, count)
    for measure, value, count in measures or []:
        if measure.startswith("due:"):
            _add(counts["overdue"], measure.removeprefix("due:"), count)
        elif measure == "flag":
            counts["totals"][value] += count
        elif measure == "linked":
            counts["linked"][value] += count
        elif measure == "reason":
            counts["reasons"][value] = count
        elif measure in FLOW_MEASURES:
            _add_flow(counts["flow"], measure, value, count)
        else:  # submitted_week, issued_week
            counts[f"{measure}s"][datetime.date.fromisoformat(value)] = count
    totals, linked = counts.pop("totals"), counts.pop("linked")
    counts["stage_counts"] = {name: totals.pop(name) for name in FLAGS if name.startswith("count_")}
    counts["totals"] = totals
    counts["centers"] = [(uuid, name, count) for (uuid, name), count in counts["centers"].items()]
    counts["recommendations"] = {name: linked[name] for name in RECOMMENDATION_FIGURES}
    counts["pathology"] = {
        "signed": linked["signed_reviews"],
        "major": linked["major_discrepancies"],
    }
    counts["followed"] = linked["followed"]
    counts["percentiles"] = histogram_figures(histogram or [])
    # The raw durations: reports.paused takes the time awaiting information out of them.
    counts["stage_histogram"] = histogram or []
    return counts


def _add(totals: dict, key, count: int) -> None:
    totals[key] = totals.get(key, 0) + count


def _add_flow(figures: dict, measure: str, value: str, count: int) -> None:
    """A level count of reports.flow's figures into their shape (reports.flow.flow_counts)."""
    if measure == "decline_reason":
        _add(figures["declined"], value, count)
    elif measure == "cancel_reason":
        _add(figures["cancelled"], value, count)
    elif measure == "attendance":  # attended, no_show
        figures[value] += count
    elif measure == "earlier_attendance":  # no_show
        figures["no_show"] += count
    elif measure == "slides":  # with_date, returned_late
        figures["slides"][value] += count
    else:  # slide_out_due, of the return dates before today only (LEVEL_SQL)
        figures["slides"]["out_late"] += count


class RollupChange(NamedTuple):
    version: int
    changed_at: datetime.datetime


def rollups_changed() -> RollupChange | None:
    """The version and time of the last write to anything the summary shows, or None when
    the rollups do not apply. Every statement writing referrals, recommendations or pathology
    reviews moves the change markers of the centers it wrote, and one writing organizations
    (or truncating) that of center 0 (migration reports 0009): the version is their sum, so it
    grows with every committed write; the time is the latest."""
    if not rollups_apply():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(version)::bigint, MAX(changed_at) FROM reports_rollup_change")
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


def rebuild_rollups() -> None:
    """Empty every report rollup and count it again from the rows, one statement per table
    (migration reports 0009: reports_rollups_rebuild(), the triggers' own back-fill; the
    tests prove it equal to the triggers). For bulk loads run without the triggers
    (session_replication_role = replica, as the benchmarks do). PostgreSQL only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reports_rollups_rebuild()")
