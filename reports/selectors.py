"""The report figures of DESIGN §6, computed in the database in a fixed number of queries.

Which referrals count: those submitted (`submitted_at` set) within the viewer's scope
(reports.access) and the filters (period on the submission date, center, cancer site).
Drafts are not yet referrals to anybody and are left out.

Definitions (also in the README):
- turnaround: days between milestone timestamps, which hold the time a step actually happened
  (back-dated entries included), so late data entry does not distort them. Median and 90th
  percentile are PostgreSQL's percentile_cont (linear interpolation).
- overdue now: open referrals whose current step's due date (`next_due`) is before today,
  grouped by the step they wait on.
- concordance, clinical-trial share, third opinion suggested: over the recommendations in
  force (signed and not superseded by an amendment).
- pathology major-discrepancy rate: signed reviews with a major discrepancy / signed reviews.
- third-opinion rate: of the second opinions (opinion_number 2) whose recommendation was
  issued, the share for which a further opinion was submitted (a referral naming it as
  `previous_referral`, with `submitted_at` set).
- return rate: of the referrals whose recommendation was issued, the share acknowledged as
  returned to the local oncologist (`returned_at` set).
"""

import datetime

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import CancerSite
from referrals.models import PathologyReview, Recommendation, Referral
from reports.access import ReportViewer
from reports.aggregates import ElapsedDays, PercentileCont, percentile_cont
from reports.filters import ReportFilters, start_of_day

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
IN_FORCE = Q(signed_at__isnull=False, superseded_at__isnull=True)


def report_referrals(*, viewer: ReportViewer, filters: ReportFilters) -> QuerySet[Referral]:
    """The referrals the figures count: submitted, in the viewer's scope, filtered."""
    referrals = Referral.objects.filter(submitted_at__isnull=False).order_by()
    if viewer.scope is not None:
        referrals = referrals.filter(viewer.scope)
    if filters.submitted_from:
        referrals = referrals.filter(submitted_at__gte=start_of_day(filters.submitted_from))
    if filters.submitted_to:
        next_day = filters.submitted_to + datetime.timedelta(days=1)
        referrals = referrals.filter(submitted_at__lt=start_of_day(next_day))
    if filters.center_uuid:
        referrals = referrals.filter(receiving_center__uuid=filters.center_uuid)
    if filters.cancer_site:
        referrals = referrals.filter(cancer_site=filters.cancer_site)
    return referrals


def report_summary(*, viewer: ReportViewer, filters: ReportFilters) -> dict:
    """Every figure of the dashboard, as JSON-ready data."""
    referrals = report_referrals(viewer=viewer, filters=filters)
    figures = _referral_figures(referrals)
    recommendations = _recommendation_figures(referrals)
    pathology = _pathology_figures(referrals)
    issued, second_opinions = figures["issued"], figures["second_opinions_issued"]
    in_force = recommendations["in_force"]
    return {
        "filters": filters.as_query(),
        "generated_at": timezone.now().isoformat(),
        "total": figures["total"],
        "by_status": [
            {"status": s.value, "label": s.label, "count": figures[f"status_{s.value}"]}
            for s in REPORTED_STATUSES
        ],
        "by_reason": _reason_counts(referrals),
        "by_cancer_site": _site_counts(referrals),
        "by_center": _center_counts(referrals),
        "turnaround_days": {
            "stages": figures["stages"],
            "distribution": [
                {"bucket": label, "count": figures[f"bucket_{index}"]}
                for index, (label, _, _) in enumerate(DISTRIBUTION_BUCKETS)
            ],
        },
        "overdue": {
            "total": sum(figures[f"overdue_{step}"] for step, _ in STEP_BY_STATUS.values()),
            "by_step": [
                {
                    "step": step,
                    "status": status.value,
                    "label": label,
                    "count": figures[f"overdue_{step}"],
                }
                for status, (step, label) in STEP_BY_STATUS.items()
            ],
        },  # fmt: skip
        "concordance": {
            "recommendations": in_force,
            "counts": {c.value: recommendations[c.value] for c in Recommendation.Concordance},
            "shares": {
                c.value: share(recommendations[c.value], in_force)
                for c in Recommendation.Concordance
            },
        },
        "pathology": {
            "signed_reviews": pathology["signed"],
            "major_discrepancies": pathology["major"],
            "major_discrepancy_rate": share(pathology["major"], pathology["signed"]),
        },
        "clinical_trials": {
            "recommendations": in_force,
            "naming_a_trial": recommendations["naming_a_trial"],
            "share": share(recommendations["naming_a_trial"], in_force),
        },
        "third_opinion": {
            "second_opinions_issued": second_opinions,
            "followed_by_another_opinion": figures["followed_by_another_opinion"],
            "rate": share(figures["followed_by_another_opinion"], second_opinions),
            "recommendations_suggesting": recommendations["suggesting_third_opinion"],
            "suggested_share": share(recommendations["suggesting_third_opinion"], in_force),
        },
        "return": {
            "recommendations_issued": issued,
            "returned": figures["returned"],
            "rate": share(figures["returned"], issued),
        },
        "weekly": _weekly_series(referrals),
    }


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _referral_figures(referrals: QuerySet[Referral]) -> dict:
    """One query: counts by status, overdue steps, turnaround percentiles and rates."""
    today = timezone.localdate()
    issued = Q(recommendation_issued_at__isnull=False)
    durations = {f"days_{stage}": ElapsedDays(start, end) for stage, _, start, end in STAGES}
    aggregates = {
        "total": Count("id"),
        "issued": Count("id", filter=issued),
        "returned": Count("id", filter=issued & Q(returned_at__isnull=False)),
        "second_opinions_issued": Count("id", filter=issued & Q(opinion_number=2)),
    }
    for status in REPORTED_STATUSES:
        aggregates[f"status_{status.value}"] = Count("id", filter=Q(status=status))
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
    annotated = referrals.annotate(**durations)
    figures = annotated.aggregate(**aggregates)
    figures["followed_by_another_opinion"] = _followed_by_another_opinion(referrals)
    if not in_database:
        figures.update(_percentiles_in_python(annotated))
    figures["stages"] = [
        {
            "stage": stage,
            "label": label,
            "count": figures[f"count_{stage}"],
            "median": _days(figures[f"median_{stage}"]),
            "p90": _days(figures[f"p90_{stage}"]),
        }
        for stage, label, _, _ in STAGES
    ]
    return figures


