from celery import shared_task
from django.db import InterfaceError, OperationalError

from referrals.models import ReferralEvent
from referrals.notifications import send_event_notification
from referrals.reminders import delivery


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def notify_event(event_id: int) -> int:
    """Tell the people concerned about one timeline event (ids only: no PHI in arguments)."""
    event = (
        ReferralEvent.objects.select_related(
            "referral__referring_oncologist", "referral__specialist"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    return send_event_notification(event)


# Reminders (DESIGN §5). Arguments are ids only; every task is safe to run twice.

# smtplib.SMTPException and socket errors are OSErrors; a database that went away is retried too.
TRANSIENT_ERRORS = (OSError, OperationalError, InterfaceError)

RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**RELIABLE)
def send_reminder(reminder_id: int) -> str:
    """Send one reminder, at most once (after the last retry, the next scan queues it again)."""
    return delivery.reminder_send(reminder_id=reminder_id)


@shared_task(**RELIABLE)
def send_reminder_digest(recipient_id: int) -> int:
    """One person's daily digest of waiting reminders."""
    return delivery.reminder_digest_send(recipient_id=recipient_id)


@shared_task(**RELIABLE)
def scan_reminders() -> dict:
    """Beat's periodic scan: create the late steps' reminders and queue what is unsent."""
    # Imported here: the services import the tasks they queue, not the other way round.
    from referrals.reminders.services import reminders_scan_and_queue

    result = reminders_scan_and_queue()
    return {"ran": result.ran, "created": result.created, "queued": len(result.pending)}


@shared_task(**RELIABLE)
def queue_reminder_digests() -> int:
    """Beat's daily job: one digest task per person on the digest with reminders waiting."""
    recipients = delivery.digest_recipient_ids()
    for recipient_id in recipients:
        send_reminder_digest.delay(recipient_id)
    return len(recipients)
