"""DESIGN §3: each role sees exactly its own referrals; everything else does not exist."""

import pytest

from referrals.selectors import patients_visible_to, referrals_visible_to
from tests.factories import Cast, PathologyReviewFactory, member, referral_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours_and_theirs():
    ours = referral_in_state("under_review")
    theirs = referral_in_state("under_review")  # another practice, another center
    return ours, Cast(ours), theirs


def visible(user):
    return set(referrals_visible_to(user=user))


ROLES = [
    "referring_oncologist",
    "referring_coordinator",
    "center_coordinator",
    "specialist",
    "pathologist",
]


@pytest.mark.parametrize("person", ROLES)
def test_nobody_sees_another_organizations_referrals(ours_and_theirs, person):
    ours, cast, theirs = ours_and_theirs
    PathologyReviewFactory(referral=ours, pathologist=cast.pathologist)
    assert visible(getattr(cast, person)) == {ours}
    assert theirs not in visible(getattr(cast, person))


def test_a_specialist_sees_only_the_referrals_assigned_to_them(ours_and_theirs):
    ours, cast, _ = ours_and_theirs
    assert visible(cast.other_specialist) == set()


def test_a_pathologist_sees_only_referrals_with_a_review_assigned_to_them(ours_and_theirs):
    ours, cast, _ = ours_and_theirs
    assert visible(cast.pathologist) == set()
    PathologyReviewFactory(referral=ours, pathologist=cast.pathologist)
    assert visible(cast.pathologist) == {ours}
    assert visible(member(ours.receiving_center, "pathologist")) == set()


def test_a_referring_oncologist_sees_only_the_referrals_they_made(ours_and_theirs):
    ours, cast, _ = ours_and_theirs
    assert visible(cast.other_oncologist) == set()
    assert visible(cast.referring_coordinator) == {ours}


def test_an_analyst_sees_no_referral_and_no_patient(ours_and_theirs):
    ours, cast, _ = ours_and_theirs
    assert visible(cast.analyst) == set()
    assert not patients_visible_to(user=cast.analyst).exists()


def test_the_center_does_not_see_drafts():
    draft = referral_in_state("draft")
    cast = Cast(draft)
    assert visible(cast.center_coordinator) == set()
    assert visible(cast.referring_oncologist) == {draft}


def test_patients_belong_to_the_referring_practice(ours_and_theirs):
    ours, cast, theirs = ours_and_theirs
    assert set(patients_visible_to(user=cast.referring_coordinator)) == {ours.patient}
    assert not patients_visible_to(user=cast.center_coordinator).exists()


def test_someone_with_two_memberships_sees_the_union(ours_and_theirs):
    ours, cast, theirs = ours_and_theirs
    from accounts.models import Membership

    Membership.objects.create(
        user=cast.referring_coordinator, organization=theirs.receiving_center, role="coordinator"
    )
    cast.referring_coordinator._memberships_cache = None
    assert visible(cast.referring_coordinator) == {ours, theirs}


def test_inactive_users_see_nothing(ours_and_theirs):
    ours, cast, _ = ours_and_theirs
    cast.center_coordinator.is_active = False
    assert visible(cast.center_coordinator) == set()
