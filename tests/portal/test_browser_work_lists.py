"""Each portal role's work list in real Chromium at 1366x768: the step every row waits on,
whose turn it is, the due date and urgency; "Overdue" only for the viewer's own late steps;
search, filters and sort on the referral list."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership
from referrals.models import RecordItem, Referral
from tests.conftest import log_in
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    PathologyReviewFactory,
    PatientFactory,
    RecordItemFactory,
    ReferralFactory,
    member,
)

Role = Membership.Role
Status = Referral.Status
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(chromium_browser, live_server):
    """`desk(user)`: a 1366x768 window of its own, logged in as that user."""
    contexts = []

    def open_for(user):
        context = chromium_browser.new_context(
            base_url=live_server.url, viewport={"width": 1366, "height": 768}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = context.new_page()
        log_in(tab, user.email)
        expect(tab.get_by_role("heading", name="My work")).to_be_visible()
        return tab

    yield open_for
    for context in contexts:
        context.close()


@pytest.fixture
def caseload():
    """One oncologist's referrals at one center, one in every kind of turn."""
    practice = CommunityPracticeFactory(name="Riverside Community Oncology")
    center = CancerCenterFactory(name="Gulf Coast Comprehensive Cancer Center")
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST, full_name="Dr. Ana Ortiz")
    specialist = member(center, Role.SPECIALIST, full_name="Dr. Sam Lee")
    pathologist = member(center, Role.PATHOLOGIST, full_name="Dr. Pat Kim")
    today = timezone.localdate()

    def referral(status, days_late, **fields):
        patient = fields.pop("patient", None) or PatientFactory(organization=practice)
        return ReferralFactory(
            patient=patient,
            receiving_center=center,
            referring_oncologist=oncologist,
            status=status,
            next_due=today - datetime.timedelta(days=days_late),
            **fields,
        )

    triage = referral(Status.SUBMITTED, 3)  # the center's late triage
    returned = referral(Status.RECOMMENDATION_ISSUED, 2, specialist=specialist)  # mine, late
    records = referral(
        Status.ACCEPTED,
        -4,
        specialist=specialist,
        patient=PatientFactory(organization=practice, mrn="RCO-77123"),
    )
    RecordItemFactory(referral=records, kind=RecordItem.Kind.PATHOLOGY_SLIDES)
    review = referral(
        Status.UNDER_REVIEW,
        0,
        specialist=specialist,
        urgency=Referral.Urgency.URGENT,
        cancer_site="lung",
        patient=PatientFactory(organization=practice, family_name="Zqxcanaryreview"),
    )
    Referral.objects.filter(pk=review.pk).update(next_due=datetime.date(today.year + 1, 2, 3))
    PathologyReviewFactory(referral=review, pathologist=pathologist, requested_by=pathologist)
    closed = referral(Status.CLOSED, 40, specialist=specialist)
    return {
        "oncologist": oncologist,
        "specialist": specialist,
        "pathologist": pathologist,
        "triage": triage,
        "returned": returned,
        "records": records,
        "review": review,
        "closed": closed,
        "next_year": today.year + 1,
    }


def _row(tab, referral):
    return tab.locator(f"tr[data-reference='{referral.reference}']")


def _shown(tab) -> set[str]:
    """The references of the first list on the page (the home page's open referrals)."""
    return set(
        tab.locator("table.worklist")
        .first.locator("tbody tr")
        .evaluate_all("rows => rows.map(row => row.dataset.reference)")
    )


