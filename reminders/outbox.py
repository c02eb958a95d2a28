"""The outbox: write e-mails in the caller's transaction, deliver each with a claim.

Delivery of one message (`email_deliver`):

1. claim it: one UPDATE, committed, that holds it for EMAIL_OUTBOX_LEASE_SECONDS (longer
   than a delivery task may run) unless it is sent, failed, not due yet or held by another
   sender;
2. talk to the mail server, with no database transaction open;
3. right after the server's 250, record "sent" in its own short statement, retried until the
   database answers (a database that went away is waited for, the message is not sent again).

So a redelivered or re-queued task sends nothing; a database restart sends nothing twice; a
message whose sender died is tried again, with the same Message-ID, once its lease expired. The
one window left is a sender killed between the end of the message data and the server's answer
(or before step 3 commits): no SMTP client can know whether the server kept it (RFC 1047).

A failure before the message was written releases the claim with a backoff (the task retries,
then the periodic scan); one after (`DeliveryOutcomeUnknown`) waits
EMAIL_OUTBOX_UNKNOWN_RETRY_MINUTES before trying again; a 5xx refusal marks it failed.
"""

import datetime
import logging
import random
import smtplib
import time
from dataclasses import dataclass
from enum import StrEnum

import kombu.exceptions
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from inbox import services as inbox
from reminders.mail import DeliveryOutcomeUnknown
from reminders.models import OutgoingEmail
from reminders.tasks import deliver_email

logger = logging.getLogger(__name__)

# Errors of a broker that cannot be reached while publishing.
BROKER_ERRORS = (kombu.exceptions.OperationalError, OSError)


class BrokerUnavailable(Exception):
    """Publishing failed; what was not published is left unmarked for the next scan."""

    def __init__(self, published: int, left: int, error: Exception):
        self.published, self.left = published, left
        super().__init__(
            f"broker unreachable ({type(error).__name__}: {error}): {published} task(s) "
            f"published, {left} left for the next scan"
        )


@dataclass(frozen=True)
class Message:
    key: str
    kind: str
    to: str
    subject: str
    text: str
    html: str = ""


class Outcome(StrEnum):
    SENT = "sent"
    NOT_DUE = "not_due"  # sent, failed, held by another sender, or waiting for its next try
    RETRY_LATER = "retry_later"
    OUTCOME_UNKNOWN = "outcome_unknown"
    FAILED = "failed"


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    retry_in: float | None = None


def _pending():
    return OutgoingEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True)


def emails_add(messages: list[Message]) -> list[int]:
    """Write the messages in the caller's transaction; returns the ids of those still to send.

    A key already in the outbox is not written again (the same reminder, digest or
    notification asked for twice).
    """
    OutgoingEmail.objects.bulk_create(
        [OutgoingEmail(**message.__dict__) for message in messages], ignore_conflicts=True
    )
    keys = [message.key for message in messages]
    return list(_pending().filter(key__in=keys).order_by("pk").values_list("pk", flat=True))


def emails_to_people(
    *, key: str, kind: str, people, subject: str, text: str, referral
) -> list[int]:
    """The same message about `referral` to each person (keyed `{key}-{person uuid}`), written
    in the caller's transaction and delivered after it commits; returns the ids still to send.

    Each person also gets it in their inbox (same key, the subject as its title): whoever is
    mailed about a referral is notified in the product, and nobody else.
    """
    people = list(people)
    inbox.notifications_add(
        [
            inbox.Note(
                key=f"{key}-{person.uuid}",
                recipient_id=person.pk,
                referral_id=referral.pk,
                title=subject,
            )
            for person in people
        ]
    )
    email_ids = emails_add(
        [
            Message(
                key=f"{key}-{person.uuid}", kind=kind, to=person.email, subject=subject, text=text
            )
            for person in people
        ]
    )
    deliver_after_commit(email_ids)
    return email_ids


def deliver_after_commit(email_ids: list[int]) -> None:
    """Once the caller's transaction commits: deliver here (no broker) or queue a task each.

    A broker that is down does not fail the caller: the periodic scan publishes them.
    """
    if email_ids:
        transaction.on_commit(lambda: _deliver_or_publish(email_ids))


def _deliver_or_publish(email_ids: list[int]) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        for email_id in email_ids:
            email_deliver(email_id)
        return
    try:
        publish(email_ids)
    except BrokerUnavailable as error:
        logger.warning("E-mail delivery not queued: %s", error)


