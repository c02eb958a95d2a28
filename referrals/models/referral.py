"""The referral: one second-opinion request, and its human reference."""

import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.models import CancerSite, Organization
from referrals.models.common import DateRulesMixin, choices_check
from referrals.models.patients import Patient
from referrals.validation.dates import diagnosis_date_errors


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
    FORWARDED = "forwarded", "Forwarded"


class ReferralReason(models.TextChoices):
    COMPLEX_DIAGNOSIS = "complex_diagnosis", "Complex or rare diagnosis"
    NON_SPECIALIST_ONCOLOGIST = "non_specialist_oncologist", "Local oncologist not a specialist"
    RECURRENCE_OR_PROGRESSION = "recurrence_or_progression", "Recurrence or progression"
    CLINICAL_TRIAL_INTEREST = "clinical_trial_interest", "Interest in clinical trials"
    PATIENT_UNCERTAINTY = "patient_uncertainty", "Patient uncertainty"
    OTHER = "other", "Other"


class DeclineReasonCode(models.TextChoices):
    """Why a center declines a referral (DESIGN §1): coded for the reports, `other` explained."""

    OUTSIDE_EXPERTISE = "outside_expertise", "Outside the center's expertise"
    SITE_NOT_ACCEPTED = "site_not_accepted", "Cancer site not accepted"
    INSUFFICIENT_INFORMATION = "insufficient_information", "Insufficient information"
    NO_CAPACITY = "no_capacity", "No capacity"
    PATIENT_INELIGIBLE = "patient_ineligible", "Patient ineligible"
    DUPLICATE = "duplicate", "Duplicate referral"
    OTHER = "other", "Other"


class CancelReasonCode(models.TextChoices):
    """Why a referral is cancelled (DESIGN §1): coded for the reports, `other` explained."""

    PATIENT_WITHDREW = "patient_withdrew", "Patient withdrew"
    PATIENT_DECEASED = "patient_deceased", "Patient deceased"
    TREATED_ELSEWHERE = "treated_elsewhere", "Treated elsewhere"
    DUPLICATE = "duplicate", "Duplicate referral"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"
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


