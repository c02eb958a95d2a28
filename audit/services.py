from django.db import models

from audit import context
from audit.models import AuditEntry


def _ids_for(obj) -> tuple[int | None, int | None]:
    """The referral and patient an object belongs to, for the audit indexes."""
    from referrals.models import Patient, Referral

    if obj is None:
        return None, None
    if isinstance(obj, Referral):
        return obj.pk, obj.patient_id
    if isinstance(obj, Patient):
        return None, obj.pk
    referral_id = getattr(obj, "referral_id", None)
    return referral_id, None


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict | None = None,
    detail: str = "",
    referral_id: int | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Append one audit entry. `changes` maps field name to [before, after]; no PHI in `detail`.

    `actor_label` names an actor who is not a user (e.g. the e-mail of a failed log-in).
    """
    entry = _entry(actor, action, obj, detail, actor_label=actor_label)
    entry.changes = changes or {}
    entry.referral_id = referral_id or entry.referral_id
    entry.save()
    return entry


def audit_listed(*, actor, objects, detail: str) -> None:
    """One "listed" entry per row a page or export showed (patients, referrals, reviews...).

    A list that names patients is a read of each of them: it belongs in their "who looked at
    my record" report. Written in one INSERT whatever the number of rows.
    """
    entries = [_entry(actor, AuditEntry.Action.LIST, obj, detail) for obj in objects]
    AuditEntry.objects.bulk_create(entries)


def _entry(actor, action: str, obj, detail: str, *, actor_label: str = "") -> AuditEntry:
    current = context.current()
    referral_id, patient_id = _ids_for(obj)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        actor=actor if is_user else None,
        actor_label=actor.email if is_user else actor_label[:254],
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(getattr(obj, "uuid", None) or getattr(obj, "pk", "") or ""),
        referral_id=referral_id,
        patient_id=patient_id,
        detail=detail[:255],
        interface=current.interface,
        client_address=current.client_address,
    )


def field_changes(before: dict, after: dict) -> dict:
    """The fields whose values differ, as {field: [before, after]} of JSON-safe values."""
    return {
        name: [_json_safe(before.get(name)), _json_safe(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def snapshot(obj: models.Model, fields) -> dict:
    return {name: getattr(obj, name) for name in fields}


def _json_safe(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, models.Model):
        return str(getattr(value, "uuid", value.pk))
    return str(value)
