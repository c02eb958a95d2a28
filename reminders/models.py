"""The outbox: one row per e-mail the product sends (DESIGN §5)."""

from urllib.parse import urlparse

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutgoingEmail(models.Model):
    """One message to one address, written in the transaction of what caused it.

    Its `key` makes the Message-ID, the same on every attempt: a message sent twice (the one
    window no SMTP client can close) shows once in mail systems that de-duplicate by it. The
    text carries a reference number and a link, never a patient's details.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder or escalation"
        DIGEST = "digest", "Daily digest"
        NOTIFICATION = "notification", "Notification of a step"
        MANUAL_REMINDER = "manual_reminder", "Reminder sent by hand"

    key = models.CharField(max_length=200, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not tried before this time: backoff after a failure, a pause after an unknown outcome.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When a delivery task was last published for it; empty: none is known to be in the queue.
    queued_at = models.DateTimeField(null=True, blank=True)
    # A sender holds the message until then; committed before it talks to the mail server.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Refused for good (a 5xx answer): an operator looks, and may retry it in the admin.
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outgoing e-mail"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="outgoing_email_sent_or_failed",
                condition=Q(sent_at__isnull=True) | Q(failed_at__isnull=True),
            ),
        ]
        indexes = [
            # What the periodic scan looks at: neither sent nor failed.
            models.Index(
                fields=["next_attempt_at"],
                name="outgoing_email_pending",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to}: {self.subject}"

    @property
    def message_id(self) -> str:
        domain = urlparse(settings.SITE_URL).hostname or "second-opinion.local"
        return f"<{self.key}@{domain}>"

    @property
    def state(self) -> str:
        if self.sent_at:
            return "sent"
        if self.failed_at:
            return "failed"
        if self.claimed_until and self.claimed_until > timezone.now():
            return "claimed"
        return "pending"
