"""An action the rulebook offers is one that succeeds: for referrals in every state (built,
and from the demo data), every user around them performs every action offered to them, each
in a rolled-back savepoint."""

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.models import Membership, User
from referrals.models import Referral
from referrals.rules import workflow
from referrals.services.workflow import referral_transition
from tests.factories import Cast, PathologyReviewFactory, referral_in_state

pytestmark = pytest.mark.django_db


class RolledBack(Exception):
    pass


def data_for(action: workflow.Action, referral: Referral) -> dict:
    """What the user would type in the action's form."""
    data = {}
    if "specialist" in action.needs:
        specialist = (
            Membership.objects.filter(
                organization_id=referral.receiving_center_id, role=Membership.Role.SPECIALIST
            )
            .select_related("user")
            .first()
            .user
        )
        data["specialist"] = str(specialist.uuid)
    if "reason" in action.needs:
        data["reason"] = "Entered in error."
    if action.name == "request_information":
        data["reason"] = "missing_records"
    if "note" in action.needs:
        data["note"] = "The operative report, please."
    return data


def perform_every_offered_action(referral: Referral, users) -> int:
    performed = 0
    for user in users:
        fresh = Referral.objects.get(pk=referral.pk)
        for action in workflow.actions_offered(user, fresh):
            try:
                with transaction.atomic():
                    moved = referral_transition(
                        referral=fresh, actor=user, action=action.name, data=data_for(action, fresh)
                    )
                    assert moved.status == (action.target or fresh.status)
                    raise RolledBack
            except RolledBack:
                performed += 1
    return performed


@pytest.mark.parametrize("ready", [False, True], ids=["as_is", "ready_for_next_step"])
@pytest.mark.parametrize("state", Referral.Status.values)
def test_every_offered_action_succeeds_for_everyone_around_the_referral(state, ready):
    referral = referral_in_state(state, with_specialist=True, ready=ready)
    cast = Cast(referral)
    PathologyReviewFactory(referral=referral, pathologist=cast.pathologist, signed_at=None)
    people = [getattr(cast, name) for name in vars(cast) if name != "referral"]
    perform_every_offered_action(referral, people)


def test_every_offered_action_succeeds_on_the_demo_data():
    call_command("seed_demo", referrals=30)
    users = list(User.objects.filter(is_active=True).prefetch_related("memberships"))
    performed = 0
    for status in Referral.Status.values:
        for referral in Referral.objects.filter(status=status)[:3]:
            around = [
                user
                for user in users
                if {m.organization_id for m in user.memberships.all()}
                & {referral.referring_organization_id, referral.receiving_center_id}
            ]
            performed += perform_every_offered_action(referral, around)
    assert performed > 20  # the demo offers plenty of actions; each one went through
