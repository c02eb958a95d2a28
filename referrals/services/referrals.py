"""Patients and referrals: creating and editing them (not their workflow state)."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.memberships import has_membership
from accounts.models import Membership, Organization, User
from audit.services import audit_record, field_changes
from core.limits import limit
from referrals.errors import InvalidData, NotPermitted
from referrals.models import Patient, RecordItem, ReferenceSequence, Referral
from referrals.rules.capabilities import CLINICAL_FIELDS, capabilities_for, ensure_can
from referrals.rules.states import OPEN_STATES
from referrals.selectors import referrals_visible_to
from referrals.services.common import record_event
from referrals.services.validation import apply, reject_unknown, validate_model

Role = Membership.Role

PATIENT_FIELDS = frozenset(
    {
        "mrn",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "phone",
        "email",
        "preferred_language",
        "consent_to_share_records",
        "consent_to_record_consult",
        "support_person_name",
        "support_person_relation",
    }
)

DEFAULT_CHECKLIST = [
    (RecordItem.Kind.CLINICAL_NOTES, True),
    (RecordItem.Kind.PATHOLOGY_REPORT, True),
    (RecordItem.Kind.IMAGING_REPORT, True),
    (RecordItem.Kind.LAB_RESULTS, False),
]


def _ensure_referring_member(actor: User, organization: Organization) -> None:
    if actor.is_superuser:
        return
    if not has_membership(actor, organization.pk, Role.COORDINATOR, Role.REFERRING_ONCOLOGIST):
        raise NotPermitted("Only the practice's coordinators and oncologists manage its patients.")


@transaction.atomic
def patient_create(*, actor: User, organization: Organization, data: dict) -> Patient:
    """Raises NotPermitted, InvalidData (including a duplicate MRN in the organization)."""
    _ensure_referring_member(actor, organization)
    reject_unknown(data, PATIENT_FIELDS, why="Unknown field.")
    patient = Patient(organization=organization, **data)
    if patient.consent_to_share_records:
        patient.consent_to_share_recorded_at = timezone.now()
    validate_model(patient)
    patient.save()
    audit_record(actor=actor, action="create", obj=patient)
    return patient


@transaction.atomic
def patient_update(*, actor: User, patient: Patient, data: dict) -> Patient:
    """Raises NotPermitted, InvalidData."""
    _ensure_referring_member(actor, patient.organization)
    reject_unknown(data, PATIENT_FIELDS, why="Unknown field.")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    before = apply(patient, data, PATIENT_FIELDS)
    if "consent_to_share_records" in before and patient.consent_to_share_records:
        patient.consent_to_share_recorded_at = timezone.now()
    validate_model(patient)
    patient.save()
    after = {name: getattr(patient, name) for name in before}
    audit_record(actor=actor, action="update", obj=patient, changes=field_changes(before, after))
    return patient


def next_reference(year: int | None = None) -> str:
    """The next human reference, like SO-2026-000123. Call inside a transaction."""
    year = year or timezone.localdate().year
    ReferenceSequence.objects.get_or_create(year=year)
    ReferenceSequence.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ReferenceSequence.objects.get(year=year).last_number
    return f"SO-{year}-{number:06d}"


def open_referral_for(*, patient: Patient, center: Organization) -> Referral | None:
    return Referral.objects.filter(
        patient=patient, receiving_center=center, status__in=OPEN_STATES
    ).first()


def _validate_reasons(reasons) -> None:
    valid = set(Referral.Reason.values)
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise InvalidData.for_fields({"reasons": "Give a list of reasons."})
    unknown = [r for r in reasons if r not in valid]
    if unknown:
        raise InvalidData.for_fields(
            {"reasons": f"Unknown reason {unknown[0]!r}. Choose from: {', '.join(sorted(valid))}."}
        )
    if len(set(reasons)) != len(reasons):
        raise InvalidData.for_fields({"reasons": "Each reason may be given once."})


def _validate_parties(referral: Referral) -> None:
    center = referral.receiving_center
    if center.kind != Organization.Kind.CANCER_CENTER or not center.sees_patients:
        raise InvalidData.for_fields(
            {"receiving_center": "Choose a cancer center that sees patients."}
        )
    if not Membership.objects.filter(
        user_id=referral.referring_oncologist_id,
        organization_id=referral.referring_organization_id,
        role=Role.REFERRING_ONCOLOGIST,
    ).exists():
        raise InvalidData.for_fields(
            {"referring_oncologist": "Choose a referring oncologist of this practice."}
        )


def _refuse_duplicate(referral: Referral, *, actor: User) -> None:
    """InvalidData when the patient already has an open referral to the center. It names
    that referral (reference, `extra["existing_referral"]`) only when `actor` may see it: to
    anyone else it is "a referral", with no hint of whose or where (DESIGN §3)."""
    existing = open_referral_for(patient=referral.patient, center=referral.receiving_center)
    if existing is None or existing.pk == referral.pk:
        return
    message = "This patient already has an open referral to this center"
    if not referrals_visible_to(user=actor).filter(pk=existing.pk).exists():
        raise InvalidData(f"{message}.", fields={"patient": [f"{message}."]}, duplicate=True)
    raise InvalidData(
        f"{message}: {existing.reference}.",
        fields={"patient": [f"{message}: {existing.reference}."]},
        duplicate=True,
        existing_referral=str(existing.uuid),
        existing_reference=existing.reference,
    )


def _save_new(referral: Referral, *, actor: User) -> None:
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        # A concurrent request opened the same patient's referral to the same center.
        _refuse_duplicate(referral, actor=actor)
        raise


@transaction.atomic
def referral_create(
    *,
    actor: User,
    patient: Patient,
    receiving_center: Organization,
    data: dict,
    referring_oncologist: User | None = None,
    record_items: list[dict] | None = None,
    previous_referral: Referral | None = None,
) -> Referral:
    """Open a draft referral with its record checklist (the default one when none is given).

    Raises NotPermitted, InvalidData (bad fields, a center that does not see patients,
    a patient who already has an open referral to the center: `extra["existing_referral"]`).
    """
    _ensure_referring_member(actor, patient.organization)
    reject_unknown(data, CLINICAL_FIELDS, why="Unknown field.")
    if referring_oncologist is None:
        if not has_membership(actor, patient.organization_id, Role.REFERRING_ONCOLOGIST):
            raise InvalidData.for_fields({"referring_oncologist": "Name the referring oncologist."})
        referring_oncologist = actor
    _validate_reasons(data.get("reasons", []))
    referral = Referral(
        patient=patient,
        referring_organization=patient.organization,
        receiving_center=receiving_center,
        referring_oncologist=referring_oncologist,
        created_by=actor,
        opinion_number=previous_referral.opinion_number + 1 if previous_referral else 2,
        previous_referral=previous_referral,
        reference=next_reference(),
        **data,
    )
    _refuse_duplicate(referral, actor=actor)
    validate_model(referral, exclude=["reference"])
    _validate_parties(referral)
    _save_new(referral, actor=actor)
    items = record_items
    if items is None:
        items = [{"kind": kind, "required": required} for kind, required in DEFAULT_CHECKLIST]
    if len(items) > limit("record_items"):
        raise InvalidData.for_fields(
            {"record_items": f"A referral lists at most {limit('record_items')} record items."}
        )
    from referrals.services.records import build_record_item

    RecordItem.objects.bulk_create([build_record_item(referral, item) for item in items])
    record_event(referral=referral, actor=actor, kind="created", to_status=referral.status)
    audit_record(actor=actor, action="create", obj=referral)
    return referral


@transaction.atomic
def referral_update(*, actor: User, referral: Referral, data: dict) -> Referral:
    """Edit the fields that the referral's state allows.

    Raises NotPermitted (not the referring side, or the center editing a draft),
    InvalidData (a field not editable now, or invalid), Conflict (a closed referral).
    """
    referral = Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)
    relations = ensure_can(user=actor, capability="edit_referral", referral=referral)
    editable = capabilities_for(actor, referral, relations=relations).editable_fields
    reject_unknown(
        data,
        editable,
        why=f"Cannot be changed once the referral is {referral.get_status_display().lower()}.",
    )
    if "reasons" in data:
        _validate_reasons(data["reasons"])
    before = apply(referral, data, editable)
    if not before:
        return referral
    if {"receiving_center", "referring_oncologist"} & set(before):
        _refuse_duplicate(referral, actor=actor)
        _validate_parties(referral)
    validate_model(referral)
    referral.save()
    after = {name: getattr(referral, name) for name in before}
    changes = field_changes(before, after)
    record_event(
        referral=referral,
        actor=actor,
        kind="edited",
        data={"fields": sorted(changes)},
    )
    audit_record(actor=actor, action="update", obj=referral, changes=changes)
    return referral


@transaction.atomic
def referral_request_next_opinion(
    *, actor: User, previous: Referral, receiving_center: Organization, data: dict | None = None
) -> Referral:
    """Start a third (or later) opinion from a referral whose recommendation is issued.

    Raises NotPermitted, Conflict (no issued recommendation yet), InvalidData.
    """
    ensure_can(user=actor, capability="request_next_opinion", referral=previous)
    if receiving_center.pk == previous.receiving_center_id:
        raise InvalidData.for_fields(
            {"receiving_center": "Choose a different center for another opinion."}
        )
    carried = {
        name: getattr(previous, name)
        for name in CLINICAL_FIELDS
        if name not in ("clinical_question",)
    }
    carried["clinical_question"] = ""
    carried.update(data or {})
    items = [
        {"kind": item.kind, "required": item.required, "description": item.description}
        for item in previous.record_items.all()
    ]
    return referral_create(
        actor=actor,
        patient=previous.patient,
        receiving_center=receiving_center,
        referring_oncologist=previous.referring_oncologist,
        data=carried,
        record_items=items,
        previous_referral=previous,
    )
