"""The record-transfer checklist: items, their status changes and attached files."""

from django.conf import settings
from django.db import transaction

from accounts.models import User
from audit.services import audit_record, field_changes
from core.limits import limit
from referrals import roles
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import RecordAttachment, RecordItem, Referral
from referrals.services import file_types
from referrals.services.common import occurred_at_from, record_event
from referrals.services.validation import apply, reject_unknown, validate_model

Status = RecordItem.Status
S = Referral.Status

REFERRING_SIDE = {roles.REFERRING_ONCOLOGIST, roles.REFERRING_COORDINATOR}
CENTER_SIDE = {roles.CENTER_COORDINATOR, roles.ASSIGNED_PATHOLOGIST, roles.ASSIGNED_SPECIALIST}
COORDINATORS = {roles.REFERRING_COORDINATOR, roles.CENTER_COORDINATOR}

# status change -> (who may make it, the milestone it stamps)
STATUS_CHANGES: dict[tuple[str, str], tuple[set[str], str | None]] = {
    (Status.REQUESTED, Status.SENT): (REFERRING_SIDE, "sent_at"),
    (Status.REQUESTED, Status.RECEIVED): (CENTER_SIDE, "received_at"),
    (Status.SENT, Status.RECEIVED): (CENTER_SIDE, "received_at"),
    (Status.RECEIVED, Status.RETURNED): (CENTER_SIDE, "returned_at"),
    (Status.REQUESTED, Status.WAIVED): (COORDINATORS, None),
    (Status.SENT, Status.WAIVED): (COORDINATORS, None),
    (Status.WAIVED, Status.REQUESTED): (COORDINATORS, None),
}

DETAIL_FIELDS = frozenset(
    {"description", "carrier", "tracking_number", "specimen_identifiers", "waived_reason"}
)
CHANGE_FIELDS = DETAIL_FIELDS | {"status", "required", "occurred_at", "backdate_reason"}
ACTIVE_STATES = {S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW}
# Physical material goes back to the originating lab, whenever the review is done.
RETURN_STATES = ACTIVE_STATES | {
    S.RECOMMENDATION_ISSUED,
    S.RETURNED,
    S.MONITORING,
    S.CLOSED,
    S.CANCELLED,
    S.DECLINED,
}

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
    user_roles = roles.roles_on(actor, referral)
    allowed = REFERRING_SIDE if referral.status == S.DRAFT else COORDINATORS
    if not user_roles & allowed:
        raise NotPermitted("You may not add records to this referral.")
    if referral.status not in ACTIVE_STATES | {S.DRAFT}:
        raise Conflict("Records can no longer be added to this referral.")
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
        data={"record": str(item.uuid), "kind": item.kind, "required": item.required},
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
    user_roles = roles.roles_on(actor, referral)
    if not user_roles & (REFERRING_SIDE | CENTER_SIDE):
        raise NotPermitted("You may not change this referral's records.")
    new_status = data.get("status", item.status)
    old_status = item.status
    before = apply(item, data, DETAIL_FIELDS)
    if "required" in data and data["required"] != item.required:
        if not user_roles & COORDINATORS and referral.status != S.DRAFT:
            raise NotPermitted("Only coordinators change what is required.")
        before["required"] = item.required
        item.required = data["required"]
    occurred_at = None
    if new_status != old_status:
        occurred_at = _change_status(item, referral, user_roles, new_status, data)
        before["status"] = old_status
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
            data={"record": str(item.uuid), "kind": item.kind},
            occurred_at=occurred_at,
        )
    audit_record(actor=actor, action="update", obj=item, changes=changes)
    return item


def _change_status(item: RecordItem, referral: Referral, user_roles, new_status, data):
    if new_status not in Status.values:
        raise InvalidData.for_fields({"status": f"Unknown status {new_status!r}."})
    rule = STATUS_CHANGES.get((item.status, new_status))
    if rule is None:
        raise Conflict(
            f"A record item that is {item.get_status_display().lower()} cannot become "
            f"{Status(new_status).label.lower()}."
        )
    who, milestone = rule
    if not user_roles & who:
        raise NotPermitted("This status change is made by the other side of the referral.")
    allowed_states = RETURN_STATES if new_status == Status.RETURNED else ACTIVE_STATES
    if referral.status not in allowed_states:
        raise Conflict(
            f"Records cannot change while the referral is {referral.get_status_display().lower()}."
        )
    if new_status == Status.RETURNED and not item.is_physical:
        raise InvalidData.for_fields({"status": "Only slides and blocks are returned."})
    previous = getattr(item, "sent_at" if new_status == Status.RECEIVED else "received_at")
    occurred_at, _reason = occurred_at_from(
        data, not_before=previous, referral_created=referral.created_at
    )
    if new_status == Status.SENT and item.is_physical and not item.tracking_number.strip():
        raise InvalidData.for_fields(
            {"tracking_number": "Give the carrier's tracking number for physical material."}
        )
    item.status = new_status
    if milestone:
        setattr(item, milestone, occurred_at)
    if new_status != Status.WAIVED:
        item.waived_reason = ""
    return occurred_at


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
    if not roles.roles_on(actor, referral) & (REFERRING_SIDE | CENTER_SIDE):
        raise NotPermitted("You may not attach files to this referral.")
    if referral.status not in ACTIVE_STATES | {S.DRAFT}:
        raise Conflict("Files can no longer be attached to this referral.")
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
