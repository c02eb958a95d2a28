"""The referral's append-only timeline."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.append_only import AppendOnlyModel
from referrals.models.referral import Referral


class ReferralEventKind(models.TextChoices):
    CREATED = "created", "Referral created"
    EDITED = "edited", "Referral edited"
    SUBMIT = "submit", "Submitted"
    ACCEPT = "accept", "Accepted"
    DECLINE = "decline", "Declined"
    START_REVIEW = "start_review", "Review started"
    ISSUE_RECOMMENDATION = "issue_recommendation", "Recommendation issued"
    ACKNOWLEDGE_RETURN = "acknowledge_return", "Return acknowledged"
    START_MONITORING = "start_monitoring", "Monitoring started"
    CLOSE = "close", "Closed"
    CANCEL = "cancel", "Cancelled"
    REQUEST_INFORMATION = "request_information", "Information requested"
    PROVIDE_INFORMATION = "provide_information", "Information provided"
    FORWARD = "forward", "Forwarded to another center"
    FORWARDED_IN = "forwarded_in", "Forwarded here from another center"
    RECORD_ADDED = "record_added", "Record item added"
    RECORD_STATUS = "record_status", "Record status changed"
    ATTACHMENT_ADDED = "attachment_added", "File attached"
    PATHOLOGY_REQUESTED = "pathology_requested", "Pathology review requested"
    PATHOLOGY_SIGNED = "pathology_signed", "Pathology review signed"
    CONSULT_UPDATED = "consult_updated", "Consultation updated"
    CONSULT_ATTENDANCE = "consult_attendance", "Consult attendance recorded"
    RECOMMENDATION_SIGNED = "recommendation_signed", "Recommendation signed"
    RECOMMENDATION_AMENDED = "recommendation_amended", "Recommendation amended"
    PROGRESS_UPDATE = "progress_update", "Progress update posted"
    ADVICE = "advice", "Specialist replied"
    REMINDER_SENT = "reminder_sent", "Reminder sent"
    ESCALATED = "escalated", "Escalated to lead coordinator"


class ReferralEvent(AppendOnlyModel):
    """The referral's timeline. Append-only; holds no PHI in `data`."""

    Kind = ReferralEventKind

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    note = models.TextField(blank=True)
    # The coded reason of a decline or cancel (Referral.DeclineReasonCode / CancelReasonCode).
    reason_code = models.CharField(max_length=30, blank=True)
    data = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["referral", "occurred_at"])]

    def __str__(self):
        return f"{self.referral}: {self.get_kind_display()}"
