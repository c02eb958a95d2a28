"""The report figures of DESIGN §6, computed in the database in a fixed number of queries.

Which referrals count: those submitted (`submitted_at` set) within the viewer's scope
(reports.access) and the filters (period on the submission date, center, cancer site).
Drafts are not yet referrals to anybody and are left out.

Definitions (also in the README):
- turnaround: days between milestone timestamps, which hold the time a step actually happened
  (back-dated entries included), so late data entry does not distort them, less the time the
  referral awaited information from the referring side (its step's clock was paused:
  reports.paused). Median and 90th
  percentile are PostgreSQL's percentile_cont (linear interpolation) of the durations in
  hundredths of a day (rounded half up; reports.aggregates), shown to 0.01 day.
- overdue now: open referrals whose current step's due date (`next_due`) is before today,
  grouped by the step they wait on.
- concordance, clinical-trial share, third opinion suggested: over the recommendations in
  force (signed and not superseded by an amendment).
- pathology major-discrepancy rate: signed reviews with a major discrepancy / signed reviews.
- third-opinion rate: of the second opinions (opinion_number 2) whose recommendation was
  issued, the share for which a further opinion was submitted (a referral naming it as
  `previous_referral`, with `submitted_at` set).
- information requests: the share of referrals with at least one; the median wait of the
  answered ones in business days and days (reports.information).
- recommendations followed: the answers of each referral's latest progress update that says.
- return rate: of the referrals whose recommendation was issued, the share acknowledged as
  returned to the local oncologist (`returned_at` set).
- forward rate: forwarded referrals / referrals counted; decline and cancel reasons, no-show
  rate and slides returned late: reports.flow.
"""

import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import CancerSite
from referrals.models import Recommendation, Referral
from reports import paused
from reports.access import ReportViewer
from reports.filters import ReportFilters, start_of_day
from reports.flow import flow_counts, flow_figures
from reports.information import information_figures
from reports.queries import (
    DISTRIBUTION_BUCKETS,
    REPORTED_STATUSES,
    STAGES,
    STEP_BY_STATUS,
    grouped_counts,
    histogram_figures,
    referral_figures,
    tune_report_transaction,
)
from reports.rollups import rollup_counts, rollups_apply


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


def report_summary(
    *, viewer: ReportViewer, filters: ReportFilters, use_rollups: bool = True
) -> dict:
    """Every figure of the dashboard, as JSON-ready data, in a fixed handful of queries.

    use_rollups: on PostgreSQL, counts, recommendations, reviews and (when a histogram level
    answers) percentiles read from the rollups (reports.rollups); False counts the referrals
    themselves (the same figures, slower: for tests comparing both).
    """
    referrals = report_referrals(viewer=viewer, filters=filters)
    # Every submitted referral: the recommendations, reviews and further opinions can be
    # counted without matching them to the referrals.
    unfiltered = viewer.scope is None and filters == ReportFilters()
    # Its own transaction (not one inside a caller's): then one snapshot for all its queries.
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        tune_report_transaction(one_snapshot=own_transaction)
        counts = percentiles = None
        stage_histogram = flow = None
        if use_rollups and rollups_apply():
            counts = rollup_counts(referrals, viewer=viewer, filters=filters)
            percentiles = counts.pop("percentiles")
            stage_histogram = counts.pop("stage_histogram", None)
            flow = counts.pop("flow", None)
        groups = grouped_counts(referrals, every_referral=unfiltered, counts=counts)
        if percentiles is None:
            percentiles = referral_figures(referrals)  # counted without the paused time
        totals = dict(groups["totals"])
        information = information_figures(referrals, total=totals["total"])
        if flow is None:  # not from the level counts of the rollups
            flow = flow_counts(referrals, every_referral=unfiltered)
    # The time awaiting information is no part of the turnaround (reports.paused).
    if information["paused"]:
        paused.correct_buckets(totals, information["paused"])
        if stage_histogram is not None:
            corrected = paused.corrected_histogram(stage_histogram, information["paused"])
            percentiles = histogram_figures(corrected)
    figures = {**percentiles, **totals}
    recommendations, pathology = groups["recommendations"], groups["pathology"]
    followed = groups["followed"]
    issued, second_opinions = figures["issued"], figures["second_opinions_issued"]
    in_force = recommendations["in_force"]
    site_labels = dict(CancerSite.choices)
    # Only open referrals wait on a step; next_due of a closed one is history.
    overdue = {status.value: groups["overdue"].get(status.value, 0) for status in STEP_BY_STATUS}
    return {
        "filters": filters.as_query(),
        "generated_at": timezone.now().isoformat(),
        "total": figures["total"],
        "by_status": [
            {"status": s.value, "label": s.label, "count": groups["status"].get(s.value, 0)}
            for s in REPORTED_STATUSES
        ],
        "by_reason": [
            {"reason": r.value, "label": r.label, "count": groups["reasons"].get(r.value, 0)}
            for r in Referral.Reason
        ],
        "by_cancer_site": _most_first(
            {"cancer_site": site, "label": site_labels.get(site, site), "count": count}
            for site, count in groups["cancer_site"].items()
        ),
        "by_center": _most_first(
            {"center": center, "name": name, "count": count}
            for center, name, count in groups["centers"]
        ),
        "turnaround_days": {
            "excludes": "Time awaiting information from the referring side is left out of "
            "every turnaround figure: the clock of a step is paused while an information "
            "request is open.",
            "stages": [
                {
                    "stage": stage,
                    "label": label,
                    "count": figures[f"count_{stage}"],
                    "median": _days(figures[f"median_{stage}"]),
                    "p90": _days(figures[f"p90_{stage}"]),
                }
                for stage, label, _, _ in STAGES
            ],
            "distribution": [
                {"bucket": label, "count": figures[f"bucket_{index}"]}
                for index, (label, _) in enumerate(DISTRIBUTION_BUCKETS)
            ],
        },
        "overdue": {
            "total": sum(overdue.values()),
            "by_step": [
                {
                    "step": step,
                    "status": status.value,
                    "label": label,
                    "count": overdue[status.value],
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
            "followed_by_another_opinion": followed,
            "rate": share(followed, second_opinions),
            "recommendations_suggesting": recommendations["suggesting_third_opinion"],
            "suggested_share": share(recommendations["suggesting_third_opinion"], in_force),
        },
        "return": {
            "recommendations_issued": issued,
            "returned": figures["returned"],
            "rate": share(figures["returned"], issued),
        },
        "information_requests": information["information_requests"],
        "recommendation_followed": information["recommendation_followed"],
        "weekly": _weekly_series(groups["submitted_weeks"], groups["issued_weeks"]),
        **flow_figures(
            flow,
            total=figures["total"],
            forwarded=groups["status"].get(Referral.Status.FORWARDED, 0),
            share=share,
        ),
    }


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _most_first(rows) -> list[dict]:
    """Non-empty rows, largest count first, then by name."""
    rows = [row for row in rows if row["count"]]
    return sorted(rows, key=lambda row: (-row["count"], row.get("label") or row.get("name")))


def _weekly_series(
    submitted: dict[datetime.date, int], issued: dict[datetime.date, int]
) -> list[dict]:
    """Referrals submitted and recommendations issued per week (Monday), gaps filled with 0."""
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
