"""One second opinion, end to end over the API, as each person in the story would drive it."""

import pytest
from django.utils import timezone

from accounts.models import Membership
from audit.models import AuditEntry
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import CancerCenterFactory, CommunityPracticeFactory, member

Role = Membership.Role
pytestmark = pytest.mark.django_db


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_a_referral_runs_from_draft_to_closed_over_the_api(api, client):
    practice, center = CommunityPracticeFactory(), CancerCenterFactory()
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST, email="onc@example.org")
    coordinator = member(practice, Role.COORDINATOR)
    center_coordinator = member(center, Role.COORDINATOR)
    specialist = member(center, Role.SPECIALIST)
    pathologist = member(center, Role.PATHOLOGIST)

    # The oncologist's EHR logs in with e-mail and password and gets a token.
    token = ok(
        client.post(
            url("auth/token/"),
            {"email": "onc@example.org", "password": "correct horse battery"},
            content_type="application/json",
        )
    )["token"]
    as_oncologist = api(None)
    as_oncologist.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    as_center, as_specialist = api(center_coordinator), api(specialist)
    as_pathologist, as_coordinator = api(pathologist), api(coordinator)

    patient = ok(
        as_oncologist.post(
            url("patients/"),
            {
                "mrn": "A-1001",
                "given_name": "Maria",
                "family_name": "Lopez",
                "date_of_birth": "1962-03-14",
                "sex": "female",
                "consent_to_share_records": True,
                "consent_to_record_consult": True,
            },
            format="json",
        ),
        201,
    )
    assert patient["organization"] == str(practice.uuid)
    assert patient["consent_to_share_recorded_at"] is not None

    draft = ok(
        as_oncologist.post(
            url("referrals/"),
            {
                "patient": patient["id"],
                "receiving_center": str(center.uuid),
                "cancer_site": "breast",
                "diagnosis": "Invasive lobular carcinoma",
                "stage": "IIB",
                "reasons": ["complex_diagnosis", "clinical_trial_interest"],
                "clinical_question": "Is endocrine therapy alone enough?",
                "no_local_plan_yet": True,
                "modality": "virtual",
                "record_items": [
                    {"kind": "clinical_notes"},
                    {"kind": "pathology_slides", "required": True},
                ],
            },
            format="json",
        ),
        201,
    )
    referral_id = draft["id"]
    assert draft["status"] == "draft"
    assert draft["reference"].startswith("SO-")
    assert draft["patient"] == patient["id"]
    assert draft["referring_oncologist"] == str(oncologist.uuid)
    assert draft["actions"] == ["submit", "cancel"]
    assert [item["kind"] for item in draft["record_items"]] == [
        "clinical_notes",
        "pathology_slides",
    ]

    def act(client, action, **data):
        return ok(
            client.post(
                url(f"referrals/{referral_id}/transitions/"),
                {"action": action, **data},
                format="json",
            )
        )

    # The center sees nothing of a draft.
    assert as_center.get(url(f"referrals/{referral_id}/")).status_code == 404

    edited = ok(
        as_oncologist.patch(url(f"referrals/{referral_id}/"), {"stage": "IIA"}, format="json")
    )
    assert edited["stage"] == "IIA"
    assert act(as_oncologist, "submit")["status"] == "submitted"

    # Triage at the center: accept, naming the specialist.
    listed = ok(as_center.get(url("referrals/"), {"status": "submitted"}))
    assert [row["id"] for row in listed["results"]] == [referral_id]
    accepted = act(as_center, "accept", specialist=str(specialist.uuid))
    assert accepted["status"] == "accepted"
    assert accepted["specialist"] == str(specialist.uuid)

    # Records go across: the practice sends, the center receives.
    items = ok(as_oncologist.get(url(f"referrals/{referral_id}/records/")))
    notes = next(i for i in items if i["kind"] == "clinical_notes")
    slides = next(i for i in items if i["kind"] == "pathology_slides")
    sent = ok(
        as_coordinator.patch(url(f"records/{notes['id']}/"), {"status": "sent"}, format="json")
    )
    assert sent["status"] == "sent" and sent["sent_at"]
    ok(
        as_coordinator.patch(
            url(f"records/{slides['id']}/"),
            {"status": "sent", "carrier": "FedEx", "tracking_number": "7712 3456 7890"},
            format="json",
        )
    )
    for item in (notes, slides):
        received = ok(
            as_center.patch(url(f"records/{item['id']}/"), {"status": "received"}, format="json")
        )
        assert received["status"] == "received"
    upload = as_center.post(
        url(f"records/{notes['id']}/attachments/"),
        {"file": _text_file("notes.txt", b"Clinic letter, 2 pages.")},
        format="multipart",
    )
    attachment = ok(upload, 201)
    download = as_specialist.get(attachment["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Clinic letter, 2 pages."

    assert act(as_center, "start_review")["status"] == "under_review"

    # Pathology re-review, requested by the center coordinator, signed by the pathologist.
    review = ok(
        as_center.post(
            url(f"referrals/{referral_id}/pathology-reviews/"),
            {"pathologist": str(pathologist.uuid)},
            format="json",
        ),
        201,
    )
    signed = ok(
        as_pathologist.patch(
            url(f"pathology-reviews/{review['id']}/"),
            {
                "specimens_reviewed": "Slides A1-A4",
                "review_diagnosis": "Invasive lobular carcinoma, grade 2",
                "discrepancy": "minor",
                "sign": True,
            },
            format="json",
        )
    )
    assert signed["signed_at"] and signed["signed_by"] == str(pathologist.uuid)

    # The consult, then the recommendation: drafted, signed, issued.
    completed = timezone.now().isoformat()
    consult = ok(
        as_specialist.put(
            url(f"referrals/{referral_id}/consultation/"),
            {"completed_at": completed, "support_person_present": True},
            format="json",
        )
    )
    assert consult["completed_at"] and consult["modality"] == "virtual"
    assert consult["attendance"] == "attended" and consult["earlier_appointments"] == []
    assert ok(as_center.get(url(f"referrals/{referral_id}/consultation/")))["id"] == consult["id"]

    body = {
        "concordance": "modifies",
        "summary": "Add a CDK4/6 inhibitor to endocrine therapy.",
        "clinical_trials": ["NCT01234567"],
        "specialist_follows": True,
        "update_interval_days": 30,
    }
    drafted = ok(
        as_specialist.post(url(f"referrals/{referral_id}/recommendation/"), body, format="json")
    )
    assert drafted["draft"]["summary"] == body["summary"] and drafted["in_force"] is None
    # The referring oncologist neither sees the draft nor may write it.
    assert ok(as_oncologist.get(url(f"referrals/{referral_id}/recommendation/")))["draft"] is None
    forbidden = as_oncologist.post(
        url(f"referrals/{referral_id}/recommendation/"), body, format="json"
    )
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "permission_denied"
    signed = ok(
        as_specialist.post(
            url(f"referrals/{referral_id}/recommendation/"), {"sign": True}, format="json"
        )
    )
    assert signed["in_force"]["version"] == 1 and signed["in_force"]["signed_at"]
    assert act(as_specialist, "issue_recommendation")["status"] == "recommendation_issued"

    # Back home: acknowledged, monitored, a progress update answered, closed.
    assert act(as_oncologist, "acknowledge_return")["status"] == "returned"
    assert act(as_specialist, "start_monitoring")["status"] == "monitoring"
    update = ok(
        as_oncologist.post(
            url(f"referrals/{referral_id}/progress-updates/"),
            {
                "response": "responding",
                "recommendation_followed": "yes",
                "question": "Continue the same dose?",
            },
            format="json",
        ),
        201,
    )
    reply = ok(
        as_specialist.post(
            url(f"progress-updates/{update['id']}/reply/"),
            {"advice": "Yes, re-image in three months."},
            format="json",
        )
    )
    assert reply["advice_by"] == str(specialist.uuid) and reply["advice_at"]
    closed = act(as_coordinator, "close")
    assert closed["status"] == "closed" and closed["closed_at"] and closed["actions"] == []

    events = ok(as_oncologist.get(url(f"referrals/{referral_id}/events/")))
    kinds = [event["kind"] for event in events]
    for kind in (
        "created",
        "submit",
        "accept",
        "record_status",
        "start_review",
        "pathology_signed",
        "recommendation_signed",
        "issue_recommendation",
        "acknowledge_return",
        "start_monitoring",
        "progress_update",
        "advice",
        "close",
    ):
        assert kind in kinds
    assert Referral.objects.get(uuid=referral_id).status == "closed"
    detail = ok(as_oncologist.get(url(f"referrals/{referral_id}/")))
    assert detail["patient_details"]["mrn"] == "A-1001"
    # Reads were audited as coming from the API.
    views = AuditEntry.objects.filter(action="view", interface="api")
    assert views.filter(object_id=referral_id).exists()


def _text_file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/plain")
