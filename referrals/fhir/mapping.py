"""From FHIR resources to the data of our services: the referral's fields from a
ServiceRequest and its Condition, a record item from a DocumentReference."""

from accounts.models import CancerSite
from referrals.errors import InvalidData
from referrals.fhir import codes
from referrals.fhir.reading import codes_of, concept_text, date_of, obj, objects, text
from referrals.models import RecordItem


def _notes(service_request: dict) -> dict[str, str]:
    notes = {}
    for i, note in enumerate(objects(service_request.get("note"), "ServiceRequest.note")):
        path = f"ServiceRequest.note[{i}]"
        kind = codes.NOTE_QUESTION
        for extension in objects(note.get("extension"), f"{path}.extension"):
            if extension.get("url") == codes.NOTE_KIND_EXTENSION:
                kind = text(extension.get("valueCode"), f"{path}.extension.valueCode")
        notes.setdefault(kind, text(note.get("text"), f"{path}.text"))
    return notes


def referral_data(service_request: dict, condition: dict) -> dict:
    reason_codes = objects(service_request.get("reasonCode"), "ServiceRequest.reasonCode")
    reasons, sites, diagnosis = [], [], ""
    for i, concept in enumerate(reason_codes):
        path = f"ServiceRequest.reasonCode[{i}]"
        reasons += codes_of(concept, path, f"{codes.SYSTEM}/referral-reason")
        found = codes_of(concept, path, f"{codes.SYSTEM}/cancer-site")
        if found:
            sites += found
            diagnosis = diagnosis or text(concept.get("text"), f"{path}.text")
    for i, concept in enumerate(objects(condition.get("bodySite"), "Condition.bodySite")):
        sites = codes_of(concept, f"Condition.bodySite[{i}]", f"{codes.SYSTEM}/cancer-site") + sites
    code = obj(condition.get("code"), "Condition.code")
    diagnosis = concept_text(code, "Condition.code") or diagnosis
    notes = _notes(service_request)
    data = {
        "cancer_site": sites[0] if sites else "",
        "diagnosis": diagnosis,
        "reasons": list(dict.fromkeys(reasons)),
        "clinical_question": notes.get(codes.NOTE_QUESTION, ""),
    }
    if data["cancer_site"] and data["cancer_site"] not in CancerSite.values:
        raise InvalidData.for_fields(
            {"cancer_site": f"Unknown cancer site {data['cancer_site']!r}."}
        )
    if notes.get(codes.NOTE_LOCAL_PLAN):
        data["local_treatment_plan"] = notes[codes.NOTE_LOCAL_PLAN]
    elif codes.NOTE_NO_LOCAL_PLAN in notes:
        data["no_local_plan_yet"] = True
    priority = text(service_request.get("priority"), "ServiceRequest.priority")
    if priority:
        if priority not in codes.PRIORITY_IN:
            raise InvalidData.for_fields({"urgency": "priority is routine, urgent, asap or stat."})
        data["urgency"] = codes.PRIORITY_IN[priority]
    for i, detail in enumerate(
        objects(service_request.get("orderDetail"), "ServiceRequest.orderDetail")
    ):
        for modality in codes_of(
            detail, f"ServiceRequest.orderDetail[{i}]", f"{codes.SYSTEM}/consult-modality"
        ):
            data["modality"] = modality
    stages = objects(condition.get("stage"), "Condition.stage")
    if stages:
        summary = obj(stages[0].get("summary"), "Condition.stage[0].summary")
        data["stage"] = concept_text(summary, "Condition.stage[0].summary")
    onset = date_of(condition.get("onsetDateTime"), "Condition.onsetDateTime")
    if onset is not None:
        data["diagnosis_date"] = onset
    return data


def record_item(document: dict, index: int) -> dict:
    path = f"DocumentReference[{index}]"
    concept = obj(document.get("type"), f"{path}.type")
    ours = codes_of(concept, f"{path}.type", f"{codes.SYSTEM}/record-kind")
    loinc = codes_of(concept, f"{path}.type", codes.LOINC)
    kind = next((k for k in ours if k in RecordItem.Kind.values), None)
    kind = kind or next(
        (codes.RECORD_KIND_FROM_LOINC[c] for c in loinc if c in codes.RECORD_KIND_FROM_LOINC),
        RecordItem.Kind.OTHER,
    )
    description = text(document.get("description"), f"{path}.description") or concept_text(
        concept, f"{path}.type"
    )
    return {"kind": kind, "required": True, "description": description[:200]}
