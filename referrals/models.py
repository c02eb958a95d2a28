import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import CancerSite, Organization

NCT_PATTERN = r"^NCT[0-9]{8}$"
nct_validator = RegexValidator(
    NCT_PATTERN, "Enter a ClinicalTrials.gov identifier: NCT and 8 digits."
)


def _choices_check(name: str, field: str, choices) -> models.CheckConstraint:
    return models.CheckConstraint(
        name=name, condition=Q(**{f"{field}__in": [value for value, _ in choices.choices]})
    )


class AppendOnlyModel(models.Model):
    """A row that is written once and never changed or deleted by the application."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{type(self).__name__} rows are append-only.")


class PatientSex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Patient(models.Model):
    Sex = PatientSex

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="patients"
    )
    mrn = models.CharField("MRN", max_length=40)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=40, blank=True, default="English")
    consent_to_share_records = models.BooleanField(default=False)
    consent_to_share_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_to_record_consult = models.BooleanField(default=False)
    support_person_name = models.CharField(max_length=150, blank=True)
    support_person_relation = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "mrn"], name="patient_mrn_unique"),
            _choices_check("patient_sex_valid", "sex", PatientSex),
        ]

    def __str__(self):
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}{self.family_name[:1]}".upper()


class ReferenceSequence(models.Model):
    """The last number issued for human references (SO-2026-000123), one row a year."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    UNDER_REVIEW = "under_review", "Under review"
    RECOMMENDATION_ISSUED = "recommendation_issued", "Recommendation issued"
    RETURNED = "returned", "Returned"
    MONITORING = "monitoring", "Monitoring"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class ReferralReason(models.TextChoices):
    COMPLEX_DIAGNOSIS = "complex_diagnosis", "Complex or rare diagnosis"
    NON_SPECIALIST_ONCOLOGIST = "non_specialist_oncologist", "Local oncologist not a specialist"
    RECURRENCE_OR_PROGRESSION = "recurrence_or_progression", "Recurrence or progression"
    CLINICAL_TRIAL_INTEREST = "clinical_trial_interest", "Interest in clinical trials"
    PATIENT_UNCERTAINTY = "patient_uncertainty", "Patient uncertainty"
    OTHER = "other", "Other"


