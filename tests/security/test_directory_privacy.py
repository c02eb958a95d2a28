"""The center directory in the admin: other organizations' lead coordinators stay private."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from tests.factories import CancerCenterFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_a_coordinator_sees_their_own_lead_coordinator_and_no_other_centers(client):
    own_center, other_center = CancerCenterFactory(), CancerCenterFactory()
    coordinator = member(own_center, Membership.Role.COORDINATOR, full_name="Cora Own")
    other_lead = member(other_center, Membership.Role.COORDINATOR, full_name="Lena Elsewhere")
    own_center.lead_coordinator = coordinator
    own_center.save()
    other_center.lead_coordinator = other_lead
    other_center.save()
    client.force_login(coordinator)

    listing = client.get(reverse("admin:accounts_organization_changelist"), {"q": ""})
    other_page = client.get(
        reverse("admin:accounts_organization_change", args=(other_center.uuid,))
    )
    own_page = client.get(reverse("admin:accounts_organization_change", args=(own_center.uuid,)))

    assert listing.status_code == other_page.status_code == own_page.status_code == 200
    assert "Cora Own" in listing.text and "Cora Own" in own_page.text
    assert "Lena Elsewhere" not in listing.text
    assert "Lena Elsewhere" not in other_page.text


def test_an_administrator_sees_every_lead_coordinator():
    center = CancerCenterFactory()
    center.lead_coordinator = member(center, Membership.Role.COORDINATOR, full_name="Lena Lead")
    center.save()
    browser = Client()
    browser.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = browser.get(reverse("admin:accounts_organization_changelist"))

    assert "Lena Lead" in listing.text
