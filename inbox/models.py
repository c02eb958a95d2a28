"""A notification in the product: the same news as an e-mail, to the same person."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """One person's news about one referral. Its title is the e-mail's subject line (a
    reference number and what happened: never PHI); opening it marks it read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="notifications"
    )
    # The e-mail's key: the same event, reminder or click never notifies anyone twice.
    key = models.CharField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_new"),
            # The header's unread count reads only this small index.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
