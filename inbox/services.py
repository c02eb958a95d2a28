"""Writing notifications (beside the e-mails) and marking them read."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from inbox.models import Notification


@dataclass(frozen=True)
class Note:
    """One notification to write: `key` is its e-mail's key (unique)."""

    key: str
    recipient_id: int
    referral_id: int
    title: str


def notifications_add(notes: list[Note]) -> None:
    """Write the notifications in the caller's transaction; a key already written is skipped.

    Called where the product decides who gets an e-mail (the outbox's `emails_to_people`, the
    reminder delivery), so that everyone mailed is also notified, and nobody else.
    """
    Notification.objects.bulk_create(
        [
            Notification(
                key=note.key,
                recipient_id=note.recipient_id,
                referral_id=note.referral_id,
                title=note.title[:300],
            )
            for note in notes
        ],
        ignore_conflicts=True,
    )


def notification_open(*, notification: Notification) -> Notification:
    """Mark it read (once: the first opening's time stays)."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    """Every unread notification of the user read now; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