def publish(email_ids: list[int], *, task=None) -> int:
    """Queue one delivery task per id, marking each queued; raises BrokerUnavailable.

    Marked first, unmarked if publishing fails: nothing stays marked queued that was not
    published (the scan would otherwise wait EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS for it).
    """
    return publish_marked(OutgoingEmail.objects, email_ids, send=(task or deliver_email).delay)


def publish_marked(manager, ids: list[int], *, send) -> int:
    """Mark rows of `manager` queued, call `send(id)` for each; unmark what did not go out."""
    if not ids:
        return 0
    manager.filter(pk__in=ids).update(queued_at=timezone.now())
    for position, row_id in enumerate(ids):
        try:
            send(row_id)
        except BROKER_ERRORS as error:
            manager.filter(pk__in=ids[position:]).update(queued_at=None)
            raise BrokerUnavailable(position, len(ids) - position, error) from error
    return len(ids)


def emails_to_queue(*, now: datetime.datetime | None = None) -> list[int]:
    """Messages due and held by nobody whose task is missing or stale.

    Due: not sent or failed, past `next_attempt_at`, and unclaimed or claimed with an expired
    lease. Missing or stale: never queued, or queued EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS ago
    (a task lost with a killed worker, a restarted broker, or never published).
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS)
    due = _pending().filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        Q(queued_at__isnull=True) | Q(queued_at__lte=stale),
        next_attempt_at__lte=now,
    )
    return list(due.order_by("pk").values_list("pk", flat=True))


def email_deliver(email_id: int) -> Attempt:
    """Deliver one message at most once (see the module's docstring); never raises mail errors.

    Raises the database's errors before the claim is committed (nothing was sent then).
    """
    now = timezone.now()
    email = _pending().filter(pk=email_id, next_attempt_at__lte=now).first()
    if email is None:
        return Attempt(Outcome.NOT_DUE)
    lease = datetime.timedelta(seconds=settings.EMAIL_OUTBOX_LEASE_SECONDS)
    claimed = (
        _pending()
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now), pk=email_id)
        .update(claimed_until=now + lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        return Attempt(Outcome.NOT_DUE)
    attempts = email.attempts + 1
    try:
        _message(email).send()
    except DeliveryOutcomeUnknown as error:
        wait = settings.EMAIL_OUTBOX_UNKNOWN_RETRY_MINUTES * 60
        _release(email_id, error, retry_in=wait)
        return Attempt(Outcome.OUTCOME_UNKNOWN)
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            _record(email_id, failed_at=timezone.now(), claimed_until=None, last_error=_text(error))
            return Attempt(Outcome.FAILED)
        return _retry_later(email_id, error, attempts)
    except (smtplib.SMTPException, OSError) as error:  # refused, unreachable, dropped
        return _retry_later(email_id, error, attempts)
    _record(email_id, sent_at=timezone.now(), claimed_until=None, last_error="")
    return Attempt(Outcome.SENT)


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": email.message_id},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    return message


def backoff_seconds(attempts: int) -> float:
    """Exponential from EMAIL_OUTBOX_RETRY_BASE_SECONDS, capped, with jitter (half to full)."""
    ceiling = settings.EMAIL_OUTBOX_RETRY_MAX_SECONDS
    delay = min(ceiling, settings.EMAIL_OUTBOX_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.5, 1.0)


def _retry_later(email_id: int, error: Exception, attempts: int) -> Attempt:
    delay = backoff_seconds(attempts)
    _release(email_id, error, retry_in=delay)
    return Attempt(Outcome.RETRY_LATER, retry_in=delay)


def _release(email_id: int, error: Exception, *, retry_in: float) -> None:
    _record(
        email_id,
        claimed_until=None,
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=retry_in),
        last_error=_text(error),
    )


def _text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def _record(email_id: int, **fields) -> None:
    """One short UPDATE, retried until the database answers (it may be restarting)."""
    pause = 0.2
    while True:
        try:
            OutgoingEmail.objects.filter(pk=email_id).update(**fields)
            return
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block:
                raise
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 5)


def emails_retry(email_ids: list[int]) -> int:
    """The admin's retry: failed or waiting messages become due now (same Message-ID)."""
    count = (
        OutgoingEmail.objects.filter(pk__in=email_ids, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=timezone.now()))
        .update(failed_at=None, next_attempt_at=timezone.now(), queued_at=None)
    )
    return count
