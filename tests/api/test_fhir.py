"""FHIR out: the referral's Bundle is FHIR R4 4.0.1 in every workflow state (HL7's JSON schema
and the required code bindings, tests/fhir_r4), and says what DESIGN §4 says it does."""

import base64
import datetime
import io

import pytest
from pypdf import PdfReader

from audit.models import AuditEntry
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import Cast, PathologyReviewFactory, RecommendationFactory, referral_in_state
from tests.fhir_r4.validator import assert_valid_r4, r4_errors
from tests.queries import assert_queries

Status = Referral.Status
pytestmark = pytest.mark.django_db

LOINC = "http://loinc.org"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
OURS = "https://second-opinion-tracker.example.org/fhir"

# DESIGN §2's states as FHIR says them: Task.status (task-status), the workflow state in
# Task.businessStatus, ServiceRequest.status (request-status).
STATES = [
    # (state, Task.status, businessStatus, ServiceRequest.status)
    ("draft", "draft", "draft", "draft"),
    ("submitted", "requested", "submitted", "active"),
    ("accepted", "accepted", "accepted", "active"),
    ("declined", "rejected", "declined", "revoked"),
    ("under_review", "in-progress", "under_review", "active"),
    ("recommendation_issued", "completed", "recommendation_issued", "active"),
    ("returned", "completed", "returned", "completed"),
    ("monitoring", "completed", "monitoring", "completed"),
    ("closed", "completed", "closed", "completed"),
    ("cancelled", "cancelled", "cancelled", "revoked"),
    ("forwarded", "rejected", "forwarded", "revoked"),
]
ISSUED_OR_LATER = {"recommendation_issued", "returned", "monitoring", "closed"}


def export(api, referral, user=None):
    user = user or Cast(referral).referring_coordinator
    response = api(user).get(url(f"referrals/{referral.uuid}/fhir/"))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.json()


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def only(bundle, kind):
    found = resources(bundle, kind)
    assert len(found) == 1, f"{len(found)} {kind} in the bundle"
    return found[0]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_validator_rejects_what_r4_forbids():
    # R4B's models accepted these; R4 4.0.1 does not (task-status has no "issued", and
    # request-priority is routine | urgent | asap | stat).
    task = {"resourceType": "Task", "status": "issued", "intent": "order"}
    assert any("issued" in error for error in r4_errors(task))
    request = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "priority": "high",
        "subject": {"reference": "Patient/1"},
    }
    assert any("priority" in error for error in r4_errors(request))
    assert r4_errors({"resourceType": "Task", "status": "requested", "intent": "order"}) == []
    # A resource type R4 does not have (R4B and R5 do), an element and a date it does not know.
    with pytest.raises(AssertionError):
        r4_errors({"resourceType": "SubscriptionTopic"})
    draft = {"resourceType": "Task", "status": "draft", "intent": "order"}
    assert r4_errors({**draft, "issuedBy": "x"})
    assert r4_errors({**draft, "authoredOn": "yesterday"})


@pytest.mark.parametrize(("state", "task_status", "business", "request_status"), STATES)
def test_the_bundle_of_a_referral_in_each_state_is_r4(
    api, state, task_status, business, request_status
):
    referral = referral_in_state(state)
    data = export(api, referral)

    assert_valid_r4(data)
    assert data["type"] == "collection"
    task = only(data, "Task")
    service_request = only(data, "ServiceRequest")
    assert task["status"] == task_status
    assert task["businessStatus"]["coding"][0]["code"] == business
    assert service_request["status"] == request_status
    assert task["code"]["coding"] == [
        {"system": TASK_CODE, "code": "fulfill", "display": "Fulfill the focal request"}
    ]
    assert task["focus"]["reference"] == f"urn:uuid:{referral.uuid}"
    assert task["for"]["reference"] == f"urn:uuid:{referral.patient.uuid}"
    assert task["requester"]["reference"] == f"urn:uuid:{referral.referring_oncologist.uuid}"
    owner = referral.specialist or referral.receiving_center
    assert task["owner"]["reference"] == f"urn:uuid:{owner.uuid}"
    assert only(data, "Patient")["identifier"][0]["value"] == referral.patient.mrn
    assert service_request["identifier"][0]["value"] == referral.reference
    assert service_request["category"][0]["coding"][0]["system"] == "http://snomed.info/sct"
    assert service_request["requester"]["reference"] == task["requester"]["reference"]
    assert {c["coding"][0]["code"] for c in service_request["reasonCode"]} >= set(referral.reasons)
    # The consult letter travels once the recommendation is issued.
    assert bool(resources(data, "DocumentReference")) == (state in ISSUED_OR_LATER)
    assert bool(task.get("output")) == (state in ISSUED_OR_LATER)
    # Every reference of the bundle's own resources points at one of its entries.
    full_urls = {entry["fullUrl"] for entry in data["entry"]}
    for reference in (task["owner"], task["for"], task["requester"], service_request["subject"]):
        assert reference["reference"] in full_urls
    assert AuditEntry.objects.filter(action="export", object_id=str(referral.uuid)).exists()


