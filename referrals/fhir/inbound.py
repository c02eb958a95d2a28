"""FHIR in: an EHR's `transaction` Bundle (Patient, ServiceRequest, optionally Condition,
DocumentReferences and a Task) becomes a referral through the same services as every other
interface: the patient is matched by MRN within the organization or created, the checklist
comes from the DocumentReferences, and the referral is submitted when it is complete, else it
stays a draft that says what is missing. The ServiceRequest's identifier (the EHR's own) is
kept: the same identifier again creates nothing and answers the same referral.

`receive_transaction` raises BundleRefused (400 malformed, 403 not the caller's organization,
409 duplicate or conflict, 422 a rule of the domain); nothing is written then.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from accounts.memberships import memberships_of
from accounts.models import Membership, Organization, User
from core.limits import limit
from referrals.errors import DomainError, InvalidData
from referrals.fhir import codes
from referrals.fhir.mapping import record_item, referral_data
from referrals.fhir.outcome import BundleRefused, refusal_from
from referrals.fhir.reading import (
    codes_of,
    concept_text,
    date_of,
    obj,
    objects,
    referenced_uuid,
    structure_error,
    text,
)
from referrals.models import ExternalIdentifier, Patient, RecordItem, Referral
from referrals.selectors import referrals_visible_to
from referrals.services.referrals import patient_create, patient_update, referral_create
from referrals.services.workflow import referral_transition

Role = Membership.Role
TAKEN = ("Patient", "ServiceRequest", "Condition", "DocumentReference", "Task")
ONE_EACH = {"Patient": True, "ServiceRequest": True, "Condition": False, "Task": False}


@dataclass
class Received:
    referral: Referral
    created: bool
    patient_created: bool = False
    # What the draft still needs before it can be submitted ({} once submitted).
    missing: dict[str, list[str]] = field(default_factory=dict)
    # The resource types of the request's entries, in order (the response answers each).
    entry_types: list[str] = field(default_factory=list)
    record_items: list[RecordItem] = field(default_factory=list)


def receive_transaction(*, actor: User, bundle) -> Received:
    parsed = _parse(bundle)
    organization = _organization(actor, parsed["Patient"][0])
    key = _identifier_key(parsed["ServiceRequest"][0])
    existing = _existing(actor, organization, key)
    if existing is not None:
        return Received(existing, created=False, entry_types=parsed["types"])
    try:
        with transaction.atomic():
            received = _create(actor, organization, key, parsed)
    except (DomainError, IntegrityError) as error:
        # The same bundle posted twice at once: the first one made the referral (the second
        # waited on its patient, its open referral or its identifier, and was refused).
        existing = _existing(actor, organization, key)
        if existing is not None:
            return Received(existing, created=False, entry_types=parsed["types"])
        if isinstance(error, DomainError):
            raise refusal_from(error) from None
        raise
    received.entry_types = parsed["types"]
    return received


def _parse(bundle) -> dict:
    if not isinstance(bundle, dict):
        raise structure_error("Bundle", "The body must be a FHIR Bundle (a JSON object).")
    kind = bundle.get("resourceType")
    if kind != "Bundle":
        raise BundleRefused(
            400, "not-supported", f"Send a Bundle of type transaction, not {kind!r}.", ""
        )
    if bundle.get("type") != "transaction":
        raise BundleRefused(
            400, "invalid", "The Bundle's type must be 'transaction'.", "Bundle.type"
        )
    entries = objects(bundle.get("entry"), "Bundle.entry")
    parsed = {name: [] for name in TAKEN}
    parsed["types"] = []
    for index, entry in enumerate(entries):
        path = f"Bundle.entry[{index}]"
        resource = obj(entry.get("resource"), f"{path}.resource", required=True)
        request = obj(entry.get("request"), f"{path}.request", required=True)
        if text(request.get("method"), f"{path}.request.method", required=True) not in (
            "POST",
            "PUT",
        ):
            raise BundleRefused(
                422, "not-supported", "Entries are created (POST or PUT).", f"{path}.request"
            )
        kind = text(resource.get("resourceType"), f"{path}.resource.resourceType", required=True)
        if kind not in parsed:
            raise BundleRefused(
                422,
                "not-supported",
                f"A referral bundle holds {', '.join(TAKEN)}; not {kind}.",
                f"{path}.resource",
            )
        parsed[kind].append(resource)
        parsed["types"].append(kind)
    for kind, required in ONE_EACH.items():
        count = len(parsed[kind])
        if count > 1 or (required and count == 0):
            raise BundleRefused(
                400,
                "required" if count == 0 else "structure",
                f"A referral bundle holds {'exactly' if required else 'at most'} one {kind}.",
                kind,
            )
    if len(parsed["DocumentReference"]) > limit("record_items"):
        raise BundleRefused(
            422, "too-costly", f"At most {limit('record_items')} DocumentReferences.", ""
        )
    return parsed


def _organization(actor: User, patient: dict) -> Organization:
    """The referring organization the bundle is for: the one its Patient names, which must be
    one of the caller's; else the caller's only one."""
    mine = {
        m.organization.uuid: m.organization
        for m in memberships_of(actor)
        if m.role in (Role.COORDINATOR, Role.REFERRING_ONCOLOGIST)
        and m.organization.kind == Organization.Kind.COMMUNITY
    }
    named = referenced_uuid(
        obj(patient.get("managingOrganization"), "Patient.managingOrganization"),
        "Patient.managingOrganization",
        resource_type="Organization",
        system=codes.ORGANIZATION_SYSTEM,
    )
    # An MRN of another organization's numbering names that organization's patient.
    mrn_systems = {codes.mrn_system(organization) for organization in mine.values()}
    identifiers = objects(patient.get("identifier"), "Patient.identifier")
    systems = [text(i.get("system"), "Patient.identifier.system") for i in identifiers]
    foreign = any(s.startswith(codes.ORGANIZATION_SYSTEM) and s not in mrn_systems for s in systems)
    if foreign or (named is not None and named not in mine):
        raise BundleRefused(
            403, "forbidden", "This patient belongs to an organization you do not act for."
        )
    if named is not None:
        return mine[named]
    if len(mine) != 1:
        raise BundleRefused(
            403 if not mine else 422,
            "forbidden" if not mine else "required",
            "Only a referring practice's coordinators and oncologists send referrals."
            if not mine
            else "Name your organization in Patient.managingOrganization.",
            "Patient.managingOrganization",
        )
    return next(iter(mine.values()))


def _identifier_key(service_request: dict) -> tuple[str, str]:
    for i, identifier in enumerate(
        objects(service_request.get("identifier"), "ServiceRequest.identifier")
    ):
        system = text(identifier.get("system"), f"ServiceRequest.identifier[{i}].system")
        value = text(identifier.get("value"), f"ServiceRequest.identifier[{i}].value")
        if system and value and system != codes.REFERENCE_SYSTEM:
            if len(system) > 255 or len(value) > 255:
                raise BundleRefused(400, "too-long", "Identifiers are at most 255 characters.")
            return system, value
    raise BundleRefused(
        400,
        "required",
        "The ServiceRequest needs an identifier (system and value) of your system.",
        "ServiceRequest.identifier",
    )


def _existing(actor: User, organization: Organization, key) -> Referral | None:
    system, value = key
    found = ExternalIdentifier.objects.filter(
        organization=organization, system=system, value=value
    ).first()
    if found is None:
        return None
    if not referrals_visible_to(user=actor).filter(pk=found.referral_id).exists():
        raise BundleRefused(409, "duplicate", "This identifier names a referral already sent.")
    return found.referral


def _create(actor: User, organization: Organization, key, parsed) -> Received:
    patient, patient_created = _patient(actor, organization, parsed["Patient"][0])
    service_request = parsed["ServiceRequest"][0]
    condition = parsed["Condition"][0] if parsed["Condition"] else {}
    items = [record_item(d, i) for i, d in enumerate(parsed["DocumentReference"])]
    referral = referral_create(
        actor=actor,
        patient=patient,
        receiving_center=_center(service_request),
        referring_oncologist=_requester(service_request),
        data=referral_data(service_request, condition),
        record_items=items,
    )
    system, value = key
    ExternalIdentifier.objects.create(
        referral=referral, organization=organization, system=system, value=value
    )
    missing = {}
    task = parsed["Task"][0] if parsed["Task"] else {}
    if text(task.get("status"), "Task.status") != "draft":
        try:
            referral = referral_transition(referral=referral, actor=actor, action="submit")
        except InvalidData as error:
            missing = error.fields
    return Received(
        referral,
        created=True,
        patient_created=patient_created,
        missing=missing,
        record_items=list(referral.record_items.all()),
    )


def _mrn(patient: dict, organization: Organization) -> str:
    identifiers = objects(patient.get("identifier"), "Patient.identifier")
    ranked = []
    for i, identifier in enumerate(identifiers):
        path = f"Patient.identifier[{i}]"
        value = text(identifier.get("value"), f"{path}.value")
        kind = codes_of(
            obj(identifier.get("type"), f"{path}.type"), f"{path}.type", codes.IDENTIFIER_TYPE
        )
        system = text(identifier.get("system"), f"{path}.system")
        if value:
            ranked.append((system != codes.mrn_system(organization), "MR" not in kind, i, value))
    if not ranked:
        raise BundleRefused(
            400, "required", "The Patient needs an identifier: the MRN.", "Patient.identifier"
        )
    return min(ranked)[3]


def _consent(patient: dict) -> bool | None:
    for i, extension in enumerate(objects(patient.get("extension"), "Patient.extension")):
        if extension.get("url") == codes.CONSENT_EXTENSION:
            value = extension.get("valueBoolean")
            if not isinstance(value, bool):
                raise structure_error(
                    f"Patient.extension[{i}]", "The consent extension takes valueBoolean."
                )
            return value
    return None


def _patient(actor: User, organization: Organization, patient: dict) -> tuple[Patient, bool]:
    mrn = _mrn(patient, organization)
    consent = _consent(patient)
    found = Patient.objects.filter(organization=organization, mrn=mrn).first()
    if found is not None:
        if consent and not found.consent_to_share_records:
            found = patient_update(
                actor=actor, patient=found, data={"consent_to_share_records": True}
            )
        return found, False
    names = objects(patient.get("name"), "Patient.name")
    name = names[0] if names else {}
    given = (
        [text(g, "Patient.name[0].given") for g in name.get("given") or []]
        if isinstance(name.get("given"), list)
        else []
    )
    data = {
        "mrn": mrn,
        "family_name": text(name.get("family"), "Patient.name[0].family"),
        "given_name": " ".join(g for g in given if g),
        "date_of_birth": date_of(patient.get("birthDate"), "Patient.birthDate"),
        "consent_to_share_records": bool(consent),
    }
    gender = text(patient.get("gender"), "Patient.gender")
    if gender:
        data["sex"] = codes.GENDER.get(gender, gender)
    for i, contact in enumerate(objects(patient.get("telecom"), "Patient.telecom")):
        system = text(contact.get("system"), f"Patient.telecom[{i}].system")
        if system in ("phone", "email"):
            data.setdefault(system, text(contact.get("value"), f"Patient.telecom[{i}].value"))
    for i, language in enumerate(objects(patient.get("communication"), "Patient.communication")):
        concept = obj(language.get("language"), f"Patient.communication[{i}].language")
        spoken = concept_text(concept, f"Patient.communication[{i}].language")
        if spoken:
            data["preferred_language"] = spoken
            break
    if data["date_of_birth"] is None:
        raise InvalidData.for_fields({"date_of_birth": "The Patient needs a birthDate."})
    return patient_create(actor=actor, organization=organization, data=data), True


def _center(service_request: dict) -> Organization:
    for i, performer in enumerate(
        objects(service_request.get("performer"), "ServiceRequest.performer")
    ):
        center = referenced_uuid(
            performer,
            f"ServiceRequest.performer[{i}]",
            resource_type="Organization",
            system=codes.ORGANIZATION_SYSTEM,
        )
        if center is not None:
            found = Organization.objects.filter(
                uuid=center, kind=Organization.Kind.CANCER_CENTER
            ).first()
            if found is None:
                raise BundleRefused(
                    422,
                    "not-found",
                    "No cancer center has this id.",
                    f"ServiceRequest.performer[{i}]",
                )
            return found
    raise BundleRefused(
        400,
        "required",
        "Name the cancer center in ServiceRequest.performer (an Organization of this service).",
        "ServiceRequest.performer",
    )


def _requester(service_request: dict) -> User | None:
    requester = obj(service_request.get("requester"), "ServiceRequest.requester")
    user_id = referenced_uuid(
        requester,
        "ServiceRequest.requester",
        resource_type="Practitioner",
        system=codes.PRACTITIONER_SYSTEM,
    )
    if user_id is None:
        return None
    found = User.objects.filter(uuid=user_id, is_active=True).first()
    if found is None:
        raise BundleRefused(
            422,
            "not-found",
            "No oncologist of this service has this id.",
            "ServiceRequest.requester",
        )
    return found
