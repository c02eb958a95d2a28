"""In real Chromium: the accept form names what each specialist covers and how many open
referrals they carry; the center picker groups the centers on the platform first."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Organization
from accounts.reference_data import load_nci_centers
from referrals.models import Referral
from tests.admin.test_browser import admin_log_in
from tests.conftest import log_in
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    ReferralFactory,
    member,
    referral_in_state,
)

Role = Membership.Role
Status = Referral.Status
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tab(chromium_browser, live_server):
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 768}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def specialist_at(center, name: str, subspecialties: str, open_referrals: int):
    user = member(center, Role.SPECIALIST, full_name=name, title="MD")
    Membership.objects.filter(user=user).update(subspecialties=subspecialties)
    for _ in range(open_referrals):
        ReferralFactory(specialist=user, receiving_center=center, status=Status.UNDER_REVIEW)
    return user


def test_the_coordinator_chooses_a_specialist_knowing_what_they_cover_and_their_load(
    tab, screenshot
):
    referral = referral_in_state(Status.SUBMITTED, with_specialist=False)
    center = referral.receiving_center
    specialist_at(center, "Ana Ruiz", "Breast, sarcoma", 3)
    okafor = specialist_at(center, "Ben Okafor", "Thoracic, head and neck", 1)
    coordinator = member(center, Role.COORDINATOR)

    admin_log_in(tab, coordinator.email)
    expect(tab).to_have_url("/admin/")  # the coordinator lands on the work queue
    tab.goto(f"/admin/referrals/referral/{referral.uuid}/change/")
    tab.locator("a[data-action=accept]").click()
    choices = tab.locator("#id_specialist label")
    expect(choices).to_have_text(
        [
            "Ana Ruiz, MD — Breast, sarcoma — 3 open referrals",
            "Ben Okafor, MD — Thoracic, head and neck — 1 open referral",
        ]
    )
    screenshot(tab, "choosing-01-admin-accept-form")
    tab.get_by_label("Ben Okafor, MD — Thoracic, head and neck — 1 open referral").check()
    tab.get_by_role("button", name="Accept").click()
    expect(tab.locator("#referral-status")).to_have_text("Accepted")
    referral.refresh_from_db()
    assert referral.specialist == okafor

    # The portal's accept form (a coordinator may act there too) shows the same, as a list.
    other = referral_in_state(Status.SUBMITTED, with_specialist=False, receiving_center=center)
    tab.goto(f"/referrals/{other.uuid}/actions/accept/")
    expect(
        tab.get_by_label("Ben Okafor, MD — Thoracic, head and neck — 2 open referrals")
    ).to_be_visible()
    expect(tab.get_by_label("Ana Ruiz, MD — Breast, sarcoma — 3 open referrals")).to_be_visible()
    screenshot(tab, "choosing-02-portal-accept-form")


def test_the_oncologist_sees_the_centers_on_the_platform_first(tab, screenshot):
    load_nci_centers(Organization)  # a transactional test may start after a flush
    on_platform = CancerCenterFactory(name="Zenith Comprehensive Cancer Center")
    member(on_platform, Role.SPECIALIST)
    oncologist = member(CommunityPracticeFactory(), Role.REFERRING_ONCOLOGIST)

    log_in(tab, oncologist.email)
    tab.goto("/referrals/new/")
    picker = tab.get_by_label("Cancer center", exact=True)
    groups = picker.locator("optgroup")
    expect(groups).to_have_count(2)
    expect(groups.nth(0)).to_have_attribute("label", "On Second Opinion Tracker")
    expect(groups.nth(0).locator("option")).to_have_text(["Zenith Comprehensive Cancer Center"])
    expect(groups.nth(1)).to_have_attribute("label", "Other NCI-designated cancer centers")
    assert groups.nth(1).locator("option").count() > 50  # the rest of the NCI list
    picker.select_option(label="Zenith Comprehensive Cancer Center")
    picker.scroll_into_view_if_needed()
    screenshot(tab, "choosing-03-portal-center-picker")


def test_the_admin_add_form_groups_the_centers_the_same_way(tab, screenshot):
    load_nci_centers(Organization)
    on_platform = CancerCenterFactory(name="Zenith Comprehensive Cancer Center")
    member(on_platform, Role.COORDINATOR)
    practice = CommunityPracticeFactory()
    member(practice, Role.REFERRING_ONCOLOGIST)
    coordinator = member(practice, Role.COORDINATOR)

    admin_log_in(tab, coordinator.email)
    tab.goto("/admin/referrals/referral/add/")
    groups = tab.locator("#id_receiving_center optgroup")
    expect(groups.nth(0)).to_have_attribute("label", "On Second Opinion Tracker")
    expect(groups.nth(0).locator("option")).to_have_text(["Zenith Comprehensive Cancer Center"])
    expect(groups.nth(1)).to_have_attribute("label", "Other NCI-designated cancer centers")
    expect(tab.locator("#id_receiving_center_helptext")).to_contain_text(
        "“On Second Opinion Tracker” first"
    )
    tab.locator("#id_receiving_center").scroll_into_view_if_needed()
    screenshot(tab, "choosing-04-admin-center-picker")
