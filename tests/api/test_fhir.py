"""The FHIR export validates against the fhir.resources R4 models in every workflow state."""

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from audit.models import AuditEntry
from referrals.api.fhir import TASK_STATUS
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import Cast, PathologyReviewFactory, referral_in_state

Status = Referral.Status
pytestmark = pytest.mark.django_db


def _export(api, referral):
    response = api(Cast(referral).referring_coordinator).get(
        url(f"referrals/{referral.uuid}/fhir/")
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.json()


@pytest.mark.parametrize("status", Status.values)
def test_the_bundle_of_a_referral_in_each_state_is_valid_fhir(api, status):
    # The row is written in its final state at once: a reason is needed from the start.
    reasons = {
        Status.DECLINED: {"decline_reason_code": "other", "decline_reason": "Out of scope."},
        Status.CANCELLED: {"cancel_reason_code": "other", "cancel_reason": "Withdrawn."},
    }
    referral = referral_in_state(status, **reasons.get(status, {}))
    data = _export(api, referral)

    bundle = Bundle.model_validate(data)
    for entry in data["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    by_type = {}
    for entry in bundle.entry:
        by_type.setdefault(entry.resource.get_resource_type(), []).append(entry.resource)

    assert bundle.type == "collection"
    assert by_type["Patient"][0].identifier[0].value == referral.patient.mrn
    assert len(by_type["Organization"]) == 2
    service_request = by_type["ServiceRequest"][0]
    assert service_request.identifier[0].value == referral.reference
    assert service_request.category[0].text == "second opinion"
    assert service_request.requester.reference == f"urn:uuid:{referral.referring_oncologist.uuid}"
    assert f"urn:uuid:{referral.receiving_center.uuid}" in [
        p.reference for p in service_request.performer
    ]
    assert {c.coding[0].code for c in service_request.reasonCode} >= set(referral.reasons)
    task = by_type["Task"][0]
    assert task.status == TASK_STATUS[status]
    assert task.businessStatus.coding[0].code == status
    assert task.focus.reference == f"urn:uuid:{referral.uuid}"
    # The recommendation travels once it is issued.
    reports = by_type.get("DiagnosticReport", [])
    assert bool(reports) == bool(referral.recommendation_issued_at)
    # Every reference inside points at an entry of the bundle.
    full_urls = {entry.fullUrl for entry in bundle.entry}
    assert service_request.subject.reference in full_urls
    assert task.owner.reference in full_urls
    assert AuditEntry.objects.filter(action="export", object_id=str(referral.uuid)).exists()


def test_a_signed_pathology_review_is_exported_as_a_pathology_report(api):
    referral = referral_in_state(Status.UNDER_REVIEW)
    review = PathologyReviewFactory(
        referral=referral,
        specimens_reviewed="A1",
        review_diagnosis="Grade 3",
        discrepancy="major",
    )
    review.signed_by, review.signed_at = review.pathologist, referral.review_started_at
    review.save()
    data = _export(api, referral)
    Bundle.model_validate(data)
    reports = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "DiagnosticReport"
    ]
    assert reports[0]["conclusion"] == "Grade 3"
    assert reports[0]["conclusionCode"][0]["coding"][0]["code"] == "major"
