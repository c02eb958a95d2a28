"""The record-transfer checklist: items, their status changes and attached files."""

from django.conf import settings
from django.db import transaction

from accounts.models import User
from audit.services import audit_record, field_changes
from core.limits import limit
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import RecordAttachment, RecordItem, Referral
from referrals.rules.capabilities import ensure_can
from referrals.services import file_types
from referrals.services.common import occurred_at_from, record_event
from referrals.services.validation import apply, reject_unknown, validate_model

Status = RecordItem.Status

# The milestone each status change stamps (who may make it, when: referrals.rules).
MILESTONE_OF_STATUS = {
    Status.SENT: "sent_at",
    Status.RECEIVED: "received_at",
    Status.RETURNED: "returned_at",
}

DETAIL_FIELDS = frozenset(
    {"description", "carrier", "tracking_number", "specimen_identifiers", "waived_reason"}
)
CHANGE_FIELDS = DETAIL_FIELDS | {"status", "required", "occurred_at", "backdate_reason"}

ALLOWED_UPLOAD_TYPES = set(file_types.TYPE_NAMES)


def build_record_item(referral: Referral, data: dict) -> RecordItem:
    reject_unknown(data, {"kind", "required", "description"}, why="Unknown field.")
    item = RecordItem(
        referral=referral,
        kind=data.get("kind", ""),
        required=data.get("required", True),
        description=data.get("description", ""),
    )
    validate_model(item, exclude=["referral"])
    return item


@transaction.atomic
def record_item_add(*, actor: User, referral: Referral, data: dict) -> RecordItem:
    """Add an item to the checklist: the referring side while a draft, coordinators later.

    Raises NotPermitted, Conflict (a finished referral), InvalidData.
    """
    referral = Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)
    ensure_can(user=actor, capability="add_record", referral=referral)
    if referral.record_items.count() >= limit("record_items"):
        raise InvalidData.for_fields(
            {"record_items": f"A referral lists at most {limit('record_items')} record items."}
        )
    item = build_record_item(referral, data)
    if referral.accepted_at:
        item.requested_at = referral.accepted_at
    item.save()
    record_event(
        referral=referral,
        actor=actor,
        kind="record_added",
        data={
            "record": str(item.uuid),
            "kind": item.kind,
            "description": item.description,
            "required": item.required,
        },
    )
    audit_record(actor=actor, action="create", obj=item)
    return item


@transaction.atomic
def record_item_change(*, actor: User, item: RecordItem, data: dict) -> RecordItem:
    """Change an item's status (with its tracking details) or its details.

    Raises NotPermitted (not this side's change), Conflict (a status change not allowed
    from the item's or the referral's state), InvalidData.
    """
    reject_unknown(data, CHANGE_FIELDS, why="Unknown field.")
    item = RecordItem.objects.select_for_update().select_related("referral").get(pk=item.pk)
    referral = item.referral
    new_status = data.get("status", item.status)
    old_status = item.status
    occurred_at = None
    changes_status = new_status != old_status
    if changes_status:
        occurred_at = _change_status(item, referral, actor, new_status, data)
    before = {"status": old_status} if changes_status else {}
    if "required" in data and data["required"] != item.required:
        ensure_can(user=actor, capability="change_record_requirement", referral=referral)
        before["required"] = item.required
        item.required = data["required"]
    details = apply(item, data, DETAIL_FIELDS)
    if details and not (changes_status and set(details) <= SHIPMENT_FIELDS):
        # The tracking of a shipment goes with its status change (made by whoever ships it);
        # editing an item's details otherwise is the sending side's, or a coordinator's.
        ensure_can(user=actor, capability="edit_record_details", referral=referral)
    before.update(details)
    if item.status == Status.WAIVED and not item.waived_reason.strip():
        raise InvalidData.for_fields({"waived_reason": "Say why this item is waived."})
    if not before:
        return item
    validate_model(item, exclude=["referral"])
    item.save()
    after = {name: getattr(item, name) for name in before}
    changes = field_changes(before, after)
    if "status" in before:
        record_event(
            referral=referral,
            actor=actor,
            kind="record_status",
            from_status=old_status,
            to_status=item.status,
            note=item.waived_reason if item.status == Status.WAIVED else "",
            data={"record": str(item.uuid), "kind": item.kind, "description": item.description},
            occurred_at=occurred_at,
        )
    audit_record(actor=actor, action="update", obj=item, changes=changes)
    return item


