"""A form filled in badly shows what is wrong next to each field and keeps what was typed."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from referrals.models import Patient, Referral
from tests.conftest import log_in
from tests.factories import CancerCenterFactory, CommunityPracticeFactory, member

Role = Membership.Role
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def field_errors(page, field_id: str):
    return page.locator(f"#{field_id}_error")


def test_a_new_referral_with_bad_data_shows_field_errors_and_keeps_the_typed_values(
    page, screenshot
):
    practice = CommunityPracticeFactory()
    CancerCenterFactory(name="Lakeside Comprehensive Cancer Center")
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST)
    log_in(page, oncologist.email)
    page.goto("/referrals/new/")

    # First attempt: no MRN, no date of birth, no diagnosis, no reason.
    page.get_by_label("A new patient").check()
    page.get_by_label("Given name").fill("Maria")
    page.get_by_label("Family name").fill("Lopez")
    page.get_by_label("Cancer site").select_option(label="Lung")
    page.get_by_label("Clinical question for the expert").fill("Is an ALK inhibitor right?")
    page.get_by_label("Cancer center", exact=True).select_option(
        label="Lakeside Comprehensive Cancer Center"
    )
    page.get_by_label("Records only").check()
    page.get_by_role("button", name="Save and submit").click()

    expect(page.locator(".form-problems")).to_contain_text("Please correct the problems below.")
    expect(field_errors(page, "id_mrn")).to_have_text("Required for a new patient.")
    expect(field_errors(page, "id_date_of_birth")).to_have_text("Required for a new patient.")
    expect(field_errors(page, "id_diagnosis")).to_have_text("This field is required.")
    expect(field_errors(page, "id_reasons")).to_have_text("This field is required.")
    expect(page.get_by_label("A new patient")).to_be_checked()
    expect(page.get_by_label("Given name")).to_have_value("Maria")
    expect(page.get_by_label("Family name")).to_have_value("Lopez")
    expect(page.get_by_label("Clinical question for the expert")).to_have_value(
        "Is an ALK inhibitor right?"
    )
    expect(page.get_by_label("Cancer site")).to_have_value("lung")
    expect(page.get_by_label("Records only")).to_be_checked()
    screenshot(page, "10-new-referral-with-errors")

    # Second attempt: complete, but the patient's consent to share records is not ticked.
    # The service refuses the submission; nothing is saved and the form still holds it all.
    page.get_by_label("MRN", exact=True).fill("LK-0042")
    page.get_by_label("Date of birth").fill("1959-07-02")
    page.get_by_label("Diagnosis", exact=True).fill("NSCLC, adenocarcinoma, ALK+")
    page.get_by_label("Patient uncertainty").check()
    page.get_by_role("button", name="Save and submit").click()

    expect(field_errors(page, "id_consent_to_share_records")).to_have_text(
        "Waiting for the patient's consent to share records."
    )
    expect(page.get_by_label("MRN", exact=True)).to_have_value("LK-0042")
    expect(page.get_by_label("Diagnosis", exact=True)).to_have_value("NSCLC, adenocarcinoma, ALK+")
    expect(page.get_by_label("Patient uncertainty")).to_be_checked()
    assert not Patient.objects.exists() and not Referral.objects.exists()

    page.get_by_label("The patient consents to sharing their records").check()
    page.get_by_label("Nothing is proposed locally yet").check()
    page.get_by_role("button", name="Save and submit").click()
    expect(page.locator(".referral-head .status")).to_have_text("Submitted")
    assert Referral.objects.get().patient.mrn == "LK-0042"


def test_log_in_and_reach_the_work_list_with_the_keyboard_only(page, screenshot):
    specialist = member(CancerCenterFactory(), Role.SPECIALIST, full_name="Dr. Keys")
    page.goto("/accounts/login/")
    screenshot(page, "00-log-in")
    # The e-mail field has the focus when the page opens.
    page.keyboard.type(specialist.email)
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
