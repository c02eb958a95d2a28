"""GET /api/v1/reports/summary/: the dashboard's figures as JSON."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import CancerSite
from referrals.errors import DomainError, InvalidData
from reports.access import report_viewer
from reports.filters import ReportFilterForm
from reports.selectors import report_summary


def _error_response(error: DomainError) -> Response:
    body = {"detail": error.detail, "code": error.code}
    if error.fields:
        body["fields"] = error.fields
    return Response(body, status=error.status_code)


class ReportSummaryView(APIView):
    """Figures of DESIGN §6 for the caller's organization(s), filtered by period, center, site."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First submission date."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last submission date."),
            OpenApiParameter("center", OpenApiTypes.UUID, description="Receiving center id."),
            OpenApiParameter("cancer_site", str, enum=CancerSite.values, description="Site."),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        try:
            viewer = report_viewer(user=request.user)
            form = ReportFilterForm.from_query(request.query_params)
            if not form.is_valid():
                raise InvalidData("Invalid report filters.", fields=form.query_errors())
            return Response(report_summary(viewer=viewer, filters=form.filters()))
        except DomainError as error:
            return _error_response(error)