def test_the_task_is_due_when_the_step_is(api):
    referral = referral_in_state(Status.ACCEPTED)
    referral.next_due = datetime.date(2026, 12, 14)
    referral.save()
    task = only(export(api, referral), "Task")
    assert task["restriction"]["period"]["end"] == "2026-12-14"


@pytest.mark.parametrize(
    ("state", "reason_system", "reason_code", "text"),
    [
        ("declined", "decline-reason", "other", "Outside our programme."),
        ("cancelled", "cancel-reason", "patient_withdrew", None),
        ("forwarded", None, None, "Our sarcoma clinic is full this month."),
    ],
)
def test_why_a_referral_was_declined_cancelled_or_forwarded_is_the_task_status_reason(
    api, state, reason_system, reason_code, text
):
    referral = referral_in_state(state)
    data = export(api, referral)
    assert_valid_r4(data)
    reason = only(data, "Task")["statusReason"]
    assert reason.get("text") == text
    if reason_code:
        assert reason["coding"][0]["system"] == f"{OURS}/{reason_system}"
        assert reason["coding"][0]["code"] == reason_code
    else:
        assert "coding" not in reason


@pytest.mark.parametrize("state", ["accepted", "under_review"])
def test_a_referral_awaiting_information_is_a_task_on_hold(api, state):
    referral = referral_in_state(
        state, awaiting_information=True, information_due=datetime.date(2026, 12, 9)
    )
    data = export(api, referral)
    assert_valid_r4(data)
    task = only(data, "Task")
    assert task["status"] == "on-hold"
    assert task["businessStatus"]["coding"][0]["code"] == "awaiting_information"
    assert task["businessStatus"]["text"] == "Awaiting information"
    # The workflow state itself is still the ServiceRequest's.
    assert only(data, "ServiceRequest")["status"] == "active"


def test_a_forwarded_referral_goes_on_as_the_one_that_replaces_it(api):
    forwarded = referral_in_state("forwarded")
    onward = referral_in_state(
        Status.SUBMITTED,
        patient=forwarded.patient,
        referring_oncologist=forwarded.referring_oncologist,
        previous_referral=forwarded,
    )
    service_request = only(export(api, onward), "ServiceRequest")
    assert service_request["replaces"][0]["reference"] == f"ServiceRequest/{forwarded.uuid}"
    assert "basedOn" not in service_request


def test_the_question_and_the_local_plan_are_notes_of_the_service_request(api):
    referral = referral_in_state(Status.SUBMITTED)
    notes = only(export(api, referral), "ServiceRequest")["note"]
    kinds = {note["extension"][0]["valueCode"]: note["text"] for note in notes}
    assert kinds == {
        "clinical-question": "Is neoadjuvant chemotherapy preferable to surgery first?",
        "local-treatment-plan": "Lumpectomy first, then adjuvant endocrine therapy.",
    }
    referral.local_treatment_plan, referral.no_local_plan_yet = "", True
    referral.save()
    notes = only(export(api, referral), "ServiceRequest")["note"]
    assert notes[1]["extension"][0]["valueCode"] == "no-local-treatment-plan-yet"


def test_an_issued_recommendation_is_a_consult_note_holding_the_letter(api):
    referral = referral_in_state(Status.RECOMMENDATION_ISSUED)
    recommendation = referral.recommendations.get()
    recommendation.clinical_trials = ["NCT01234567"]
    recommendation.save()
    data = export(api, referral)
    assert_valid_r4(data)

    task = only(data, "Task")
    document = only(data, "DocumentReference")
    assert task["output"][0]["type"]["coding"][0] == {
        "system": LOINC,
        "code": "11488-4",
        "display": "Consult note",
    }
    assert task["output"][0]["valueReference"]["reference"] == f"urn:uuid:{document['id']}"
    assert document["type"]["coding"][0]["code"] == "11488-4"
    assert document["status"] == "current"
    assert document["docStatus"] == "final"
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert attachment["url"].endswith(f"/api/v1/referrals/{referral.uuid}/letter/")
    text = pdf_text(base64.b64decode(attachment["data"]))
    assert referral.reference in text
    assert "NCT01234567" in text
    # The recommendation is the consult note now, not a home-grown DiagnosticReport.
    assert resources(data, "DiagnosticReport") == []


