from django.urls import path

from referrals.portal.views import clinical, create, home, lists, records, referral

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("referrals/", lists.referral_list, name="referral-list"),
    path("referrals/new/", create.referral_create_view, name="referral-create"),
    path("referrals/<uuid:uuid>/", referral.referral_detail, name="referral-detail"),
    path("referrals/<uuid:uuid>/edit/", create.referral_edit, name="referral-edit"),
    path(
        "referrals/<uuid:uuid>/actions/<slug:action>/",
        referral.referral_action,
        name="referral-action",
    ),
    path("referrals/<uuid:uuid>/next-opinion/", referral.next_opinion, name="next-opinion"),
    path(
        "referrals/<uuid:uuid>/records/<uuid:item_uuid>/attach/",
        records.record_attach,
        name="record-attach",
    ),
    path(
        "referrals/<uuid:uuid>/records/<uuid:item_uuid>/<slug:status>/",
        records.record_status,
        name="record-status",
    ),
    path("attachments/<uuid:uuid>/", records.attachment_download, name="attachment-download"),
    path(
        "referrals/<uuid:uuid>/pathology/<uuid:review_uuid>/",
        clinical.pathology_review,
        name="pathology-review",
    ),
    path("referrals/<uuid:uuid>/consultation/", clinical.consultation, name="consultation"),
    path(
        "referrals/<uuid:uuid>/recommendation/",
        clinical.recommendation_edit,
        name="recommendation-edit",
    ),
    path(
        "referrals/<uuid:uuid>/recommendation/preview/",
        clinical.recommendation_preview,
        name="recommendation-preview",
    ),
    path(
        "referrals/<uuid:uuid>/updates/new/",
        clinical.progress_update_new,
        name="progress-update-new",
    ),
    path(
        "referrals/<uuid:uuid>/updates/<uuid:update_uuid>/reply/",
        clinical.progress_update_reply,
        name="progress-update-reply",
    ),
]
