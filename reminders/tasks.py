"""The reminders' tasks and the delivery of the outbox (DESIGN §5). Arguments are ids only;
every task is safe to run twice.

The services import these tasks to queue them; the tasks import the services in their bodies.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

logger = logging.getLogger(__name__)

# Longer than a delivery may take (its time limit), so no second sender starts while the first
# might still be talking to the mail server.
LEASE = settings.EMAIL_OUTBOX_LEASE_SECONDS
TIME_LIMIT = LEASE - min(60, LEASE // 5)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Only the database before the claim: mail errors are handled by the outbox itself.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=240,
    retry_jitter=True,
    max_retries=10,
    soft_time_limit=TIME_LIMIT - min(30, LEASE // 10),
    time_limit=TIME_LIMIT,
)
def deliver_email(self, email_id: int) -> str:
    """Deliver one outbox message; after a failure, retry with backoff for about an hour."""
    from reminders import outbox
    from reminders.models import OutgoingEmail

    attempt = outbox.email_deliver(email_id)
    if attempt.outcome != outbox.Outcome.RETRY_LATER or self.request.is_eager:
        return attempt.outcome
    if self.request.retries >= settings.EMAIL_OUTBOX_TASK_RETRIES:
        # Left to the periodic scan from now on (it queues it once it is due).
        OutgoingEmail.objects.filter(pk=email_id).update(queued_at=None)
        return attempt.outcome
    OutgoingEmail.objects.filter(pk=email_id).update(queued_at=timezone.now())
    # A little after it is due: a task that came early would find it not due and end.
    raise self.retry(countdown=attempt.retry_in + 1, max_retries=None)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def queue_unsent_email() -> dict:
    """Beat, every few minutes: queue again what is due and has no live task or sender.

    Also the reminders whose send task was lost before they reached the outbox.
    """
    from reminders import outbox
    from reminders.services import reminders_requeue

    try:
        reminders = reminders_requeue()
        emails = outbox.publish(outbox.emails_to_queue())
    except outbox.BrokerUnavailable as error:
        logger.warning("Outbox scan: %s", error)
        return {"broker": "unavailable"}
    return {"reminders": reminders, "emails": emails}


# The reminder tasks keep the names they had in referrals.tasks: beat's schedule rows
# (django_celery_beat) and messages already in the queue name them so.

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


@shared_task(name="referrals.tasks.send_reminder", **RELIABLE)
def send_reminder(reminder_id: int) -> str:
    """Hand one reminder to the outbox, once (after the last retry, a scan queues it again)."""
    from reminders import delivery

    return delivery.reminder_send(reminder_id=reminder_id)


@shared_task(name="referrals.tasks.send_reminder_digest", **RELIABLE)
def send_reminder_digest(recipient_id: int) -> int:
    """One person's daily digest of waiting reminders."""
    from reminders import delivery

    return delivery.reminder_digest_send(recipient_id=recipient_id)


@shared_task(name="referrals.tasks.scan_reminders", **RELIABLE)
def scan_reminders() -> dict:
    """Beat's periodic scan: create the late steps' reminders and queue what is unsent."""
    from reminders.services import reminders_scan_and_queue

    result = reminders_scan_and_queue()
    return {"ran": result.ran, "created": result.created, "queued": len(result.pending)}


@shared_task(name="referrals.tasks.queue_reminder_digests", **RELIABLE)
def queue_reminder_digests() -> int:
    """Beat's daily job: one digest task per person on the digest with reminders waiting."""
    from reminders import delivery

    recipients = delivery.digest_recipient_ids()
    for recipient_id in recipients:
        send_reminder_digest.delay(recipient_id)
    return len(recipients)
