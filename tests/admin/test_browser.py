"""A coordinator's morning in the admin, in real headless Chromium."""

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.admin.helpers import change_url
from tests.factories import PatientFactory

Status = Referral.Status


def admin_log_in(tab, email: str, password: str = "correct horse battery") -> None:
    tab.goto("/admin/login/")
    tab.locator("#id_username").fill(email)
    tab.locator("#id_password").fill(password)
    tab.get_by_role("button", name="Log in").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_accepts_a_late_referral_collects_records_and_starts_review(
    page, chromium_browser, live_server, setting, screenshot
):
    late = setting.referral(days_late=2, items=2)
    on_time = setting.referral(days_late=-3)

    admin_log_in(page, setting.coordinator.email)
    expect(page.locator("#site-name")).to_contain_text("Second Opinion Tracker")
    expect(page.locator("#late-now")).to_contain_text(late.reference)
    expect(page.locator("#work-queue [data-status=submitted] .count")).to_have_text("2")
    screenshot(page, "admin-home")

    # The change list, narrowed to what is overdue.
    page.locator("tr.model-referral").get_by_role("link", name="Referrals").click()
    page.locator("#changelist-filter").get_by_role("link", name="Overdue", exact=True).click()
    results = page.locator("#result_list")
    expect(results).to_contain_text(late.reference)
    expect(results).not_to_contain_text(on_time.reference)
    expect(results.locator(".status-badge").first).to_have_text("Submitted")
    expect(results.locator(".overdue-flag")).to_have_count(1)
    screenshot(page, "admin-change-list")

    # The referral: only what may be done now is offered.
    results.get_by_role("link", name=late.reference).click()
    expect(page.locator("#referral-status")).to_have_text("Submitted")
    expect(page.locator("[data-action=accept]")).to_be_visible()
    expect(page.locator("[data-action=start_review]")).to_have_count(0)
    screenshot(page, "admin-change-form")

    # Accept, assigning a specialist of the center.
    page.locator("a[data-action=accept]").click()
    page.get_by_label("Sam Specialist, MD — 0 open referrals").check()
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Accepted: the records are requested from the referring side. "
        "Assigned to Sam Specialist, MD."
    )
    expect(page.locator("#referral-status")).to_have_text("Accepted")
    expect(page.locator("[data-action=start_review]")).to_be_visible()

    # Two record items arrive: marked received in the checklist.
    page.locator("#id_record_items-0-status").select_option("received")
    page.locator("#id_record_items-1-status").select_option("received")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("#id_record_items-0-status")).to_have_value("received")
    expect(page.locator("#id_record_items-1-status")).to_have_value("received")
    expect(page.locator("#record_items-group .field-dates").first).to_contain_text("received")

    # Everything required is in: the review starts.
    page.locator("button[data-action=start_review]").click()
    expect(page.locator(".messagelist")).to_contain_text("The expert review has started.")
    expect(page.locator("#referral-status")).to_have_text("Under review")
    expect(page.locator("#events-group")).to_contain_text("Accepted → Under review")
    screenshot(page, "admin-change-form-under-review")
    late.refresh_from_db()
    assert (late.status, late.specialist) == (Status.UNDER_REVIEW, setting.specialist)

    # Another center's coordinator neither finds nor opens it.
    other = chromium_browser.new_context(base_url=live_server.url)
    try:
        tab = other.new_page()
        admin_log_in(tab, setting.other_coordinator.email)
        tab.goto("/admin/referrals/referral/")
        expect(tab.locator("#changelist")).not_to_contain_text(late.reference)
        response = tab.goto(change_url(late))
        assert response.status == 404
    finally:
        other.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_referring_coordinator_finds_the_patient_by_name_and_opens_a_referral(
    page, setting, screenshot
):
    wanted = PatientFactory(organization=setting.practice, family_name="Halvorsen", mrn="RC-7")
    PatientFactory(organization=setting.practice, family_name="Ibarra")
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    admin_log_in(page, setting.referring_coordinator.email)
    page.goto("/admin/referrals/referral/add/")
    expect(page.locator("#referral_form")).not_to_contain_text("Ibarra")
    page.locator(".field-patient .select2-selection").click()
    page.locator(".select2-search__field").fill("Halv")
    option = page.locator(".select2-results__option", has_text="Halvorsen")
    expect(option).to_have_count(1)
    expect(page.locator(".select2-results")).not_to_contain_text("Ibarra")
    option.click()
    page.locator("#id_receiving_center").select_option(label=setting.center.name)
    page.locator("#id_referring_oncologist").select_option(index=1)
    page.locator("#id_cancer_site").select_option("breast")
    page.locator("#id_diagnosis").fill("Invasive ductal carcinoma")
    page.get_by_label("Complex or rare diagnosis").check()
    page.locator("#id_clinical_question").fill("Neoadjuvant therapy first?")
    screenshot(page, "admin-add-referral-patient-search")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was added")
    assert Referral.objects.get().patient == wanted
    assert blocked == []
