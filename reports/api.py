"""GET /api/v1/reports/summary/: the dashboard's figures as JSON.

Conditional: the response carries an ETag and a Last-Modified from the rollups' change marker
(reports.rollups.rollups_changed), so a dashboard left open and polling is answered 304 Not
Modified, in two small queries, until something it shows changes.
"""

import datetime
import hashlib
import json

from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.http import condition
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import CancerSite
from referrals.api.views.base import ApiView
from referrals.errors import DomainError, InvalidData
from reports.access import ReportViewer, report_viewer
from reports.filters import ReportFilterForm
from reports.rollups import RollupChange, rollups_changed
from reports.suppression import figures_for

# Part of every ETag: change it when the summary's JSON changes shape.
SUMMARY_FORMAT = 2


def _viewer(request: Request) -> ReportViewer:
    """The caller's report scope, read once per request (raises NotPermitted)."""
    if not hasattr(request, "report_viewer"):
        request.report_viewer = report_viewer(user=request.user)
    return request.report_viewer


def _change(request: Request) -> RollupChange | None:
    if not hasattr(request, "report_change"):
        request.report_change = rollups_changed()
    return request.report_change


def summary_etag(request: Request) -> str | None:
    """Whatever the summary depends on: the rollups' version, today (the overdue steps), the
    caller's scope and role, the query. None (no validator) when the rollups do not apply or
    the caller may see no report."""
    change = _change(request)
    if change is None or not ReportFilterForm.from_query(request.GET).is_valid():
        return None
    try:
        viewer = _viewer(request)
    except DomainError:
        return None
    key = [
        SUMMARY_FORMAT,
        change.version,
        timezone.localdate().isoformat(),
        request.user.pk,
        viewer.centers,
        viewer.practices,
        viewer.may_list_referrals,
        sorted(request.GET.lists()),
    ]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]


def summary_last_modified(request: Request) -> datetime.datetime | None:
    """The rollups' change time, or the start of today if later (the overdue steps count from
    today). Whole seconds in HTTP: the ETag is the validator that tells changes apart."""
    change = _change(request)
    if change is None or summary_etag(request) is None:
        return None
    midnight = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time.min)
    )
    return max(change.changed_at, midnight)


class ReportSummaryView(ApiView):
    """Figures of DESIGN §6 for the caller's organization(s), filtered by period, center, site.

    Like every API view: 401 without credentials, 403 for a user who sees no reports, errors
    in the one JSON shape. Analysts get small counts as "<5" (reports.suppression)."""

    @extend_schema(
        operation_id="reports_summary",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First submission date."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last submission date."),
            OpenApiParameter("center", OpenApiTypes.UUID, description="Receiving center id."),
            OpenApiParameter("cancer_site", str, enum=CancerSite.values, description="Site."),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            304: None,
            400: OpenApiTypes.OBJECT,
            401: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
        },
    )
    @method_decorator(condition(etag_func=summary_etag, last_modified_func=summary_last_modified))
    def get(self, request: Request) -> Response:
        viewer = _viewer(request)
        form = ReportFilterForm.from_query(request.query_params)
        if not form.is_valid():
            raise InvalidData("Invalid report filters.", fields=form.query_errors())
        response = Response(figures_for(viewer=viewer, filters=form.filters()))
        # Kept by the browser only, and checked with the server (304) before each reuse.
        patch_cache_control(response, private=True, no_cache=True)
        return response
