"""Issue 13's browser story, in real headless Chromium: a center coordinator requests
information in the admin, the referring oncologist answers in the portal with a new record and
its file, and the thread shows on both sides."""

import pytest
from playwright.sync_api import expect

from referrals.models import InformationRequest, Referral
from tests.admin.helpers import change_url
from tests.admin.test_browser import admin_log_in
from tests.conftest import log_in
from tests.factories import RecordItemFactory

Status = Referral.Status
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "The margin status is not legible on page 2 of the pathology report."
ANSWER = "Rescanned report attached: margins negative, closest 2 mm."


def test_coordinator_asks_in_the_admin_oncologist_answers_in_the_portal(
    page, chromium_browser, live_server, setting, screenshot, tmp_path
):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist)
    RecordItemFactory(referral=referral, kind="pathology_report", status="received")

    # The center coordinator asks, from the referral's change page.
    admin_log_in(page, setting.coordinator.email)
    page.goto(change_url(referral))
    page.locator("a[data-action=request_information]").click()
    page.get_by_label("Reason").select_option(label="Illegible records")
    page.get_by_label("Question").fill(QUESTION)
    page.get_by_role("button", name="Request information").click()
    expect(page.locator(".messagelist")).to_contain_text("the step's clock is paused")
    expect(page.locator(".workflow-summary")).to_contain_text("awaiting information")
    expect(page.locator("#information_requests-group")).to_contain_text(QUESTION)
    expect(page.locator("#information_requests-group")).to_contain_text("Not answered yet")
    # The review waits for the answer.
    expect(page.locator("[data-action=start_review]")).to_contain_text("waiting for")
    screenshot(page, "information-admin-asked")

    # The oncologist sees the question on the referral page and answers it with a new record.
    context = chromium_browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    portal = context.new_page()
    log_in(portal, setting.oncologist.email)
    portal.goto(f"/referrals/{referral.uuid}/")
    expect(portal.locator(".badge-awaiting")).to_have_text("Awaiting information")
    expect(portal.locator(".information-requests")).to_contain_text(QUESTION)
    expect(portal.locator(".information-requests")).to_contain_text("Illegible records")
    portal.get_by_role("link", name="Provide information").click()
    portal.get_by_label("Your answer").fill(ANSWER)
    portal.get_by_label("A new record with the answer (optional)").select_option(
        label="Pathology report"
    )
    portal.get_by_label("Record description").fill("Rescanned pathology report")
    scan = tmp_path / "rescan.txt"
    scan.write_text("Margins negative; closest margin 2 mm.")
    portal.get_by_label("File for the new record").set_input_files(str(scan))
    screenshot(portal, "information-portal-answer-form")
    portal.get_by_role("button", name="Provide information").click()
    expect(portal.locator(".message")).to_contain_text(
        "Thank you: your answer is sent to the cancer center."
    )
    expect(portal.locator(".badge-awaiting")).to_have_count(0)
    thread = portal.locator(".information-requests")
    expect(thread).to_contain_text(QUESTION)
    expect(thread).to_contain_text(ANSWER)
    expect(thread).to_contain_text(f"Answer from {setting.oncologist.display_name}")
    expect(portal.get_by_text("Rescanned pathology report")).to_be_visible()
    expect(portal.get_by_text("rescan.txt")).to_be_visible()
    screenshot(portal, "information-portal-thread")
    context.close()

    # Back in the admin: the thread shows the answer, the new record is in the checklist.
    page.reload()
    group = page.locator("#information_requests-group")
    expect(group).to_contain_text(ANSWER)
    expect(group).not_to_contain_text("Not answered yet")
    expect(page.locator(".workflow-summary")).not_to_contain_text("awaiting information")
    expect(page.locator("#record_items-group")).to_contain_text("Rescanned pathology report")
    screenshot(page, "information-admin-answered")

    request = InformationRequest.objects.get(referral=referral)
    assert (request.asked_by, request.answered_by, request.answer) == (
        setting.coordinator,
        setting.oncologist,
        ANSWER,
    )
