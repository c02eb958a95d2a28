"""Rough edges of the admin a new coordinator hit: the timeline names the record that
changed, issuing asks first, the home cards keep words whole and dates carry the year when
it is not this one, "Add SLA policy" only where it can be saved, the periodic-task form
under the CSP, a favicon. Browser checks at 1366x768, screenshots saved."""

import datetime

import pytest
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule
from playwright.sync_api import expect

from accounts.models import Membership
from referrals.models import Referral
from referrals.services import records
from reminders.models import SLAPolicy
from tests.admin.helpers import change_url
from tests.admin.test_browser import admin_log_in
from tests.factories import (
    ConsultationFactory,
    RecommendationFactory,
    RecordItemFactory,
    UserFactory,
)

Status = Referral.Status
SLA_ADD = "/admin/reminders/slapolicy/add/"
SLA_LIST = "/admin/reminders/slapolicy/"


@pytest.fixture
def tab(page):
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


def csp_violations(tab) -> list:
    seen = []
    tab.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


# The timeline


@pytest.mark.django_db
def test_the_admin_timeline_names_each_record_whose_status_changed(coordinator_client, setting):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist)
    kinds = ["clinical_notes", "imaging_report", "pathology_report"]
    items = [RecordItemFactory(referral=referral, kind=kind) for kind in kinds]
    items.append(RecordItemFactory(referral=referral, kind="other", description="Genetics letter"))
    for item in items:
        records.record_item_change(
            actor=setting.coordinator, item=item, data={"status": "received"}
        )

    page = coordinator_client.get(change_url(referral)).content.decode()

    assert "Clinical notes: Requested → Received" in page
    assert "Imaging report: Requested → Received" in page
    assert "Pathology report: Requested → Received" in page
    assert "Other (Genetics letter): Requested → Received" in page


# Issuing asks first, in the admin too


@pytest.mark.django_db
def test_issuing_in_the_admin_goes_through_a_page_that_asks_first(client, setting):
    # A specialist who also coordinates their center reaches the admin (a small center).
    specialist = setting.specialist
    Membership.objects.create(user=specialist, organization=setting.center, role="coordinator")
    referral = setting.referral(
        status=Status.UNDER_REVIEW, specialist=specialist, modality="in_person"
    )
    RecordItemFactory(referral=referral, status="received")
    ConsultationFactory(referral=referral)
    RecommendationFactory(referral=referral, author=specialist)
    client.force_login(specialist)
    action_url = f"{change_url(referral).removesuffix('change/')}workflow/issue_recommendation/"

    change_page = client.get(change_url(referral)).content.decode()
    # A link to the confirmation page, not a one-click form.
    assert f'<a href="{action_url}" class="workflow-button" data-action="issue_recommendation"' in (
        change_page
    )

    question = client.get(action_url).content.decode()
    assert "Issue the recommendation? The referring oncologist will read it" in question
    referral.refresh_from_db()
    assert referral.status == Status.UNDER_REVIEW

    done = client.post(action_url, {}, follow=True).content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.RECOMMENDATION_ISSUED
    assert "Recommendation issued: the referring oncologist can read it now." in done


# SLA policy: offered only where it can be saved


@pytest.mark.django_db
def test_a_community_coordinator_is_not_offered_an_sla_policy_they_could_never_save(
    client, setting
):
    client.force_login(setting.referring_coordinator)
    listing = client.get(SLA_LIST)
    assert listing.status_code == 200
    assert SLA_ADD not in listing.content.decode()
    assert client.get(SLA_ADD).status_code == 403
    assert client.post(
        SLA_ADD, {"center": setting.center.pk, "urgency": "routine"}
    ).status_code == (403)
    assert not SLAPolicy.objects.filter(center=setting.center).exists()


