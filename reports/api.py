"""GET /api/v1/reports/summary/: the dashboard's figures as JSON."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import CancerSite
from referrals.api.views.base import ApiView
from referrals.errors import InvalidData
from reports.access import report_viewer
from reports.filters import ReportFilterForm
from reports.suppression import figures_for


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
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        viewer = report_viewer(user=request.user)
        form = ReportFilterForm.from_query(request.query_params)
        if not form.is_valid():
            raise InvalidData("Invalid report filters.", fields=form.query_errors())
        return Response(figures_for(viewer=viewer, filters=form.filters()))
