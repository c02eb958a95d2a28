"""The referring oncologist downloads the consult letter from the portal, in a real browser;
the admin offers it too."""

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from referrals.models import Referral
from tests.conftest import log_in
from tests.factories import Cast, referral_in_state

Status = Referral.Status
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_oncologist_downloads_the_consult_letter_from_the_portal(page, screenshot):
    referral = referral_in_state(Status.RECOMMENDATION_ISSUED)
    recommendation = referral.recommendations.get()
    recommendation.clinical_trials = ["NCT04191499"]
    recommendation.save()
    other = referral_in_state(Status.RECOMMENDATION_ISSUED)
    log_in(page, referral.referring_oncologist.email)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    page.goto(f"/referrals/{referral.uuid}/")
    button = page.get_by_role("link", name="Download the consult letter (PDF)")
    expect(button).to_be_visible()
    screenshot(page, "portal-consult-letter-button")
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value

    assert download.suggested_filename == f"consult-letter-{referral.reference}.pdf"
    pdf = PdfReader(download.path())
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert referral.reference in text
    assert "Concurs with the local plan" in text
    assert "NCT04191499" in text
    assert other.patient.family_name not in text


def test_no_download_button_before_the_recommendation_is_issued(page):
    referral = referral_in_state(Status.UNDER_REVIEW, ready=True)  # signed, not yet issued
    log_in(page, referral.referring_oncologist.email)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    page.goto(f"/referrals/{referral.uuid}/")
    expect(page.get_by_role("heading", name="Recommendation")).to_be_visible()
    expect(page.get_by_role("link", name="Download the consult letter (PDF)")).to_have_count(0)


def test_the_admin_offers_the_consult_letter(page):
    referral = referral_in_state(Status.RETURNED)
    page.goto("/admin/login/")
    page.locator("#id_username").fill(Cast(referral).center_coordinator.email)
    page.locator("#id_password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_contain_text("Second Opinion Tracker")
    page.goto(f"/admin/referrals/referral/{referral.uuid}/change/")
    link = page.get_by_role("link", name="Consult letter (PDF)")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename == f"consult-letter-{referral.reference}.pdf"
