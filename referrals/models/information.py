"""Information requests: the center asks the referring side for something it needs (DESIGN §1).

While a request is open its referral is `awaiting_information` and the clock of the step it
waited on is paused (DESIGN §5): once answered, that step's due date moves by the business days
the request waited (`business_days_waited`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from referrals.models.common import choices_check
from referrals.models.referral import Referral


class InformationRequestReason(models.TextChoices):
    MISSING_RECORDS = "missing_records", "Missing records"
    ILLEGIBLE_RECORDS = "illegible_records", "Illegible records"
    CLINICAL_CLARIFICATION = "clinical_clarification", "Clinical clarification"
    CONSENT = "consent", "Consent"
    INSURANCE = "insurance", "Insurance"
    OTHER = "other", "Other"


class InformationRequest(models.Model):
    Reason = InformationRequestReason

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="information_requests"
    )
    reason = models.CharField(max_length=30, choices=Reason.choices)
    note = models.TextField()
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    # The referral's state when asked (accepted or under_review): whose clock was paused.
    asked_in_status = models.CharField(max_length=30)
    # When the referring side is reminded (3 business days after asking, DESIGN §5).
    due_date = models.DateField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    # Business days from asking to answering: the paused step's due date moved by this many.
    business_days_waited = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        constraints = [
            choices_check("information_request_reason_valid", "reason", InformationRequestReason),
            models.CheckConstraint(name="information_request_has_note", condition=~Q(note="")),
            # Open (nothing of the answer) or answered (who, when, what, and the days waited).
            models.CheckConstraint(
                name="information_request_answer_complete",
                condition=Q(
                    answered_at__isnull=True,
                    answered_by__isnull=True,
                    answer="",
                    business_days_waited__isnull=True,
                )
                | (
                    Q(answered_at__isnull=False, business_days_waited__isnull=False) & ~Q(answer="")
                ),
            ),
            # One open request per referral: a further question waits for the answer (or goes
            # into the same request's note); provide_information answers the open one.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(answered_at__isnull=True),
                name="information_request_one_open_per_referral",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} for {self.referral}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None
