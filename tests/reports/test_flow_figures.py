"""The figures of where referrals stall, from known data: why they were declined and
cancelled, how often they were forwarded, how often patients missed the consult, and how
often slides and blocks went back late (DESIGN §6)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership
from referrals.models import Consultation, ConsultationAppointment, RecordItem, Referral
from reports.access import report_viewer
from reports.filters import ReportFilters
from reports.flow import _counts_with_the_orm, flow_counts
from reports.selectors import report_referrals
from tests.factories import CancerCenterFactory, ReferralFactory, member

pytestmark = pytest.mark.django_db
Status = Referral.Status
URL = "/api/v1/reports/summary/"


def days(number: int) -> datetime.timedelta:
    return datetime.timedelta(days=number)


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


def summary(user) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(URL)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_center_sees_its_reasons_forward_rate_no_shows_and_late_slides(known):
    center, _other = known
    figures = summary(member(center, Membership.Role.COORDINATOR))

    assert figures["total"] == 9
    declined = {row["reason_code"]: row["count"] for row in figures["decline_reasons"]}
    assert declined == {
        "outside_expertise": 0, "site_not_accepted": 0, "insufficient_information": 0,
        "no_capacity": 2, "patient_ineligible": 0, "duplicate": 0, "other": 1,
    }  # fmt: skip
    cancelled = {row["reason_code"]: row["count"] for row in figures["cancel_reasons"]}
    assert cancelled == {
        "patient_withdrew": 1, "patient_deceased": 0, "treated_elsewhere": 0, "duplicate": 0,
        "entered_in_error": 0, "other": 0,
    }  # fmt: skip
    assert figures["forwarding"] == {"referrals": 9, "forwarded": 1, "rate": 0.1111}
    # Attended 2; missed: 1 now and 1 earlier (a reschedule is not a miss).
    assert figures["no_show"] == {"appointments": 4, "no_shows": 2, "rate": 0.5}
    assert figures["slide_return"] == {
        "items": 4, "returned_late": 1, "still_out_late": 1, "late_share": 0.5,
    }  # fmt: skip


def test_everything_counts_for_a_superuser_and_the_embedded_database_counts_the_same(known):
    from accounts.models import User

    admin = User.objects.create_superuser(email="root@example.org", password="x" * 12)
    figures = summary(admin)
    declined = {row["reason_code"]: row["count"] for row in figures["decline_reasons"]}
    assert declined["outside_expertise"] == 1 and declined["no_capacity"] == 2
    assert figures["forwarding"]["referrals"] == 10

    center, _other = known
    viewer = report_viewer(user=member(center, Membership.Role.COORDINATOR))
    referrals = report_referrals(viewer=viewer, filters=ReportFilters())
    in_sql = flow_counts(referrals, every_referral=False)
    assert in_sql == _counts_with_the_orm(referrals, today=timezone.localdate())


def test_an_analyst_gets_no_small_count(known):
    center, _other = known
    figures = summary(member(center, Membership.Role.ANALYST))
    assert figures["no_show"] == {"appointments": "<5", "no_shows": "<5", "rate": None}
    assert figures["forwarding"]["rate"] is None
    assert figures["slide_return"]["late_share"] is None
