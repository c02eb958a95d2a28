"""Validation against FHIR R4 4.0.1 itself: HL7's JSON schema (`fhir.schema.json`, vendored
beside this file, see PROVENANCE.md) and the required code bindings of the elements we fill.

The schema checks structure, cardinality and types, and the codes that it lists itself (e.g.
Task.status, Bundle.type); it leaves other required bindings to be checked apart (e.g.
ServiceRequest.status and every `priority` are plain `code` in it). Those are spelled out below
from the R4 value sets (hl7.org/fhir/R4/valueset-*.html), not taken from the code under test.
"""

import functools
import json
from pathlib import Path

from jsonschema import Draft6Validator

SCHEMA_PATH = Path(__file__).with_name("fhir.schema.json")

REQUEST_STATUS = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
REQUEST_INTENT = {
    "proposal", "plan", "directive", "order", "original-order", "reflex-order",
    "filler-order", "instance-order", "option",
}  # fmt: skip
REQUEST_PRIORITY = {"routine", "urgent", "asap", "stat"}
TASK_STATUS = {
    "draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
    "in-progress", "on-hold", "failed", "completed", "entered-in-error",
}  # fmt: skip
TASK_INTENT = {
    "unknown", "proposal", "plan", "order", "original-order", "reflex-order", "filler-order",
    "instance-order", "option",
}  # fmt: skip
DIAGNOSTIC_REPORT_STATUS = {
    "registered", "partial", "preliminary", "final", "amended", "corrected", "appended",
    "cancelled", "entered-in-error", "unknown",
}  # fmt: skip
DOCUMENT_REFERENCE_STATUS = {"current", "superseded", "entered-in-error"}
COMPOSITION_STATUS = {"preliminary", "final", "amended", "entered-in-error"}
DOCUMENT_RELATIONSHIP = {"replaces", "transforms", "signs", "appends"}
BUNDLE_TYPE = {
    "document", "message", "transaction", "transaction-response", "batch", "batch-response",
    "history", "searchset", "collection",
}  # fmt: skip
HTTP_VERB = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}
ADMINISTRATIVE_GENDER = {"male", "female", "other", "unknown"}
CONDITION_CLINICAL = {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
CONDITION_VERIFICATION = {
    "unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error",
}  # fmt: skip
ISSUE_SEVERITY = {"fatal", "error", "warning", "information"}

# (resource type, element) -> the codes of its required binding.
CODE_BINDINGS = {
    ("ServiceRequest", "status"): REQUEST_STATUS,
    ("ServiceRequest", "intent"): REQUEST_INTENT,
    ("ServiceRequest", "priority"): REQUEST_PRIORITY,
    ("Task", "status"): TASK_STATUS,
    ("Task", "intent"): TASK_INTENT,
    ("Task", "priority"): REQUEST_PRIORITY,
    ("DiagnosticReport", "status"): DIAGNOSTIC_REPORT_STATUS,
    ("DocumentReference", "status"): DOCUMENT_REFERENCE_STATUS,
    ("DocumentReference", "docStatus"): COMPOSITION_STATUS,
    ("Bundle", "type"): BUNDLE_TYPE,
    ("Patient", "gender"): ADMINISTRATIVE_GENDER,
}
# CodeableConcepts with a required binding: (resource type, element) -> (system, codes).
CONCEPT_BINDINGS = {
    ("Condition", "clinicalStatus"): (
        "http://terminology.hl7.org/CodeSystem/condition-clinical",
        CONDITION_CLINICAL,
    ),
    ("Condition", "verificationStatus"): (
        "http://terminology.hl7.org/CodeSystem/condition-ver-status",
        CONDITION_VERIFICATION,
    ),
}


@functools.cache
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator(resource_type: str) -> Draft6Validator:
    schema = _schema()
    if resource_type not in schema["definitions"]:
        raise AssertionError(f"{resource_type!r} is no R4 resource type")
    entry = {"$ref": f"#/definitions/{resource_type}", "definitions": schema["definitions"]}
    return Draft6Validator(entry)


def schema_errors(resource: dict) -> list[str]:
    """What HL7's R4 schema finds wrong with one resource (each contained one included)."""
    validator = _validator(resource.get("resourceType", ""))
    errors = sorted(validator.iter_errors(resource), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


def binding_errors(resource: dict) -> list[str]:
    kind = resource.get("resourceType")
    errors = []
    for (resource_type, element), allowed in CODE_BINDINGS.items():
        if kind == resource_type and element in resource and resource[element] not in allowed:
            errors.append(f"{kind}.{element}: {resource[element]!r} is not in its value set")
    for (resource_type, element), (system, allowed) in CONCEPT_BINDINGS.items():
        if kind == resource_type and element in resource:
            codes = [c.get("code") for c in resource[element].get("coding", [])
                     if c.get("system") == system]  # fmt: skip
            if not codes or any(code not in allowed for code in codes):
                errors.append(f"{kind}.{element}: needs a code of {system}")
    if kind == "Bundle":
        for index, entry in enumerate(resource.get("entry", [])):
            method = entry.get("request", {}).get("method")
            if method is not None and method not in HTTP_VERB:
                errors.append(f"Bundle.entry[{index}].request.method: {method!r}")
            if "resource" in entry:
                errors += [f"Bundle.entry[{index}]: {e}" for e in binding_errors(entry["resource"])]
            outcome = entry.get("response", {}).get("outcome")
            if outcome is not None:
                errors += [
                    f"Bundle.entry[{index}].response.outcome: {e}" for e in r4_errors(outcome)
                ]
    if kind == "OperationOutcome":
        for issue in resource.get("issue", []):
            if issue.get("severity") not in ISSUE_SEVERITY:
                errors.append(f"OperationOutcome.issue.severity: {issue.get('severity')!r}")
    return errors


def r4_errors(resource: dict) -> list[str]:
    """Schema and binding errors of a resource (a Bundle: with every entry's resource)."""
    errors = schema_errors(resource) + binding_errors(resource)
    if resource.get("resourceType") == "Bundle":
        for index, entry in enumerate(resource.get("entry", [])):
            if "resource" in entry:
                errors += [f"entry[{index}]: {e}" for e in schema_errors(entry["resource"])]
    return errors


def assert_valid_r4(resource: dict) -> None:
    errors = r4_errors(resource)
    assert not errors, "Not valid FHIR R4 4.0.1:\n" + "\n".join(errors)
