"""The dashboard page and its CSV exports (portal interface)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import CancerSite, Organization
from audit.services import audit_record
from referrals.errors import InvalidData, NotPermitted
from reports.access import ReportViewer, report_viewer
from reports.exports import (
    REFERRAL_LIST_HEADER,
    SUMMARY_HEADER,
    referral_list_rows,
    summary_rows,
    to_csv,
)
from reports.filters import ReportFilterForm, ReportFilters
from reports.referral_list import report_referral_list
from reports.selectors import report_referrals
from reports.suppression import figures_for


def _viewer(request: HttpRequest) -> ReportViewer:
    try:
        return report_viewer(user=request.user)
    except NotPermitted as error:
        raise PermissionDenied(error.detail) from error


def _center_choices(viewer: ReportViewer) -> list[tuple[str, str]]:
    """Centers that received referrals in the viewer's scope (one query)."""
    referrals = report_referrals(viewer=viewer, filters=ReportFilters())
    centers = Organization.objects.filter(pk__in=referrals.values("receiving_center_id")).order_by(
        "name"
    )
    return [("", "All centers")] + [(str(c.uuid), c.name) for c in centers]


COUNT_TABLES = [
    # (name, title, rows in the summary, key naming the row, figure prefix for the list CSV)
    ("status", "By status", "by_status", "status", "status"),
    ("reason", "By reason", "by_reason", "reason", "reason"),
    ("cancer_site", "By cancer site", "by_cancer_site", "cancer_site", "cancer_site"),
    ("center", "By center", "by_center", "center", "center"),
    ("decline_reason", "Declined, by reason", "decline_reasons", "reason_code", "decline_reason"),
    ("cancel_reason", "Cancelled, by reason", "cancel_reasons", "reason_code", "cancel_reason"),
]
# Counts of consult appointments and physical items, not of referrals: no referral list.
# (label, section of the summary, key): the row's figure is "section:key", as in the CSV.
CONSULT_AND_SLIDE_COUNTS = [
    ("Consult appointments held or missed", "no_show", "appointments"),
    ("Missed (no-show)", "no_show", "no_shows"),
    ("Slides and blocks with a return date", "slide_return", "items"),
    ("Returned after the date", "slide_return", "returned_late"),
    ("Still at the center past the date", "slide_return", "still_out_late"),
]


def _count_tables(summary: dict) -> list[dict]:
    """The dashboard's count tables, each row naming its figure (for the referral list CSV
    where the table counts referrals)."""
    tables = [
        {
            "name": name,
            "title": title,
            "lists_referrals": True,
            "rows": [
                {
                    "label": row.get("label") or row.get("name"),
                    "count": row["count"],
                    "figure": f"{prefix}:{row[key]}",
                }
                for row in summary[rows]
            ],
        }
        for name, title, rows, key, prefix in COUNT_TABLES
    ]
    overdue = [
        {"label": row["label"], "count": row["count"], "figure": f"overdue:{row['step']}"}
        for row in summary["overdue"]["by_step"]
    ]
    tables.append(
        {"name": "overdue", "title": "Overdue steps now", "lists_referrals": True, "rows": overdue}
    )
    consults_and_slides = [
        {"label": label, "count": summary[section][key], "figure": f"{section}:{key}"}
        for label, section, key in CONSULT_AND_SLIDE_COUNTS
    ]
    tables.append(
        {"name": "consults_and_slides", "title": "Consults and slides", "rows": consults_and_slides}
    )
    return tables


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = ReportFilterForm.from_query(request.GET)
    summary = figures_for(viewer=viewer, filters=form.filters()) if form.is_valid() else None
    context = {
        "form": form,
        "summary": summary,
        "count_tables": _count_tables(summary) if summary else [],
        "center_choices": _center_choices(viewer),
        "site_choices": [("", "All sites"), *CancerSite.choices],
        "query": request.GET.urlencode(),
        "may_list_referrals": viewer.may_list_referrals,
    }
    return render(request, "reports/dashboard.html", context, status=200 if summary else 400)


def _csv_response(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _valid_filters(request: HttpRequest) -> ReportFilters:
    form = ReportFilterForm.from_query(request.GET)
    if not form.is_valid():
        raise InvalidData("Invalid report filters.", fields=form.query_errors())
    return form.filters()


def _bad_request(error: InvalidData) -> HttpResponse:
    lines = [error.detail] + [f"{name}: {' '.join(msgs)}" for name, msgs in error.fields.items()]
    return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@login_required
@require_GET
def export_summary(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    try:
        filters = _valid_filters(request)
    except InvalidData as error:
        return _bad_request(error)
    rows = summary_rows(figures_for(viewer=viewer, filters=filters))
    audit_record(
        actor=request.user,
        action="export",
        detail=f"report summary CSV {filters.as_query()}",
    )
    return _csv_response(to_csv(SUMMARY_HEADER, rows), f"report-summary-{_stamp()}.csv")


@login_required
@require_GET
def export_referral_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    figure = request.GET.get("figure", "all")
    try:
        referrals = list(
            report_referral_list(viewer=viewer, filters=_valid_filters(request), figure=figure)
        )
    except NotPermitted as error:
        raise PermissionDenied(error.detail) from error
    except InvalidData as error:
        return _bad_request(error)
    audit_record(
        actor=request.user,
        action="export",
        detail=f"report referral list {figure} ({len(referrals)} referrals)",
    )
    content = to_csv(REFERRAL_LIST_HEADER, referral_list_rows(referrals))
    return _csv_response(content, f"report-referrals-{_stamp()}.csv")
