"""Query counts: the list does not grow with its rows; the detail costs a fixed few."""

import pytest

from accounts.models import Membership
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    PatientFactory,
    RecordItemFactory,
    ReferralFactory,
    member,
)
from tests.queries import assert_queries

Role = Membership.Role
pytestmark = pytest.mark.django_db


def _referrals(count: int):
    practice, center = CommunityPracticeFactory(), CancerCenterFactory()
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST)
    specialist = member(center, Role.SPECIALIST)
    for _ in range(count):
        referral = ReferralFactory(
            patient=PatientFactory(organization=practice),
            receiving_center=center,
            referring_oncologist=oncologist,
            specialist=specialist,
            status=Referral.Status.SUBMITTED,
        )
        RecordItemFactory(referral=referral)
    return member(center, Role.COORDINATOR)


@pytest.mark.parametrize("rows", [1, 100])
def test_the_list_costs_two_queries_for_one_row_and_for_a_hundred(api, rows):
    client = api(_referrals(rows))
    # The token with its user and their memberships (what the visibility filter is built
    # from); the page with its organizations' and doctors' ids. No COUNT, none per row.
    with assert_queries(exactly=2):
        response = client.get(url("referrals/"), {"page_size": rows})
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


def test_the_list_with_filters_and_search_stays_within_the_same_queries(api):
    coordinator = _referrals(30)
    client = api(coordinator)
    with assert_queries(exactly=2):
        response = client.get(
            url("referrals/"),
            {"status": "submitted", "overdue": "false", "search": "SO-2026", "page_size": 100},
        )
    assert len(response.json()["results"]) == 30


@pytest.mark.parametrize("record_items", [1, 12])
def test_the_detail_costs_a_fixed_small_number_of_queries(api, record_items):
    coordinator = _referrals(1)
    referral = Referral.objects.get()
    RecordItemFactory.create_batch(record_items - 1, referral=referral)
    client = api(coordinator)
    # token (with the caller's memberships), visibility lookup, audit entry, the referral
    # with its parts, its record items, their attachments, and what the rulebook's guards
    # read (its recommendations and pathology reviews).
    with assert_queries(exactly=8):
        response = client.get(url(f"referrals/{referral.uuid}/"))
    assert len(response.json()["record_items"]) == record_items
