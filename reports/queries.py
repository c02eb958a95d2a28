"""The report's queries: a fixed handful, whatever the number of referrals.

On PostgreSQL (reports.postgres, four queries): the counts per combination of dimensions,
the per-stage percentiles, the weekly series, and the recommendations in force, signed
pathology reviews and further opinions; all of these but the percentiles of a period are read
from the rollups and stage histograms instead (reports.rollups, one query with the overdue
steps and the further opinions) whenever these apply. SQLite (embedded `make run` only) gets simpler
equivalents: percentiles computed in Python, one query per breakdown, and
`recommendation_figures`, `pathology_figures` and `further_opinions` (semi-joins).
"""

import datetime
import json

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from referrals.models import PathologyReview, Recommendation, Referral
from referrals.rules.steps import STEPS, StepName
from reports import postgres
from reports.aggregates import centidays, percentile_of_counts

Status = Referral.Status

# The step an open referral waits on in each state, from the rulebook's steps table (an
# accepted referral's two steps, records then review, count as one figure here; a referral
# awaiting information counts under its state's step too).
_ONE_FIGURE_LABELS = {Status.ACCEPTED: "Records and start of review"}
STEP_BY_STATUS = {
    step.state: (
        str(step.name),
        _ONE_FIGURE_LABELS.get(step.state, StepName(step.name).label),
    )
    for step in STEPS
    if step.records_outstanding is not False and not step.awaiting_information
}
STAGES = [
    ("submitted_to_recommendation", "Submitted to recommendation", "submitted_at",
     "recommendation_issued_at"),
    ("triage", "Submitted to accepted", "submitted_at", "accepted_at"),
    ("records", "Accepted to review started", "accepted_at", "review_started_at"),
    ("review", "Review started to recommendation", "review_started_at",
     "recommendation_issued_at"),
    ("return", "Recommendation to return", "recommendation_issued_at", "returned_at"),
]  # fmt: skip
# Histogram of days from submission to recommendation: each bucket holds days from its lower
# bound (inclusive) up to the next bucket's (exclusive).
DISTRIBUTION_BUCKETS = [
    ("under 7 days", 0),
    ("7–13 days", 7),
    ("14–20 days", 14),
    ("21–29 days", 21),
    ("30–44 days", 30),
    ("45 days or more", 45),
]
REPORTED_STATUSES = [status for status in Status if status != Status.DRAFT]


# Session settings for the report's few large queries, local to their transaction.
# JIT compilation cost more than it saved on every report query measured (bench/dashboard.py:
# up to 1.7 s of compiling per query at a million referrals on the development machine). At
# the default 4 MB of work_mem the percentile sorts spill to disk. Memory use is bounded by
# the rows really reported (about 40 MB per percentile at a million).
# random_page_cost: the report's covering indexes (migration reports 0001) are read whole and
# are in memory; at the default (4, a disk seek) the planner reads the table instead, which
# took twice as long.
# enable_hashjoin: see reports.postgres.LINKED_SQL; the report's other joins are with a few
# organizations, for which a nested loop does as well.
REPORT_SETTINGS = {
    "jit": "off",
    "work_mem": "256MB",
    "random_page_cost": "1.1",
    "enable_hashjoin": "off",
}


def tune_report_transaction(*, one_snapshot: bool = False) -> None:
    """Apply REPORT_SETTINGS until the current transaction ends (PostgreSQL only).

    one_snapshot (only as the transaction's first statement): REPEATABLE READ, so that all
    the report's queries see the same referrals.
    """
    if connection.vendor != "postgresql":
        return
    assignments = ", ".join("set_config(%s, %s, true)" for _ in REPORT_SETTINGS)
    params = [item for pair in REPORT_SETTINGS.items() for item in pair]
    isolation = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; " if one_snapshot else ""
    with connection.cursor() as cursor:
        cursor.execute(f"{isolation}SELECT {assignments}", params)


def reason_condition(reason: str, prefix: str = "") -> Q:
    """Referrals giving `reason` (a validated choice value) among their reasons."""
    if connection.vendor == "postgresql":
        return Q(**{f"{prefix}reasons__contains": [reason]})
    # SQLite (embedded `make run`) has no JSON containment; the list's text holds "reason".
    return Q(**{f"{prefix}reasons__icontains": f'"{reason}"'})


def referral_figures(referrals: QuerySet[Referral]) -> dict:
    """Count, median and 90th percentile of days of each stage (reports.aggregates), counted
    from the referrals (the stage histograms answer most reports: reports.rollups)."""
    if connection.vendor != "postgresql":
        return _percentiles_in_python(referrals)
    return postgres.stage_percentiles(referrals, STAGES)


def histogram_figures(histogram: list) -> dict:
    """referral_figures from stage histogram rows: [stage, centidays, referrals], in order."""
    counts: dict[str, list[tuple[int, int]]] = {stage: [] for stage, *_ in STAGES}
    for stage, value, count in histogram:
        counts[stage].append((value, int(count)))
    return _figures(counts)


