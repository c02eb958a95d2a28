"""The report's queries: each scans the scoped referrals once, whatever their number.

1. `referral_figures`: one pass over the referrals: the turnaround percentiles and
   histogram, issued and returned counts.
2. `grouped_counts`: counts per center, status (and overdue), site, reason and week: one pass
   with GROUPING SETS (hashing each row once per breakdown is much cheaper than dozens of
   COUNT ... FILTER conditions per row).
3. `recommendation_figures`, `pathology_figures`, `further_opinions`: recommendations in force,
   signed pathology reviews, further opinions, each scoped to the reported referrals by a
   semi-join (the existing indexes on receiving_center, submitted_at, previous_referral and
   the partial unique index of the recommendation in force serve them; a covering index was
   tried and PostgreSQL preferred the plans it already had, so none was added).
"""

import datetime
import json

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from referrals.models import PathologyReview, Recommendation, Referral
from reports.aggregates import ElapsedDays, PercentileCont, percentile_cont

Status = Referral.Status

# The step an open referral waits on in each state (the reminder steps of DESIGN §5).
STEP_BY_STATUS = {
    Status.SUBMITTED: ("triage", "Triage"),
    Status.ACCEPTED: ("records", "Records and start of review"),
    Status.UNDER_REVIEW: ("recommendation", "Recommendation"),
    Status.RECOMMENDATION_ISSUED: ("return", "Return acknowledgement"),
    Status.MONITORING: ("progress_update", "Progress update"),
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
# the default 4 MB of work_mem the percentile sorts spill to disk and, misled by its estimate
# of the number of weeks, the planner sorts instead of hashing the GROUPING SETS. Memory use
# is bounded by the rows really reported (about 40 MB per percentile at a million).
REPORT_SETTINGS = {"jit": "off", "work_mem": "256MB"}


def tune_report_transaction() -> None:
    """Apply REPORT_SETTINGS until the current transaction ends (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    assignments = ", ".join("set_config(%s, %s, true)" for _ in REPORT_SETTINGS)
    params = [item for pair in REPORT_SETTINGS.items() for item in pair]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {assignments}", params)


def reason_condition(reason: str, prefix: str = "") -> Q:
    """Referrals giving `reason` (a validated choice value) among their reasons."""
    if connection.vendor == "postgresql":
        return Q(**{f"{prefix}reasons__contains": [reason]})
    # SQLite (embedded `make run`) has no JSON containment; the list's text holds "reason".
    return Q(**{f"{prefix}reasons__icontains": f'"{reason}"'})


def referral_figures(referrals: QuerySet[Referral]) -> dict:
    """One query over the referrals; see the module docstring."""
    issued = Q(recommendation_issued_at__isnull=False)
    aggregates = {
        "total": Count("id"),
        "issued": Count("id", filter=issued),
        "returned": Count("id", filter=issued & Q(returned_at__isnull=False)),
        "second_opinions_issued": Count("id", filter=issued & Q(opinion_number=2)),
    }
    # Compared as intervals: cheaper per row than converting to days again for each bucket.
    bounds = [datetime.timedelta(days=lower) for _, lower in DISTRIBUTION_BUCKETS]
    for index, lower in enumerate(bounds):
        bucket = Q(time_to_recommendation__gte=lower)
        if index + 1 < len(bounds):
            bucket &= Q(time_to_recommendation__lt=bounds[index + 1])
        aggregates[f"bucket_{index}"] = Count("id", filter=bucket)
    in_database = connection.vendor == "postgresql"
    if in_database:
        for stage, *_ in STAGES:
            aggregates[f"median_{stage}"] = PercentileCont(f"days_{stage}", fraction=0.5)
            aggregates[f"p90_{stage}"] = PercentileCont(f"days_{stage}", fraction=0.9)
            aggregates[f"count_{stage}"] = Count(f"days_{stage}")
    annotated = referrals.annotate(
        time_to_recommendation=ExpressionWrapper(
            F("recommendation_issued_at") - F("submitted_at"), output_field=DurationField()
        ),
        **{f"days_{stage}": ElapsedDays(start, end) for stage, _, start, end in STAGES},
    )
    figures = annotated.aggregate(**aggregates)
    if not in_database:
        figures.update(_percentiles_in_python(referrals))
    return figures


def _percentiles_in_python(referrals: QuerySet[Referral]) -> dict:
    """SQLite fallback (embedded `make run` only): one more query, percentiles computed here."""
    names = [f"days_{stage}" for stage, *_ in STAGES]
    durations = referrals.annotate(
        **{f"days_{stage}": ElapsedDays(start, end) for stage, _, start, end in STAGES}
    ).values_list(*names)
    columns = list(zip(*durations, strict=True)) or [()] * len(names)
    figures = {}
    for (stage, *_), column in zip(STAGES, columns, strict=True):
        values = sorted(value for value in column if value is not None)
        figures[f"median_{stage}"] = percentile_cont(values, 0.5)
        figures[f"p90_{stage}"] = percentile_cont(values, 0.9)
        figures[f"count_{stage}"] = len(values)
    return figures


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


# One pass, several groupings: each GROUPING SETS entry is one breakdown of the referrals.
GROUPED_COLUMNS = [
    "center_uuid", "center_name", "submitted_week", "issued_week", "status", "cancer_site",
    "reasons",
]  # fmt: skip
GROUPED_SQL = """
SELECT GROUPING({columns}) AS breakdown, {columns}, COUNT(*) AS referrals,
       COUNT(*) FILTER (WHERE overdue) AS overdue
FROM (
    SELECT scoped.center_uuid, scoped.center_name,
           DATE_TRUNC('week', scoped.submitted_at AT TIME ZONE %s) AS submitted_week,
           DATE_TRUNC('week', scoped.recommendation_issued_at AT TIME ZONE %s) AS issued_week,
           scoped.status, scoped.cancer_site, scoped.reasons,
           COALESCE(scoped.next_due < %s, false) AS overdue
    FROM ({inner}) AS scoped
) AS dimensions
GROUP BY GROUPING SETS ((center_uuid, center_name), (submitted_week), (issued_week), (status),
                        (cancer_site), (reasons))
"""


def _grouping_bits(*grouped: str) -> int:
    """GROUPING()'s value for a row grouped by `grouped`: a set bit per column NOT grouped."""
    width = len(GROUPED_COLUMNS)
    return sum(
        1 << (width - 1 - index)
        for index, column in enumerate(GROUPED_COLUMNS)
        if column not in grouped
    )


BREAKDOWNS = {
    _grouping_bits("center_uuid", "center_name"): "center",
    **{_grouping_bits(column): column for column in GROUPED_COLUMNS[2:]},
}


def grouped_counts(referrals: QuerySet[Referral]) -> dict:
    """Referrals per center, status (with overdue), site, reason and week, in one query.

    Reasons are a list per referral: grouping by the whole list gives the few combinations
    that occur, which are then credited to each reason they contain (exact, and far cheaper
    than unnesting a million lists).
    """
    if connection.vendor != "postgresql":
        return _grouped_counts_one_by_one(referrals)
    inner = referrals.values(
        "submitted_at",
        "recommendation_issued_at",
        "status",
        "cancer_site",
        "reasons",
        "next_due",
        center_uuid=F("receiving_center__uuid"),
        center_name=F("receiving_center__name"),
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    zone = timezone.get_current_timezone_name()
    sql = GROUPED_SQL.format(columns=", ".join(GROUPED_COLUMNS), inner=inner_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, [zone, zone, timezone.localdate(), *inner_params])
        rows = cursor.fetchall()
    groups = _empty_groups()
    for grouping, *values, count, overdue in rows:
        row = dict(zip(GROUPED_COLUMNS, values, strict=True))
        breakdown = BREAKDOWNS[grouping]
        if breakdown == "center":
            groups["centers"].append((str(row["center_uuid"]), row["center_name"], count))
        elif breakdown == "reasons":
            _credit_reasons(groups["reasons"], row["reasons"], count)
        elif breakdown == "status":
            groups["status"][row["status"]] = count
            groups["overdue"][row["status"]] = overdue
        elif breakdown == "cancer_site":
            groups["cancer_site"][row["cancer_site"]] = count
        elif row[breakdown] is not None:  # weeks; null: not issued yet
            groups[f"{breakdown}s"][row[breakdown].date()] = count
    return groups


def _empty_groups() -> dict:
    return {
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
    """SQLite has no GROUPING SETS: one GROUP BY query per breakdown instead."""
    groups = _empty_groups()
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
