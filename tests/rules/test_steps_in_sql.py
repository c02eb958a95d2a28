"""The steps table read in SQL (work lists) says what it says for one referral read in Python.

DESIGN §2 and §5, spelled out: which step each state waits on, whose turn it is, and so who
is told "your action", who sees "waiting on the center / practice", and whose late steps are
flagged "overdue" to whom (only the viewer's or their organization's).
"""

import pytest

from referrals.models import RecordItem, Referral
from referrals.rules import steps
from referrals.selectors import with_work_status
from tests.factories import Cast, referral_in_state

Status = Referral.Status
pytestmark = pytest.mark.django_db

# (state, required records still missing) → the step waited on (None: no step).
DESIGN_STEPS = {
    (Status.DRAFT, True): None,
    (Status.SUBMITTED, True): "triage",
    (Status.ACCEPTED, True): "records",
    (Status.ACCEPTED, False): "review",
    (Status.UNDER_REVIEW, False): "recommendation",
    (Status.RECOMMENDATION_ISSUED, False): "return",
    (Status.RETURNED, False): None,
    (Status.MONITORING, False): "progress_update",
    (Status.CLOSED, False): None,
    (Status.DECLINED, True): None,
    (Status.CANCELLED, True): None,
}

PEOPLE = (
    "referring_oncologist",
    "referring_coordinator",
    "center_coordinator",
    "specialist",
    "pathologist",
)
# step → what each person's list says: Y your action, C waiting on the center, P on the
# practice; lower case: the step is not their organization's, so never flagged overdue.
DESIGN_TURNS = {
    "triage": {
        "referring_oncologist": "c",
        "referring_coordinator": "c",
        "center_coordinator": "Y",
        "specialist": "C",
        "pathologist": "C",
    },  # noqa: E501
    "records": {
        "referring_oncologist": "P",
        "referring_coordinator": "Y",
        "center_coordinator": "p",
        "specialist": "p",
        "pathologist": "p",
    },  # noqa: E501
    "review": {
        "referring_oncologist": "c",
        "referring_coordinator": "c",
        "center_coordinator": "Y",
        "specialist": "C",
        "pathologist": "C",
    },  # noqa: E501
    "recommendation": {
        "referring_oncologist": "c",
        "referring_coordinator": "c",
        "center_coordinator": "C",
        "specialist": "Y",
        "pathologist": "C",
    },  # noqa: E501
    "return": {
        "referring_oncologist": "Y",
        "referring_coordinator": "P",
        "center_coordinator": "p",
        "specialist": "p",
        "pathologist": "p",
    },  # noqa: E501
    "progress_update": {
        "referring_oncologist": "Y",
        "referring_coordinator": "P",
        "center_coordinator": "p",
        "specialist": "p",
        "pathologist": "p",
    },  # noqa: E501
}
LETTERS = {"y": "yours", "c": "center", "p": "practice"}


def _referral(status, records_missing):
    referral = referral_in_state(status)
    status_of_items = RecordItem.Status.REQUESTED if records_missing else RecordItem.Status.RECEIVED
    referral.record_items.update(status=status_of_items)
    return referral


@pytest.mark.parametrize(("status", "records_missing"), list(DESIGN_STEPS))
def test_the_step_in_sql_is_the_step_of_the_table(status, records_missing):
    referral = _referral(status, records_missing)
    cast = Cast(referral)
    row = with_work_status(Referral.objects.filter(pk=referral.pk), user=cast.center_coordinator)
    in_sql = row.get().waiting_step
    in_python = steps.step_waited_on(status=status, records_outstanding=records_missing)
    assert in_sql == DESIGN_STEPS[(status, records_missing)]
    assert in_sql == (in_python.name if in_python else None)
    assert in_sql == (steps.current_step(referral).name if in_sql else None)


@pytest.mark.parametrize(
    ("status", "records_missing"), [key for key, step in DESIGN_STEPS.items() if step]
)
@pytest.mark.parametrize("person", PEOPLE)
def test_whose_turn_and_what_is_flagged_overdue_to_each_person(status, records_missing, person):
    referral = _referral(status, records_missing)
    cast = Cast(referral)
    if person == "pathologist":
        referral.pathology_reviews.create(
            pathologist=cast.pathologist, requested_by=cast.pathologist
        )
    viewer = getattr(cast, person)
    expected = DESIGN_TURNS[DESIGN_STEPS[(status, records_missing)]][person]
    row = with_work_status(Referral.objects.filter(pk=referral.pk), user=viewer).get()
    assert row.whose_turn == LETTERS[expected.lower()]
    assert row.ours is expected.isupper()


def test_a_superuser_acts_as_both_sides_coordinators():
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True, is_staff=True)
    triage = _referral(Status.SUBMITTED, True)
    recommendation = _referral(Status.UNDER_REVIEW, False)
    rows = with_work_status(
        Referral.objects.filter(pk__in=[triage.pk, recommendation.pk]), user=admin
    )
    found = {row.pk: (row.whose_turn, row.ours) for row in rows}
    assert found == {triage.pk: ("yours", True), recommendation.pk: ("center", True)}


def test_a_new_step_row_shows_in_sql_without_other_changes(monkeypatch):
    """A step added to the table (here: the returned state waiting on the practice's
    coordinator) is what the work lists show, with no change outside the table."""
    from referrals.rules import relations as rel

    added = steps.Step("closing", Status.RETURNED, rel.REFERRING_COORDINATOR, "return_due", "-")
    monkeypatch.setattr(steps, "STEPS", (*steps.STEPS, added))
    referral = _referral(Status.RETURNED, False)
    cast = Cast(referral)
    row = with_work_status(Referral.objects.filter(pk=referral.pk), user=cast.referring_coordinator)
    row = row.get()
    assert (row.waiting_step, row.whose_turn, row.ours) == ("closing", "yours", True)
