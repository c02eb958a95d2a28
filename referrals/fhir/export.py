"""A referral as a FHIR R4 (4.0.1) Bundle of type `collection`: Patient, Practitioners,
Organizations, the diagnosis (Condition), the referral (ServiceRequest), the workflow (Task),
the consult letter once issued (DocumentReference, LOINC 11488-4, holding the PDF) and each
signed pathology review (DiagnosticReport, LOINC LP7839-6). References inside the bundle are
`urn:uuid:` full URLs; the earlier opinion of a third one is referred to by its id."""

import base64
import hashlib
import uuid

from django.utils import timezone

from accounts.models import CancerSite, Organization, User
from referrals.fhir import codes
from referrals.fhir.codes import SYSTEM, coding, own
from referrals.letter import consult_letter_pdf, letter_filename, signed_versions
from referrals.models import PathologyReview, Recommendation, Referral
from referrals.models.referral import CancelReasonCode, DeclineReasonCode
from referrals.rules.relations import relations_to
from referrals.rules.states import OPEN_STATES
from referrals.rules.visibility import consult_letter_issued, sees_patient_contact

Status = Referral.Status


def referral_bundle(referral: Referral, *, user, letter_url: str = "") -> dict:
    """The Bundle of one referral, as FHIR JSON, as `user` may see it (the patient's contact
    details only for the referring side: referrals.rules.visibility). `letter_url`: where
    the consult letter is downloaded, put beside the PDF in its DocumentReference."""
    patient = referral.patient
    with_contact = sees_patient_contact(relations_to(user, referral))
    resources = [
        _patient(patient, with_contact=with_contact),
        _organization(referral.referring_organization),
        _organization(referral.receiving_center),
    ]
    reviews = [review for review in referral.pathology_reviews.all() if review.is_signed]
    people = [referral.referring_oncologist, referral.specialist]
    people += [r.author for r in signed_versions(referral)] + [r.signed_by for r in reviews]
    for person in {person.pk: person for person in people if person is not None}.values():
        resources.append(_practitioner(person))
    letter = None
    if consult_letter_issued(referral):
        letter = _consult_note(referral, letter_url=letter_url)
    resources += [_condition(referral), _service_request(referral), _task(referral, letter)]
    if letter is not None:
        resources.append(letter)
    resources += [_pathology_report(referral, review) for review in reviews]
    return {
        "resourceType": "Bundle",
        "id": str(referral.uuid),
        "meta": {"tag": [own("fhir-version", codes.FHIR_VERSION)]},
        "identifier": {"system": codes.REFERENCE_SYSTEM, "value": referral.reference},
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


def task_id(referral: Referral) -> str:
    """The Task's own id, derived from the referral's so that every export names it alike."""
    return str(uuid.uuid5(referral.uuid, "task"))


def condition_id(referral: Referral) -> str:
    return str(uuid.uuid5(referral.uuid, "condition"))


def consult_note_id(recommendation: Recommendation) -> str:
    return str(uuid.uuid5(recommendation.uuid, "consult-note"))


def _patient(patient, *, with_contact: bool) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": str(patient.uuid),
        "identifier": [
            {
                "type": {"coding": [codes.MEDICAL_RECORD_NUMBER], "text": "MRN"},
                "system": codes.mrn_system(patient.organization),
                "value": patient.mrn,
            }
        ],
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": codes.GENDER.get(patient.sex, "unknown"),
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
        "identifier": [{"system": codes.ORGANIZATION_SYSTEM, "value": str(organization.uuid)}],
        "active": organization.is_active,
        "name": organization.name,
        "type": [
            {
                "coding": [
                    codes.HEALTHCARE_PROVIDER,
                    own("organization-kind", organization.kind, organization.get_kind_display()),
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
        "identifier": [{"system": codes.PRACTITIONER_SYSTEM, "value": str(user.uuid)}],
        "active": user.is_active,
        "name": [{"text": user.full_name or user.email}],
        "telecom": [{"system": "email", "value": user.email}],
    }
    if user.title:
        resource["name"][0]["suffix"] = [user.title]
    return resource


def _condition(referral: Referral) -> dict:
    site = CancerSite(referral.cancer_site)
    resource = {
        "resourceType": "Condition",
        "id": condition_id(referral),
        "clinicalStatus": {"coding": [coding(codes.CONDITION_CLINICAL, "active", "Active")]},
        "verificationStatus": {
            "coding": [coding(codes.CONDITION_VERIFICATION, "confirmed", "Confirmed")]
        },
        "code": {"text": referral.diagnosis},
        "bodySite": [{"coding": [own("cancer-site", site.value, site.label)], "text": site.label}],
        "subject": _ref(referral.patient.uuid),
    }
    if referral.stage:
        resource["stage"] = [{"summary": {"text": referral.stage}}]
    if referral.diagnosis_date:
        resource["onsetDateTime"] = referral.diagnosis_date.isoformat()
    return resource


def _note(kind: str, text: str) -> dict:
    return {"extension": [{"url": codes.NOTE_KIND_EXTENSION, "valueCode": kind}], "text": text}


def _earlier(previous: Referral, resource_type: str, resource_id: str) -> dict:
    """A reference to a resource of the earlier referral (not in this bundle)."""
    return {
        "reference": f"{resource_type}/{resource_id}",
        "identifier": {"system": codes.REFERENCE_SYSTEM, "value": previous.reference},
    }


def _service_request(referral: Referral) -> dict:
    reasons = dict(Referral.Reason.choices)
    site = CancerSite(referral.cancer_site)
    performers = [_ref(referral.receiving_center.uuid, referral.receiving_center.name)]
    if referral.specialist is not None:
        performers.append(_ref(referral.specialist.uuid, referral.specialist.display_name))
    identifiers = [{"system": codes.REFERENCE_SYSTEM, "value": referral.reference}]
    identifiers += [
        {"system": external.system, "value": external.value}
        for external in referral.external_identifiers.all()
    ]
    opinion = {2: "second", 3: "third"}.get(referral.opinion_number, "further")
    modality = Referral.Modality(referral.modality)
    resource = {
        "resourceType": "ServiceRequest",
        "id": str(referral.uuid),
        "identifier": identifiers,
        "status": codes.SERVICE_REQUEST_STATUS[referral.status],
        "intent": "order",
        "category": [{"coding": [codes.REFERRAL_CATEGORY], "text": "second opinion"}],
        "priority": codes.PRIORITY[referral.urgency],
        "code": {
            "coding": [
                codes.REFERRAL_TO_SPECIALIST,
                own("service", f"{opinion}-opinion", f"Expert {opinion} opinion"),
            ],
            "text": f"Expert {opinion} opinion in oncology",
        },
        "orderDetail": [{"coding": [own("consult-modality", modality.value, modality.label)]}],
        "subject": _ref(referral.patient.uuid),
        "authoredOn": _instant(referral.submitted_at or referral.created_at),
        "requester": _ref(
            referral.referring_oncologist.uuid, referral.referring_oncologist.display_name
        ),
        "performer": performers,
        "reasonCode": [
            {"coding": [own("referral-reason", code, reasons.get(code, code))]}
            for code in referral.reasons
        ]
        + [{"coding": [own("cancer-site", site.value, site.label)], "text": referral.diagnosis}],
        "reasonReference": [_ref(condition_id(referral))],
    }
    notes = []
    if referral.clinical_question:
        notes.append(_note(codes.NOTE_QUESTION, referral.clinical_question))
    if referral.local_treatment_plan:
        notes.append(_note(codes.NOTE_LOCAL_PLAN, referral.local_treatment_plan))
    elif referral.no_local_plan_yet:
        notes.append(_note(codes.NOTE_NO_LOCAL_PLAN, "No local treatment plan proposed yet."))
    if notes:
        resource["note"] = notes
    previous = referral.previous_referral if referral.previous_referral_id else None
    if previous is not None and previous.status == Status.FORWARDED:
        # A forwarded referral goes on as this one: this request takes its place.
        resource["replaces"] = [_earlier(previous, "ServiceRequest", str(previous.uuid))]
    elif previous is not None:
        # A third opinion stands beside the second one: it builds on it, never replaces it.
        resource["basedOn"] = [_earlier(previous, "ServiceRequest", str(previous.uuid))]
        resource["supportingInfo"] = [
            _earlier(previous, "ServiceRequest", str(previous.uuid)),
            _earlier(previous, "Task", task_id(previous)),
        ]
    return resource


def _business_status(referral: Referral) -> dict:
    if referral.awaiting_information:
        code, display = codes.AWAITING_INFORMATION
    else:
        code, display = referral.status, referral.get_status_display()
    return {"coding": [own("referral-status", code, display)], "text": display}


def _status_reason(referral: Referral) -> dict | None:
    """Why the referral was declined, cancelled or forwarded: the coded reason (our own code
    systems: no published one lists these) and the words."""
    coded = {
        Status.DECLINED: ("decline-reason", "decline_reason_code", DeclineReasonCode),
        Status.CANCELLED: ("cancel-reason", "cancel_reason_code", CancelReasonCode),
    }
    words = {
        Status.DECLINED: referral.decline_reason,
        Status.CANCELLED: referral.cancel_reason,
        Status.FORWARDED: referral.forward_reason,
    }
    if referral.status not in words:
        return None
    reason = {}
    if referral.status in coded:
        system, field, labels = coded[referral.status]
        code = getattr(referral, field)
        if code:
            reason["coding"] = [own(system, code, labels(code).label)]
    if words[referral.status]:
        reason["text"] = words[referral.status]
    return reason or None


def _task(referral: Referral, letter: dict | None) -> dict:
    owner = referral.specialist or referral.receiving_center
    owner_name = getattr(owner, "display_name", None) or owner.name
    status = codes.TASK_STATUS[referral.status]
    if referral.awaiting_information and referral.status in OPEN_STATES:
        status = codes.TASK_STATUS_AWAITING_INFORMATION
    resource = {
        "resourceType": "Task",
        "id": task_id(referral),
        "identifier": [{"system": codes.REFERENCE_SYSTEM, "value": referral.reference}],
        "basedOn": [_ref(referral.uuid)],
        "status": status,
        "businessStatus": _business_status(referral),
        "intent": "order",
        "priority": codes.PRIORITY[referral.urgency],
        "code": {"coding": [codes.TASK_CODE]},
        "focus": _ref(referral.uuid),
        "for": _ref(referral.patient.uuid),
        "authoredOn": _instant(referral.created_at),
        "lastModified": _instant(referral.updated_at),
        "requester": _ref(
            referral.referring_oncologist.uuid, referral.referring_oncologist.display_name
        ),
        "owner": _ref(owner.uuid, owner_name),
    }
    reason = _status_reason(referral)
    if reason:
        resource["statusReason"] = reason
    if referral.submitted_at:
        resource["executionPeriod"] = {"start": _instant(referral.submitted_at)}
    if referral.next_due and referral.status in OPEN_STATES:
        resource["restriction"] = {"period": {"end": referral.next_due.isoformat()}}
    if letter is not None:
        resource["output"] = [
            {
                "type": {"coding": [codes.CONSULT_NOTE], "text": "Consult letter"},
                "valueReference": _ref(letter["id"], "Consult letter"),
            }
        ]
    return resource


def _consult_note(referral: Referral, *, letter_url: str) -> dict:
    """The consult letter as a DocumentReference holding the PDF (LOINC 11488-4)."""
    versions = signed_versions(referral)
    recommendation = versions[0]
    pdf = consult_letter_pdf(referral)
    concordance = Recommendation.Concordance(recommendation.concordance)
    attachment = {
        "contentType": "application/pdf",
        "language": "en",
        "data": base64.b64encode(pdf).decode("ascii"),
        "size": len(pdf),
        # FHIR R4: the SHA-1 of the data, base64-encoded.
        "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),  # noqa: S324
        "title": letter_filename(referral),
        "creation": _instant(recommendation.signed_at),
    }
    if letter_url:
        attachment["url"] = letter_url
    resource = {
        "resourceType": "DocumentReference",
        "id": consult_note_id(recommendation),
        "identifier": [{"system": f"{SYSTEM}/consult-letter", "value": str(recommendation.uuid)}],
        "status": "current",
        "docStatus": "amended" if recommendation.version > 1 else "final",
        "type": {"coding": [codes.CONSULT_NOTE], "text": "Consult note"},
        "subject": _ref(referral.patient.uuid),
        "date": _instant(recommendation.signed_at),
        "author": [_ref(recommendation.author.uuid, recommendation.author.display_name)],
        "custodian": _ref(referral.receiving_center.uuid, referral.receiving_center.name),
        "description": f"Second opinion {referral.reference}: {concordance.label.lower()}",
        "content": [{"attachment": attachment}],
        "context": {"related": [_ref(referral.uuid)]},
    }
    if recommendation.version > 1:
        resource["relatesTo"] = [
            {"code": "replaces", "target": {"reference": f"DocumentReference/{earlier_id}"}}
            for earlier_id in [consult_note_id(versions[1])]
        ]
    return resource


def _pathology_report(referral: Referral, review: PathologyReview) -> dict:
    discrepancy = PathologyReview.Discrepancy(review.discrepancy)
    resource = {
        "resourceType": "DiagnosticReport",
        "id": str(review.uuid),
        "basedOn": [_ref(referral.uuid)],
        "status": "final",
        "category": [{"coding": [codes.PATHOLOGY_CATEGORY]}],
        "code": {"coding": [codes.PATHOLOGY_STUDY], "text": "Pathology second review"},
        "subject": _ref(referral.patient.uuid),
        "issued": _instant(review.signed_at),
        "performer": [_ref(referral.receiving_center.uuid, referral.receiving_center.name)],
        "resultsInterpreter": [_ref(review.signed_by.uuid, review.signed_by.display_name)],
        "conclusion": review.review_diagnosis,
        "conclusionCode": [
            {"coding": [own("pathology-discrepancy", discrepancy.value, discrepancy.label)]}
        ],
    }
    return resource
