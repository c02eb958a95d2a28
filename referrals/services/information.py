"""The information-request loop (DESIGN §1, §2, §5): the effects of the workflow actions
`request_information` and `provide_information`, run by `referral_transition` (which checks
actor, state and guard, writes the timeline event and queues its e-mails), and the portal's
one-step answer with a new record and file.

The paused clock: asking pauses the step the referral was waiting on (its due date is kept as
it was) and starts the information step, due 3 business days later (then the referring side is
reminded, rules.steps). Answering moves the paused step's due date by the business days the
request waited, counted with the reminder engine's calendar (weekends and holidays skipped).
"""

import datetime

from django.db import transaction

from accounts.models import User
from core.limits import limit
from referrals.errors import InvalidData
from referrals.models import InformationRequest, RecordItem, Referral
from referrals.rules import steps
from referrals.services.common import require_text
from referrals.services.records import attachment_add, build_record_item
from reminders import sla
from reminders.calendar import BusinessCalendar

Status = Referral.Status

# Time waited, per state it was asked in: the referral's fields the reports subtract.
WAIT_FIELD = {
    Status.ACCEPTED: "information_wait_accepted",
    Status.UNDER_REVIEW: "information_wait_under_review",
}
# At most this many new record items come with one answer.
RECORDS_PER_ANSWER = 10


def business_days_waited(asked: datetime.date, answered: datetime.date) -> int:
    """Business days after the day asked, up to and including the day answered."""
    if answered <= asked:
        return 0
    return BusinessCalendar.between(asked, answered).count_after(
        asked, answered + datetime.timedelta(days=1)
    )


def request_information(
    referral: Referral, data: dict, occurred_at: datetime.datetime, *, actor: User
) -> dict:
    """The effects of `request_information`: a new open request, the flag, the paused clock."""
    reason = data.get("reason")
    if reason not in InformationRequest.Reason.values:
        choices = ", ".join(InformationRequest.Reason.values)
        raise InvalidData.for_fields({"reason": f"Choose one of: {choices}."})
    note = require_text(data, "note", "Say what the center needs.")
    if len(note) > limit("text_chars"):
        raise InvalidData.for_fields({"note": f"At most {limit('text_chars')} characters."})
    due = sla.add_business_days(sla.local_date(occurred_at), sla.INFORMATION_REMINDER_DAYS)
    request = InformationRequest.objects.create(
        referral=referral,
        reason=reason,
        note=note,
        asked_by=actor,
        asked_at=occurred_at,
        asked_in_status=referral.status,
        due_date=due,
    )
    referral.awaiting_information = True
    referral.information_due = due
    return {"information_request": str(request.uuid), "reason": reason}


def provide_information(
    referral: Referral, data: dict, occurred_at: datetime.datetime, *, actor: User
) -> dict:
    """The effects of `provide_information`: the open request answered, new record items (sent
    by the practice) added, the flag cleared and the paused step's due date moved."""
    answer = require_text(data, "note", "Write the answer to the center's request.")
    if len(answer) > limit("text_chars"):
        raise InvalidData.for_fields({"note": f"At most {limit('text_chars')} characters."})
    request = (
        InformationRequest.objects.select_for_update()
        .filter(referral=referral, answered_at__isnull=True)
        .first()
    )
    if request is None:  # the flag says open; a row says otherwise: never answer nothing
        raise InvalidData.for_fields({"note": "No information request is open."})
    if occurred_at < request.asked_at:
        raise InvalidData.for_fields({"occurred_at": "Cannot be earlier than the request."})
    items = _new_record_items(referral, data.get("record_items") or [], occurred_at)
    waited = business_days_waited(sla.local_date(request.asked_at), sla.local_date(occurred_at))
    request.answer = answer
    request.answered_by = actor
    request.answered_at = occurred_at
    request.business_days_waited = waited
    request.save(update_fields=["answer", "answered_by", "answered_at", "business_days_waited"])

    paused = steps.paused_due_field(request.asked_in_status)
    if paused and getattr(referral, paused) and waited:
        setattr(referral, paused, sla.add_business_days(getattr(referral, paused), waited))
    wait_field = WAIT_FIELD.get(request.asked_in_status)
    if wait_field:
        setattr(
            referral, wait_field, getattr(referral, wait_field) + (occurred_at - request.asked_at)
        )
    referral.awaiting_information = False
    referral.information_due = None
    return {
        "information_request": str(request.uuid),
        "business_days_waited": waited,
        "record_items": [str(item.uuid) for item in items],
    }


def _new_record_items(referral: Referral, rows, occurred_at) -> list[RecordItem]:
    """Record items the answer brings: sent by the practice, for the center to mark received."""
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise InvalidData.for_fields({"record_items": "A list of {kind, description} items."})
    if len(rows) > RECORDS_PER_ANSWER:
        raise InvalidData.for_fields(
            {"record_items": f"At most {RECORDS_PER_ANSWER} record items with one answer."}
        )
    if referral.record_items.count() + len(rows) > limit("record_items"):
        raise InvalidData.for_fields(
            {"record_items": f"A referral lists at most {limit('record_items')} record items."}
        )
    items = []
    for row in rows:
        item = build_record_item(referral, dict(row))
        item.status = RecordItem.Status.SENT
        item.requested_at = referral.accepted_at or occurred_at
        item.sent_at = occurred_at
        item.save()
        items.append(item)
    return items


def clear_on_cancel(referral: Referral) -> None:
    """A cancelled referral awaits nothing: the open request stays unanswered in the thread."""
    referral.awaiting_information = False
    referral.information_due = None


@transaction.atomic
def information_provide(
    *,
    referral: Referral,
    actor: User,
    note: str,
    record_kind: str = "",
    record_description: str = "",
    uploaded_file=None,
) -> Referral:
    """Answer the open request in one step (the portal's form): optionally with a new record
    item of `record_kind` and a file attached to it.

    Raises what referral_transition raises, and InvalidData for the file (attachment_add).
    """
    from referrals.services.workflow import referral_transition

    data: dict = {"note": note}
    if record_kind:
        data["record_items"] = [{"kind": record_kind, "description": record_description}]
    elif uploaded_file is not None:
        raise InvalidData.for_fields({"record_kind": "Say what kind of record the file is."})
    referral = referral_transition(
        referral=referral, actor=actor, action="provide_information", data=data
    )
    if uploaded_file is not None:
        # The item the answer just added (the referral's row is still locked by this
        # transaction, so no other item came in between).
        item = referral.record_items.order_by("-id").first()
        attachment_add(actor=actor, item=item, uploaded_file=uploaded_file)
    return referral