def _followed_by_another_opinion(referrals: QuerySet[Referral]) -> int:
    """Issued second opinions for which a further opinion was submitted (one indexed query).

    Counted from the (few) later opinions rather than as a per-row EXISTS in the main
    aggregate, which made PostgreSQL probe the index once for every referral.
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


def _percentiles_in_python(annotated: QuerySet[Referral]) -> dict:
    """SQLite fallback (embedded `make run` only): one query, percentiles computed here."""
    names = [f"days_{stage}" for stage, *_ in STAGES]
    columns = list(zip(*annotated.values_list(*names), strict=True)) or [()] * len(names)
    figures = {}
    for (stage, *_), column in zip(STAGES, columns, strict=True):
        values = sorted(value for value in column if value is not None)
        figures[f"median_{stage}"] = percentile_cont(values, 0.5)
        figures[f"p90_{stage}"] = percentile_cont(values, 0.9)
        figures[f"count_{stage}"] = len(values)
    return figures


def _reason_counts(referrals: QuerySet[Referral]) -> list[dict]:
    """Referrals per reason (a referral may give several): the JSON list unnested in SQL."""
    inner_sql, params = referrals.values("reasons").query.sql_with_params()
    if connection.vendor == "postgresql":
        sql = (
            "SELECT reason, COUNT(*) FROM (" + inner_sql + ") AS scoped "
            "CROSS JOIN LATERAL jsonb_array_elements_text(scoped.reasons) AS reason "
            "GROUP BY reason"
        )
    else:
        sql = (
            "SELECT reason.value, COUNT(*) FROM (" + inner_sql + ") AS scoped, "
            "json_each(scoped.reasons) AS reason GROUP BY reason.value"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = dict(cursor.fetchall())
    labels = dict(Referral.Reason.choices)
    rows = [
        {"reason": value, "label": label, "count": counts.pop(value, 0)}
        for value, label in labels.items()
    ]
    # Values outside today's list (none expected) are still counted, not hidden.
    rows += [{"reason": v, "label": v, "count": n} for v, n in sorted(counts.items())]
    return rows


def _site_counts(referrals: QuerySet[Referral]) -> list[dict]:
    labels = dict(CancerSite.choices)
    rows = referrals.values("cancer_site").annotate(count=Count("id"))
    return sorted(
        (
            {"cancer_site": row["cancer_site"],
             "label": labels.get(row["cancer_site"], row["cancer_site"]),
             "count": row["count"]}
            for row in rows
        ),
        key=lambda row: (-row["count"], row["label"]),
    )  # fmt: skip


def _center_counts(referrals: QuerySet[Referral]) -> list[dict]:
    rows = referrals.values("receiving_center__uuid", "receiving_center__name").annotate(
        count=Count("id")
    )
    return sorted(
        (
            {"center": str(row["receiving_center__uuid"]),
             "name": row["receiving_center__name"],
             "count": row["count"]}
            for row in rows
        ),
        key=lambda row: (-row["count"], row["name"]),
    )  # fmt: skip


def _recommendation_figures(referrals: QuerySet[Referral]) -> dict:
    in_force = Recommendation.objects.filter(IN_FORCE, referral__in=referrals.values("pk"))
    aggregates = {
        "in_force": Count("id"),
        "naming_a_trial": Count("id", filter=~Q(clinical_trials=[])),
        "suggesting_third_opinion": Count("id", filter=Q(third_opinion_suggested=True)),
    }
    for concordance in Recommendation.Concordance:
        aggregates[concordance.value] = Count("id", filter=Q(concordance=concordance))
    return in_force.order_by().aggregate(**aggregates)


def _pathology_figures(referrals: QuerySet[Referral]) -> dict:
    signed = PathologyReview.objects.filter(
        signed_at__isnull=False, referral__in=referrals.values("pk")
    )
    return signed.order_by().aggregate(
        signed=Count("id"),
        major=Count("id", filter=Q(discrepancy=PathologyReview.Discrepancy.MAJOR)),
    )


def _weekly_series(referrals: QuerySet[Referral]) -> list[dict]:
    """Referrals submitted and recommendations issued per week (weeks start on Monday)."""
    submitted = _per_week(referrals, "submitted_at")
    issued = _per_week(referrals, "recommendation_issued_at")
    weeks = sorted(submitted.keys() | issued.keys())
    if not weeks:
        return []
    series, week = [], weeks[0]
    while week <= weeks[-1]:
        series.append(
            {
                "week": week.isoformat(),
                "submitted": submitted.get(week, 0),
                "recommendations_issued": issued.get(week, 0),
            }
        )
        week += datetime.timedelta(days=7)
    return series


def _per_week(referrals: QuerySet[Referral], field: str) -> dict[datetime.date, int]:
    rows = (
        referrals.filter(**{f"{field}__isnull": False})
        .annotate(week=TruncWeek(field))
        .values("week")
        .annotate(count=Count("id"))
    )
    return {timezone.localdate(row["week"]): row["count"] for row in rows}
