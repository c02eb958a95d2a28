from django.urls import path

from reports.api import ReportSummaryView

app_name = "reports-api"

urlpatterns = [
    path("summary/", ReportSummaryView.as_view(), name="summary"),
]
