from django.urls import path

from companion import portal_views

app_name = "companion-staff"

urlpatterns = [
    path("referrals/<uuid:uuid>/patient-link/", portal_views.link_issue, name="link-issue"),
    path(
        "referrals/<uuid:uuid>/patient-link/revoke/",
        portal_views.link_revoke,
        name="link-revoke",
    ),
    path(
        "referrals/<uuid:uuid>/patient-questions/<uuid:question_uuid>/answer/",
        portal_views.question_answer,
        name="question-answer",
    ),
]
