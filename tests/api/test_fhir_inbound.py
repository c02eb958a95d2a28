"""FHIR in: an EHR posts a transaction Bundle to /api/v1/fhir/ and gets a referral, through the
same services as the portal; every bundle we accept and every answer is R4 4.0.1."""

import json
import re
from pathlib import Path

import pytest

from accounts.models import Membership
from audit.models import AuditEntry
from referrals.models import ExternalIdentifier, Patient, RecordItem, Referral
from tests.api.conftest import url
from tests.factories import CancerCenterFactory, CommunityPracticeFactory, member
from tests.fhir_r4.validator import assert_valid_r4

Role = Membership.Role
Status = Referral.Status
pytestmark = pytest.mark.django_db

OURS = "https://second-opinion-tracker.example.org/fhir"
EHR = "urn:oid:2.16.840.1.113883.3.1234.5"  # the referring EHR's own order numbers
CONSENT = f"{OURS}/StructureDefinition/consent-to-share-records"
NOTE_KIND = f"{OURS}/StructureDefinition/note-kind"


class Practice:
    """A community practice with its oncologist and coordinator, and a cancer center."""

    def __init__(self):
        self.organization = CommunityPracticeFactory()
        self.oncologist = member(self.organization, Role.REFERRING_ONCOLOGIST)
        self.coordinator = member(self.organization, Role.COORDINATOR)
        self.center = CancerCenterFactory()


@pytest.fixture
def practice():
    return Practice()


