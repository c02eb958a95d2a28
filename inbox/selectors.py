"""Reading a person's notifications: only their own, ever."""

from django.db.models import QuerySet

from inbox.models import Notification


def notifications_of(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(*, user) -> int:
    """One COUNT over the partial index of unread notifications."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