# Details that travel with a status change (a shipment's carrier and tracking, a waiver's reason).
SHIPMENT_FIELDS = frozenset({"carrier", "tracking_number", "specimen_identifiers", "waived_reason"})


def _change_status(item: RecordItem, referral: Referral, actor: User, new_status, data):
    if new_status not in Status.values:
        raise InvalidData.for_fields({"status": f"Unknown status {new_status!r}."})
    if new_status == Status.RETURNED and not item.is_physical:
        raise InvalidData.for_fields({"status": "Only slides and blocks are returned."})
    try:
        ensure_can(
            user=actor,
            capability="change_record_status",
            referral=referral,
            change=(item.status, new_status),
            kind=item.kind,
        )
    except NotPermitted:
        if not _any_rule_for(item.status, new_status):
            raise Conflict(
                f"A record item that is {item.get_status_display().lower()} cannot become "
                f"{Status(new_status).label.lower()}."
            ) from None
        raise
    milestone = MILESTONE_OF_STATUS.get(new_status)
    previous = getattr(item, "sent_at" if new_status == Status.RECEIVED else "received_at")
    occurred_at, _reason = occurred_at_from(
        data, not_before=previous, referral_created=referral.created_at
    )
    tracking_number = data.get("tracking_number") or item.tracking_number
    if new_status == Status.SENT and item.is_physical and not tracking_number.strip():
        raise InvalidData.for_fields(
            {"tracking_number": "Give the carrier's tracking number for physical material."}
        )
    item.status = new_status
    if milestone:
        setattr(item, milestone, occurred_at)
    if new_status != Status.WAIVED:
        item.waived_reason = ""
    return occurred_at


def _any_rule_for(source: str, target: str) -> bool:
    from referrals.rules.capabilities import GRANTS

    return any(grant.change == (source, target) for grant in GRANTS)


def record_items_mark_received(*, actor: User, items) -> tuple[int, list[str]]:
    """Mark several items received; returns how many changed and the errors of the others."""
    changed, errors = 0, []
    for item in items:
        if item.status in (Status.RECEIVED, Status.RETURNED):
            continue
        try:
            record_item_change(actor=actor, item=item, data={"status": Status.RECEIVED})
            changed += 1
        except (InvalidData, NotPermitted, Conflict) as error:
            errors.append(f"{item.referral.reference} {item.get_kind_display()}: {error.detail}")
    return changed, errors


@transaction.atomic
def attachment_add(*, actor: User, item: RecordItem, uploaded_file) -> RecordAttachment:
    """Attach a file to a record item. Raises NotPermitted, Conflict, InvalidData (type, size)."""
    referral = item.referral
    ensure_can(user=actor, capability="attach_file", referral=referral)
    content_type = getattr(uploaded_file, "content_type", "") or ""
    if content_type not in ALLOWED_UPLOAD_TYPES:
        raise InvalidData.for_fields(
            {"file": "Attach a PDF, an image (JPEG, PNG, TIFF), DICOM or plain text file."}
        )
    if uploaded_file.size > settings.RECORD_UPLOAD_MAX_BYTES:
        megabytes = settings.RECORD_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise InvalidData.for_fields({"file": f"Files may be at most {megabytes} MB."})
    if uploaded_file.size == 0:
        raise InvalidData.for_fields({"file": "The file is empty."})
    if not file_types.content_matches_type(uploaded_file, content_type):
        raise InvalidData.for_fields(
            {
                "file": f"The file's contents are not {file_types.TYPE_NAMES[content_type]}, "
                "as its type says. Attach the original file."
            }
        )
    attachment = RecordAttachment(
        record_item=item,
        original_name=uploaded_file.name[:255],
        content_type=content_type,
        size=uploaded_file.size,
        uploaded_by=actor,
    )
    attachment.file.save(uploaded_file.name, uploaded_file, save=False)
    attachment.save()
    record_event(
        referral=referral,
        actor=actor,
        kind="attachment_added",
        data={"record": str(item.uuid), "attachment": str(attachment.uuid)},
    )
    audit_record(actor=actor, action="create", obj=attachment, referral_id=referral.pk)
    return attachment
