"""The report's queries: each scans the scoped referrals once, whatever their number.

1. `referral_figures`: one pass over the referrals (with their recommendation in force, at most
   one per referral, joined in): counts by status, site, reason and overdue step, the
   turnaround percentiles and histogram, concordance, trials and rates.
2. `grouped_counts`: counts per center and per week, one pass with GROUPING SETS.
3. `pathology_figures`: signed pathology reviews (several per referral are possible).
4. `further_opinions`: issued second opinions followed by another opinion (indexed).
"""

import datetime

from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import CancerSite
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
# Histogram of days from submission to recommendation: (label, lower exclusive, upper inclusive).
DISTRIBUTION_BUCKETS = [
    ("0–7 days", None, 7),
    ("8–14 days", 7, 14),
    ("15–21 days", 14, 21),
    ("22–30 days", 21, 30),
    ("31–45 days", 30, 45),
    ("over 45 days", 45, None),
]
REPORTED_STATUSES = [status for status in Status if status != Status.DRAFT]


def reason_condition(reason: str, prefix: str = "") -> Q:
    """Referrals giving `reason` (a validated choice value) among their reasons."""
    if connection.vendor == "postgresql":
        return Q(**{f"{prefix}reasons__contains": [reason]})
    # SQLite (embedded `make run`) has no JSON containment; the list's text holds "reason".
    return Q(**{f"{prefix}reasons__icontains": f'"{reason}"'})


