"""Reading FHIR JSON from outside: every value is checked before use, and a bad one is a
BundleRefused (400, with the element's path), never an exception of the code that reads it."""

import datetime
import uuid

from referrals.fhir.outcome import BundleRefused


def structure_error(path: str, message: str) -> BundleRefused:
    return BundleRefused(400, "structure", message, path)


def obj(value, path: str, *, required: bool = False) -> dict:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise structure_error(path, f"{path} must be a JSON object.")
    return value


def array(value, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise structure_error(path, f"{path} must be a JSON array.")
    return value


def objects(value, path: str) -> list[dict]:
    return [obj(item, f"{path}[{i}]", required=True) for i, item in enumerate(array(value, path))]


def text(value, path: str, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise BundleRefused(400, "required", f"{path} is required.", path)
        return ""
    if not isinstance(value, str):
        raise structure_error(path, f"{path} must be a string.")
    return value.strip()


def codes_of(concept: dict, path: str, system: str) -> list[str]:
    """The codes of `system` in a CodeableConcept."""
    found = []
    for i, item in enumerate(objects(concept.get("coding"), f"{path}.coding")):
        if text(item.get("system"), f"{path}.coding[{i}].system") == system:
            code = text(item.get("code"), f"{path}.coding[{i}].code")
            if code:
                found.append(code)
    return found


def concept_text(concept: dict, path: str) -> str:
    """A CodeableConcept's text, else the display of its first coding that has one."""
    written = text(concept.get("text"), f"{path}.text")
    if written:
        return written
    for i, item in enumerate(objects(concept.get("coding"), f"{path}.coding")):
        display = text(item.get("display"), f"{path}.coding[{i}].display")
        if display:
            return display
    return ""


def date_of(value, path: str) -> datetime.date | None:
    """A FHIR date or dateTime, as its date; partial dates (a year) are not enough."""
    written = text(value, path)
    if not written:
        return None
    try:
        return datetime.date.fromisoformat(written[:10])
    except ValueError:
        raise BundleRefused(400, "value", f"{path} must be a date (YYYY-MM-DD).", path) from None


def referenced_uuid(reference: dict, path: str, *, resource_type: str, system: str):
    """The id of one of our objects in a Reference: `{"reference": "Type/<uuid>"}` or a logical
    `{"identifier": {"system": system, "value": "<uuid>"}}`. None when neither is given."""
    literal = text(reference.get("reference"), f"{path}.reference")
    candidate = ""
    if literal.startswith(f"{resource_type}/"):
        candidate = literal.split("/", 1)[1]
    identifier = obj(reference.get("identifier"), f"{path}.identifier")
    if not candidate and text(identifier.get("system"), f"{path}.identifier.system") == system:
        candidate = text(identifier.get("value"), f"{path}.identifier.value")
    if not candidate:
        return None
    try:
        return uuid.UUID(candidate)
    except ValueError:
        raise BundleRefused(
            422, "not-found", f"{path} names no {resource_type} of this service.", path
        ) from None