@pytest.mark.django_db
def test_a_center_coordinator_adds_the_policy_of_their_center(client, setting):
    client.force_login(setting.coordinator)
    assert SLA_ADD in client.get(SLA_LIST).content.decode()
    response = client.post(
        SLA_ADD,
        {
            "center": setting.center.pk,
            "urgency": "urgent",
            "triage_days": 1,
            "records_days": 5,
            "recommendation_days": 4,
            "return_days": 3,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = SLAPolicy.objects.get(center=setting.center, urgency="urgent")
    assert (policy.triage_days, policy.recommendation_days) == (1, 4)
    # Another center's policy is not theirs to add.
    other = client.post(SLA_ADD, {"center": setting.other_center.pk, "urgency": "routine"})
    assert other.status_code == 200 and "Select a valid choice" in other.content.decode()


# The favicon


@pytest.mark.django_db
def test_the_favicon_is_linked_and_served(client):
    login = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in login
    assert 'rel="icon" href="/admin/' not in login
    admin_login = client.get("/admin/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.ico"' in admin_login
    redirect = client.get("/favicon.ico")
    assert (redirect.status_code, redirect["Location"]) == (302, "/static/favicon.ico")


# In the browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_home_cards_keep_words_whole_and_dates_carry_another_years_year(
    tab, setting, screenshot
):
    this_year = setting.referral(days_late=3)
    last_year_due = timezone.localdate().replace(month=1, day=1) - datetime.timedelta(days=1)
    last_year = setting.referral()
    Referral.objects.filter(pk=last_year.pk).update(next_due=last_year_due)
    soon = setting.referral(days_late=-2)

    admin_log_in(tab, setting.coordinator.email)
    late = tab.locator("#late-now")
    expect(late).to_contain_text(this_year.reference)
    short = f"{this_year.next_due:%b} {this_year.next_due.day}"
    expect(late.locator("td.due").filter(has_text=short).first).to_have_text(
        short.replace(" ", "\N{NO-BREAK SPACE}")
    )
    expect(late).to_contain_text(f"Dec\N{NO-BREAK SPACE}31,\N{NO-BREAK SPACE}{last_year_due.year}")
    expect(tab.locator("#due-this-week")).to_contain_text(soon.reference)

    # Every header, reference and date sits on one line.
    lines = tab.evaluate(
        """() => [...document.querySelectorAll(
              '.workspace th, .workspace td:first-child, .workspace td.due')]
            .map(cell => { const range = document.createRange();
                           range.selectNodeContents(cell);
                           const tops = new Set([...range.getClientRects()]
                               .map(rect => Math.round(rect.top)));
                           return [cell.textContent.trim(), tops.size]; })"""
    )
    assert lines and all(count == 1 for _, count in lines), lines
    # ...and no list is wider than its card.
    overflowing = tab.evaluate(
        """() => [...document.querySelectorAll('.workspace-card')]
            .filter(card => card.scrollWidth > card.clientWidth).map(card => card.id)"""
    )
    assert overflowing == []
    screenshot(tab, "edges-admin-home-cards")

    # The change page's timeline names the records.
    item = RecordItemFactory(referral=this_year, kind="imaging_report")
    records.record_item_change(
        actor=setting.referring_coordinator, item=item, data={"status": "sent"}
    )
    tab.goto(change_url(this_year))
    expect(tab.locator("#events-group")).to_contain_text("Imaging report: Requested → Sent")
    screenshot(tab, "edges-admin-timeline-names-the-record")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_periodic_task_form_works_under_the_content_security_policy(tab, screenshot):
    admin = UserFactory(is_staff=True, is_superuser=True, email="admin@example.org")
    CrontabSchedule.objects.create(minute="0", hour="7", day_of_week="*")
    violations = csp_violations(tab)
    favicon_answers = []
    tab.on(
        "response",
        lambda response: (
            favicon_answers.append(response.status) if "favicon" in response.url else None
        ),
    )
    admin_log_in(tab, admin.email)
    tab.goto("/admin/django_celery_beat/periodictask/add/")
    expect(tab.locator("#periodictask_form")).to_be_visible()

    # The form's own script runs: the crontab chosen is said in words under the field.
    tab.locator("#id_crontab").select_option(index=1)
    expect(tab.locator(".field-crontab .help")).to_contain_text("Translation: ")
    expect(tab.locator(".field-crontab_translation")).to_be_hidden()
    screenshot(tab, "edges-periodic-task-add-under-csp")

    assert violations == []
    assert favicon_answers and all(status == 200 for status in favicon_answers)
    assert tab.evaluate(
        "() => [...document.querySelectorAll('link[rel=icon]')].map(link => link.href)"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_that_ask_first_and_offer_less_in_the_browser(tab, setting, screenshot):
    # A community coordinator sees the SLA policies they fall back on, with nothing to add.
    admin_log_in(tab, setting.referring_coordinator.email)
    tab.goto(SLA_LIST)
    expect(tab.locator("#content h1")).to_be_visible()
    expect(tab.locator(f'a[href="{SLA_ADD}"]')).to_have_count(0)
    screenshot(tab, "edges-sla-policies-community-coordinator")

    # The specialist who coordinates a small center issues from a page that asks first.
    specialist = setting.specialist
    Membership.objects.create(user=specialist, organization=setting.center, role="coordinator")
    referral = setting.referral(
        status=Status.UNDER_REVIEW, specialist=specialist, modality="records_only"
    )
    RecordItemFactory(referral=referral, status="received")
    RecommendationFactory(referral=referral, author=specialist)
    tab.context.clear_cookies()
    admin_log_in(tab, specialist.email)
    tab.goto(change_url(referral))
    tab.locator("a[data-action=issue_recommendation]").click()
    expect(tab.locator(".confirm-question")).to_contain_text("Issue the recommendation?")
    screenshot(tab, "edges-admin-issue-asks-first")
    tab.get_by_role("button", name="Issue recommendation").click()
    expect(tab.locator("#referral-status")).to_have_text("Recommendation issued")
