"""A practice and a cancer center with their coordinators, as the admin tests need them."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import Membership, Organization, User
from referrals.models import RecordItem, Referral
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    PatientFactory,
    RecordItemFactory,
    ReferralFactory,
    member,
)

Role = Membership.Role


@dataclass
class Setting:
    practice: Organization
    center: Organization
    other_center: Organization
    oncologist: User
    referring_coordinator: User
    coordinator: User
    other_coordinator: User
    specialist: User

    def referral(self, status=Referral.Status.SUBMITTED, days_late=None, items=0, **fields):
        """A referral to the center; `days_late` sets its next due date that far in the past."""
        today = timezone.localdate()
        fields.setdefault("submitted_at", timezone.now() - datetime.timedelta(days=10))
        next_due = None if days_late is None else today - datetime.timedelta(days=days_late)
        referral = ReferralFactory(
            patient=fields.pop("patient", None) or PatientFactory(organization=self.practice),
            receiving_center=fields.pop("receiving_center", self.center),
            referring_oncologist=self.oncologist,
            status=status,
            next_due=next_due,
            **fields,
        )
        for kind in list(RecordItem.Kind)[:items]:
            RecordItemFactory(referral=referral, kind=kind, required=True)
        return referral


@pytest.fixture
def setting(db) -> Setting:
    practice, center, other_center = (
        CommunityPracticeFactory(),
        CancerCenterFactory(),
        CancerCenterFactory(),
    )
    return Setting(
        practice=practice,
        center=center,
        other_center=other_center,
        oncologist=member(practice, Role.REFERRING_ONCOLOGIST),
        referring_coordinator=member(practice, Role.COORDINATOR),
        coordinator=member(center, Role.COORDINATOR, full_name="Cora Ordinator"),
        other_coordinator=member(other_center, Role.COORDINATOR),
        specialist=member(center, Role.SPECIALIST, full_name="Sam Specialist", title="MD"),
    )


@pytest.fixture
def coordinator_client(client, setting):
    client.force_login(setting.coordinator)
    return client
