"""The patient's companion page in a real browser, on a phone-sized screen with JavaScript
off: the oncologist gives the link, the patient prepares the visit and asks two questions, the
specialist answers and signs with a plain-language summary, the patient reads it; revoked, the
link shows nothing."""

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.companion.helpers import BIRTH_DATE
from tests.conftest import log_in
from tests.factories import ConsultationFactory, referral_in_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def window(chromium_browser, live_server):
    """`window(user)`: a browser window of its own, logged in as that user; `window(None)`: the
    patient's phone (no account, JavaScript off)."""
    contexts = []

    def open_for(user):
        if user is None:
            context = chromium_browser.new_context(
                base_url=live_server.url, viewport=PHONE, java_script_enabled=False
            )
        else:
            context = chromium_browser.new_context(
                base_url=live_server.url, viewport={"width": 1366, "height": 900}
            )
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = context.new_page()
        if user is not None:
            log_in(tab, user.email)
        return tab

    yield open_for
    for context in contexts:
        context.close()


def test_the_patient_prepares_asks_and_reads_the_plain_language_summary(
    window, live_server, screenshot, settings
):
    settings.SITE_URL = live_server.url
    referral = referral_in_state(Referral.Status.UNDER_REVIEW)
    ConsultationFactory(referral=referral)
    patient = referral.patient
    patient.consent_to_record_consult = False
    patient.save()

    # The oncologist gives the patient a link: shown once.
    oncologist = window(referral.referring_oncologist)
    oncologist.goto(f"/referrals/{referral.uuid}/")
    oncologist.get_by_role("button", name="Give the patient a link").click()
    expect(oncologist.get_by_text("It is shown only once")).to_be_visible()
    link = oncologist.locator("#patient-link-url").inner_text()
    screenshot(oncologist, "companion-01-link-issued")

    # The patient opens it on a phone and proves who they are.
    phone = window(None)
    phone.goto(link)
    phone.get_by_label("Your date of birth").fill(BIRTH_DATE)
    screenshot(phone, "companion-02-birth-date")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", name="Where your request stands")).to_be_visible()
    expect(
        phone.get_by_text("A specialist at the cancer center is studying your case.")
    ).to_be_visible()
    expect(phone.get_by_text("The specialist writes their opinion.")).to_be_visible()
    expect(phone.get_by_text("Bring a family member or friend.")).to_be_visible()
    screenshot(phone, "companion-03-status-and-checklist")

    phone.get_by_label("Name of the family member or friend").fill("Rosa Zqxsupport")
    phone.get_by_label("Who they are to you").fill("sister")
    phone.locator("fieldset", has_text="May the visit").get_by_label("Yes", exact=True).check()
    phone.locator("fieldset", has_text="interpreter").get_by_label("No", exact=True).check()
    phone.get_by_role("button", name="Save my answers").click()
    expect(phone.get_by_text("Thank you. Your answers are saved.")).to_be_visible()

    for question in ("How long will the treatment last?", "Can I keep working?"):
        phone.get_by_label("Your question for the specialist").fill(question)
        phone.get_by_role("button", name="Send my question").click()
        expect(phone.get_by_text("Your question is saved.")).to_be_visible()
    expect(phone.locator(".questions li")).to_have_count(2)
    screenshot(phone, "companion-04-questions-asked")

    # The specialist sees what the patient said, answers, and may sign only after answering.
    specialist = window(referral.specialist)
    specialist.goto(f"/referrals/{referral.uuid}/")
    panel = specialist.locator("section", has_text="Patient's page")
    expect(panel).to_contain_text("Rosa Zqxsupport (sister)")
    expect(panel).to_contain_text("How long will the treatment last?")
    specialist.get_by_role("link", name="Write the recommendation").click()
    specialist.get_by_label("Concurs with the local plan").check()
    specialist.get_by_label("Summary", exact=True).fill("Agree with neoadjuvant chemotherapy.")
    specialist.get_by_role("button", name="Save and preview").click()
    specialist.once("dialog", lambda dialog: dialog.accept())  # "This is final?"
    specialist.get_by_role("button", name="Sign the recommendation").click()
    expect(specialist.locator(".message")).to_contain_text("answers to the patient's questions")
    expect(specialist.locator(".message")).to_contain_text(
        "a plain-language summary for the patient"
    )
    screenshot(specialist, "companion-05-signing-refused")

    specialist.goto(f"/referrals/{referral.uuid}/")
    specialist.get_by_label("Answer question 1").fill("About four months.")
    specialist.get_by_role("button", name="Save the answer").first.click()
    specialist.get_by_label("Answer question 2").fill("Most people keep working part-time.")
    specialist.get_by_role("button", name="Save the answer").nth(1).click()
    expect(specialist.locator(".message")).to_contain_text("Answer saved")
    specialist.get_by_role("link", name="edit it").click()
    specialist.get_by_label("For the patient, in plain words").fill(
        "The specialist agrees with your doctor: chemotherapy first, then surgery."
    )
    specialist.get_by_role("button", name="Save and preview").click()
    specialist.once("dialog", lambda dialog: dialog.accept())  # "This is final?"
    specialist.get_by_role("button", name="Sign the recommendation").click()
    expect(specialist.locator(".message")).to_have_text("Recommendation version 1 signed.")
    specialist.once("dialog", lambda dialog: dialog.accept())  # "This is final?"
    specialist.get_by_role("button", name="Issue recommendation").click()
    oncologist.goto(f"/referrals/{referral.uuid}/")
    oncologist.get_by_role("button", name="Confirm you received the opinion").click()
    expect(oncologist.locator(".referral-head .status")).to_have_text("Returned")

    # The patient reads the summary and the answers.
    phone.reload()
    expect(phone.get_by_text("chemotherapy first, then surgery.")).to_be_visible()
    expect(phone.get_by_text("About four months.")).to_be_visible()
    expect(phone.get_by_text("Most people keep working part-time.")).to_be_visible()
    screenshot(phone, "companion-06-summary-and-answers")

    # Revoked: the link shows nothing.
    oncologist.once("dialog", lambda dialog: dialog.accept())  # "This cannot be undone."
    oncologist.get_by_role("button", name="Revoke the patient's link").click()
    expect(oncologist.locator(".message")).to_contain_text("revoked")
    phone.reload()
    expect(phone.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(phone.get_by_text("About four months.")).to_have_count(0)
    expect(phone.get_by_text("Where your request stands")).to_have_count(0)
    screenshot(phone, "companion-07-revoked")
