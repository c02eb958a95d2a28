"""In real Chromium: the specialist's inbox shows the oncologist's question as it is posted,
and the unread count drops once it is opened."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inbox.models import Notification
from referrals.models import Referral
from reminders.models import OutgoingEmail
from tests.admin.test_browser import admin_log_in
from tests.conftest import log_in
from tests.factories import Cast, referral_in_state

Status = Referral.Status
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(chromium_browser, live_server):
    """`desk(user)`: a browser window of its own at 1366x768, logged in as that user."""
    contexts = []

    def open_for(user, path: str = "/accounts/login/"):
        context = chromium_browser.new_context(
            base_url=live_server.url, viewport={"width": 1366, "height": 768}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = context.new_page()
        if path.startswith("/admin/"):
            admin_log_in(tab, user.email)
        else:
            log_in(tab, user.email, path=path)
        return tab

    yield open_for
    for context in contexts:
        context.close()


def test_a_question_in_a_progress_update_appears_in_the_specialists_inbox_until_read(
    desk, screenshot
):
    referral = referral_in_state(Status.RETURNED)
    cast = Cast(referral)
    specialist, oncologist = desk(cast.specialist), desk(cast.referring_oncologist)
    inbox_link = specialist.locator("header [data-inbox]")
    expect(inbox_link).to_have_text("Inbox")

    # The oncologist reads the recommendation first, then asks the specialist a question.
    oncologist.goto(f"/referrals/{referral.uuid}/")
    expect(oncologist.locator("main h2").first).to_have_text("Recommendation")
    screenshot(oncologist, "inbox-01-oncologist-recommendation-first")
    oncologist.get_by_role("link", name="Post a progress update").click()
    oncologist.get_by_label("Date of the update").fill(timezone.localdate().isoformat())
    oncologist.get_by_label("Stable", exact=True).check()
    oncologist.get_by_label("Recommendation followed").select_option(label="Yes")
    oncologist.get_by_label("Question for the specialist").fill("Surgery 4 or 6 weeks after?")
    oncologist.get_by_role("button", name="Post the update").click()
    expect(oncologist.locator(".update")).to_contain_text("Surgery 4 or 6 weeks after?")

    # The specialist's header now counts it; the inbox lists it, bold, without PHI.
    specialist.reload()
    expect(inbox_link).to_have_text("Inbox 1 unread")
    screenshot(specialist, "inbox-02-header-with-unread-count")
    inbox_link.click()
    expect(specialist.get_by_role("heading", name="1 unread")).to_be_visible()
    item = specialist.locator(".inbox-list li.unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"{referral.reference}: Progress update posted")
    expect(specialist.locator("main")).not_to_contain_text(referral.patient.family_name)
    screenshot(specialist, "inbox-03-inbox-page-unread")

    # Opening it leads to the referral, with the question to answer; the count is gone.
    item.get_by_role("link").click()
    expect(specialist).to_have_url(f"/referrals/{referral.uuid}/")
    expect(specialist.locator(".update")).to_contain_text("Surgery 4 or 6 weeks after?")
    expect(inbox_link).to_have_text("Inbox")
    inbox_link.click()
    expect(specialist.locator(".inbox-list li.unread")).to_have_count(0)
    expect(specialist.locator(".inbox-list li")).to_have_count(1)
    screenshot(specialist, "inbox-04-inbox-page-read")

    # The e-mail went out as well, to the same person only.
    notified = set(Notification.objects.values_list("recipient__email", flat=True))
    mailed = set(
        OutgoingEmail.objects.filter(subject__startswith=referral.reference).values_list(
            "to", flat=True
        )
    )
    assert notified == mailed == {cast.specialist.email}


def test_a_coordinators_inbox_count_shows_in_the_admin_header(desk, screenshot):
    from referrals.services.workflow import referral_transition

    referral = referral_in_state(Status.DRAFT, with_specialist=False)
    cast = Cast(referral)
    referral_transition(referral=referral, actor=cast.referring_oncologist, action="submit")

    coordinator = desk(cast.center_coordinator, path="/admin/login/")
    inbox_link = coordinator.locator("#user-tools [data-inbox]")
    expect(inbox_link).to_have_text("Inbox 1 unread")
    screenshot(coordinator, "inbox-05-admin-header-with-unread-count")
    inbox_link.click()
    coordinator.locator(".inbox-list li.unread").get_by_role("link").click()
    expect(coordinator.locator("#referral-status")).to_have_text("Submitted")
    expect(coordinator.locator("#user-tools [data-inbox]")).to_have_text("Inbox")
