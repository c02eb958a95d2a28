"""The inbox costs the same however many notifications; the header's count is one indexed
COUNT per page, whatever the number unread."""

import pytest
from django.db import connection

from accounts.models import Membership
from inbox.models import Notification
from inbox.selectors import unread_count
from tests.factories import CancerCenterFactory, ReferralFactory, member
from tests.queries import assert_queries, counted_queries

Role = Membership.Role
pytestmark = pytest.mark.django_db


def notify(user, how_many: int, *, read: bool = False) -> None:
    referral = ReferralFactory()
    start = Notification.objects.count()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                referral=referral,
                key=f"test-{start + number}",
                title=f"{referral.reference}: Accepted",
                read_at=referral.created_at if read else None,
            )
            for number in range(how_many)
        ]
    )


def inbox_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "inbox_notification" in q["sql"]]


def test_the_inbox_page_costs_the_same_for_3_or_60_notifications(client):
    specialist = member(CancerCenterFactory(), Role.SPECIALIST)
    notify(specialist, 3)
    client.force_login(specialist)
    with counted_queries() as few:
        client.get("/inbox/")
    notify(specialist, 57)

    with assert_queries(exactly=len(few)):
        page = client.get("/inbox/").content.decode()

    assert page.count('class="notification unread"') == 50  # one page
    assert "60 unread" in page
    assert "Page 1 of 2" in page


def test_the_header_count_is_one_query_whatever_the_number_unread(client):
    specialist = member(CancerCenterFactory(), Role.SPECIALIST)
    client.force_login(specialist)
    with counted_queries() as none_unread:
        client.get("/")
    notify(specialist, 40)
    notify(specialist, 5, read=True)

    with assert_queries(exactly=len(none_unread)) as many_unread:
        page = client.get("/").content.decode()

    assert '<span class="inbox-count">40<span class="visually-hidden"> unread</span>' in page
    [count_query] = inbox_queries(many_unread)
    assert count_query.startswith("SELECT COUNT(*)")
    assert '"read_at" IS NULL' in count_query


def test_the_admin_header_shows_the_count_in_one_query(client):
    coordinator = member(CancerCenterFactory(), Role.COORDINATOR)
    notify(coordinator, 7)
    client.force_login(coordinator)

    with counted_queries() as captured:
        page = client.get("/admin/").content.decode()

    assert '<span class="inbox-count">7<span class="visually-hidden"> unread</span>' in page
    assert len(inbox_queries(captured)) == 1


def test_the_unread_count_reads_the_partial_index_of_unread_notifications():
    specialist = member(CancerCenterFactory(), Role.SPECIALIST)
    notify(specialist, 300, read=True)  # a long history, read
    notify(specialist, 3)
    query = Notification.objects.filter(recipient=specialist, read_at__isnull=True).order_by()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inbox_notification")
        # A table this small is read whole; forbid that to see which index the count uses.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
        cursor.execute("SET LOCAL enable_seqscan = on")

    assert "notification_unread" in plan, plan
    assert unread_count(user=specialist) == 3
