"""The REST API v1 (DESIGN §4). Reports live under `api/v1/reports/` (the reports app)."""

from django.urls import path

from referrals.api.views import (
    auth,
    clinical,
    directory,
    fhir,
    information,
    letter,
    patients,
    records,
    referrals,
)

app_name = "api"

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("centers/", directory.CenterListView.as_view(), name="center-list"),
    path("colleagues/", directory.ColleagueListView.as_view(), name="colleague-list"),
    path("patients/", patients.PatientListView.as_view(), name="patient-list"),
    path("patients/<str:id>/", patients.PatientDetailView.as_view(), name="patient-detail"),
    path("referrals/", referrals.ReferralListView.as_view(), name="referral-list"),
    path("referrals/<str:id>/", referrals.ReferralDetailView.as_view(), name="referral-detail"),
    path(
        "referrals/<str:id>/transitions/",
        referrals.TransitionView.as_view(),
        name="referral-transitions",
    ),
    path("referrals/<str:id>/events/", referrals.EventListView.as_view(), name="referral-events"),
    path(
        "referrals/<str:id>/records/",
        records.ReferralRecordsView.as_view(),
        name="referral-records",
    ),
    path("records/<str:id>/", records.RecordItemView.as_view(), name="record-detail"),
    path(
        "records/<str:id>/attachments/",
        records.AttachmentUploadView.as_view(),
        name="record-attachments",
    ),
    path(
        "attachments/<str:id>/",
        records.AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
    path(
        "referrals/<str:id>/pathology-reviews/",
        clinical.ReferralPathologyReviewsView.as_view(),
        name="referral-pathology-reviews",
    ),
    path(
        "pathology-reviews/<str:id>/",
        clinical.PathologyReviewView.as_view(),
        name="pathology-review-detail",
    ),
    path(
        "referrals/<str:id>/consultation/",
        clinical.ConsultationView.as_view(),
        name="referral-consultation",
    ),
    path(
        "referrals/<str:id>/recommendation/",
        clinical.RecommendationView.as_view(),
        name="referral-recommendation",
    ),
    path(
        "referrals/<str:id>/progress-updates/",
        clinical.ProgressUpdatesView.as_view(),
        name="referral-progress-updates",
    ),
    path(
        "progress-updates/<str:id>/reply/",
        clinical.ProgressReplyView.as_view(),
        name="progress-update-reply",
    ),
    path(
        "referrals/<str:id>/information-requests/",
        information.InformationRequestsView.as_view(),
        name="referral-information-requests",
    ),
    path("referrals/<str:id>/fhir/", fhir.ReferralFhirView.as_view(), name="referral-fhir"),
    path("referrals/<str:id>/letter/", letter.ReferralLetterView.as_view(), name="referral-letter"),
    path("fhir/", fhir.FhirTransactionView.as_view(), name="fhir-transaction"),
]
