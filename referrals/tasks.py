"""The referrals' tasks (DESIGN §5). Arguments are ids only; every task is safe to run twice.

The services import the tasks they queue; these import the services inside their bodies.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notify_event(event_id: int) -> int:
    """Kept for tasks queued before the outbox: writes the event's e-mails (once) and queues
    their delivery. Notifications are now written with the event itself (`record_event`)."""
    from django.db import transaction

    from referrals.models import ReferralEvent
    from referrals.notifications import event_notifications_add

    with transaction.atomic():
        event = ReferralEvent.objects.filter(pk=event_id).first()
        return 0 if event is None else len(event_notifications_add(event))


# smtplib.SMTPException and socket errors are OSErrors; a database that went away is retried too.
TRANSIENT_ERRORS = (OSError, OperationalError, InterfaceError)

RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    # Under the broker's visibility timeout: a longer countdown would be delivered twice.
    "retry_backoff_max": 240,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**RELIABLE)
def send_reminder(reminder_id: int) -> str:
    """Hand one reminder to the outbox, once (after the last retry, a scan queues it again)."""
    from referrals.reminders import delivery

    return delivery.reminder_send(reminder_id=reminder_id)


@shared_task(**RELIABLE)
def send_reminder_digest(recipient_id: int) -> int:
    """One person's daily digest of waiting reminders."""
    from referrals.reminders import delivery

    return delivery.reminder_digest_send(recipient_id=recipient_id)


@shared_task(**RELIABLE)
def scan_reminders() -> dict:
    """Beat's periodic scan: create the late steps' reminders and queue what is unsent."""
    from referrals.reminders.services import reminders_scan_and_queue

    result = reminders_scan_and_queue()
    return {"ran": result.ran, "created": result.created, "queued": len(result.pending)}


@shared_task(**RELIABLE)
def queue_reminder_digests() -> int:
    """Beat's daily job: one digest task per person on the digest with reminders waiting."""
    from referrals.reminders import delivery

    recipients = delivery.digest_recipient_ids()
    for recipient_id in recipients:
        send_reminder_digest.delay(recipient_id)
    return len(recipients)
