"""The demo data has referrals awaiting information, answered requests and progress updates
saying whether the recommendation is followed (issue 13)."""

import pytest
from django.core.management import call_command

from referrals.models import InformationRequest, ProgressUpdate, Referral

pytestmark = pytest.mark.django_db


def test_the_demo_shows_the_information_loop_and_whether_advice_is_followed():
    call_command("seed_demo", referrals=60)
    awaiting = Referral.objects.filter(awaiting_information=True)
    assert awaiting.count() >= 2
    assert all(r.status in ("accepted", "under_review") for r in awaiting)
    for referral in awaiting:
        assert referral.information_requests.filter(answered_at__isnull=True).count() == 1
        assert referral.next_due == referral.information_due
    assert InformationRequest.objects.filter(answered_at__isnull=False).count() >= 2
    followed = set(ProgressUpdate.objects.values_list("recommendation_followed", flat=True))
    assert "yes" in followed and followed <= {"yes", "partly", "no", "not_yet"}
    assert (
        not ProgressUpdate.objects.exclude(recommendation_followed="yes")
        .filter(recommendation_followed_reason="")
        .exists()
    )