def _figures(counts: dict[str, list[tuple[int, int]]]) -> dict:
    figures = {}
    for stage, *_ in STAGES:
        histogram = counts[stage]
        figures[f"count_{stage}"] = sum(count for _, count in histogram)
        for name, fraction in (("median", 0.5), ("p90", 0.9)):
            value = percentile_of_counts(histogram, fraction)
            figures[f"{name}_{stage}"] = None if value is None else value / 100.0
    return figures


def _percentiles_in_python(referrals: QuerySet[Referral]) -> dict:
    """SQLite fallback (embedded `make run` only): one more query, percentiles computed here."""
    columns = dict.fromkeys(column for _, _, *pair in STAGES for column in pair)
    histograms: dict[str, dict[int, int]] = {stage: {} for stage, *_ in STAGES}
    for row in referrals.values(*columns):
        for stage, _, start, end in STAGES:
            value = centidays(row[start], row[end])
            if value is not None:
                histograms[stage][value] = histograms[stage].get(value, 0) + 1
    return _figures({stage: sorted(values.items()) for stage, values in histograms.items()})


def further_opinions(referrals: QuerySet[Referral]) -> int:
    """Issued second opinions for which a further opinion was submitted.

    Counted from the (few) later opinions through the previous_referral index rather than as
    a per-row EXISTS in the main pass, which probed the index once for every referral.
    """
    issued_second_opinions = referrals.filter(
        recommendation_issued_at__isnull=False, opinion_number=2
    ).values("pk")
    return (
        Referral.objects.filter(
            previous_referral__in=issued_second_opinions, submitted_at__isnull=False
        )
        .order_by()
        .values("previous_referral")
        .distinct()
        .count()
    )


def recommendation_figures(referrals: QuerySet[Referral]) -> dict:
    """Recommendations in force (signed, not superseded): concordance, trials, third opinion."""
    in_force = Recommendation.objects.filter(
        signed_at__isnull=False, superseded_at__isnull=True, referral__in=referrals.values("pk")
    )
    aggregates = {
        "in_force": Count("id"),
        "naming_a_trial": Count("id", filter=~Q(clinical_trials=[])),
        "suggesting_third_opinion": Count("id", filter=Q(third_opinion_suggested=True)),
    }
    for concordance in Recommendation.Concordance:
        aggregates[concordance.value] = Count("id", filter=Q(concordance=concordance))
    return in_force.order_by().aggregate(**aggregates)


def pathology_figures(referrals: QuerySet[Referral]) -> dict:
    signed = PathologyReview.objects.filter(
        signed_at__isnull=False, referral__in=referrals.values("pk")
    )
    return signed.order_by().aggregate(
        signed=Count("id"),
        major=Count("id", filter=Q(discrepancy=PathologyReview.Discrepancy.MAJOR)),
    )


def grouped_counts(
    referrals: QuerySet[Referral], every_referral: bool = False, counts: dict | None = None
) -> dict:
    """Totals, turnaround buckets, referrals per center, status (with overdue), site, reason
    and week, and the figures of their recommendations, pathology reviews and further opinions.

    Reasons are a list per referral: counting by the whole list gives the few combinations
    that occur, which are then credited to each reason they contain (exact, and far cheaper
    than unnesting a million lists). every_referral: `referrals` are all the submitted
    referrals, unscoped and unfiltered (their recommendations and reviews need no matching).
    counts: the counts and weekly series already read from the rollups (reports.rollups).
    """
    if connection.vendor != "postgresql":
        return _grouped_counts_one_by_one(referrals)
    groups = _empty_groups()
    if counts is not None:
        groups |= counts
        if "followed" in counts:  # recommendations and reviews read from the rollups too
            return groups
    else:
        _count_referrals(referrals, groups)
    linked = postgres.linked_counts(referrals, every_referral)
    groups["recommendations"] = {name: linked[name] for name in groups["recommendations"]}
    groups["pathology"] = {
        "signed": linked["signed_reviews"],
        "major": linked["major_discrepancies"],
    }
    groups["followed"] = linked["followed"]
    return groups


def _count_referrals(referrals: QuerySet[Referral], groups: dict) -> None:
    """The counts and weekly series of grouped_counts, from a pass over the referrals."""
    bucket_days = [lower for _, lower in DISTRIBUTION_BUCKETS]
    totals, centers = groups["totals"], {}
    stage_counts = groups["stage_counts"]
    for row in postgres.referral_counts(referrals, bucket_days, STAGES):
        count, status = row["referrals"], row["status"]
        for name in stage_counts:
            stage_counts[name] += row[name]
        totals["total"] += count
        if row["issued"]:
            totals["issued"] += count
            totals["returned"] += count if row["returned"] else 0
            totals["second_opinions_issued"] += count if row["second_opinion"] else 0
        if row["bucket"]:  # 0: a negative duration, in no bucket
            totals[f"bucket_{row['bucket'] - 1}"] += count
        center = (str(row["uuid"]), row["name"])
        _add(centers, center, count)
        _add(groups["status"], status, count)
        _add(groups["overdue"], status, count if row["overdue"] else 0)
        _add(groups["cancer_site"], row["cancer_site"], count)
        _credit_reasons(groups["reasons"], row["reasons"], count)
    groups["centers"] = [(uuid, name, count) for (uuid, name), count in centers.items()]
    groups["submitted_weeks"], groups["issued_weeks"] = postgres.weekly_counts(referrals)


