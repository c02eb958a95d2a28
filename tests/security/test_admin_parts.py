"""The admin pages of a referral's parts: by UUID, and another organization's part is a 404.

The outside test found these pages addressed by sequential ids, answering another
organization's id with a redirect ("perhaps it was deleted") instead of a 404, unaudited.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from audit.models import AuditEntry
from referrals.models import ReferralEvent
from tests.factories import (
    CancerCenterFactory,
    Cast,
    ConsultationFactory,
    PathologyReviewFactory,
    ProgressUpdateFactory,
    member,
    referral_in_state,
)

pytestmark = pytest.mark.django_db

PARTS = ["recorditem", "pathologyreview", "consultation", "recommendation", "progressupdate"]


@pytest.fixture
def referral_with_parts():
    referral = referral_in_state("monitoring")
    cast = Cast(referral)
    ConsultationFactory(referral=referral)
    PathologyReviewFactory(referral=referral, pathologist=cast.pathologist)
    ProgressUpdateFactory(referral=referral)
    return referral, cast


def part_of(referral, model_name: str):
    return {
        "recorditem": referral.record_items.first,
        "pathologyreview": referral.pathology_reviews.first,
        "consultation": lambda: referral.consultation,
        "recommendation": referral.recommendations.first,
        "progressupdate": referral.progress_updates.first,
    }[model_name]()


def page(model_name: str, key) -> str:
    return reverse(f"admin:referrals_{model_name}_change", args=(key,))


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize("model_name", PARTS)
def test_a_part_is_addressed_by_uuid_and_another_centers_coordinator_gets_a_404(
    referral_with_parts, model_name
):
    referral, cast = referral_with_parts
    part = part_of(referral, model_name)
    stranger = member(CancerCenterFactory(), Membership.Role.COORDINATOR)

    own = signed_in(cast.center_coordinator).get(page(model_name, part.uuid))
    assert own.status_code == 200
    assert str(part.uuid) in page(model_name, part.uuid)

    by_id = signed_in(cast.center_coordinator).get(page(model_name, part.pk))
    assert by_id.status_code == 404

    refused = signed_in(stranger).get(page(model_name, part.uuid))
    assert refused.status_code == 404
    denial = AuditEntry.objects.get(actor=stranger, action=AuditEntry.Action.DENIED)
    assert denial.object_id == str(part.uuid)
    assert denial.referral_id == referral.pk


def test_another_centers_timeline_event_is_a_404_and_audited(referral_with_parts):
    referral, cast = referral_with_parts
    event = ReferralEvent.objects.create(referral=referral, actor=cast.center_coordinator)
    stranger = member(CancerCenterFactory(), Membership.Role.COORDINATOR)

    assert signed_in(cast.center_coordinator).get(page("referralevent", event.pk)).status_code == (
        200
    )
    refused = signed_in(stranger).get(page("referralevent", event.pk))

    assert refused.status_code == 404
    assert AuditEntry.objects.filter(
        actor=stranger, action=AuditEntry.Action.DENIED, referral_id=referral.pk
    ).exists()
