"""The portal's referral list: the same number of queries for 3 rows or 30, with every filter
and sort; bad filter values answer the page with a message, never a 500."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from referrals.models import Referral
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    PathologyReviewFactory,
    PatientFactory,
    RecordItemFactory,
    ReferralFactory,
    member,
)
from tests.queries import counted_queries

Role = Membership.Role
Status = Referral.Status
pytestmark = pytest.mark.django_db
LIST = reverse("portal:referral-list")
STATES = [Status.SUBMITTED, Status.ACCEPTED, Status.UNDER_REVIEW, Status.RECOMMENDATION_ISSUED]


def _work(role, user, center, practice, count):
    today = timezone.localdate()
    for number in range(count):
        referral = ReferralFactory(
            patient=PatientFactory(organization=practice),
            receiving_center=center,
            referring_oncologist=(user if role == Role.REFERRING_ONCOLOGIST else None)
            or member(practice, Role.REFERRING_ONCOLOGIST),
            specialist=user if role == Role.SPECIALIST else member(center, Role.SPECIALIST),
            status=STATES[number % len(STATES)],
            urgency="urgent" if number % 3 == 0 else "routine",
            next_due=today + datetime.timedelta(days=number % 5 - 2),
        )
        RecordItemFactory(referral=referral)
        if role == Role.PATHOLOGIST:
            PathologyReviewFactory(referral=referral, pathologist=user, requested_by=user)


QUERIES = [
    {},
    {"q": "Zqx"},
    {"q": "SO-2026 MRN"},
    {"turn": "yours"},
    {"turn": "center", "overdue": "overdue"},
    {"overdue": "late_elsewhere"},
    {"step": "records", "urgency": "urgent"},
    {"state": "all", "sort": "step"},
    {"cancer_site": "breast", "sort": "-due", "page": "2"},
]


def _page_queries(client, query) -> list[str]:
    """The statements a list page ran, without the session's own (saved on every request,
    at times inside a savepoint): those do not depend on the rows."""
    with counted_queries() as captured:
        assert client.get(LIST, query).status_code == 200
    return [
        sql
        for sql in (statement["sql"] for statement in captured.captured_queries)
        if "django_session" not in sql and "SAVEPOINT" not in sql
    ]


@pytest.mark.parametrize(
    "role",
    [Role.REFERRING_ONCOLOGIST, Role.SPECIALIST, Role.PATHOLOGIST, Role.COORDINATOR],
)
def test_the_list_costs_the_same_queries_for_few_and_many_rows(client, role):
    center, practice = CancerCenterFactory(), CommunityPracticeFactory()
    user = member(practice if role == Role.REFERRING_ONCOLOGIST else center, role)
    client.force_login(user)
    _work(role, user, center, practice, 4)
    few = [_page_queries(client, query) for query in QUERIES]
    # user, memberships, count, the page's rows, the audit of the rows listed, the header's
    # unread count (the inbox)
    assert all(len(statements) <= 6 for statements in few), few
    _work(role, user, center, practice, 40)
    for query, before in zip(QUERIES, few, strict=True):
        after = _page_queries(client, query)
        # An empty page reads no rows and audits none: compare pages that show rows.
        if any(sql.startswith("INSERT") for sql in before):
            assert len(after) == len(before), "\n".join(after)
        assert len(after) <= 6, "\n".join(after)
    shown = client.get(LIST, {"state": "all"}).context["rows"]
    assert len(shown) == 25  # one page


def test_bad_filter_values_are_said_on_the_page_not_a_500(client):
    center = CancerCenterFactory()
    specialist = member(center, Role.SPECIALIST)
    client.force_login(specialist)
    page = client.get(LIST, {"sort": "bogus", "state": "nope", "q": "x" * 500, "page": "zz"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Some filters could not be used" in text
    assert "Select a valid choice" in text


@pytest.mark.parametrize("role", [Role.REFERRING_ONCOLOGIST, Role.SPECIALIST])
def test_a_persons_list_page_is_read_in_due_order_from_an_index(rf, role):
    """However many referrals a person has, a page is the first rows of an index scan in the
    list's order, not a sort of all of them (the planner is told to avoid sorts and scans)."""
    from django.db import connection

    from referrals.portal.filters import WorkListFilter, default_order
    from referrals.selectors import work_list

    center, practice = CancerCenterFactory(), CommunityPracticeFactory()
    user = member(practice if role == Role.REFERRING_ONCOLOGIST else center, role)
    _work(role, user, center, practice, 6)
    request = rf.get(LIST)
    request.user = user
    rows = work_list(user=user).order_by(*default_order())
    page = WorkListFilter({}, queryset=rows, request=request).qs[:25]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    plan = page.explain()
    index = (
        "referral_oncologist_due"
        if role == Role.REFERRING_ONCOLOGIST
        else "referral_specialist_due"
    )
    assert index in plan, plan
    assert "Sort" not in plan.split(index)[0], plan