def _add(totals: dict, key, count: int) -> None:
    totals[key] = totals.get(key, 0) + count


def _empty_groups() -> dict:
    totals = ["total", "issued", "returned", "second_opinions_issued"]
    totals += [f"bucket_{index}" for index in range(len(DISTRIBUTION_BUCKETS))]
    recommendations = ["in_force", "naming_a_trial", "suggesting_third_opinion"]
    recommendations += [concordance.value for concordance in Recommendation.Concordance]
    return {
        "totals": dict.fromkeys(totals, 0),
        "stage_counts": dict.fromkeys((f"count_{stage}" for stage, *_ in STAGES), 0),
        "recommendations": dict.fromkeys(recommendations, 0),
        "pathology": {"signed": 0, "major": 0},
        "followed": 0,
        "centers": [],
        "status": {},
        "overdue": {},
        "cancer_site": {},
        "reasons": {},
        "submitted_weeks": {},
        "issued_weeks": {},
    }


def _credit_reasons(totals: dict[str, int], reasons, count: int) -> None:
    if isinstance(reasons, str):  # a driver that hands back JSON text
        reasons = json.loads(reasons)
    for reason in set(reasons or []):
        totals[reason] = totals.get(reason, 0) + count


def _grouped_counts_one_by_one(referrals: QuerySet[Referral]) -> dict:
    """SQLite (embedded `make run` only): one query per breakdown."""
    groups = _empty_groups()
    groups["totals"] = _totals(referrals)
    groups["recommendations"] = recommendation_figures(referrals)
    groups["pathology"] = pathology_figures(referrals)
    groups["followed"] = further_opinions(referrals)
    centers = referrals.values("receiving_center__uuid", "receiving_center__name").annotate(
        count=Count("id")
    )
    groups["centers"] = [
        (str(row["receiving_center__uuid"]), row["receiving_center__name"], row["count"])
        for row in centers
    ]
    overdue = Q(next_due__lt=timezone.localdate())
    for row in referrals.values("status").annotate(
        count=Count("id"), overdue=Count("id", filter=overdue)
    ):
        groups["status"][row["status"]] = row["count"]
        groups["overdue"][row["status"]] = row["overdue"]
    for row in referrals.values("cancer_site").annotate(count=Count("id")):
        groups["cancer_site"][row["cancer_site"]] = row["count"]
    for reasons, count in _reason_lists(referrals):
        _credit_reasons(groups["reasons"], reasons, count)
    groups["submitted_weeks"] = _per_week(referrals, "submitted_at")
    groups["issued_weeks"] = _per_week(referrals, "recommendation_issued_at")
    return groups


def _totals(referrals: QuerySet[Referral]) -> dict:
    issued = Q(recommendation_issued_at__isnull=False)
    aggregates = {
        "total": Count("id"),
        "issued": Count("id", filter=issued),
        "returned": Count("id", filter=issued & Q(returned_at__isnull=False)),
        "second_opinions_issued": Count("id", filter=issued & Q(opinion_number=2)),
    }
    bounds = [datetime.timedelta(days=lower) for _, lower in DISTRIBUTION_BUCKETS]
    for index, lower in enumerate(bounds):
        bucket = Q(time_to_recommendation__gte=lower)
        if index + 1 < len(bounds):
            bucket &= Q(time_to_recommendation__lt=bounds[index + 1])
        aggregates[f"bucket_{index}"] = Count("id", filter=bucket)
    waited = ExpressionWrapper(
        F("recommendation_issued_at") - F("submitted_at"), output_field=DurationField()
    )
    return referrals.annotate(time_to_recommendation=waited).aggregate(**aggregates)


def _reason_lists(referrals: QuerySet[Referral]) -> list[tuple]:
    counts: dict[str, int] = {}
    for reasons in referrals.values_list("reasons", flat=True):
        key = json.dumps(sorted(reasons or []))
        counts[key] = counts.get(key, 0) + 1
    return [(json.loads(key), count) for key, count in counts.items()]


def _per_week(referrals: QuerySet[Referral], field: str) -> dict[datetime.date, int]:
    rows = (
        referrals.filter(**{f"{field}__isnull": False})
        .annotate(week=TruncWeek(field))
        .values("week")
        .annotate(count=Count("id"))
    )
    return {timezone.localdate(row["week"]): row["count"] for row in rows}
