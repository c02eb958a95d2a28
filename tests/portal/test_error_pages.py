"""Error pages speak plainly and give nothing away."""

import pytest

from tests.factories import Cast, referral_in_state

pytestmark = pytest.mark.django_db


def test_another_centers_referral_is_a_plain_not_found_page(client):
    referral = referral_in_state("under_review")
    outsider = Cast(referral_in_state("under_review")).specialist
    client.force_login(outsider)

    response = client.get(f"/referrals/{referral.uuid}/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page and "not yours to see" in page
    assert referral.reference not in page and referral.patient.family_name not in page