class ReferralInitiatedBy(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    PATIENT = "patient", "Patient"


class ReferralUrgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


class ReferralModality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"
    RECORDS_ONLY = "records_only", "Records only"


class Referral(models.Model):
    Status = ReferralStatus
    Reason = ReferralReason
    InitiatedBy = ReferralInitiatedBy
    Urgency = ReferralUrgency
    Modality = ReferralModality

    OPEN_STATUSES = (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.UNDER_REVIEW,
        Status.RECOMMENDATION_ISSUED,
        Status.RETURNED,
        Status.MONITORING,
    )
    FINAL_STATUSES = (Status.CLOSED, Status.DECLINED, Status.CANCELLED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    referring_oncologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    referring_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals_sent"
    )
    receiving_center = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals_received"
    )
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_assigned",
    )
    opinion_number = models.PositiveSmallIntegerField(default=2)
    previous_referral = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_opinions"
    )
    cancer_site = models.CharField(max_length=30, choices=CancerSite.choices)
    diagnosis = models.TextField()
    stage = models.CharField(max_length=40, blank=True)
    diagnosis_date = models.DateField(null=True, blank=True)
    reasons = models.JSONField(default=list)
    clinical_question = models.TextField(blank=True)
    initiated_by = models.CharField(
        max_length=20, choices=InitiatedBy.choices, default=InitiatedBy.PHYSICIAN
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    modality = models.CharField(max_length=20, choices=Modality.choices, default=Modality.VIRTUAL)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    decline_reason = models.TextField(blank=True)
    cancel_reason = models.TextField(blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Milestones: when each step actually happened (may be back-dated with a reason).
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    review_started_at = models.DateTimeField(null=True, blank=True)
    recommendation_issued_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    monitoring_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Due dates of the step the referral waits on, from the SLA policy (DESIGN §5).
    triage_due = models.DateField(null=True, blank=True)
    records_due = models.DateField(null=True, blank=True)
    recommendation_due = models.DateField(null=True, blank=True)
    return_due = models.DateField(null=True, blank=True)
    next_update_due = models.DateField(null=True, blank=True)
    # The earliest due date of the step the referral is waiting on now; null when none.
    next_due = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            _choices_check("referral_status_valid", "status", ReferralStatus),
            _choices_check("referral_urgency_valid", "urgency", ReferralUrgency),
            _choices_check("referral_modality_valid", "modality", ReferralModality),
            _choices_check("referral_initiated_by_valid", "initiated_by", ReferralInitiatedBy),
            _choices_check("referral_cancer_site_valid", "cancer_site", CancerSite),
            models.CheckConstraint(
                name="referral_opinion_number_valid",
                condition=Q(opinion_number=2, previous_referral__isnull=True)
                | Q(opinion_number__gt=2, previous_referral__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_not_to_itself",
                condition=~Q(referring_organization=models.F("receiving_center")),
            ),
            models.CheckConstraint(
                name="referral_decline_has_reason",
                condition=~Q(status="declined") | ~Q(decline_reason=""),
            ),
            models.CheckConstraint(
                name="referral_cancel_has_reason",
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
            ),
            # One open referral per patient and center (DESIGN §1).
            models.UniqueConstraint(
                fields=["patient", "receiving_center"],
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "accepted",
                        "under_review",
                        "recommendation_issued",
                        "returned",
                        "monitoring",
                    ]
                ),
                name="referral_one_open_per_patient_and_center",
            ),
        ]
        indexes = [
            # Work queues: a center's referrals by state, soonest due first.
            models.Index(fields=["receiving_center", "status", "next_due"]),
            models.Index(fields=["referring_organization", "status"]),
            models.Index(fields=["specialist", "status"]),
            # Reminder scan: only open referrals with a due date are ever late.
            models.Index(
                fields=["next_due"],
                name="referral_open_next_due",
                condition=Q(
                    status__in=[
                        "submitted",
                        "accepted",
                        "under_review",
                        "recommendation_issued",
                        "monitoring",
                    ]
                ),
            ),
            models.Index(fields=["submitted_at"]),
            # The API's list pages newest first (cursor pagination on created_at, id).
            models.Index(fields=["-created_at", "-id"], name="referral_newest_first"),
        ]

    def __str__(self):
        return self.reference or f"Referral {self.uuid}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.next_due is not None and self.next_due < today

    def get_reasons_display(self) -> list[str]:
        labels = dict(self.Reason.choices)
        return [labels.get(reason, reason) for reason in self.reasons]


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["referral", "-required", "kind", "id"]
        constraints = [
            _choices_check("record_item_kind_valid", "kind", RecordItemKind),
            _choices_check("record_item_status_valid", "status", RecordItemStatus),
            models.CheckConstraint(
                name="record_item_waiver_has_reason",
                condition=~Q(status="waived") | ~Q(waived_reason=""),
            ),
            models.CheckConstraint(
                name="record_item_only_physical_returned",
                condition=~Q(status="returned") | Q(kind__in=["pathology_slides", "tissue_blocks"]),
            ),
        ]
        indexes = [models.Index(fields=["referral", "status"])]

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


class PathologyReviewDiscrepancy(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major (changes treatment or prognosis)"


class PathologyReview(models.Model):
    Discrepancy = PathologyReviewDiscrepancy

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="pathology_reviews"
    )
    pathologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pathology_reviews"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    specimens_reviewed = models.TextField(blank=True)
    original_diagnosis = models.TextField(blank=True)
    review_diagnosis = models.TextField(blank=True)
    discrepancy = models.CharField(max_length=10, choices=Discrepancy.choices, blank=True)
    additional_tests = models.TextField(blank=True, help_text="IHC, molecular or other tests.")
    comments = models.TextField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.CheckConstraint(
                name="pathology_review_discrepancy_valid",
                condition=Q(discrepancy__in=["", "none", "minor", "major"]),
            ),
            models.CheckConstraint(
                name="pathology_review_signed_is_complete",
                condition=Q(signed_at__isnull=True)
                | (Q(signed_by__isnull=False) & ~Q(discrepancy="") & ~Q(review_diagnosis="")),
            ),
        ]
        indexes = [models.Index(fields=["pathologist", "signed_at"])]

    def __str__(self):
        return f"Pathology review for {self.referral}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Consultation(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="consultation")
    modality = models.CharField(max_length=20, choices=Referral.Modality.choices)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    support_person_present = models.BooleanField(default=False)
    recording_consented = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [_choices_check("consultation_modality_valid", "modality", Referral.Modality)]

    def __str__(self):
        return f"Consultation for {self.referral}"


