"""CSV exports: the dashboard's figures, and the referral list behind a count."""

import csv
import io
from collections.abc import Iterable

from referrals.models import Referral


def summary_rows(summary: dict) -> list[list]:
    """The figures as [section, item, measure, value] rows; shares and rates as fractions of 1.

    `summary` is as the viewer may receive it (reports.suppression.figures_for)."""
    return [
        [section, item, measure, "" if value is None else value]
        for section, item, measure, value in _summary_cells(summary)
    ]


# Sections of single figures: (item, measure, key in the summary's section).
RATE_SECTIONS = {
    "pathology": [
        ("signed_reviews", "count", "signed_reviews"),
        ("major_discrepancies", "count", "major_discrepancies"),
        ("major_discrepancies", "rate", "major_discrepancy_rate"),
    ],
    "clinical_trials": [
        ("naming_a_trial", "count", "naming_a_trial"),
        ("naming_a_trial", "share", "share"),
    ],
    "third_opinion": [
        ("second_opinions_issued", "count", "second_opinions_issued"),
        ("followed_by_another_opinion", "count", "followed_by_another_opinion"),
        ("followed_by_another_opinion", "rate", "rate"),
        ("recommendations_suggesting", "count", "recommendations_suggesting"),
        ("recommendations_suggesting", "share", "suggested_share"),
    ],
    "return": [
        ("recommendations_issued", "count", "recommendations_issued"),
        ("returned", "count", "returned"),
        ("returned", "rate", "rate"),
    ],
    "information_requests": [
        ("referrals_with_request", "count", "referrals_with_request"),
        ("referrals_with_request", "rate", "rate"),
        ("requests", "count", "requests"),
        ("open", "count", "open"),
        ("business_days_waited", "median", "median_business_days_waited"),
        ("days_waited", "median", "median_days_waited"),
    ],
    "forwarding": [
        ("forwarded", "count", "forwarded"),
        ("forwarded", "rate", "rate"),
    ],
    "no_show": [
        ("appointments", "count", "appointments"),
        ("no_shows", "count", "no_shows"),
        ("no_shows", "rate", "rate"),
    ],
    "slide_return": [
        ("items", "count", "items"),
        ("returned_late", "count", "returned_late"),
        ("still_out_late", "count", "still_out_late"),
        ("late", "share", "late_share"),
    ],
}


def _summary_cells(summary: dict) -> Iterable[tuple]:
    yield "referrals", "all", "count", summary["total"]
    for name, key in [("status", "status"), ("reason", "reason"), ("cancer_site", "cancer_site")]:
        for row in summary[f"by_{name}"]:
            yield name, row[key], "count", row["count"]
    for row in summary["by_center"]:
        yield "center", row["name"], "count", row["count"]
    for name in ("decline_reason", "cancel_reason"):
        for row in summary[f"{name}s"]:
            yield name, row["reason_code"], "count", row["count"]
    for stage in summary["turnaround_days"]["stages"]:
        for measure in ("count", "median", "p90"):
            yield "turnaround_days", stage["stage"], measure, stage[measure]
    for row in summary["turnaround_days"]["distribution"]:
        yield "turnaround_distribution", row["bucket"], "count", row["count"]
    for row in summary["overdue"]["by_step"]:
        yield "overdue", row["step"], "count", row["count"]
    concordance = summary["concordance"]
    for value, number in concordance["counts"].items():
        yield "concordance", value, "count", number
        yield "concordance", value, "share", concordance["shares"][value]
    for section, cells in RATE_SECTIONS.items():
        figures = summary[section]
        for item, measure, key in cells:
            yield section, item, measure, figures[key]
    followed = summary["recommendation_followed"]
    for value, number in followed["counts"].items():
        yield "recommendation_followed", value, "count", number
        yield "recommendation_followed", value, "share", followed["shares"][value]
    for week in summary["weekly"]:
        yield "weekly_submitted", week["week"], "count", week["submitted"]
        yield "weekly_recommendations_issued", week["week"], "count", week["recommendations_issued"]


SUMMARY_HEADER = ["section", "item", "measure", "value"]
REFERRAL_LIST_HEADER = [
    "reference",
    "status",
    "cancer_site",
    "receiving_center",
    "referring_organization",
    "opinion_number",
    "urgency",
    "submitted_at",
    "accepted_at",
    "review_started_at",
    "recommendation_issued_at",
    "returned_at",
    "next_due",
]


def referral_list_rows(referrals: Iterable[Referral]) -> Iterable[list]:
    """One row per referral: reference numbers and milestones, never patient data."""
    for referral in referrals:
        yield [
            referral.reference,
            referral.status,
            referral.cancer_site,
            referral.receiving_center.name,
            referral.referring_organization.name,
            referral.opinion_number,
            referral.urgency,
            *(_iso(getattr(referral, name)) for name in REFERRAL_LIST_HEADER[7:]),
        ]


def _iso(value) -> str:
    return value.isoformat() if value else ""


def to_csv(header: list[str], rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