def test_the_oncologist_sees_whose_turn_it_is_and_only_their_own_late_steps_as_overdue(
    desk, caseload, screenshot
):
    tab = desk(caseload["oncologist"])
    returned, triage = caseload["returned"], caseload["triage"]
    records, review = caseload["records"], caseload["review"]

    expect(_row(tab, returned).locator(".work-step")).to_have_text("Return acknowledgement")
    expect(_row(tab, returned).locator(".turn")).to_have_text("Your action")
    expect(_row(tab, returned).locator(".badge-overdue")).to_have_text("Overdue")
    expect(_row(tab, triage).locator(".turn")).to_contain_text("Waiting on the center")
    expect(_row(tab, triage).locator(".badge-overdue")).to_have_count(0)
    expect(_row(tab, triage).locator(".late-quiet")).to_have_text("late")
    expect(_row(tab, records).locator(".turn")).to_contain_text("Waiting on the practice")
    expect(_row(tab, review).locator(".due")).to_have_text(f"Feb 3, {caseload['next_year']}")
    expect(_row(tab, review)).to_contain_text("Urgent")
    assert _shown(tab) == {r.reference for r in (returned, triage, records, review)}
    expect(tab.get_by_text("Finished (1)")).to_be_visible()
    screenshot(tab, "portal-home-oncologist-1366")

    tab.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    expect(tab.get_by_role("heading", name="Referrals", exact=True)).to_be_visible()
    expect(tab.get_by_role("heading", name="4 referrals")).to_be_visible()
    for box in ("document.documentElement", "document.querySelector('.table-wrap')"):
        scroll, client = tab.evaluate(f"() => [{box}.scrollWidth, {box}.clientWidth]")
        assert scroll <= client, f"{box} scrolls sideways: {scroll} > {client}"
    screenshot(tab, "portal-referral-list-oncologist-1366")

    def apply(**choices):
        tab.goto("/referrals/")
        for label, value in choices.items():
            field = tab.get_by_label(label, exact=True)
            if label == "Search":
                field.fill(value)
            else:
                field.select_option(label=value)
        tab.get_by_role("button", name="Show").click()
        expect(tab.locator("#results-heading")).to_be_visible()
        return _shown(tab)

    assert apply(Search="RCO-77") == {records.reference}
    assert apply(Search="zqxcanaryREVIEW") == {review.reference}
    assert apply(Search=triage.reference[-6:]) == {triage.reference}
    assert apply(**{"Whose turn": "Your action"}) == {returned.reference}
    assert apply(**{"Whose turn": "Waiting on the center"}) == {
        triage.reference,
        review.reference,
    }
    assert apply(Late="Overdue (yours to do)") == {returned.reference}
    assert apply(Late="Late elsewhere") == {triage.reference}
    assert apply(Step="Records") == {records.reference}
    assert apply(Urgency="Urgent") == {review.reference}
    assert apply(**{"Cancer site": "Lung"}) == {review.reference}
    assert apply(State="Finished (any state)") == {caseload["closed"].reference}
    assert apply(State="Submitted") == {triage.reference}
    screenshot(tab, "portal-referral-list-filtered-1366")

    apply(Sort="Due date, latest first")
    order = tab.locator("table.worklist tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.reference)"
    )
    assert order == [review.reference, records.reference, returned.reference, triage.reference]
    apply(Sort="Step")
    order = tab.locator("table.worklist tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.reference)"
    )
    assert order == [triage.reference, records.reference, review.reference, returned.reference]


def test_the_specialist_and_the_pathologist_see_the_step_and_search_only_their_referrals(
    desk, caseload, screenshot
):
    review, triage = caseload["review"], caseload["triage"]
    specialist = desk(caseload["specialist"])
    expect(_row(specialist, review).locator(".work-step")).to_have_text("Recommendation")
    expect(_row(specialist, review).locator(".turn")).to_have_text("Your action")
    expect(_row(specialist, caseload["returned"]).locator(".turn")).to_contain_text(
        "Waiting on the practice"
    )
    # The practice's late acknowledgement is not the specialist's to do: quiet, not overdue.
    expect(_row(specialist, caseload["returned"]).locator(".badge-overdue")).to_have_count(0)
    screenshot(specialist, "portal-home-specialist-1366")
    specialist.goto("/referrals/?q=Zqxcanaryreview")
    assert _shown(specialist) == {review.reference}
    specialist.goto(f"/referrals/?q={triage.patient.family_name}")
    assert _shown(specialist) == set()  # not assigned to them: not found
    screenshot(specialist, "portal-referral-list-specialist-1366")

    pathologist = desk(caseload["pathologist"])
    row = _row(pathologist, review)
    expect(row.locator(".work-step")).to_have_text("Recommendation")
    expect(row.locator(".turn")).to_contain_text("Waiting on the center")
    expect(row.locator(".turn-detail")).to_have_text("assigned specialist")
    expect(row.locator(".due")).to_have_text(f"Feb 3, {caseload['next_year']}")
    screenshot(pathologist, "portal-home-pathologist-1366")
    pathologist.goto(f"/referrals/?q={review.patient.mrn}")
    assert _shown(pathologist) == {review.reference}
    pathologist.goto(f"/referrals/?q={caseload['records'].patient.mrn}")
    assert _shown(pathologist) == set()
