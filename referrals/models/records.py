"""The record-transfer checklist and its files."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from referrals.models.common import choices_check
from referrals.models.referral import Referral


class RecordItemKind(models.TextChoices):
    CLINICAL_NOTES = "clinical_notes", "Clinical notes"
    IMAGING_REPORT = "imaging_report", "Imaging report"
    IMAGING_IMAGES = "imaging_images", "Imaging images"
    LAB_RESULTS = "lab_results", "Lab results"
    PATHOLOGY_REPORT = "pathology_report", "Pathology report"
    PATHOLOGY_SLIDES = "pathology_slides", "Pathology slides"
    TISSUE_BLOCKS = "tissue_blocks", "Tissue blocks"
    MOLECULAR_REPORT = "molecular_report", "Molecular report"
    TREATMENT_HISTORY = "treatment_history", "Treatment history"
    OTHER = "other", "Other"


class RecordItemStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SENT = "sent", "Sent"
    RECEIVED = "received", "Received"
    RETURNED = "returned", "Returned"
    WAIVED = "waived", "Waived"


class RecordItem(models.Model):
    Kind = RecordItemKind
    Status = RecordItemStatus

    PHYSICAL_KINDS = (Kind.PATHOLOGY_SLIDES, Kind.TISSUE_BLOCKS)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="record_items")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.CharField(max_length=200, blank=True)
    required = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    waived_reason = models.TextField(blank=True)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=80, blank=True)
    specimen_identifiers = models.CharField(
        max_length=200, blank=True, help_text="Accession, slide or block identifiers."
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    # Physical material received at the center goes back to the originating lab by this date
    # (10 business days after the recommendation is issued): the slide/block return step.
    return_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["referral", "-required", "kind", "id"]
        constraints = [
            choices_check("record_item_kind_valid", "kind", RecordItemKind),
            choices_check("record_item_status_valid", "status", RecordItemStatus),
            models.CheckConstraint(
                name="record_item_waiver_has_reason",
                condition=~Q(status="waived") | ~Q(waived_reason=""),
            ),
            models.CheckConstraint(
                name="record_item_only_physical_returned",
                condition=~Q(status="returned") | Q(kind__in=["pathology_slides", "tissue_blocks"]),
            ),
        ]
        indexes = [
            models.Index(fields=["referral", "status"]),
            # The slide/block return scan: physical material still at the center, with a date.
            models.Index(
                fields=["return_due"],
                name="record_item_return_due",
                condition=Q(status="received", return_due__isnull=False),
            ),
        ]

    def __str__(self):
        return self.description or self.get_kind_display()

    @property
    def is_physical(self) -> bool:
        return self.kind in self.PHYSICAL_KINDS

    @property
    def is_complete(self) -> bool:
        return self.status in (self.Status.RECEIVED, self.Status.RETURNED, self.Status.WAIVED)


def attachment_upload_to(instance, filename):
    # Random names: the original name may carry PHI and is kept only in the database.
    return f"records/{instance.record_item.referral.uuid}/{uuid.uuid4().hex}"


class RecordAttachment(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record_item = models.ForeignKey(
        RecordItem, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_upload_to)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name
