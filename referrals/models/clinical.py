"""The expert center's clinical work: pathology review, consult, recommendation, updates."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.append_only import AppendOnlyModel
from referrals.models.common import choices_check, nct_validator
from referrals.models.referral import Referral

# The one pair of bounds of a recommendation's follow-up interval: the model, the portal form
# and the API serializer all read these.
UPDATE_INTERVAL_MIN_DAYS = 7
UPDATE_INTERVAL_MAX_DAYS = 365


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


class ConsultationAttendance(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    ATTENDED = "attended", "Attended"
    NO_SHOW = "no_show", "Did not attend"
    CANCELLED_BY_PATIENT = "cancelled_by_patient", "Cancelled by the patient"
    RESCHEDULED = "rescheduled", "Rescheduled"


# The attendance of an appointment that did not take place: it becomes history when the
# next appointment is made.
MISSED_ATTENDANCE = ("no_show", "cancelled_by_patient", "rescheduled")


class Consultation(models.Model):
    """The current appointment of the consult; the earlier ones are ConsultationAppointment rows."""

    Attendance = ConsultationAttendance

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="consultation")
    modality = models.CharField(max_length=20, choices=Referral.Modality.choices)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # How to join (virtual) or where to come (in person).
    join_link = models.URLField(max_length=500, blank=True)
    place = models.CharField(max_length=200, blank=True)
    attendance = models.CharField(
        max_length=30, choices=Attendance.choices, default=Attendance.SCHEDULED
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # The no-show step: the center coordinator is reminded to reschedule after this date.
    reschedule_due = models.DateField(null=True, blank=True)
    support_person_present = models.BooleanField(default=False)
    recording_consented = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            choices_check("consultation_modality_valid", "modality", Referral.Modality),
            choices_check("consultation_attendance_valid", "attendance", ConsultationAttendance),
            # Completed means attended, and attended means completed (with its time).
            models.CheckConstraint(
                name="consultation_completed_is_attended",
                condition=Q(
                    completed_at__isnull=True, attendance__in=["scheduled", *MISSED_ATTENDANCE]
                )
                | Q(completed_at__isnull=False, attendance="attended"),
            ),
            models.CheckConstraint(
                name="consultation_reschedule_due_only_no_show",
                condition=Q(reschedule_due__isnull=True) | Q(attendance="no_show"),
            ),
        ]
        indexes = [
            # The no-show scan: only consults waiting to be rescheduled have a due date.
            models.Index(
                fields=["reschedule_due"],
                name="consultation_no_show_due",
                condition=Q(reschedule_due__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Consultation for {self.referral}"

    @property
    def is_attended(self) -> bool:
        return self.attendance == self.Attendance.ATTENDED


class ConsultationAppointment(AppendOnlyModel):
    """An earlier appointment of a consult that did not take place: kept, never overwritten."""

    Attendance = ConsultationAttendance

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="earlier_appointments"
    )
    modality = models.CharField(max_length=20, choices=Referral.Modality.choices)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    join_link = models.URLField(max_length=500, blank=True)
    place = models.CharField(max_length=200, blank=True)
    attendance = models.CharField(max_length=30, choices=Attendance.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="consultation_appointment_did_not_take_place",
                condition=Q(attendance__in=MISSED_ATTENDANCE),
            ),
            choices_check("consultation_appointment_modality_valid", "modality", Referral.Modality),
        ]

    def __str__(self):
        return f"Earlier appointment for {self.consultation.referral}"


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
    # For the patient, in plain words: shown on their companion page once returned.
    patient_summary = models.TextField(blank=True)
    treatment_options = models.TextField(blank=True)
    further_testing = models.TextField(blank=True)
    clinical_trials = models.JSONField(default=list, blank=True)
    third_opinion_suggested = models.BooleanField(default=False)
    specialist_follows = models.BooleanField(default=False)
    update_interval_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(UPDATE_INTERVAL_MIN_DAYS),
            MaxValueValidator(UPDATE_INTERVAL_MAX_DAYS),
        ],
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
            choices_check(
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


class ProgressUpdateResponse(models.TextChoices):
    RESPONDING = "responding", "Responding"
    STABLE = "stable", "Stable"
    PROGRESSING = "progressing", "Progressing"
    COMPLETED = "completed", "Treatment completed"
    UNKNOWN = "unknown", "Unknown"


class ProgressUpdateFollowed(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"
    NOT_YET = "not_yet", "Not yet"


class ProgressUpdate(models.Model):
    Response = ProgressUpdateResponse
    Followed = ProgressUpdateFollowed

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="progress_updates"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    update_date = models.DateField(default=timezone.localdate)
    current_treatment = models.TextField(blank=True)
    response = models.CharField(max_length=20, choices=Response.choices, default=Response.UNKNOWN)
    # Whether the second opinion's recommendation is followed (DESIGN §1), with the reason when
    # it is not (fully); empty only on updates posted before the question was asked.
    recommendation_followed = models.CharField(max_length=10, choices=Followed.choices, blank=True)
    recommendation_followed_reason = models.TextField(blank=True)
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
            choices_check("progress_update_response_valid", "response", ProgressUpdateResponse),
            models.CheckConstraint(
                name="progress_update_followed_valid",
                condition=Q(recommendation_followed__in=["", *ProgressUpdateFollowed.values]),
            ),
            models.CheckConstraint(
                name="progress_update_followed_reason_when_not_yes",
                condition=Q(recommendation_followed__in=["", ProgressUpdateFollowed.YES])
                | ~Q(recommendation_followed_reason=""),
            ),
            models.CheckConstraint(
                name="progress_update_advice_complete",
                condition=Q(advice_at__isnull=True) | (~Q(advice="") & Q(advice_by__isnull=False)),
            ),
        ]

    def __str__(self):
        return f"Progress update {self.update_date} for {self.referral}"
