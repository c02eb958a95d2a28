"""A referral as a FHIR R4 (4.0.1) Bundle: Patient, Practitioners, Organizations, the
ServiceRequest (the referral), its Task (the workflow status) and the recommendation in force
as a DiagnosticReport. References inside the bundle are `urn:uuid:` full URLs."""

import uuid

from django.utils import timezone

from accounts.models import CancerSite, Organization, User
from referrals.models import PathologyReview, Recommendation, Referral
from referrals.rules.relations import relations_to
from referrals.rules.states import OPEN_STATES
from referrals.rules.visibility import sees_patient_contact

FHIR_VERSION = "4.0.1"
SYSTEM = "https://second-opinion-tracker.example.org/fhir"
Status = Referral.Status

SERVICE_REQUEST_STATUS = {
    Status.DRAFT: "draft",
    Status.SUBMITTED: "active",
    Status.ACCEPTED: "active",
    Status.UNDER_REVIEW: "active",
    Status.RECOMMENDATION_ISSUED: "active",
    Status.RETURNED: "completed",
    Status.MONITORING: "completed",
    Status.CLOSED: "completed",
    Status.DECLINED: "revoked",
    Status.CANCELLED: "revoked",
}
# FHIR Task.status (http://hl7.org/fhir/task-status); our state goes in businessStatus.
TASK_STATUS = {
    Status.DRAFT: "draft",
    Status.SUBMITTED: "requested",
    Status.ACCEPTED: "accepted",
    Status.UNDER_REVIEW: "in-progress",
    Status.RECOMMENDATION_ISSUED: "in-progress",
    Status.RETURNED: "completed",
    Status.MONITORING: "completed",
    Status.CLOSED: "completed",
    Status.DECLINED: "rejected",
    Status.CANCELLED: "cancelled",
}
GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def referral_bundle(referral: Referral, *, user) -> dict:
    """The Bundle (type `collection`) of one referral, as FHIR JSON, as `user` may see it
    (the patient's contact details only for the referring side: referrals.rules.visibility)."""
    patient = referral.patient
    with_contact = sees_patient_contact(relations_to(user, referral))
    resources = [
        _patient(patient, with_contact=with_contact),
        _organization(referral.referring_organization),
        _organization(referral.receiving_center),
        _practitioner(referral.referring_oncologist),
    ]
    if referral.specialist is not None:
        resources.append(_practitioner(referral.specialist))
    resources += [_service_request(referral), _task(referral)]
    recommendation = next(
        (r for r in referral.recommendations.all() if r.in_force),
        None,
    )
    # The recommendation goes back to the local side when it is issued, not when signed.
    if recommendation is not None and referral.recommendation_issued_at is not None:
        resources.append(_recommendation_report(referral, recommendation))
    for review in referral.pathology_reviews.all():
        if review.is_signed:
            resources.append(_pathology_report(referral, review))
    return {
        "resourceType": "Bundle",
        "id": str(referral.uuid),
        "meta": {"tag": [{"system": f"{SYSTEM}/fhir-version", "code": FHIR_VERSION}]},
        "identifier": {"system": f"{SYSTEM}/referral-reference", "value": referral.reference},
        "type": "collection",
        "timestamp": _instant(timezone.now()),
        "entry": [{"fullUrl": _urn(r["id"]), "resource": r} for r in resources],
    }


def _urn(uuid) -> str:
    return f"urn:uuid:{uuid}"


def _ref(uuid, display: str = "") -> dict:
    reference = {"reference": _urn(uuid)}
    if display:
        reference["display"] = display
    return reference


def _instant(moment) -> str:
    return moment.isoformat()


def _coding(kind: str, code: str, display: str) -> dict:
    return {"system": f"{SYSTEM}/{kind}", "code": code, "display": display}


def _patient(patient, *, with_contact: bool) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": str(patient.uuid),
        "identifier": [
            {
                "type": {"text": "MRN"},
                "system": f"{SYSTEM}/organization/{patient.organization.uuid}/mrn",
                "value": patient.mrn,
            }
        ],
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": GENDER.get(patient.sex, "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
        "managingOrganization": _ref(patient.organization.uuid, patient.organization.name),
    }
    telecom = []
    if with_contact and patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if with_contact and patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    if patient.preferred_language:
        resource["communication"] = [
            {"language": {"text": patient.preferred_language}, "preferred": True}
        ]
    return resource


def _organization(organization: Organization) -> dict:
    resource = {
        "resourceType": "Organization",
        "id": str(organization.uuid),
        "active": organization.is_active,
        "name": organization.name,
        "type": [
            {
                "coding": [
                    _coding("organization-kind", organization.kind, organization.get_kind_display())
                ]
            }
        ],
    }
    if organization.city or organization.state:
        address = {"city": organization.city, "state": organization.state, "country": "US"}
        resource["address"] = [{k: v for k, v in address.items() if v}]
    return resource


def _practitioner(user: User) -> dict:
    resource = {
        "resourceType": "Practitioner",
        "id": str(user.uuid),
        "active": user.is_active,
        "name": [{"text": user.full_name or user.email}],
        "telecom": [{"system": "email", "value": user.email}],
    }
    if user.title:
        resource["name"][0]["suffix"] = [user.title]
    return resource


