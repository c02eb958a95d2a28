"""Labels say "(optional)" once, where a field is optional (the template adds it)."""

import pytest
from django.urls import reverse

from referrals.models import Referral
from tests.factories import referral_in_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path, label",
    [
        ("portal:progress-update-new", "Question for the specialist"),
        ("portal:referral-action", "Note for the timeline"),
    ],
)
def test_an_optional_label_says_so_once(client, path, label):
    referral = referral_in_state(Referral.Status.RETURNED)
    client.force_login(referral.referring_oncologist)
    kwargs = {"uuid": referral.uuid}
    if path == "portal:referral-action":
        client.force_login(referral.referring_oncologist)
        kwargs["action"] = "cancel"
    page = client.get(reverse(path, kwargs=kwargs)).content.decode()
    assert f'{label} <span class="optional">(optional)</span></label>' in page
    assert page.count("(optional)") == page.count('<span class="optional">(optional)</span>')
