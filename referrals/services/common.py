"""Small pieces shared by the services."""

import datetime
import uuid as uuid_module

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from referrals.errors import InvalidData
from referrals.models import Referral, ReferralEvent
from referrals.validation.dates import step_time_errors

# Entries older than this need a reason: late data entry must be explained (DESIGN §1).
BACKDATE_TOLERANCE = datetime.timedelta(hours=1)


def parse_uuid(value, field: str):
    if isinstance(value, uuid_module.UUID):
        return value
    try:
        return uuid_module.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise InvalidData.for_fields({field: "Not a valid id."}) from None


def occurred_at_from(
    data: dict,
    *,
    not_before: datetime.datetime | None,
    referral_created: datetime.datetime | None = None,
) -> tuple:
    """The time a step actually happened, and the reason when it is back-dated.

    Raises InvalidData when the time is unreadable, in the future, back-dated further than the
    date rules allow (referrals.validation.dates), before the referral was created or before
    the previous milestone, or back-dated without a reason.
    """
    now = timezone.now()
    raw = data.get("occurred_at")
    reason = (data.get("backdate_reason") or "").strip()
    if raw in (None, ""):
        return now, ""
    moment = raw if isinstance(raw, datetime.datetime) else parse_datetime(str(raw))
    if moment is None:
        raise InvalidData.for_fields({"occurred_at": "Enter a date and time (ISO 8601)."})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    problems = step_time_errors(moment, referral_created=referral_created, field="occurred_at")
    if problems:
        raise InvalidData.for_fields(problems)
    if not_before is not None and moment < not_before:
        raise InvalidData.for_fields(
            {"occurred_at": "Cannot be earlier than the previous step of this referral."}
        )
    if now - moment > BACKDATE_TOLERANCE and not reason:
        raise InvalidData.for_fields(
            {"backdate_reason": "Give a reason when recording a step after the fact."}
        )
    return moment, reason


def record_event(
    *,
    referral: Referral,
    actor,
    kind: str,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
    occurred_at: datetime.datetime | None = None,
    reason_code: str = "",
) -> ReferralEvent:
    """Append to the timeline and write its notifications into the outbox, in the caller's
    transaction (delivered once it commits)."""
    from referrals.notifications import event_notifications_add

    event = ReferralEvent.objects.create(
        referral=referral,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        note=note,
        from_status=from_status,
        to_status=to_status,
        reason_code=reason_code,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
    )
    event_notifications_add(event)
    return event


def require_text(data: dict, field: str, message: str) -> str:
    value = (data.get(field) or "").strip() if isinstance(data.get(field), str | None) else ""
    if not value:
        raise InvalidData.for_fields({field: message})
    return value
