"""The reminders' data (DESIGN §5): the SLA policy and holidays of the business-day clock,
the reminders of late steps, and the outbox, one row per e-mail the product sends.

The first three were the referrals app's: their tables keep its names (`db_table`).
"""

import uuid
from urllib.parse import urlparse

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from referrals.models.common import choices_check
from referrals.models.referral import Referral
from referrals.rules.steps import StepName as ReminderStep


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


class SLAPolicy(models.Model):
    """Business days allowed per step, per receiving center (or the default) and urgency."""

    center = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text="Empty: the default for every center without its own policy.",
    )
    urgency = models.CharField(max_length=10, choices=Referral.Urgency.choices)
    triage_days = models.PositiveSmallIntegerField(default=2)
    records_days = models.PositiveSmallIntegerField(default=7)
    recommendation_days = models.PositiveSmallIntegerField(default=10)
    return_days = models.PositiveSmallIntegerField(default=5)

    class Meta:
        db_table = "referrals_slapolicy"
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["center", "urgency"], name="sla_policy_unique_per_center"
            ),
            models.UniqueConstraint(
                fields=["urgency"],
                condition=Q(center__isnull=True),
                name="sla_policy_unique_default",
            ),
        ]

    def __str__(self):
        return f"{self.center or 'Default'} — {self.get_urgency_display()}"


class Holiday(models.Model):
    """A day that does not count as a business day for the SLA clock."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        db_table = "referrals_holiday"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date}: {self.name}"


class Reminder(models.Model):
    """One reminder of one late step to one recipient (DESIGN §5)."""

    Step = ReminderStep

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="reminders")
    step = models.CharField(max_length=20, choices=Step.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reminders"
    )
    due_date = models.DateField()
    is_escalation = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set instead of sent_at when the step was answered (or the recipient left) before the
    # reminder went out: it is never sent and never queued again.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When a send task was last queued for it: the scan queues it again only after
    # REMINDER_REQUEUE_AFTER_MINUTES, so a backlog is not multiplied by every scan.
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "referrals_reminder"
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "step", "recipient", "due_date"], name="reminder_unique"
            ),
            models.CheckConstraint(
                name="reminder_sent_or_cancelled",
                condition=Q(sent_at__isnull=True) | Q(cancelled_at__isnull=True),
            ),
            choices_check("reminder_step_valid", "step", ReminderStep),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], name="reminder_unsent", condition=Q(sent_at__isnull=True)
            ),
            # What the scan queues again and the digest collects: neither sent nor cancelled.
            models.Index(
                fields=["recipient"],
                name="reminder_pending",
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_step_display()} reminder for {self.referral}"
