"""The flow figures in the level counts (migrations reports 0010, 0012) follow every write to
the consults, their earlier appointments, the record items and the referrals they hang off,
by the ORM and by raw SQL, one row or many at once; and the rebuild counts them the same."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Membership
from referrals.models import Consultation, ConsultationAppointment, RecordItem, Referral
from reports.filters import ReportFilters
from reports.rollups import rebuild_rollups
from tests.factories import UserFactory, member
from tests.reports.test_rollup_writers import rollup_rows
from tests.reports.test_rollups import both_ways

pytestmark = pytest.mark.django_db
Status = Referral.Status
FLOW_SECTIONS = ["decline_reasons", "cancel_reasons", "no_show", "slide_return"]


def flow_of(summary: dict) -> dict:
    return {section: summary[section] for section in FLOW_SECTIONS}


def assert_rollups_equal_counts(center, other) -> dict:
    """Every viewer's summary from the rollups equals the one counted from the rows; the
    superuser's flow figures are returned."""
    superuser = UserFactory(is_superuser=True)
    viewers = [superuser, member(center, Membership.Role.COORDINATOR)]
    viewers.append(member(other, Membership.Role.COORDINATOR))
    for user in viewers:
        for filters in (ReportFilters(), ReportFilters(center_uuid=str(other.uuid))):
            from_rollups, counted = both_ways(user, filters)
            assert flow_of(from_rollups) == flow_of(counted), (user, filters)
            assert from_rollups == counted, (user, filters)
    return flow_of(both_ways(superuser, ReportFilters())[0])


def slides_referral() -> Referral:
    return Referral.objects.filter(record_items__isnull=False).distinct().get()


def test_flow_counts_follow_writes_of_every_kind(known):
    center, other = known
    figures = assert_rollups_equal_counts(center, other)
    assert figures["no_show"] == {"appointments": 4, "no_shows": 2, "rate": 0.5}
    assert figures["slide_return"] == {
        "items": 4, "returned_late": 1, "still_out_late": 1, "late_share": 0.5,
    }  # fmt: skip

    now, today = timezone.now(), timezone.localdate()
    # The missed consult is held after all (ORM); the attended one had a missed appointment.
    Consultation.objects.filter(attendance="no_show").update(
        attendance="attended", completed_at=now
    )
    attended = Consultation.objects.filter(attendance="attended").order_by("pk").first()
    ConsultationAppointment.objects.create(
        consultation=attended, modality="virtual", scheduled_for=now - datetime.timedelta(days=20),
        attendance="no_show",
    )  # fmt: skip
    with connection.cursor() as cursor:
        # The late item comes back today, after its date (raw SQL); every date moves a month.
        cursor.execute(
            "UPDATE referrals_recorditem SET status = 'returned', returned_at = now()"
            " WHERE status = 'received' AND return_due = %s",
            [today - datetime.timedelta(days=1)],
        )
        cursor.execute(
            "UPDATE referrals_recorditem SET return_due = return_due - 30"
            " WHERE return_due IS NOT NULL AND status = 'received'"
        )
    figures = assert_rollups_equal_counts(center, other)
    # Attended 3; missed: the new earlier appointment and the one before.
    assert figures["no_show"] == {"appointments": 5, "no_shows": 2, "rate": 0.4}
    # Returned late: two (one today); still out and late: the one due in 3 days, now -27.
    assert figures["slide_return"] == {
        "items": 4, "returned_late": 2, "still_out_late": 1, "late_share": 0.75,
    }  # fmt: skip

    # The referral with the slides moves to the other center, its consult-less items with it;
    # one item is deleted, two added in one statement.
    referral = slides_referral()
    Referral.objects.filter(pk=referral.pk).update(receiving_center=other)
    RecordItem.objects.filter(referral=referral, status="returned").order_by("pk").first().delete()
    RecordItem.objects.bulk_create(
        RecordItem(referral=referral, kind="tissue_blocks", status="received", return_due=due)
        for due in (today - datetime.timedelta(days=2), None)
    )
    figures = assert_rollups_equal_counts(center, other)
    assert figures["slide_return"]["items"] == 4
    assert figures["slide_return"]["still_out_late"] == 2
    from_rollups, _ = both_ways(member(center, Membership.Role.COORDINATOR), ReportFilters())
    assert from_rollups["slide_return"]["items"] == 0  # they left with the referral

    kept = rollup_rows()
    rebuild_rollups()
    assert rollup_rows() == kept


def test_truncating_record_items_takes_their_counts_out(known):
    center, other = known
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute("TRUNCATE referrals_recordattachment, referrals_recorditem")
    figures = assert_rollups_equal_counts(center, other)
    assert figures["slide_return"]["items"] == 0
    assert figures["no_show"]["no_shows"] == 2