class Referral(DateRulesMixin, models.Model):
    Status = ReferralStatus
    Reason = ReferralReason
    InitiatedBy = ReferralInitiatedBy
    Urgency = ReferralUrgency
    Modality = ReferralModality
    DeclineReasonCode = DeclineReasonCode
    CancelReasonCode = CancelReasonCode

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
    # What the local team proposes; concordance is judged against it. Asked for at submit:
    # either a plan, or `no_local_plan_yet` saying that nothing is proposed yet.
    # (Database defaults too: rows written by raw SQL, e.g. the benchmarks, need none.)
    local_treatment_plan = models.TextField(blank=True, default="", db_default="")
    no_local_plan_yet = models.BooleanField(default=False, db_default=False)
    initiated_by = models.CharField(
        max_length=20, choices=InitiatedBy.choices, default=InitiatedBy.PHYSICIAN
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    modality = models.CharField(max_length=20, choices=Modality.choices, default=Modality.VIRTUAL)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    decline_reason_code = models.CharField(
        max_length=30, choices=DeclineReasonCode.choices, blank=True, default="", db_default=""
    )
    decline_reason = models.TextField(blank=True)
    cancel_reason_code = models.CharField(
        max_length=30, choices=CancelReasonCode.choices, blank=True, default="", db_default=""
    )
    cancel_reason = models.TextField(blank=True)
    # Why the center forwarded it; the referral it became points back here (previous_referral).
    forward_reason = models.TextField(blank=True, default="", db_default="")

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
    forwarded_at = models.DateTimeField(null=True, blank=True)
    # Due dates of the step the referral waits on, from the SLA policy (DESIGN §5).
    triage_due = models.DateField(null=True, blank=True)
    records_due = models.DateField(null=True, blank=True)
    recommendation_due = models.DateField(null=True, blank=True)
    return_due = models.DateField(null=True, blank=True)
    next_update_due = models.DateField(null=True, blank=True)
    # The earliest due date of the step the referral is waiting on now; null when none.
    next_due = models.DateField(null=True, blank=True)
    # An information request is open (DESIGN §1, kept in step with InformationRequest by the
    # workflow service): the step's clock is paused and it is the referring side's turn.
    awaiting_information = models.BooleanField(default=False, db_default=False)
    # The open information request's due date (the step `information` of rules.steps).
    information_due = models.DateField(null=True, blank=True)
    # Time spent awaiting information, per stage: turnaround figures leave it out (DESIGN §6).
    information_wait_accepted = models.DurationField(
        default=datetime.timedelta(0), db_default=datetime.timedelta(0)
    )
    information_wait_under_review = models.DurationField(
        default=datetime.timedelta(0), db_default=datetime.timedelta(0)
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            choices_check("referral_status_valid", "status", ReferralStatus),
            choices_check("referral_urgency_valid", "urgency", ReferralUrgency),
            choices_check("referral_modality_valid", "modality", ReferralModality),
            choices_check("referral_initiated_by_valid", "initiated_by", ReferralInitiatedBy),
            choices_check("referral_cancer_site_valid", "cancer_site", CancerSite),
            models.CheckConstraint(
                name="referral_opinion_number_valid",
                # A later opinion points at the earlier one; a second opinion points back
                # only when it was forwarded here from another center.
                condition=Q(opinion_number=2)
                | Q(opinion_number__gt=2, previous_referral__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_not_to_itself",
                condition=~Q(referring_organization=models.F("receiving_center")),
            ),
            models.CheckConstraint(
                name="referral_decline_reason_code_valid",
                condition=Q(decline_reason_code__in=["", *DeclineReasonCode.values]),
            ),
            models.CheckConstraint(
                name="referral_awaiting_information_has_due_date",
                condition=Q(awaiting_information=False) | Q(information_due__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_cancel_reason_code_valid",
                condition=Q(cancel_reason_code__in=["", *CancelReasonCode.values]),
            ),
            # Declined and cancelled referrals say why, in a code; `other` in words too.
            models.CheckConstraint(
                name="referral_decline_has_reason_code",
                condition=~Q(status="declined") | ~Q(decline_reason_code=""),
            ),
            models.CheckConstraint(
                name="referral_decline_other_explained",
                condition=~Q(decline_reason_code="other") | ~Q(decline_reason=""),
            ),
            models.CheckConstraint(
                name="referral_cancel_has_reason_code",
                condition=~Q(status="cancelled") | ~Q(cancel_reason_code=""),
            ),
            models.CheckConstraint(
                name="referral_cancel_other_explained",
                condition=~Q(cancel_reason_code="other") | ~Q(cancel_reason=""),
            ),
            models.CheckConstraint(
                name="referral_forward_has_reason",
                condition=~Q(status="forwarded")
                | (~Q(forward_reason="") & Q(forwarded_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="referral_local_plan_or_none_yet",
                condition=Q(no_local_plan_yet=False) | Q(local_treatment_plan=""),
            ),
            # One open referral per patient and center (DESIGN §1); the states are
            # referrals.rules.states.OPEN_STATES (a test checks they agree).
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
            # The portal's work lists: one person's referrals, soonest due first (the list's
            # default order), read a page at a time whatever their number.
            models.Index(
                fields=["referring_oncologist", "next_due", "-created_at", "-id"],
                name="referral_oncologist_due",
            ),
            models.Index(
                fields=["specialist", "next_due", "-created_at", "-id"],
                name="referral_specialist_due",
            ),
            # Reminder scan: only referrals waiting on a step are ever late
            # (referrals.rules.steps.LATE_STATES; a test checks they agree).
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
            # The list filter awaiting_information=true (API, admin): few rows, a small index.
            models.Index(
                fields=["receiving_center", "next_due"],
                name="referral_awaiting_information",
                condition=Q(awaiting_information=True),
            ),
            # The API's list pages newest first (cursor pagination on created_at, id).
            models.Index(fields=["-created_at", "-id"], name="referral_newest_first"),
            # The admin change list's default order, read slice by slice in index order, one
            # slice per state and urgency (referrals/admin/paging.py; the status filter too).
            models.Index(
                fields=["status", "urgency", "next_due", "-created_at", "-id"],
                name="referral_queue_order_status",
            ),
            # The admin home's queues: open referrals, soonest due first.
            models.Index(
                fields=["next_due", "reference"],
                name="referral_open_due",
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
            ),
            # The reports' reasons for decline and cancel (reports.flow), read from the index.
            models.Index(
                fields=[
                    "status",
                    "decline_reason_code",
                    "cancel_reason_code",
                    "submitted_at",
                    "receiving_center",
                    "cancer_site",
                ],
                name="referral_reasons_report",
                condition=Q(status__in=["declined", "cancelled"]),
            ),
            # Search by reference, any part of it (admin and API: icontains on UPPER()).
            GinIndex(
                OpClass(Upper("reference"), name="gin_trgm_ops"), name="referral_reference_trgm"
            ),
            # ... and from its start ("SO-2026-0001"), where every trigram is in every row.
            models.Index(
                OpClass(Upper("reference"), name="text_pattern_ops"),
                name="referral_reference_prefix",
            ),
        ]

    def __str__(self):
        return self.reference or f"Referral {self.uuid}"

    def date_errors(self) -> dict[str, str]:
        birth = self.patient.date_of_birth if self.patient_id else None
        return diagnosis_date_errors(self.diagnosis_date, date_of_birth=birth)

    @property
    def reason_code(self) -> str:
        """The coded reason of a declined or cancelled referral ("" otherwise)."""
        if self.status == self.Status.DECLINED:
            return self.decline_reason_code
        if self.status == self.Status.CANCELLED:
            return self.cancel_reason_code
        return ""

    def get_reasons_display(self) -> list[str]:
        labels = dict(self.Reason.choices)
        return [labels.get(reason, reason) for reason in self.reasons]
