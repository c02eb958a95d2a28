"""OperationOutcome: how FHIR in says why a bundle was refused (or what a draft still lacks)."""

from referrals.errors import Conflict, DomainError, InvalidData, NotPermitted

# Our field names (services' InvalidData.fields) as the FHIR element they come from.
FIELD_PATHS = {
    "patient": "Patient",
    "mrn": "Patient.identifier",
    "given_name": "Patient.name",
    "family_name": "Patient.name",
    "date_of_birth": "Patient.birthDate",
    "sex": "Patient.gender",
    "email": "Patient.telecom",
    "phone": "Patient.telecom",
    "receiving_center": "ServiceRequest.performer",
    "referring_oncologist": "ServiceRequest.requester",
    "reasons": "ServiceRequest.reasonCode",
    "clinical_question": "ServiceRequest.note",
    "local_treatment_plan": "ServiceRequest.note",
    "urgency": "ServiceRequest.priority",
    "modality": "ServiceRequest.orderDetail",
    "cancer_site": "Condition.bodySite",
    "diagnosis": "Condition.code",
    "stage": "Condition.stage",
    "diagnosis_date": "Condition.onsetDateTime",
    "record_items": "DocumentReference",
}


class BundleRefused(Exception):
    """The bundle cannot be taken: answered with `status` and an OperationOutcome."""

    def __init__(self, status: int, code: str, diagnostics: str, expression: str = ""):
        super().__init__(diagnostics)
        self.status = status
        self.issues = [issue("error", code, diagnostics, expression)]


def issue(severity: str, code: str, diagnostics: str, expression: str = "") -> dict:
    """One issue; `code` from http://hl7.org/fhir/issue-type (e.g. invalid, required)."""
    result = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        result["expression"] = [expression]
    return result


def operation_outcome(issues: list[dict]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": issues}


def field_issues(fields: dict[str, list[str]], *, severity: str, code: str) -> list[dict]:
    return [
        issue(severity, code, message, FIELD_PATHS.get(name, ""))
        for name, messages in fields.items()
        for message in messages
    ]


def refusal_from(error: DomainError) -> BundleRefused:
    """A domain error of the services as the refusal of the bundle: 403, 409 or 422 (the
    bundle is well formed but breaks a rule: FHIR's Unprocessable Entity)."""
    if isinstance(error, NotPermitted):
        return BundleRefused(403, "forbidden", error.detail)
    if isinstance(error, Conflict) or error.extra.get("duplicate"):
        return BundleRefused(
            409, "duplicate" if error.extra.get("duplicate") else "conflict", error.detail
        )
    refused = BundleRefused(422, "business-rule", error.detail)
    if isinstance(error, InvalidData) and error.fields:
        refused.issues = field_issues(error.fields, severity="error", code="invalid")
    return refused
