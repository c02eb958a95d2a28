"""The codes of our FHIR resources: published code systems (HL7, LOINC, SNOMED CT) where one
says what we mean, our own system URIs only where none does.

The tables map our states and kinds (DESIGN §1, §2) onto the FHIR value sets with required
bindings: Task.status (task-status), ServiceRequest.status (request-status), request-priority.
"""

from referrals.models import RecordItem, Referral

FHIR_VERSION = "4.0.1"
SYSTEM = "https://second-opinion-tracker.example.org/fhir"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"
ORGANIZATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/organization-type"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"

# Identifier systems of ours: the human reference, and the ids of organizations and people.
REFERENCE_SYSTEM = f"{SYSTEM}/referral-reference"
ORGANIZATION_SYSTEM = f"{SYSTEM}/organization"
PRACTITIONER_SYSTEM = f"{SYSTEM}/practitioner"
# Which note of a ServiceRequest is the clinical question and which the local plan.
NOTE_KIND_EXTENSION = f"{SYSTEM}/StructureDefinition/note-kind"
CONSENT_EXTENSION = f"{SYSTEM}/StructureDefinition/consent-to-share-records"
NOTE_QUESTION = "clinical-question"
NOTE_LOCAL_PLAN = "local-treatment-plan"
NOTE_NO_LOCAL_PLAN = "no-local-treatment-plan-yet"


def mrn_system(organization) -> str:
    """Medical record numbers are unique within one referring organization."""
    return f"{ORGANIZATION_SYSTEM}/{organization.uuid}/mrn"


def coding(system: str, code: str, display: str = "") -> dict:
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def own(kind: str, code: str, display: str = "") -> dict:
    """A coding of one of our own code systems (where no published one fits)."""
    return coding(f"{SYSTEM}/{kind}", code, display)


Status = Referral.Status

# ServiceRequest.status (http://hl7.org/fhir/request-status).
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
    # The request goes on as a new referral at another center (which `replaces` this one).
    Status.FORWARDED: "revoked",
}
# Task.status (http://hl7.org/fhir/task-status); our state goes in businessStatus.
TASK_STATUS = {
    Status.DRAFT: "draft",
    Status.SUBMITTED: "requested",
    Status.ACCEPTED: "accepted",
    Status.UNDER_REVIEW: "in-progress",
    Status.RECOMMENDATION_ISSUED: "completed",
    Status.RETURNED: "completed",
    Status.MONITORING: "completed",
    Status.CLOSED: "completed",
    Status.DECLINED: "rejected",
    Status.CANCELLED: "cancelled",
    # The center passed the task on before acting on it.
    Status.FORWARDED: "rejected",
}
# While the center waits for information from the referring side the task is on hold.
TASK_STATUS_AWAITING_INFORMATION = "on-hold"
AWAITING_INFORMATION = ("awaiting_information", "Awaiting information")

# request-priority: routine | urgent | asap | stat.
PRIORITY = {Referral.Urgency.ROUTINE: "routine", Referral.Urgency.URGENT: "urgent"}
PRIORITY_IN = {"routine": Referral.Urgency.ROUTINE, "urgent": Referral.Urgency.URGENT}
PRIORITY_IN |= {"asap": Referral.Urgency.URGENT, "stat": Referral.Urgency.URGENT}

GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}

# The Task fulfils the referral (http://hl7.org/fhir/CodeSystem/task-code).
TASK_CODE = coding(TASK_CODE_SYSTEM, "fulfill", "Fulfill the focal request")
# SNOMED CT: the referral, and what is asked for.
REFERRAL_CATEGORY = coding(SNOMED, "3457005", "Patient referral")
REFERRAL_TO_SPECIALIST = coding(SNOMED, "103696004", "Patient referral to specialist")
# LOINC document and report codes.
CONSULT_NOTE = coding(LOINC, "11488-4", "Consult note")
PATHOLOGY_CATEGORY = coding(LOINC, "LP7839-6", "Pathology")
PATHOLOGY_STUDY = coding(LOINC, "11526-1", "Pathology study")
HEALTHCARE_PROVIDER = coding(ORGANIZATION_TYPE_SYSTEM, "prov", "Healthcare Provider")
MEDICAL_RECORD_NUMBER = coding(IDENTIFIER_TYPE, "MR", "Medical record number")

# A record item's kind as a LOINC document type, where one names it; physical material
# (slides, blocks) has no document code and keeps only ours.
Kind = RecordItem.Kind
RECORD_KIND_LOINC = {
    Kind.CLINICAL_NOTES: ("11506-3", "Progress note"),
    Kind.IMAGING_REPORT: ("18748-4", "Diagnostic imaging study"),
    Kind.LAB_RESULTS: ("11502-2", "Laboratory report"),
    Kind.PATHOLOGY_REPORT: ("11526-1", "Pathology study"),
    Kind.MOLECULAR_REPORT: ("51969-4", "Genetic analysis report"),
}
RECORD_KIND_FROM_LOINC = {code: kind for kind, (code, _display) in RECORD_KIND_LOINC.items()}
