"""The coordinator's work lists in real Chromium at 1366x768: the home page's queue and the
referral change list say per row the step it waits on and whose turn it is; "overdue" is only
what the center must do, the practice's late steps are apart; the list fits the screen."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import RecordItem, Referral
from tests.admin.test_browser import admin_log_in
from tests.factories import PatientFactory, RecordItemFactory

Status = Referral.Status
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def laptop(chromium_browser, live_server):
    """A 1366x768 window: the smallest laptop screen a coordinator works on."""
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 768}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _morning(setting):
    """A center's morning: its own late triage, the practice's late records, the specialist's
    recommendation due next year, an urgent triage due in three days."""
    setting.center.name = "Gulf Coast Comprehensive Cancer Center at Saint Elizabeth"
    setting.center.save()
    today = timezone.localdate()
    triage = setting.referral(days_late=2)
    records = setting.referral(status=Status.ACCEPTED, days_late=4, accepted_at=timezone.now())
    RecordItemFactory(referral=records, kind=RecordItem.Kind.PATHOLOGY_SLIDES, required=True)
    next_year = datetime.date(today.year + 1, 1, 15)
    recommendation = setting.referral(
        status=Status.UNDER_REVIEW,
        specialist=setting.specialist,
        accepted_at=timezone.now(),
        review_started_at=timezone.now(),
        patient=PatientFactory(organization=setting.practice, mrn="MRN-LONG-0000123456"),
    )
    Referral.objects.filter(pk=recommendation.pk).update(next_due=next_year)
    urgent = setting.referral(days_late=-3, urgency="urgent")
    # The widest state badge, a long specialist name, a cancer site of three words.
    setting.specialist.full_name = "Alexandra Montgomery-Richardson"
    setting.specialist.save()
    setting.referral(
        status=Status.RECOMMENDATION_ISSUED,
        days_late=-5,
        specialist=setting.specialist,
        cancer_site="head_and_neck",
        accepted_at=timezone.now(),
        review_started_at=timezone.now(),
        recommendation_issued_at=timezone.now(),
    )
    return triage, records, recommendation, urgent


def test_the_home_queue_names_the_step_and_whose_turn_and_keeps_others_late_steps_apart(
    laptop, setting, screenshot
):
    triage, records, _recommendation, _urgent = _morning(setting)
    admin_log_in(laptop, setting.coordinator.email)

    late_now = laptop.locator("#late-now")
    expect(late_now).to_contain_text(triage.reference)
    expect(late_now).not_to_contain_text(records.reference)
    expect(late_now.locator(f"tr[data-reference='{triage.reference}']")).to_contain_text(
        "TriageYour action"
    )
    elsewhere = laptop.locator("#late-elsewhere")
    expect(elsewhere).to_contain_text("Late elsewhere (1)")
    expect(elsewhere.locator(f"tr[data-reference='{records.reference}']")).to_contain_text(
        "RecordsWaiting on the practice"
    )
    screenshot(laptop, "admin-home-work-queue-1366")

    elsewhere.get_by_role("link", name=records.reference).wait_for()
    laptop.goto("/admin/referrals/referral/?due=late_elsewhere")
    expect(laptop.locator("#result_list tbody tr")).to_have_count(1)
    expect(laptop.locator("#result_list")).to_contain_text(records.reference)
    expect(laptop.locator("#result_list .overdue-flag")).to_have_count(0)
    expect(laptop.locator("#result_list .late-quiet")).to_have_text("late elsewhere")


def test_the_change_list_fits_1366_and_filters_on_step_and_whose_turn(laptop, setting, screenshot):
    triage, records, recommendation, urgent = _morning(setting)
    admin_log_in(laptop, setting.coordinator.email)
    laptop.goto("/admin/referrals/referral/")
    results = laptop.locator("#result_list")
    expect(results.locator("tbody tr")).to_have_count(5)

    screenshot(laptop, "admin-change-list-1366")

    # No horizontal scroll, neither of the page nor of the table's own scrolling box; the
    # last columns (Due, Overdue) are on screen.
    for box in ("document.documentElement", "document.querySelector('#changelist .results')"):
        scroll, client = laptop.evaluate(f"() => [{box}.scrollWidth, {box}.clientWidth]")
        assert scroll <= client, f"{box} scrolls sideways: {scroll} > {client}"
    for column in ("due_display", "overdue_display"):
        edge = results.locator(f"thead th.column-{column}").bounding_box()
        assert edge["x"] + edge["width"] <= 1366, f"{column} is off screen: {edge}"

    def row(referral):
        return results.locator("tr").filter(has_text=referral.reference)

    expect(row(triage).locator(".field-waiting_on")).to_have_text("TriageYour action")
    expect(row(triage).locator(".field-overdue_display")).to_have_text("Overdue")
    expect(row(records).locator(".field-waiting_on")).to_have_text("RecordsWaiting on the practice")
    expect(row(records).locator(".field-overdue_display")).to_have_text("late elsewhere")
    expect(row(recommendation).locator(".field-waiting_on")).to_have_text(
        "RecommendationWaiting on the center"
    )
    next_year = timezone.localdate().year + 1
    expect(row(recommendation).locator(".field-due_display")).to_have_text(f"Jan 15, {next_year}")
    expect(row(urgent).locator(".field-urgency_display")).to_have_text("Urgent")

    filters = laptop.locator("#changelist-filter")
    filters.get_by_role("link", name="Your action", exact=True).click()
    expect(results.locator("tbody tr")).to_have_count(2)
    expect(results).to_contain_text(triage.reference)
    expect(results).to_contain_text(urgent.reference)
    screenshot(laptop, "admin-change-list-your-action-1366")

    laptop.goto("/admin/referrals/referral/")
    filters.get_by_role("link", name="Records", exact=True).click()
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text(records.reference)

    laptop.goto("/admin/referrals/referral/")
    filters.get_by_role("link", name="Waiting on the center", exact=True).click()
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text(recommendation.reference)