def referral_figures(referrals: QuerySet[Referral]) -> dict:
    """One query over the referrals; see the module docstring."""
    today = timezone.localdate()
    issued = Q(recommendation_issued_at__isnull=False)
    has_recommendation = Q(recommendation_id__isnull=False)
    aggregates = {
        "total": Count("id"),
        "issued": Count("id", filter=issued),
        "returned": Count("id", filter=issued & Q(returned_at__isnull=False)),
        "second_opinions_issued": Count("id", filter=issued & Q(opinion_number=2)),
        "in_force": Count("recommendation_id"),
        "naming_a_trial": Count("id", filter=has_recommendation & ~Q(recommendation_trials=[])),
        "suggesting_third_opinion": Count("id", filter=Q(recommendation_suggests_third=True)),
    }
    for concordance in Recommendation.Concordance:
        aggregates[concordance.value] = Count(
            "id", filter=Q(recommendation_concordance=concordance)
        )
    for status in REPORTED_STATUSES:
        aggregates[f"status_{status.value}"] = Count("id", filter=Q(status=status))
    for site in CancerSite:
        aggregates[f"site_{site.value}"] = Count("id", filter=Q(cancer_site=site))
    for reason in Referral.Reason:
        aggregates[f"reason_{reason.value}"] = Count("id", filter=reason_condition(reason))
    for status, (step, _) in STEP_BY_STATUS.items():
        aggregates[f"overdue_{step}"] = Count("id", filter=Q(status=status, next_due__lt=today))
    total_days = "days_submitted_to_recommendation"
    for index, (_, lower, upper) in enumerate(DISTRIBUTION_BUCKETS):
        bucket = Q(**{f"{total_days}__isnull": False})
        if lower is not None:
            bucket &= Q(**{f"{total_days}__gt": lower})
        if upper is not None:
            bucket &= Q(**{f"{total_days}__lte": upper})
        aggregates[f"bucket_{index}"] = Count("id", filter=bucket)
    in_database = connection.vendor == "postgresql"
    if in_database:
        for stage, *_ in STAGES:
            aggregates[f"median_{stage}"] = PercentileCont(f"days_{stage}", fraction=0.5)
            aggregates[f"p90_{stage}"] = PercentileCont(f"days_{stage}", fraction=0.9)
            aggregates[f"count_{stage}"] = Count(f"days_{stage}")
    annotated = referrals.annotate(
        in_force=FilteredRelation(
            "recommendations",
            condition=Q(
                recommendations__signed_at__isnull=False,
                recommendations__superseded_at__isnull=True,
            ),
        ),
        **{f"days_{stage}": ElapsedDays(start, end) for stage, _, start, end in STAGES},
    ).annotate(
        recommendation_id=F("in_force__id"),
        recommendation_concordance=F("in_force__concordance"),
        recommendation_trials=F("in_force__clinical_trials"),
        recommendation_suggests_third=F("in_force__third_opinion_suggested"),
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


def pathology_figures(referrals: QuerySet[Referral]) -> dict:
    signed = PathologyReview.objects.filter(
        signed_at__isnull=False, referral__in=referrals.values("pk")
    )
    return signed.order_by().aggregate(
        signed=Count("id"),
        major=Count("id", filter=Q(discrepancy=PathologyReview.Discrepancy.MAJOR)),
    )


# GROUPING() bits, one per column, set when the row is NOT grouped by that column.
_BY_CENTER, _BY_SUBMITTED_WEEK, _BY_ISSUED_WEEK = 0b0011, 0b1101, 0b1110
GROUPED_SQL = """
SELECT GROUPING(center_uuid, center_name, submitted_week, issued_week), center_uuid,
       center_name, submitted_week, issued_week, COUNT(*)
FROM (
    SELECT scoped.center_uuid, scoped.center_name,
           DATE_TRUNC('week', scoped.submitted_at AT TIME ZONE %s) AS submitted_week,
           DATE_TRUNC('week', scoped.recommendation_issued_at AT TIME ZONE %s) AS issued_week
    FROM ({inner}) AS scoped
) AS weeks
GROUP BY GROUPING SETS ((center_uuid, center_name), (submitted_week), (issued_week))
"""


def grouped_counts(referrals: QuerySet[Referral]) -> dict:
    """Referrals per center, submitted per week and recommendations issued per week."""
    if connection.vendor != "postgresql":
        return _grouped_counts_one_by_one(referrals)
    inner = referrals.values(
        "submitted_at",
        "recommendation_issued_at",
        center_uuid=F("receiving_center__uuid"),
        center_name=F("receiving_center__name"),
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    zone = timezone.get_current_timezone_name()
    with connection.cursor() as cursor:
        cursor.execute(GROUPED_SQL.format(inner=inner_sql), [zone, zone, *inner_params])
        rows = cursor.fetchall()
    centers, submitted, issued = [], {}, {}
    for grouping, center_uuid, center_name, submitted_week, issued_week, count in rows:
        if grouping == _BY_CENTER:
            centers.append((str(center_uuid), center_name, count))
        elif grouping == _BY_SUBMITTED_WEEK and submitted_week is not None:
            submitted[submitted_week.date()] = count
        elif grouping == _BY_ISSUED_WEEK and issued_week is not None:
            issued[issued_week.date()] = count
    return {"centers": centers, "submitted_weeks": submitted, "issued_weeks": issued}


def _grouped_counts_one_by_one(referrals: QuerySet[Referral]) -> dict:
    """SQLite has no GROUPING SETS: three GROUP BY queries instead."""
    centers = referrals.values("receiving_center__uuid", "receiving_center__name").annotate(
        count=Count("id")
    )
    return {
        "centers": [
            (str(row["receiving_center__uuid"]), row["receiving_center__name"], row["count"])
            for row in centers
        ],
        "submitted_weeks": _per_week(referrals, "submitted_at"),
        "issued_weeks": _per_week(referrals, "recommendation_issued_at"),
    }


def _per_week(referrals: QuerySet[Referral], field: str) -> dict[datetime.date, int]:
    rows = (
        referrals.filter(**{f"{field}__isnull": False})
        .annotate(week=TruncWeek(field))
        .values("week")
        .annotate(count=Count("id"))
    )
    return {timezone.localdate(row["week"]): row["count"] for row in rows}
