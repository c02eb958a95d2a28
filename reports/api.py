"""GET /api/v1/reports/summary/: the dashboard's figures as JSON."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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
            OpenApiParameter("from", str, description="First submission date (YYYY-MM-DD)."),
            OpenApiParameter("to", str, description="Last submission date (YYYY-MM-DD)."),
            OpenApiParameter("center", str, description="Receiving center id (UUID)."),
            OpenApiParameter("cancer_site", str, description="Cancer site code."),
        ],
        responses={200: dict},
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
