"""DESIGN §2 and §3, spelled out literally, checked against the rulebook.

The tables below are copied from DESIGN.md by hand, never imported from the code: a wrong
actor, source or target in referrals.rules fails here.
"""

import pytest

from referrals.models import Referral
from referrals.rules import visibility, workflow
from referrals.rules.relations import relations_to
from referrals.selectors import referrals_visible_to
from tests.factories import Cast, RecommendationFactory, referral_in_state

pytestmark = pytest.mark.django_db

ALL_OPEN = {
    "draft",
    "submitted",
    "accepted",
    "under_review",
    "recommendation_issued",
    "returned",
    "monitoring",
}

# DESIGN §2: | action | from → to | who |   ("either side's coordinator" = both coordinators)
DESIGN_WORKFLOW = {
    "submit": (
        {"draft"},
        "submitted",
        {"referring_oncologist", "referring_coordinator"},
    ),
    "accept": ({"submitted"}, "accepted", {"center_coordinator"}),
    "decline": ({"submitted"}, "declined", {"center_coordinator"}),
    "start_review": ({"accepted"}, "under_review", {"center_coordinator"}),
    "issue_recommendation": ({"under_review"}, "recommendation_issued", {"assigned_specialist"}),
    "acknowledge_return": (
        {"recommendation_issued"},
        "returned",
        {"referring_oncologist", "referring_coordinator"},
    ),
    "start_monitoring": ({"returned"}, "monitoring", {"assigned_specialist", "center_coordinator"}),
    "close": (
        {"returned", "monitoring"},
        "closed",
        {"referring_coordinator", "center_coordinator"},
    ),
    # "any open": every state but closed/declined/cancelled (forwarded is not built yet).
    "cancel": (
        ALL_OPEN,
        "cancelled",
        {"referring_coordinator", "center_coordinator", "referring_oncologist"},
    ),
}
# DESIGN §2: the information loop, "while accepted or under_review; the state stays".
DESIGN_INFORMATION_WORKFLOW = {
    "request_information": (
        {"accepted", "under_review"},
        {"center_coordinator", "assigned_specialist"},
    ),
    "provide_information": (
        {"accepted", "under_review"},
        {"referring_oncologist", "referring_coordinator"},
    ),
}
# In DESIGN §2, built by later issues (each will be a row of the table, and of this test).
NOT_BUILT_YET = {"forward"}


def test_the_rulebook_has_exactly_the_actions_of_design_built_so_far():
    assert set(workflow.ACTIONS) == set(DESIGN_WORKFLOW) | set(DESIGN_INFORMATION_WORKFLOW)
    assert not NOT_BUILT_YET & set(workflow.ACTIONS)


@pytest.mark.parametrize("name", sorted(DESIGN_INFORMATION_WORKFLOW))
def test_the_information_actions_keep_the_state_and_have_design_s_actors(name):
    sources, actors = DESIGN_INFORMATION_WORKFLOW[name]
    action = workflow.ACTIONS[name]
    assert set(action.sources) == sources
    assert action.target is None  # "(same state)"
    assert set(action.actors) == actors


@pytest.mark.parametrize("name", sorted(DESIGN_WORKFLOW))
def test_each_action_has_design_s_sources_target_and_actors(name):
    sources, target, actors = DESIGN_WORKFLOW[name]
    action = workflow.ACTIONS[name]
    assert set(action.sources) == sources
    assert action.target == target
    assert set(action.actors) == actors


# DESIGN §3: who sees a referral, by their relation to it, in which states. "was submitted"
# is a fact about the referral's past, not its state: a draft cancelled before it was ever
# sent was never shared with the center (its patient consented to share with nobody yet).
CASES = {
    # case: (state, was submitted)
    "draft": ("draft", False),
    "cancelled_draft": ("cancelled", False),
    "submitted": ("submitted", True),
    "accepted": ("accepted", True),
    "declined": ("declined", True),
    "under_review": ("under_review", True),
    "recommendation_issued": ("recommendation_issued", True),
    "returned": ("returned", True),
    "monitoring": ("monitoring", True),
    "closed": ("closed", True),
    "cancelled_after_submission": ("cancelled", True),
}
EVERY_CASE = set(CASES)
SUBMITTED_ONCE = {case for case, (_state, submitted) in CASES.items() if submitted}
DESIGN_SEES = {
    "referring_oncologist": EVERY_CASE,  # those they referred
    "referring_coordinator": EVERY_CASE,  # all of their organization's
    "center_coordinator": SUBMITTED_ONCE,
    "specialist": SUBMITTED_ONCE,  # assigned to them
    "pathologist": SUBMITTED_ONCE,  # with a pathology review assigned to them
    "analyst": set(),  # aggregates only
    "other_specialist": set(),  # a specialist of the center, not assigned
    "other_oncologist": set(),  # an oncologist of the practice who did not refer it
}
# Parts seen by fewer than all who see the referral.
DESIGN_SEES_PATIENT_CONTACT = {"referring_oncologist", "referring_coordinator"}


def build_case(case: str):
    """A referral of the case, its cast, a review assigned to the cast's pathologist."""
    state, submitted = CASES[case]
    fields = {"with_specialist": True}
    if not submitted:
        fields["submitted_at"] = None
    referral = referral_in_state(state, **fields)
    cast = Cast(referral)
    from tests.factories import PathologyReviewFactory

    PathologyReviewFactory(referral=referral, pathologist=cast.pathologist)
    return referral, cast


@pytest.mark.parametrize("case", sorted(CASES))
def test_who_sees_a_referral_is_design_s_table(case):
    referral, cast = build_case(case)
    for person, cases in DESIGN_SEES.items():
        user = getattr(cast, person)
        expected = case in cases
        in_query = referrals_visible_to(user=user).filter(pk=referral.pk).exists()
        fresh = Referral.objects.get(pk=referral.pk)
        one = visibility.sees(relations_to(user, fresh), fresh, user=user)
        assert (in_query, one) == (expected, expected), (person, case)


@pytest.mark.parametrize("person", sorted(DESIGN_SEES))
def test_patient_contact_details_are_the_referring_side_s(person):
    referral, cast = build_case("under_review")
    relations = relations_to(getattr(cast, person), referral)
    expected = person in DESIGN_SEES_PATIENT_CONTACT
    assert visibility.sees_patient_contact(relations) == expected


def test_a_draft_recommendation_is_seen_by_its_author_only():
    referral, cast = build_case("under_review")
    draft = RecommendationFactory(referral=referral, signed_at=None)
    assert visibility.sees_draft_recommendation(cast.specialist, draft)
    for person in ("center_coordinator", "referring_oncologist", "referring_coordinator"):
        assert not visibility.sees_draft_recommendation(getattr(cast, person), draft)