def _service_request(referral: Referral) -> dict:
    reasons = dict(Referral.Reason.choices)
    site = CancerSite(referral.cancer_site)
    performers = [_ref(referral.receiving_center.uuid, referral.receiving_center.name)]
    if referral.specialist is not None:
        performers.append(_ref(referral.specialist.uuid, referral.specialist.display_name))
    resource = {
        "resourceType": "ServiceRequest",
        "id": str(referral.uuid),
        "identifier": [{"system": f"{SYSTEM}/referral-reference", "value": referral.reference}],
        "status": SERVICE_REQUEST_STATUS[referral.status],
        "intent": "order",
        "category": [
            {
                "coding": [_coding("category", "second-opinion", "Second opinion")],
                "text": "second opinion",
            }
        ],
        "priority": referral.urgency,
        "code": {"text": f"Expert {_ordinal(referral.opinion_number)} opinion in oncology"},
        "subject": _ref(referral.patient.uuid),
        "requester": _ref(
            referral.referring_oncologist.uuid, referral.referring_oncologist.display_name
        ),
        "performer": performers,
        "reasonCode": [
            {"coding": [_coding("referral-reason", code, reasons.get(code, code))]}
            for code in referral.reasons
        ]
        + [
            {
                "coding": [_coding("cancer-site", site.value, site.label)],
                "text": referral.diagnosis,
            }
        ],
        "authoredOn": _instant(referral.submitted_at or referral.created_at),
    }
    if referral.clinical_question:
        resource["note"] = [{"text": referral.clinical_question}]
    if referral.previous_referral_id:
        resource["replaces"] = [_ref(referral.previous_referral.uuid)]
    return resource


def _ordinal(number: int) -> str:
    return {2: "second", 3: "third"}.get(number, f"{number}th")


def _task(referral: Referral) -> dict:
    task_uuid = _task_id(referral)
    owner = referral.specialist or referral.receiving_center
    owner_name = getattr(owner, "display_name", None) or owner.name
    resource = {
        "resourceType": "Task",
        "id": task_uuid,
        "identifier": [{"system": f"{SYSTEM}/referral-reference", "value": referral.reference}],
        "basedOn": [_ref(referral.uuid)],
        "status": TASK_STATUS[referral.status],
        "businessStatus": {
            "coding": [_coding("referral-status", referral.status, referral.get_status_display())],
            "text": referral.get_status_display(),
        },
        "intent": "order",
        "priority": referral.urgency,
        "focus": _ref(referral.uuid),
        "for": _ref(referral.patient.uuid),
        "authoredOn": _instant(referral.created_at),
        "lastModified": _instant(referral.updated_at),
        "requester": _ref(referral.referring_oncologist.uuid),
        "owner": _ref(owner.uuid, owner_name),
    }
    reason = referral.decline_reason or referral.cancel_reason
    if reason:
        resource["statusReason"] = {"text": reason}
    if referral.next_due and referral.status in OPEN_STATES:
        resource["restriction"] = {"period": {"end": referral.next_due.isoformat()}}
    return resource


def _task_id(referral: Referral) -> str:
    # The Task needs its own id; derived from the referral's so the export is stable.
    return str(uuid.uuid5(referral.uuid, "task"))


def _recommendation_report(referral: Referral, recommendation: Recommendation) -> dict:
    concordance = Recommendation.Concordance(recommendation.concordance)
    conclusion = recommendation.summary
    if recommendation.treatment_options:
        conclusion += f"\n\nTreatment options: {recommendation.treatment_options}"
    if recommendation.further_testing:
        conclusion += f"\n\nFurther testing: {recommendation.further_testing}"
    if recommendation.clinical_trials:
        conclusion += f"\n\nClinical trials: {', '.join(recommendation.clinical_trials)}"
    return {
        "resourceType": "DiagnosticReport",
        "id": str(recommendation.uuid),
        "basedOn": [_ref(referral.uuid)],
        "status": "amended" if recommendation.version > 1 else "final",
        "category": [{"coding": [_coding("report-kind", "second-opinion", "Second opinion")]}],
        "code": {"text": "Second opinion recommendation"},
        "subject": _ref(referral.patient.uuid),
        "issued": _instant(recommendation.signed_at),
        "performer": [_ref(recommendation.author.uuid, recommendation.author.display_name)],
        "conclusion": conclusion,
        "conclusionCode": [
            {"coding": [_coding("concordance", concordance.value, concordance.label)]}
        ],
    }


def _pathology_report(referral: Referral, review: PathologyReview) -> dict:
    discrepancy = PathologyReview.Discrepancy(review.discrepancy)
    return {
        "resourceType": "DiagnosticReport",
        "id": str(review.uuid),
        "basedOn": [_ref(referral.uuid)],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                        "code": "SP",
                        "display": "Surgical Pathology",
                    }
                ]
            }
        ],
        "code": {"text": "Pathology second review"},
        "subject": _ref(referral.patient.uuid),
        "issued": _instant(review.signed_at),
        "performer": [_ref(review.signed_by.uuid, review.signed_by.display_name)],
        "conclusion": review.review_diagnosis,
        "conclusionCode": [
            {"coding": [_coding("pathology-discrepancy", discrepancy.value, discrepancy.label)]}
        ],
    }
