"""Forwarding (DESIGN §2): the referral a forwarded one becomes at the other center.

`referral_transition` runs the `forward` action (the rulebook checked who, from which state,
and the center and reason); inside its transaction, with the first referral locked and
already `forwarded`, `referral_forwarded_copy` opens the new one, `submitted` at the other
center, and carries the case over.
"""

import datetime

from django.core.files.base import ContentFile

from accounts.models import Organization, User
from audit.services import audit_record
from referrals.models import RecordAttachment, RecordItem, Referral
from referrals.rules import steps
from referrals.services.common import record_event
from reminders import sla

Status = RecordItem.Status

# What the new referral carries over: the patient and parties (set apart), the case as the
# referring side described it, and the question and local plan.
CARRIED_FIELDS = (
    "cancer_site",
    "diagnosis",
    "stage",
    "diagnosis_date",
    "reasons",
    "clinical_question",
    "local_treatment_plan",
    "no_local_plan_yet",
    "initiated_by",
    "urgency",
    "modality",
)


def referral_forwarded_copy(
    *, referral: Referral, actor: User, center: Organization, at: datetime.datetime
) -> Referral:
    """Open the forwarded referral's copy at `center`, submitted at `at`, with its checklist.

    Call inside the forward's transaction. Raises InvalidData when the patient already has an
    open referral to that center (named only to who may see it).
    """
    from referrals.services.referrals import _refuse_duplicate, _save_new, next_reference

    new = Referral(
        patient=referral.patient,
        referring_organization_id=referral.referring_organization_id,
        referring_oncologist_id=referral.referring_oncologist_id,
        receiving_center=center,
        opinion_number=referral.opinion_number,
        previous_referral=referral,
        reference=next_reference(),
        created_by=actor,
        status=Referral.Status.SUBMITTED,
        submitted_at=at,
        **{name: getattr(referral, name) for name in CARRIED_FIELDS},
    )
    _refuse_duplicate(new, actor=actor)
    new.triage_due = sla.add_business_days(sla.local_date(at), sla.policy_days(new)["triage"])
    new.next_due = steps.due_date(new)
    _save_new(new, actor=actor)
    _copy_checklist(referral, new, at=at)
    record_event(
        referral=new,
        actor=actor,
        kind="forwarded_in",
        from_status="",
        to_status=new.status,
        note=referral.forward_reason,
        data={"forwarded_from": str(referral.uuid), "reference": referral.reference},
        occurred_at=at,
    )
    audit_record(actor=actor, action="create", obj=new, detail="forward")
    return new


def carried_status(item: RecordItem) -> str:
    """A record's status at the new center: what the referring side sent (files, reports)
    stays sent, for the new center to receive; physical material and everything still
    missing or waived at the first center is requested afresh (slides and blocks are at the
    first center, and its waivers were its own decisions)."""
    if item.status in (Status.SENT, Status.RECEIVED) and not item.is_physical:
        return Status.SENT
    return Status.REQUESTED


def _copy_checklist(referral: Referral, new: Referral, *, at: datetime.datetime) -> None:
    items = list(referral.record_items.prefetch_related("attachments"))
    copies = []
    for item in items:
        status = carried_status(item)
        copies.append(
            RecordItem(
                referral=new,
                kind=item.kind,
                description=item.description,
                required=item.required,
                status=status,
                carrier=item.carrier,
                tracking_number=item.tracking_number if status == Status.SENT else "",
                specimen_identifiers=item.specimen_identifiers,
                sent_at=(item.sent_at or at) if status == Status.SENT else None,
            )
        )
    RecordItem.objects.bulk_create(copies)
    for item, copy in zip(items, copies, strict=True):
        for attachment in item.attachments.all():
            _copy_attachment(attachment, copy)


def _copy_attachment(attachment: RecordAttachment, item: RecordItem) -> RecordAttachment:
    """A copy of the file of its own (its own random name under the new referral), so either
    referral's files stay whole whatever happens to the other's."""
    with attachment.file.open("rb") as source:
        content = source.read()
    copy = RecordAttachment(
        record_item=item,
        original_name=attachment.original_name,
        content_type=attachment.content_type,
        size=attachment.size,
        uploaded_by=attachment.uploaded_by,
    )
    copy.file.save(attachment.original_name, ContentFile(content), save=False)
    copy.save()
    return copy
