"""factory-boy factories: people, organizations and referrals in any workflow state."""

import datetime

import factory
from django.utils import timezone

from accounts.models import Membership, Organization, User
from referrals.models import (
    Consultation,
    PathologyReview,
    Patient,
    ProgressUpdate,
    Recommendation,
    RecordItem,
    Referral,
)

Role = Membership.Role
Status = Referral.Status


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    # Not patient-like names: tests assert a patient's (canary) name is absent from pages that
    # show the signed-in user's name, so a clinician must never share a patient's name.
    full_name = factory.Sequence(lambda n: f"Clinician {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommunityPracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Community Oncology Practice {n}")
    kind = Organization.Kind.COMMUNITY
    city = "Springfield"
    state = "IL"


class CancerCenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Test Comprehensive Cancer Center {n}")
    kind = Organization.Kind.CANCER_CENTER
    nci_designation = Organization.NCIDesignation.COMPREHENSIVE
    city = "Houston"
    state = "TX"


def member(organization: Organization, role: str, **user_fields) -> User:
    """A new user with one role in one organization."""
    user = UserFactory(**user_fields)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    organization = factory.SubFactory(CommunityPracticeFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    # Canary names: tests check that a patient's name is absent from pages and e-mails, and a
    # random real name ("Hunt") can be part of anything ("Huntsman Cancer Institute"). These
    # occur nowhere else, and the fixed width keeps one from being the start of another.
    given_name = factory.Sequence(lambda n: f"Zqxgiven{n:06d}")
    family_name = factory.Sequence(lambda n: f"Zqxcanary{n:06d}")
    phone = factory.Sequence(lambda n: f"555-01{n % 100:02d}-zqx{n:06d}")
    email = factory.Sequence(lambda n: f"zqxcanary{n:06d}@patient.example")
    date_of_birth = datetime.date(1961, 4, 12)
    sex = Patient.Sex.FEMALE
    consent_to_share_records = True
    consent_to_record_consult = True


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral row in a given state, written directly (no workflow): for set-up only."""

    class Meta:
        model = Referral

    patient = factory.SubFactory(PatientFactory)
    referring_organization = factory.SelfAttribute("patient.organization")
    receiving_center = factory.SubFactory(CancerCenterFactory)
    referring_oncologist = factory.LazyAttribute(
        lambda o: member(o.referring_organization, Role.REFERRING_ONCOLOGIST)
    )
    created_by = factory.SelfAttribute("referring_oncologist")
    # A referral is created before its first milestone (the date rules hold to that).
    created_at = factory.LazyAttribute(lambda o: _created_before_milestones(o))
    reference = factory.Sequence(lambda n: f"SO-2026-{n + 900000:06d}")
    cancer_site = "breast"
    diagnosis = "Invasive ductal carcinoma, ER+/HER2-"
    stage = "IIA"
    reasons = factory.LazyFunction(lambda: ["complex_diagnosis"])
    clinical_question = "Is neoadjuvant chemotherapy preferable to surgery first?"
    local_treatment_plan = "Lumpectomy first, then adjuvant endocrine therapy."
    urgency = Referral.Urgency.ROUTINE
    modality = Referral.Modality.VIRTUAL
    status = Status.DRAFT
    # Every referral past the draft was submitted once (pass submitted_at=None for a draft
    # cancelled before it was ever sent).
    submitted_at = factory.LazyAttribute(
        lambda o: None if o.status == Status.DRAFT else timezone.now() - datetime.timedelta(days=31)
    )

    class Params:
        # A specialist of the center, assigned (as `accept` would do).
        with_specialist = factory.Trait(
            specialist=factory.LazyAttribute(lambda o: member(o.receiving_center, Role.SPECIALIST))
        )


MILESTONE_FIELDS = [
    "submitted_at",
    "accepted_at",
    "declined_at",
    "review_started_at",
    "recommendation_issued_at",
    "returned_at",
    "monitoring_started_at",
    "closed_at",
    "cancelled_at",
    "forwarded_at",
]


def _created_before_milestones(resolver) -> datetime.datetime:
    now = timezone.now()
    moments = [getattr(resolver, name, None) for name in MILESTONE_FIELDS]
    earliest = min((moment for moment in moments if moment), default=now)
    return min(now, earliest - datetime.timedelta(hours=1))


class RecordItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecordItem

    referral = factory.SubFactory(ReferralFactory)
    kind = RecordItem.Kind.PATHOLOGY_REPORT
    required = True


class PathologyReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PathologyReview

    referral = factory.SubFactory(ReferralFactory)
    pathologist = factory.LazyAttribute(
        lambda o: member(o.referral.receiving_center, Role.PATHOLOGIST)
    )
    requested_by = factory.LazyAttribute(lambda o: o.pathologist)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    referral = factory.SubFactory(ReferralFactory)
    modality = Referral.Modality.VIRTUAL
    scheduled_for = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    join_link = "https://video.example.org/consult/zqx"
    attendance = Consultation.Attendance.ATTENDED
    completed_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=20))


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    referral = factory.SubFactory(ReferralFactory)
    author = factory.SelfAttribute("referral.specialist")
    concordance = Recommendation.Concordance.CONCURS
    summary = "Agree with the local plan."
    signed_at = factory.LazyFunction(timezone.now)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    referral = factory.SubFactory(ReferralFactory)
    author = factory.SelfAttribute("referral.referring_oncologist")
    response = ProgressUpdate.Response.RESPONDING
    note = "Tolerating treatment well."


class Cast:
    """Everyone around one referral: both organizations and a user of every role."""

    def __init__(self, referral: Referral):
        self.referral = referral
        practice, center = referral.referring_organization, referral.receiving_center
        self.referring_oncologist = referral.referring_oncologist
        self.referring_coordinator = member(practice, Role.COORDINATOR)
        self.center_coordinator = member(center, Role.COORDINATOR)
        self.specialist = referral.specialist or member(center, Role.SPECIALIST)
        self.other_specialist = member(center, Role.SPECIALIST)
        self.pathologist = member(center, Role.PATHOLOGIST)
        self.other_oncologist = member(practice, Role.REFERRING_ONCOLOGIST)
        self.analyst = member(center, Role.ANALYST)


def referral_in_state(status: str, *, ready: bool = False, **fields) -> Referral:
    """A referral whose parts are consistent with `status`.

    Records are received from `under_review` on, and a signed recommendation (the specialist
    follows up every 30 days) exists once it is issued. With `ready`, the referral also meets
    the guard of its next action: an accepted one has its records in, one under review a
    completed consult and a signed recommendation.
    """
    past = status != Status.DRAFT
    reasons = {
        Status.DECLINED: {
            "decline_reason_code": "other",
            "decline_reason": "Outside our programme.",
        },
        Status.CANCELLED: {"cancel_reason_code": "patient_withdrew"},
        Status.FORWARDED: {
            "forward_reason": "Our sarcoma clinic is full this month.",
            "forwarded_at": timezone.now() - datetime.timedelta(days=29),
        },
    }
    fields.setdefault("with_specialist", past)
    referral = ReferralFactory(status=status, **{**reasons.get(status, {}), **fields})
    now = timezone.now()
    later = ["submitted_at", "accepted_at", "review_started_at", "recommendation_issued_at"]
    milestones = {
        Status.SUBMITTED: ["submitted_at"],
        Status.DECLINED: ["submitted_at", "declined_at"],
        Status.ACCEPTED: ["submitted_at", "accepted_at"],
        Status.UNDER_REVIEW: ["submitted_at", "accepted_at", "review_started_at"],
        Status.RECOMMENDATION_ISSUED: later,
        Status.RETURNED: [*later, "returned_at"],
        Status.MONITORING: [*later, "returned_at", "monitoring_started_at"],
        Status.CLOSED: [*later, "returned_at", "closed_at"],
        Status.CANCELLED: ["cancelled_at"],
        Status.FORWARDED: ["submitted_at", "forwarded_at"],
    }
    for offset, name in enumerate(milestones.get(status, [])):
        setattr(referral, name, now - datetime.timedelta(days=30 - offset))
    if milestones.get(status):
        referral.created_at = now - datetime.timedelta(days=31)
    referral.save()
    received = referral.review_started_at is not None or (ready and status == Status.ACCEPTED)
    RecordItemFactory(
        referral=referral,
        status=RecordItem.Status.RECEIVED if received else RecordItem.Status.REQUESTED,
    )
    if referral.recommendation_issued_at or (ready and status == Status.UNDER_REVIEW):
        RecommendationFactory(referral=referral, specialist_follows=True, update_interval_days=30)
    if ready and status == Status.UNDER_REVIEW:
        ConsultationFactory(referral=referral)
    return referral