class RecommendationConcordance(models.TextChoices):
    CONCURS = "concurs", "Concurs with the local plan"
    MODIFIES = "modifies", "Modifies the local plan"
    DIFFERS = "differs", "Proposes a different plan"


class Recommendation(models.Model):
    """One version of the specialist's recommendation. Signed versions never change."""

    Concordance = RecommendationConcordance

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="recommendations")
    version = models.PositiveSmallIntegerField(default=1)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    concordance = models.CharField(max_length=10, choices=Concordance.choices)
    summary = models.TextField()
    treatment_options = models.TextField(blank=True)
    further_testing = models.TextField(blank=True)
    clinical_trials = models.JSONField(default=list, blank=True)
    third_opinion_suggested = models.BooleanField(default=False)
    specialist_follows = models.BooleanField(default=False)
    update_interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(7)]
    )
    amendment_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["referral", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "version"], name="recommendation_version_unique"
            ),
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(signed_at__isnull=False, superseded_at__isnull=True),
                name="recommendation_one_in_force",
            ),
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(signed_at__isnull=True),
                name="recommendation_one_draft",
            ),
            _choices_check(
                "recommendation_concordance_valid", "concordance", RecommendationConcordance
            ),
            models.CheckConstraint(
                name="recommendation_amendment_has_reason",
                condition=Q(version=1) | ~Q(amendment_reason=""),
            ),
            models.CheckConstraint(
                name="recommendation_follow_up_has_interval",
                condition=Q(specialist_follows=False) | Q(update_interval_days__gte=7),
            ),
            models.CheckConstraint(
                name="recommendation_superseded_only_when_signed",
                condition=Q(superseded_at__isnull=True) | Q(signed_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Recommendation v{self.version} for {self.referral}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def in_force(self) -> bool:
        return self.signed_at is not None and self.superseded_at is None

    def clean(self):
        for trial in self.clinical_trials or []:
            nct_validator(trial)

    @staticmethod
    def trial_url(nct_id: str) -> str:
        return f"https://clinicaltrials.gov/study/{nct_id}"


class ProgressUpdateResponse(models.TextChoices):
    RESPONDING = "responding", "Responding"
    STABLE = "stable", "Stable"
    PROGRESSING = "progressing", "Progressing"
    COMPLETED = "completed", "Treatment completed"
    UNKNOWN = "unknown", "Unknown"


class ProgressUpdate(models.Model):
    Response = ProgressUpdateResponse

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="progress_updates"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    update_date = models.DateField(default=timezone.localdate)
    current_treatment = models.TextField(blank=True)
    response = models.CharField(max_length=20, choices=Response.choices, default=Response.UNKNOWN)
    note = models.TextField(blank=True)
    question = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    advice = models.TextField(blank=True)
    advice_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    advice_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-update_date", "-created_at"]
        constraints = [
            _choices_check("progress_update_response_valid", "response", ProgressUpdateResponse),
            models.CheckConstraint(
                name="progress_update_advice_complete",
                condition=Q(advice_at__isnull=True) | (~Q(advice="") & Q(advice_by__isnull=False)),
            ),
        ]

    def __str__(self):
        return f"Progress update {self.update_date} for {self.referral}"


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
    RECORD_ADDED = "record_added", "Record item added"
    RECORD_STATUS = "record_status", "Record status changed"
    ATTACHMENT_ADDED = "attachment_added", "File attached"
    PATHOLOGY_REQUESTED = "pathology_requested", "Pathology review requested"
    PATHOLOGY_SIGNED = "pathology_signed", "Pathology review signed"
    CONSULT_UPDATED = "consult_updated", "Consultation updated"
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
    data = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["referral", "occurred_at"])]

    def __str__(self):
        return f"{self.referral}: {self.get_kind_display()}"


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
        ordering = ["date"]

    def __str__(self):
        return f"{self.date}: {self.name}"


class ReminderStep(models.TextChoices):
    TRIAGE = "triage", "Triage"
    RECORDS = "records", "Records"
    REVIEW = "review", "Start of review"
    RECOMMENDATION = "recommendation", "Recommendation"
    RETURN = "return", "Return acknowledgement"
    PROGRESS_UPDATE = "progress_update", "Progress update"


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
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "step", "recipient", "due_date"], name="reminder_unique"
            ),
            models.CheckConstraint(
                name="reminder_sent_or_cancelled",
                condition=Q(sent_at__isnull=True) | Q(cancelled_at__isnull=True),
            ),
            _choices_check("reminder_step_valid", "step", ReminderStep),
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