def test_an_amended_recommendation_is_an_amended_consult_note(api):
    referral = referral_in_state(Status.RECOMMENDATION_ISSUED)
    first = referral.recommendations.get()
    first.superseded_at = first.signed_at + datetime.timedelta(hours=1)
    first.save()
    RecommendationFactory(
        referral=referral, version=2, amendment_reason="HER2 retest came back positive."
    )
    document = only(export(api, referral), "DocumentReference")
    assert document["docStatus"] == "amended"
    assert document["relatesTo"][0]["code"] == "replaces"


def test_a_signed_pathology_review_is_a_loinc_pathology_report(api):
    referral = referral_in_state(Status.UNDER_REVIEW)
    review = PathologyReviewFactory(
        referral=referral,
        specimens_reviewed="A1",
        review_diagnosis="Grade 3",
        discrepancy="major",
    )
    review.signed_by, review.signed_at = review.pathologist, referral.review_started_at
    review.save()
    PathologyReviewFactory(referral=referral)  # not signed: not exported
    data = export(api, referral)
    assert_valid_r4(data)
    report = only(data, "DiagnosticReport")
    assert report["category"][0]["coding"][0] == {
        "system": LOINC,
        "code": "LP7839-6",
        "display": "Pathology",
    }
    assert report["code"]["coding"][0]["system"] == LOINC
    assert report["conclusion"] == "Grade 3"
    assert report["conclusionCode"][0]["coding"][0]["code"] == "major"
    full_urls = {entry["fullUrl"] for entry in data["entry"]}
    assert report["resultsInterpreter"][0]["reference"] in full_urls


def test_a_third_opinion_builds_on_the_second_and_does_not_replace_it(api):
    second = referral_in_state(Status.RETURNED)
    third = referral_in_state(
        Status.SUBMITTED,
        patient=second.patient,
        referring_oncologist=second.referring_oncologist,
        opinion_number=3,
        previous_referral=second,
    )
    data = export(api, third)
    assert_valid_r4(data)
    service_request = only(data, "ServiceRequest")
    assert "replaces" not in service_request
    assert service_request["basedOn"][0]["reference"] == f"ServiceRequest/{second.uuid}"
    assert service_request["basedOn"][0]["identifier"]["value"] == second.reference
    assert {ref["reference"].split("/")[0] for ref in service_request["supportingInfo"]} == {
        "ServiceRequest",
        "Task",
    }


def test_the_center_sees_no_patient_contact_details(api):
    referral = referral_in_state(Status.SUBMITTED)
    cast = Cast(referral)
    patient = only(export(api, referral, cast.center_coordinator), "Patient")
    assert "telecom" not in patient
    patient = only(export(api, referral, cast.referring_coordinator), "Patient")
    assert {t["system"] for t in patient["telecom"]} == {"phone", "email"}


def signed_reviews(referral, count):
    for _ in range(count):
        review = PathologyReviewFactory(
            referral=referral, review_diagnosis="Grade 2", discrepancy="none"
        )
        review.signed_by, review.signed_at = review.pathologist, referral.review_started_at
        review.save()


def test_the_export_costs_the_same_queries_whatever_its_parts(api):
    small = referral_in_state(Status.RECOMMENDATION_ISSUED)
    signed_reviews(small, 1)
    large = referral_in_state(Status.RECOMMENDATION_ISSUED)
    signed_reviews(large, 4)
    first = large.recommendations.get()
    first.superseded_at = first.signed_at + datetime.timedelta(hours=1)
    first.save()
    RecommendationFactory(referral=large, version=2, amendment_reason="Retested.")
    clients = {r.pk: api(Cast(r).referring_coordinator) for r in (small, large)}
    with assert_queries(at_most=30) as few:
        clients[small.pk].get(url(f"referrals/{small.uuid}/fhir/"))
    with assert_queries(exactly=len(few)):
        response = clients[large.pk].get(url(f"referrals/{large.uuid}/fhir/"))
    assert len(resources(response.json(), "DiagnosticReport")) == 4
