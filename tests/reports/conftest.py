"""A known data set for the report tests: every figure of the dashboard can be worked out by hand.

Center A received seven submitted referrals (and one draft) from one community practice;
center B received two (one of them the third opinion that followed A's referral r3).
Milestones are exact UTC instants so elapsed days are whole numbers.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from accounts.models import Membership, Organization
from referrals.models import (
    Consultation,
    ConsultationAppointment,
    PathologyReview,
    RecordItem,
    Referral,
)
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    PathologyReviewFactory,
    PatientFactory,
    RecommendationFactory,
    ReferralFactory,
    member,
)

Role = Membership.Role
Status = Referral.Status
UTC = datetime.UTC
# Monday 2 March 2026, 14:00 UTC (09:00 in New York): weeks of the series start on Mondays.
T0 = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
MILESTONES = ["accepted_at", "review_started_at", "recommendation_issued_at", "returned_at"]


# fmt: off
REFERRALS = [
    # name, center, status, site, reasons, submitted (days after T0),
    # (accepted, review started, recommendation, returned) days after submission,
    # next due date (days from today; None: nothing due)
    ("r1", "A", Status.CLOSED, "breast", ["complex_diagnosis", "clinical_trial_interest"], 0,
     (1, 5, 12, 14), None),
    ("r2", "A", Status.RETURNED, "lung", ["patient_uncertainty"], 2, (1, 9, 22, 25), None),
    ("r3", "A", Status.RECOMMENDATION_ISSUED, "breast", ["complex_diagnosis"], 7, (2, 6, 36), 3),
    ("r4", "A", Status.UNDER_REVIEW, "lung", ["other"], 8, (1, 4), -3),
    ("r5", "A", Status.SUBMITTED, "breast", ["complex_diagnosis"], 14, (), -1),
    ("r6", "A", Status.ACCEPTED, "colorectal", ["recurrence_or_progression"], 15, (1,), 5),
    ("r7", "A", Status.DECLINED, "breast", ["non_specialist_oncologist"], 15, (), None),
    ("draft", "A", Status.DRAFT, "breast", ["complex_diagnosis"], None, (), None),
    ("r10", "B", Status.SUBMITTED, "breast", ["complex_diagnosis"], 20, (), None),
]
# fmt: on


def days(number: float) -> datetime.timedelta:
    return datetime.timedelta(days=number)


@dataclass
class KnownData:
    practice: Organization
    center_a: Organization
    center_b: Organization
    referrals: dict[str, Referral] = field(default_factory=dict)


def make_referral(
    data: KnownData,
    name: str,
    *,
    center: Organization,
    status: str,
    site: str,
    reasons: list[str],
    submitted_day: float | None,
    offsets: tuple = (),
    next_due: datetime.date | None = None,
    **fields,
) -> Referral:
    """A referral submitted `submitted_day` days after T0, its milestones `offsets` days later."""
    submitted = T0 + days(submitted_day) if submitted_day is not None else None
    milestones = {
        name: submitted + days(offset)
        for name, offset in zip(MILESTONES, offsets, strict=False)
        if offset is not None
    }
    referral = ReferralFactory(
        patient=PatientFactory(organization=data.practice),
        receiving_center=center,
        status=status,
        cancer_site=site,
        reasons=reasons,
        submitted_at=submitted,
        next_due=next_due,
        with_specialist=submitted is not None,
        decline_reason_code="no_capacity" if status == Status.DECLINED else "",
        **milestones,
        **fields,
    )
    data.referrals[name] = referral
    return referral


def sign_review(referral: Referral, discrepancy: str) -> PathologyReview:
    review = PathologyReviewFactory(referral=referral)
    review.discrepancy = discrepancy
    review.review_diagnosis = "Invasive ductal carcinoma"
    review.signed_by = review.pathologist
    review.signed_at = referral.review_started_at + days(2)
    review.save()
    return review


@pytest.fixture
def known_data(db) -> KnownData:
    data = KnownData(
        practice=CommunityPracticeFactory(),
        center_a=CancerCenterFactory(name="Center A"),
        center_b=CancerCenterFactory(name="Center B"),
    )
    today = timezone.localdate()
    centers = {"A": data.center_a, "B": data.center_b}
    for name, center, status, site, reasons, day, offsets, due_in in REFERRALS:
        make_referral(
            data, name, center=centers[center], status=status, site=site, reasons=reasons,
            submitted_day=day, offsets=offsets,
            next_due=today + days(due_in) if due_in is not None else None,
        )  # fmt: skip
    r1, r2, r3, r4 = (data.referrals[name] for name in ("r1", "r2", "r3", "r4"))
    # The third opinion that followed r3, at the other center.
    make_referral(data, "r3b", center=data.center_b, status=Status.SUBMITTED, site="breast",
                  reasons=["complex_diagnosis"], submitted_day=40,
                  opinion_number=3, previous_referral=r3)  # fmt: skip

    RecommendationFactory(referral=r1, concordance="concurs", clinical_trials=["NCT01234567"])
    # r2's first version differed; an amendment modifies the plan: only the amendment counts.
    RecommendationFactory(
        referral=r2, concordance="differs", superseded_at=r2.recommendation_issued_at
    )
    RecommendationFactory(
        referral=r2, version=2, concordance="modifies", amendment_reason="Typo in dose."
    )
    RecommendationFactory(referral=r3, concordance="differs", third_opinion_suggested=True)
    sign_review(r1, "major")
    sign_review(r2, "none")
    PathologyReviewFactory(referral=r4)  # requested, not signed: not counted
    return data


@pytest.fixture
def center_a_coordinator(known_data):
    return member(known_data.center_a, Role.COORDINATOR)


@pytest.fixture
def center_a_analyst(known_data):
    return member(known_data.center_a, Role.ANALYST)


@pytest.fixture
def known(db):
    """Center A: 9 referrals counted (a cancelled draft is not), center B: one more."""
    center, other = CancerCenterFactory(), CancerCenterFactory()
    now = timezone.now()

    def referral(status, center=center, **fields):
        return ReferralFactory(status=status, receiving_center=center, **fields)

    referral(Status.DECLINED, decline_reason_code="no_capacity")
    referral(Status.DECLINED, decline_reason_code="no_capacity")
    referral(Status.DECLINED, decline_reason_code="other", decline_reason="Network case.")
    referral(Status.CANCELLED, cancel_reason_code="patient_withdrew")
    referral(Status.CANCELLED, cancel_reason_code="duplicate", submitted_at=None)  # a draft
    referral(Status.FORWARDED, forward_reason="Full.", forwarded_at=now - days(3))
    attended = referral(Status.UNDER_REVIEW, with_specialist=True)
    missed = referral(Status.UNDER_REVIEW, with_specialist=True)
    rescheduled = referral(Status.RECOMMENDATION_ISSUED, with_specialist=True)
    slides = referral(Status.CLOSED, with_specialist=True)
    referral(Status.DECLINED, center=other, decline_reason_code="outside_expertise")

    Consultation.objects.create(
        referral=attended, modality="virtual", scheduled_for=now - days(5),
        attendance="attended", completed_at=now - days(5),
    )  # fmt: skip
    Consultation.objects.create(
        referral=missed, modality="virtual", scheduled_for=now - days(2), attendance="no_show"
    )
    kept = Consultation.objects.create(
        referral=rescheduled, modality="in_person", scheduled_for=now - days(4),
        place="Clinic B", attendance="attended", completed_at=now - days(4),
    )  # fmt: skip
    for attendance in ("no_show", "rescheduled"):
        ConsultationAppointment.objects.create(
            consultation=kept, modality="in_person", scheduled_for=now - days(9),
            attendance=attendance,
        )  # fmt: skip

    today = timezone.localdate()
    physical = {"referral": slides, "kind": "pathology_slides"}
    RecordItem.objects.create(  # back two days after its date: late
        **physical, status="returned", return_due=today - days(10), returned_at=now - days(8)
    )
    RecordItem.objects.create(  # back in time
        **physical, status="returned", return_due=today - days(10), returned_at=now - days(12)
    )
    RecordItem.objects.create(**physical, status="received", return_due=today - days(1))  # late
    RecordItem.objects.create(**physical, status="received", return_due=today + days(3))
    RecordItem.objects.create(**physical, status="received")  # no date: not counted
    return center, other