def referral_bundle(practice, *, order="ORD-1001", mrn="EHR-55501", consent=True, documents=2):
    """What an EHR sends: a complete second-opinion referral."""
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ]
                },
                "system": f"{EHR}.mrn",
                "value": mrn,
            }
        ],
        "name": [{"family": "Zqxinbound", "given": ["Zqxmaria"]}],
        "gender": "female",
        "birthDate": "1968-03-14",
        "telecom": [{"system": "email", "value": "zqxmaria@patient.example"}],
        "managingOrganization": {
            "identifier": {
                "system": f"{OURS}/organization",
                "value": str(practice.organization.uuid),
            }
        },
    }
    if consent is not None:
        patient["extension"] = [{"url": CONSENT, "valueBoolean": consent}]
    entries = [
        {
            "fullUrl": "urn:uuid:8c1f0a44-5d3e-4a59-9d0e-1f2a3b4c5d01",
            "resource": patient,
            "request": {"method": "POST", "url": "Patient"},
        },
        {
            "fullUrl": "urn:uuid:8c1f0a44-5d3e-4a59-9d0e-1f2a3b4c5d02",
            "resource": {
                "resourceType": "Condition",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": {"text": "Invasive lobular carcinoma of the left breast"},
                "bodySite": [{"coding": [{"system": f"{OURS}/cancer-site", "code": "breast"}]}],
                "stage": [{"summary": {"text": "IIB"}}],
                "onsetDateTime": "2026-09-02",
                "subject": {"reference": "urn:uuid:8c1f0a44-5d3e-4a59-9d0e-1f2a3b4c5d01"},
            },
            "request": {"method": "POST", "url": "Condition"},
        },
        {
            "fullUrl": "urn:uuid:8c1f0a44-5d3e-4a59-9d0e-1f2a3b4c5d03",
            "resource": {
                "resourceType": "ServiceRequest",
                "identifier": [{"system": EHR, "value": order}],
                "status": "active",
                "intent": "order",
                "priority": "urgent",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "103696004"}]},
                "subject": {"reference": "urn:uuid:8c1f0a44-5d3e-4a59-9d0e-1f2a3b4c5d01"},
                "requester": {"reference": f"Practitioner/{practice.oncologist.uuid}"},
                "performer": [
                    {
                        "identifier": {
                            "system": f"{OURS}/organization",
                            "value": str(practice.center.uuid),
                        }
                    }
                ],
                "reasonCode": [
                    {
                        "coding": [
                            {"system": f"{OURS}/referral-reason", "code": "complex_diagnosis"}
                        ]
                    },
                    {
                        "coding": [
                            {"system": f"{OURS}/referral-reason", "code": "clinical_trial_interest"}
                        ]
                    },
                ],
                "note": [
                    {
                        "extension": [{"url": NOTE_KIND, "valueCode": "clinical-question"}],
                        "text": "Is there a trial for lobular disease with a PIK3CA mutation?",
                    },
                    {
                        "extension": [{"url": NOTE_KIND, "valueCode": "local-treatment-plan"}],
                        "text": "Mastectomy, then letrozole and ribociclib.",
                    },
                ],
            },
            "request": {"method": "POST", "url": "ServiceRequest"},
        },
    ]
    loinc = [("11526-1", "Pathology report, core biopsy"), ("18748-4", "Breast MRI report")]
    for index, (code, title) in enumerate(loinc[:documents]):
        entries.append(
            {
                "fullUrl": f"urn:uuid:8c1f0a44-5d3e-4a59-9d0e-1f2a3b4c5e0{index}",
                "resource": {
                    "resourceType": "DocumentReference",
                    "status": "current",
                    "type": {"coding": [{"system": "http://loinc.org", "code": code}]},
                    "description": title,
                    "subject": {"reference": "urn:uuid:8c1f0a44-5d3e-4a59-9d0e-1f2a3b4c5d01"},
                    "content": [
                        {
                            "attachment": {
                                "contentType": "application/pdf",
                                "url": f"https://ehr.example/doc/{index}",
                            }
                        }
                    ],
                },
                "request": {"method": "POST", "url": "DocumentReference"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def post(api, user, bundle):
    return api(user).post(url("fhir/"), bundle, format="json", HTTP_ACCEPT="application/fhir+json")


def task_of(api, user, referral):
    """The Task, as the EHR reads it back from the referral's bundle."""
    bundle = api(user).get(url(f"referrals/{referral.uuid}/fhir/")).json()
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task")


def service_request_entry(answer):
    return next(
        e
        for e in answer["entry"]
        if e["response"].get("location", "").startswith("ServiceRequest/")
    )


def nothing_was_written():
    assert Referral.objects.count() == 0
    assert Patient.objects.count() == 0
    assert ExternalIdentifier.objects.count() == 0


def test_the_example_bundle_is_r4(practice):
    assert_valid_r4(referral_bundle(practice))


def test_a_complete_referral_is_submitted(api, practice):
    response = post(api, practice.coordinator, referral_bundle(practice))

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    answer = response.json()
    assert_valid_r4(answer)
    assert answer["type"] == "transaction-response"
    assert [e["response"]["status"] for e in answer["entry"]] == ["201 Created"] * 5
    referral = Referral.objects.get()
    assert referral.status == Status.SUBMITTED
    assert referral.receiving_center == practice.center
    assert referral.referring_oncologist == practice.oncologist
    assert referral.urgency == Referral.Urgency.URGENT
    assert referral.cancer_site == "breast"
    assert referral.diagnosis == "Invasive lobular carcinoma of the left breast"
    assert referral.stage == "IIB"
    assert str(referral.diagnosis_date) == "2026-09-02"
    assert referral.reasons == ["complex_diagnosis", "clinical_trial_interest"]
    assert referral.clinical_question.startswith("Is there a trial for lobular disease")
    assert referral.local_treatment_plan == "Mastectomy, then letrozole and ribociclib."
    assert sorted((i.kind, i.description) for i in referral.record_items.all()) == [
        (RecordItem.Kind.IMAGING_REPORT, "Breast MRI report"),
        (RecordItem.Kind.PATHOLOGY_REPORT, "Pathology report, core biopsy"),
    ]
    patient = referral.patient
    assert (patient.mrn, patient.family_name, str(patient.date_of_birth)) == (
        "EHR-55501",
        "Zqxinbound",
        "1968-03-14",
    )
    assert patient.consent_to_share_records
    # The answer names the referral and its Task, as we hold them.
    entry = service_request_entry(answer)
    assert entry["response"]["location"] == f"ServiceRequest/{referral.uuid}"
    assert {"system": EHR, "value": "ORD-1001"} in entry["resource"]["identifier"]
    task = task_of(api, practice.coordinator, referral)
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == (
        "requested",
        "submitted",
    )
    # Made through the services: the timeline and the audit trail say so.
    assert list(referral.events.values_list("kind", flat=True)) == ["created", "submit"]
    assert AuditEntry.objects.filter(action="create", object_id=str(referral.uuid)).exists()


def test_an_incomplete_referral_is_a_draft_that_says_what_is_missing(api, practice):
    bundle = referral_bundle(practice, consent=None, documents=0)
    response = post(api, practice.oncologist, bundle)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert_valid_r4(answer)
    referral = Referral.objects.get()
    assert referral.status == Status.DRAFT
    outcome = service_request_entry(answer)["response"]["outcome"]
    missing = {tuple(i.get("expression", [""])): i["diagnostics"] for i in outcome["issue"][1:]}
    assert all(i["severity"] == "warning" and i["code"] == "incomplete" for i in outcome["issue"])
    assert "consent" in missing[("Patient",)]
    assert "required record item" in missing[("DocumentReference",)]
    task = task_of(api, practice.coordinator, referral)
    assert task["status"] == "draft"


def test_a_task_in_draft_keeps_a_complete_referral_a_draft(api, practice):
    bundle = referral_bundle(practice)
    bundle["entry"].append(
        {
            "resource": {"resourceType": "Task", "status": "draft", "intent": "order"},
            "request": {"method": "POST", "url": "Task"},
        }
    )
    assert_valid_r4(bundle)
    answer = post(api, practice.coordinator, bundle).json()
    assert_valid_r4(answer)
    assert Referral.objects.get().status == Status.DRAFT
    assert answer["entry"][-1]["response"]["location"].startswith("Task/")


def test_the_same_service_request_again_creates_nothing_and_answers_the_same_referral(
    api, practice
):
    first = post(api, practice.coordinator, referral_bundle(practice)).json()
    again = post(api, practice.oncologist, referral_bundle(practice))

    assert again.status_code == 200
    answer = again.json()
    assert_valid_r4(answer)
    assert Referral.objects.count() == 1
    assert Patient.objects.count() == 1
    assert RecordItem.objects.count() == 2
    assert (
        service_request_entry(answer)["response"]["location"]
        == service_request_entry(first)["response"]["location"]
    )
    assert {e["response"]["status"] for e in answer["entry"]} == {"200 OK"}
    # Another order of the same patient to the same center is the duplicate DESIGN §1 refuses.
    other = post(api, practice.coordinator, referral_bundle(practice, order="ORD-1002"))
    assert other.status_code == 409
    assert Referral.objects.count() == 1


def test_a_known_patient_is_matched_by_mrn_within_the_organization(api, practice):
    known = Patient.objects.create(
        organization=practice.organization,
        mrn="EHR-55501",
        given_name="Zqxknown",
        family_name="Zqxpatient",
        date_of_birth="1968-03-14",
    )
    answer = post(api, practice.coordinator, referral_bundle(practice)).json()
    assert answer["entry"][0]["response"] == {
        "status": "200 OK",
        "location": f"Patient/{known.uuid}",
    }
    assert Referral.objects.get().patient == known
    known.refresh_from_db()
    assert known.consent_to_share_records  # the EHR said the patient consented


def refused(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert_valid_r4(outcome)
    assert outcome["issue"][0]["severity"] == "error"
    assert outcome["issue"][0]["code"] == code
    return outcome


def test_a_bundle_for_another_organizations_patient_is_forbidden(api, practice):
    elsewhere = CommunityPracticeFactory()
    bundle = referral_bundle(practice)
    bundle["entry"][0]["resource"]["managingOrganization"]["identifier"]["value"] = str(
        elsewhere.uuid
    )
    refused(post(api, practice.coordinator, bundle), 403, "forbidden")
    nothing_was_written()
    # Nor by naming that organization's MRN numbering.
    bundle = referral_bundle(practice)
    del bundle["entry"][0]["resource"]["managingOrganization"]
    bundle["entry"][0]["resource"]["identifier"][0]["system"] = (
        f"{OURS}/organization/{elsewhere.uuid}/mrn"
    )
    refused(post(api, practice.coordinator, bundle), 403, "forbidden")
    nothing_was_written()


def test_the_center_cannot_send_referrals(api, practice):
    center_coordinator = member(practice.center, Role.COORDINATOR)
    refused(post(api, center_coordinator, referral_bundle(practice)), 403, "forbidden")
    nothing_was_written()


@pytest.mark.parametrize(
    ("breakage", "status", "code"),
    [
        ("not json", 400, "structure"),
        ("a list", 400, "structure"),
        ("a batch", 400, "invalid"),
        ("no service request", 400, "required"),
        ("no order number", 400, "required"),
        ("entry without resource", 400, "structure"),
        ("birth date not a date", 400, "value"),
        ("unknown center", 422, "not-found"),
        ("unknown cancer site", 422, "invalid"),
    ],
)
def test_a_malformed_bundle_is_refused_with_an_operation_outcome(
    api, practice, breakage, status, code
):
    bundle = referral_bundle(practice)
    entries = bundle["entry"]
    if breakage == "a list":
        bundle = [bundle]
    elif breakage == "a batch":
        bundle["type"] = "batch"
    elif breakage == "no service request":
        del entries[2]
    elif breakage == "no order number":
        del entries[2]["resource"]["identifier"]
    elif breakage == "entry without resource":
        del entries[1]["resource"]
    elif breakage == "birth date not a date":
        entries[0]["resource"]["birthDate"] = "March 1968"
    elif breakage == "unknown center":
        entries[2]["resource"]["performer"][0]["identifier"]["value"] = (
            "6d1c6b1e-0000-4000-8000-000000000000"
        )
    elif breakage == "unknown cancer site":
        entries[1]["resource"]["bodySite"][0]["coding"][0]["code"] = "spleen-ish"
    if breakage == "not json":
        response = api(practice.coordinator).post(
            url("fhir/"), b'{"resourceType": "Bundle",', content_type="application/fhir+json"
        )
    else:
        response = post(api, practice.coordinator, bundle)
    refused(response, status, code)
    nothing_was_written()


@pytest.mark.parametrize("kind", ["Patient", "MedicationRequest"])
def test_a_wrong_resource_type_is_refused(api, practice, kind):
    if kind == "Patient":
        # A resource on its own instead of a transaction Bundle.
        response = post(
            api, practice.coordinator, referral_bundle(practice)["entry"][0]["resource"]
        )
        refused(response, 400, "not-supported")
    else:
        bundle = referral_bundle(practice)
        bundle["entry"].append(
            {
                "resource": {"resourceType": kind, "status": "active", "intent": "order"},
                "request": {"method": "POST", "url": kind},
            }
        )
        outcome = refused(post(api, practice.coordinator, bundle), 422, "not-supported")
        assert "MedicationRequest" in outcome["issue"][0]["diagnostics"]
    nothing_was_written()


def test_anonymous_clients_get_an_operation_outcome(api, practice):
    response = api(None).post(url("fhir/"), referral_bundle(practice), format="json")
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "WWW-Authenticate" in response
    nothing_was_written()


def test_the_round_trip_reads_the_task_and_the_letter_of_the_referral_it_made(api, practice):
    answer = post(api, practice.coordinator, referral_bundle(practice)).json()
    referral_id = service_request_entry(answer)["response"]["location"].split("/")[1]
    bundle = api(practice.coordinator).get(url(f"referrals/{referral_id}/fhir/")).json()
    assert_valid_r4(bundle)
    ehr_orders = [
        e["resource"]["identifier"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "ServiceRequest"
    ]
    assert {"system": EHR, "value": "ORD-1001"} in ehr_orders[0]
    # No letter before the recommendation is issued.
    letter = api(practice.coordinator).get(url(f"referrals/{referral_id}/letter/"))
    assert letter.status_code == 409


def readme_bundle(practice) -> dict:
    """The bundle of the README's curl round trip, with this test's ids in it."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    written = re.search(r"cat > referral.json <<JSON\n(.*?)\nJSON\n", readme, re.S).group(1)
    written = written.replace("$ONCOLOGIST", str(practice.oncologist.uuid))
    return json.loads(written.replace("$CENTER", str(practice.center.uuid)))


def test_the_readme_round_trip_works(api, practice):
    bundle = readme_bundle(practice)
    assert_valid_r4(bundle)
    answer = post(api, practice.coordinator, bundle).json()
    assert_valid_r4(answer)
    referral = Referral.objects.get()
    assert referral.status == Status.SUBMITTED
    assert (
        service_request_entry(answer)["response"]["location"] == f"ServiceRequest/{referral.uuid}"
    )
    task = task_of(api, practice.coordinator, referral)
    assert task["businessStatus"]["coding"][0]["code"] == "submitted"
