"""Sending reminders: each handed to the outbox once, recorded on the referral's timeline.

One transaction marks the reminder sent (`sent_at` set only where it is still empty), writes
its e-mail into the outbox (reminders/outbox.py) and the timeline event. A second task for
the same reminder (redelivered or re-queued) updates no row and writes nothing; a killed
worker rolls it all back and the reminder stays pending for the next scan. Once committed,
the outbox delivers the e-mail: with a claim, so that neither a crash, a database restart nor
a slow mail server sends it twice (see reminders/outbox.py for the one window left).
"""

import datetime
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inbox import services as inbox
from referrals.models import ReferralEvent
from reminders import emails, outbox, steps
from reminders.models import Reminder

DIGEST = User.ReminderDelivery.DAILY_DIGEST


class Outcome(StrEnum):
    SENT = "sent"
    ALREADY_DONE = "already_done"
    CANCELLED = "cancelled"
    LEFT_FOR_DIGEST = "left_for_digest"


def _pending(queryset):
    return queryset.filter(sent_at__isnull=True, cancelled_at__isnull=True)


def _with_referral(queryset):
    return queryset.select_related("referral", "recipient")


def reminder_send(
    *, reminder_id: int, today: datetime.date | None = None, in_process: bool = False
) -> Outcome:
    """Send one reminder unless it was sent, cancelled, or belongs to a digest.

    Its e-mail is delivered after the commit: in this process with `in_process` or without a
    broker, by a task otherwise. Mail errors do not raise: the outbox retries.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        claimed = _pending(Reminder.objects.filter(pk=reminder_id)).update(sent_at=now)
        if not claimed:
            return Outcome.ALREADY_DONE
        reminder = _with_referral(Reminder.objects).get(pk=reminder_id)
        if reminder.recipient.reminder_delivery == DIGEST:
            transaction.set_rollback(True)
            return Outcome.LEFT_FOR_DIGEST
        step_due = step_due_if_still_late(reminder, today=today)
        if step_due is None:
            Reminder.objects.filter(pk=reminder_id).update(sent_at=None, cancelled_at=now)
            return Outcome.CANCELLED
        message = emails.reminder_email(reminder, step_due=step_due, today=today)
        email_ids = outbox.emails_add([message])
        _record_on_timeline([reminder], now=now)
        _notify([(reminder, emails.ReminderLine.of(reminder, step_due=step_due, today=today))])
    _deliver(email_ids, in_process=in_process)
    return Outcome.SENT


def _deliver(email_ids: list[int], *, in_process: bool) -> None:
    # Called once the reminders' transaction is over: without a broker, deliver right here.
    if in_process or settings.CELERY_TASK_ALWAYS_EAGER:
        for email_id in email_ids:
            outbox.email_deliver(email_id)
    else:
        outbox.deliver_after_commit(email_ids)


def digest_recipient_ids() -> list[int]:
    """People on the daily digest with reminders waiting."""
    return list(
        _pending(Reminder.objects.filter(recipient__reminder_delivery=DIGEST))
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def reminder_digest_send(
    *, recipient_id: int, today: datetime.date | None = None, in_process: bool = False
) -> int:
    """Send one person's waiting reminders in one e-mail; returns how many it carried.

    Delivered through the outbox after the commit, as in `reminder_send`.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        # Rows another digest run is sending right now are its own; skip them.
        reminders = list(
            steps.with_records_outstanding(
                _with_referral(
                    _pending(Reminder.objects.filter(recipient_id=recipient_id))
                    .select_for_update(skip_locked=True, of=("self",))
                    .order_by("due_date", "pk")
                ),
                referral="referral",
            )
        )
        lines, sent, cancelled = [], [], []
        for reminder in reminders:
            step_due = step_due_if_still_late(reminder, today=today)
            if step_due is None:
                cancelled.append(reminder.pk)
                continue
            lines.append(emails.ReminderLine.of(reminder, step_due=step_due, today=today))
            sent.append(reminder)
        Reminder.objects.filter(pk__in=cancelled).update(cancelled_at=now)
        if not sent:
            return 0
        claimed = _pending(Reminder.objects.filter(pk__in=[r.pk for r in sent])).update(sent_at=now)
        if claimed != len(sent):  # only where rows are not locked (SQLite): someone was first
            transaction.set_rollback(True)
            return 0
        digest = emails.digest_email(sent[0].recipient, lines, today=today, first=sent[0])
        email_ids = outbox.emails_add([digest])
        _record_on_timeline(sent, now=now)
        _notify(list(zip(sent, lines, strict=True)))
    _deliver(email_ids, in_process=in_process)
    return len(sent)


def step_due_if_still_late(reminder: Reminder, *, today: datetime.date) -> datetime.date | None:
    """The due date of the reminded step, or None when it no longer needs a reminder."""
    referral = reminder.referral
    if not reminder.recipient.is_active:
        return None
    if reminder.step in steps.PARALLEL_STEP_NAMES:
        due = steps.parallel_step_due(referral, reminder.step)
        still_late = due is not None and due < today and due <= reminder.due_date
        return due if still_late else None
    if referral.next_due is None:
        return None
    step = steps.current_step(
        referral, records_outstanding=getattr(reminder, "records_outstanding", None)
    )
    still_late = referral.next_due < today and referral.next_due <= reminder.due_date
    return referral.next_due if step == reminder.step and still_late else None


def _notify(sent: list[tuple[Reminder, emails.ReminderLine]]) -> None:
    """Each reminder mailed (alone or in a digest) is also in its recipient's inbox."""
    inbox.notifications_add(
        [
            inbox.Note(
                key=f"reminder-{reminder.uuid}",
                recipient_id=reminder.recipient_id,
                referral_id=reminder.referral_id,
                title=emails.reminder_subject(line),
            )
            for reminder, line in sent
        ]
    )


def _record_on_timeline(reminders: list[Reminder], *, now: datetime.datetime) -> None:
    """One timeline event per reminder sent (recipients are staff: no PHI here either)."""
    events = []
    for reminder in reminders:
        role = (
            steps.ESCALATION_ROLE if reminder.is_escalation else steps.RECIPIENT_ROLE[reminder.step]
        )
        kind = (
            ReferralEvent.Kind.ESCALATED
            if reminder.is_escalation
            else ReferralEvent.Kind.REMINDER_SENT
        )
        events.append(
            ReferralEvent(
                referral=reminder.referral,
                kind=kind,
                note=f"{reminder.get_step_display()} reminder sent to "
                f"{reminder.recipient.display_name}, {role}.",
                data={
                    "reminder": str(reminder.uuid),
                    "step": reminder.step,
                    "due_date": reminder.due_date.isoformat(),
                    "recipient": str(reminder.recipient.uuid),
                    "delivery": reminder.recipient.reminder_delivery,
                },
                recorded_at=now,
                occurred_at=now,
            )
        )
    # The reminder itself is the notification: no notify_event task for these events.
    ReferralEvent.objects.bulk_create(events)
