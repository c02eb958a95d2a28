from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/summary.csv", views.export_summary, name="export-summary"),
    path("export/referrals.csv", views.export_referral_list, name="export-referrals"),
]
