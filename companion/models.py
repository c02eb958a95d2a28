"""The patient's companion page (DESIGN §3): the link to it, and the patient's questions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from referrals.models import Referral


class PatientLink(models.Model):
    """A link the referring side gives the patient. Only a hash of its secret is kept."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="patient_links")
    # SHA-256 of the secret in the URL (hex). The secret itself is shown once, never stored.
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The date-of-birth check's own lockout: wrong tries since the last right one.
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(revoked_at__isnull=True),
                name="patient_link_one_active_per_referral",
            ),
        ]

    def __str__(self):
        return f"Patient link {self.uuid}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PatientQuestion(models.Model):
    """A question the patient asks the specialist on the companion page, and its answer."""

    class Kind(models.TextChoices):
        BEFORE_VISIT = "before_visit", "Before the recommendation"
        FOLLOW_UP = "follow_up", "Follow-up, after the return"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="patient_questions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BEFORE_VISIT)
    text = models.TextField()
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                name="patient_question_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["before_visit", "follow_up"]),
                name="patient_question_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["referral", "answered_at"])]

    def __str__(self):
        return f"Patient question {self.uuid}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
