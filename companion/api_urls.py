from django.urls import path

from companion.api import PatientLinkView

app_name = "companion-api"

urlpatterns = [
    path("referrals/<str:id>/patient-link/", PatientLinkView.as_view(), name="patient-link"),
]
