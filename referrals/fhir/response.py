"""The `transaction-response` Bundle answering an EHR's referral bundle: one entry for each
entry it sent, in the same order, with the resource as we now hold it where we have one."""

import uuid

from django.utils import timezone

from referrals.fhir.export import condition_id, referral_bundle, task_id
from referrals.fhir.inbound import Received
from referrals.fhir.outcome import field_issues, issue, operation_outcome


def transaction_response(received: Received, *, user, letter_url: str = "") -> dict:
    referral = received.referral
    ours = {
        entry["resource"]["resourceType"]: entry["resource"]
        for entry in referral_bundle(referral, user=user, letter_url=letter_url)["entry"]
        if entry["resource"]["resourceType"] in ("Patient", "ServiceRequest", "Condition", "Task")
    }
    created = "201 Created" if received.created else "200 OK"
    locations = {
        "Patient": f"Patient/{referral.patient.uuid}",
        "ServiceRequest": f"ServiceRequest/{referral.uuid}",
        "Condition": f"Condition/{condition_id(referral)}",
        "Task": f"Task/{task_id(referral)}",
    }
    items = iter(received.record_items)
    entries = []
    for kind in received.entry_types:
        response = {"status": created}
        if kind == "Patient":
            response["status"] = "201 Created" if received.patient_created else "200 OK"
        if kind in locations:
            response["location"] = locations[kind]
        if kind == "ServiceRequest":
            response["outcome"] = _state_outcome(received)
        if kind == "DocumentReference":
            item = next(items, None)
            if item is not None:
                response["outcome"] = operation_outcome(
                    [
                        issue(
                            "information",
                            "informational",
                            f"On the record checklist: {item.get_kind_display()}.",
                        )
                    ]
                )
        entry = {"response": response}
        if kind in ours:
            entry = {"fullUrl": f"urn:uuid:{ours[kind]['id']}", "resource": ours[kind], **entry}
        entries.append(entry)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "transaction-response",
        "timestamp": timezone.now().isoformat(),
        "entry": entries,
    }


def _state_outcome(received: Received) -> dict:
    referral = received.referral
    if not received.created:
        said = f"Already received as {referral.reference}: nothing was changed."
        return operation_outcome([issue("information", "informational", said)])
    if received.missing:
        said = f"Saved as draft {referral.reference}; it is submitted once complete."
        issues = [issue("warning", "incomplete", said)]
        issues += field_issues(received.missing, severity="warning", code="incomplete")
        return operation_outcome(issues)
    said = f"Submitted as {referral.reference}."
    return operation_outcome([issue("information", "informational", said)])
