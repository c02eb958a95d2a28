"""The whole story in a real browser: referral, pathology review, recommendation, follow-up.

Each person works in their own browser window. The center coordinator's steps (accept, mark
records received, request the pathology review, start the review) happen in the admin, which
is not the portal, so this test takes them through the services.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership
from referrals.models import Referral
from referrals.services import clinical, records
from referrals.services.workflow import referral_transition
from tests.conftest import log_in
from tests.factories import CancerCenterFactory, CommunityPracticeFactory, member

Role = Membership.Role
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TRIAL = "NCT04123456"


@pytest.fixture
def desk(chromium_browser, live_server):
    """`desk(user)`: a browser window of its own, logged in as that user."""
    contexts = []

    def open_for(user):
        context = chromium_browser.new_context(
            base_url=live_server.url, viewport={"width": 1366, "height": 900}
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
def people():
    practice = CommunityPracticeFactory(name="Riverside Community Oncology")
    center = CancerCenterFactory(name="Gulf Coast Comprehensive Cancer Center")
    return {
        "center": center,
        "oncologist": member(
            practice,
            Role.REFERRING_ONCOLOGIST,
            full_name="Dr. Ana Ortiz",
            email="ortiz@rco.example",
        ),
        "other_oncologist": member(practice, Role.REFERRING_ONCOLOGIST),
        "coordinator": member(center, Role.COORDINATOR),
        "specialist": member(center, Role.SPECIALIST, full_name="Dr. Sam Reyes"),
        "pathologist": member(center, Role.PATHOLOGIST, full_name="Dr. Kim Park"),
        "other_specialist": member(CancerCenterFactory(), Role.SPECIALIST),
    }


def local_minutes(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def create_and_submit_referral(tab, screenshot) -> Referral:
    tab.get_by_role("link", name="New referral").first.click()
    expect(tab.get_by_role("heading", name="New second-opinion referral")).to_be_visible()
    tab.get_by_label("A new patient").check()
    tab.get_by_label("MRN", exact=True).fill("RCO-55120")
    tab.get_by_label("Given name").fill("Maria")
    tab.get_by_label("Family name").fill("Lopez")
    tab.get_by_label("Date of birth").fill("1968-03-14")
    tab.get_by_label("The patient consents to sharing their records").check()
    tab.get_by_label("Cancer site").select_option(label="Sarcoma")
    tab.get_by_label("Diagnosis", exact=True).fill("Undifferentiated pleomorphic sarcoma, thigh")
    tab.get_by_label("Complex or rare diagnosis").check()
    tab.get_by_label("Interest in clinical trials").check()
    tab.get_by_label("Clinical question for the expert").fill(
        "Is limb-sparing surgery possible after preoperative radiation?"
    )
    tab.get_by_label("Cancer center", exact=True).select_option(
        label="Gulf Coast Comprehensive Cancer Center"
    )
    tab.get_by_label("Local treatment plan").fill("Surgery first, then adjuvant radiation.")
    tab.get_by_label("Urgent").check()
    tab.get_by_label("Pathology slides").select_option("required")
    screenshot(tab, "01-oncologist-new-referral-form")
    tab.get_by_role("button", name="Save and submit").click()

    expect(tab.locator(".message")).to_contain_text("submitted")
    expect(tab.locator(".referral-head .status")).to_have_text("Submitted")
    expect(tab.get_by_text("Is limb-sparing surgery possible")).to_be_visible()
    expect(tab.locator(".timeline")).to_contain_text("Submitted")
    return Referral.objects.get(patient__mrn="RCO-55120")


def test_a_second_opinion_from_referral_to_follow_up(people, desk, screenshot):
    oncologist_tab = desk(people["oncologist"])
    referral = create_and_submit_referral(oncologist_tab, screenshot)
    assert referral.status == "submitted" and referral.urgency == "urgent"
    screenshot(oncologist_tab, "02-referral-page-submitted")

    # The center coordinator accepts it and asks for a pathology re-review (in the admin).
    coordinator, specialist, pathologist = (
        people["coordinator"],
        people["specialist"],
        people["pathologist"],
    )
    referral_transition(
        referral=referral, actor=coordinator, action="accept", data={"specialist": specialist}
    )
    clinical.pathology_review_request(actor=coordinator, referral=referral, pathologist=pathologist)

    # The oncologist ships the slides with a tracking number.
    oncologist_tab.reload()
    slides_row = oncologist_tab.locator("tr", has_text="Pathology slides")
    slides_row.locator("summary", has_text="Mark sent").click()
    slides_row.get_by_label("Carrier").fill("FedEx")
    slides_row.get_by_label("Tracking number").fill("7712 3456 7890")
    slides_row.get_by_label("Specimen, slide or block identifiers").fill("S26-4411 A1-A6")
    slides_row.get_by_role("button", name="Mark sent").click()
    expect(oncologist_tab.locator("tr", has_text="Pathology slides")).to_contain_text(
        "FedEx 7712 3456 7890"
    )
    for item in referral.record_items.exclude(kind="pathology_slides").filter(required=True):
        records.record_item_change(actor=people["oncologist"], item=item, data={"status": "sent"})
        records.record_item_change(actor=coordinator, item=item, data={"status": "received"})

    # The pathologist finds the review in their work list, logs the slides in, signs the review.
    pathology_tab = desk(pathologist)
    expect(pathology_tab.get_by_role("link", name=referral.reference)).to_be_visible()
    screenshot(pathology_tab, "03-pathologist-work-list")
    pathology_tab.get_by_role("link", name=referral.reference).click()
    pathology_tab.locator("tr", has_text="Pathology slides").locator(
        "summary", has_text="Mark received"
    ).click()
    pathology_tab.locator("tr", has_text="Pathology slides").get_by_role(
        "button", name="Mark received"
    ).click()
    expect(pathology_tab.locator("tr", has_text="Pathology slides")).to_contain_text("Received")
    referral_transition(referral=referral, actor=coordinator, action="start_review")

    pathology_tab.reload()
    pathology_tab.get_by_role("link", name="Write the review").click()
    pathology_tab.get_by_label("Specimens reviewed").fill("6 H&E slides, 2 IHC slides (S26-4411)")
    pathology_tab.get_by_label("Original diagnosis").fill("Undifferentiated pleomorphic sarcoma")
    pathology_tab.get_by_label("Review diagnosis").fill("Myxofibrosarcoma, high grade (FNCLCC 3)")
    pathology_tab.get_by_label("Major (changes treatment or prognosis)").check()
    pathology_tab.get_by_label("Additional tests recommended").fill("MDM2 FISH to exclude DDLPS")
    screenshot(pathology_tab, "04-pathology-review-form")
    pathology_tab.once("dialog", lambda dialog: dialog.accept())  # "This is final?"
    pathology_tab.get_by_role("button", name="Sign the review").click()
    expect(pathology_tab.locator(".message")).to_have_text("Pathology review signed.")
    expect(pathology_tab.locator(".review")).to_contain_text("Myxofibrosarcoma, high grade")
    expect(pathology_tab.locator(".review .discrepancy")).to_contain_text("Major")

    # The slides go back to the originating lab.
    slides_row = pathology_tab.locator("tr", has_text="Pathology slides")
    slides_row.locator("summary", has_text="Mark returned").click()
    slides_row.get_by_label("Carrier").fill("UPS")
    slides_row.get_by_label("Tracking number").fill("1Z999AA10123456784")
    slides_row.get_by_role("button", name="Mark returned").click()
    expect(pathology_tab.locator("tr", has_text="Pathology slides")).to_contain_text("Returned")
    expect(pathology_tab.locator("tr", has_text="Pathology slides")).to_contain_text(
        "UPS 1Z999AA10123456784"
    )

    # The specialist records the consult, writes, previews and signs the recommendation.
    specialist_tab = desk(specialist)
    row = specialist_tab.locator("tr", has_text=referral.reference)
    expect(row).to_contain_text("Under review")
    expect(row).to_contain_text("Sarcoma")
    screenshot(specialist_tab, "05-specialist-work-list")
    row.get_by_role("link", name=referral.reference).click()
    specialist_tab.get_by_role("link", name="Schedule the consultation").click()
    # Completed just now (the referral itself was created moments ago).
    specialist_tab.get_by_label("Completed at").fill(local_minutes(timezone.now()))
    specialist_tab.get_by_label("Notes").fill("Seen with her husband by video.")
    specialist_tab.get_by_role("button", name="Save the consultation").click()
    expect(specialist_tab.locator(".message")).to_have_text("Consultation saved.")

    specialist_tab.get_by_role("link", name="Write the recommendation").click()
    specialist_tab.get_by_label("Modifies the local plan").check()
    specialist_tab.get_by_label("Summary").fill(
        "Preoperative radiation, then wide excision; limb-sparing is feasible."
    )
    specialist_tab.get_by_label("Clinical trials").fill(TRIAL.lower())
    specialist_tab.get_by_label("I will follow the patient").check()
    specialist_tab.get_by_label("Progress update every (days)").fill("30")
    screenshot(specialist_tab, "06-recommendation-form")
    specialist_tab.get_by_role("button", name="Save and preview").click()
    expect(specialist_tab.get_by_role("heading", name="Preview the recommendation")).to_be_visible()
    trial_link = specialist_tab.get_by_role("link", name=TRIAL)
    expect(trial_link).to_have_attribute("href", f"https://clinicaltrials.gov/study/{TRIAL}")
    screenshot(specialist_tab, "07-recommendation-preview")
    specialist_tab.once("dialog", lambda dialog: dialog.accept())  # "This is final?"
    specialist_tab.get_by_role("button", name="Sign the recommendation").click()
    expect(specialist_tab.locator(".message")).to_have_text("Recommendation version 1 signed.")
    specialist_tab.once("dialog", lambda dialog: dialog.accept())  # "This is final?"
    specialist_tab.get_by_role("button", name="Issue recommendation").click()
    expect(specialist_tab.locator(".referral-head .status")).to_have_text("Recommendation issued")

    # The oncologist reads it, acknowledges the return and posts a progress update.
    oncologist_tab.goto("/")
    oncologist_tab.get_by_role("link", name=referral.reference).click()
    expect(oncologist_tab.locator(".recommendation")).to_contain_text("Modifies the local plan")
    expect(oncologist_tab.get_by_role("link", name=TRIAL)).to_have_attribute(
        "href", f"https://clinicaltrials.gov/study/{TRIAL}"
    )
    screenshot(oncologist_tab, "08-oncologist-reads-recommendation")
    oncologist_tab.get_by_role("button", name="Confirm you received the opinion").click()
    expect(oncologist_tab.locator(".referral-head .status")).to_have_text("Returned")
    oncologist_tab.get_by_role("link", name="Post a progress update").click()
    oncologist_tab.get_by_label("Date of the update").fill(timezone.localdate().isoformat())
    oncologist_tab.get_by_label("Responding").check()
    oncologist_tab.get_by_label("Current treatment").fill("Preoperative radiation, 50 Gy")
    oncologist_tab.get_by_label("Recommendation followed").select_option(label="Yes")
    oncologist_tab.get_by_label("Question for the specialist").fill("Surgery 4 or 6 weeks after?")
    oncologist_tab.get_by_role("button", name="Post the update").click()
    expect(oncologist_tab.locator(".update")).to_contain_text("Surgery 4 or 6 weeks after?")

    # The specialist replies; the oncologist reads the reply.
    specialist_tab.reload()
    specialist_tab.get_by_label("Your advice").fill("Operate 5 weeks after radiation ends.")
    specialist_tab.get_by_role("button", name="Send reply").click()
    expect(specialist_tab.locator(".reply")).to_contain_text("Operate 5 weeks after")
    oncologist_tab.reload()
    expect(oncologist_tab.locator(".reply")).to_contain_text("Reply from Dr. Sam Reyes")
    expect(oncologist_tab.locator(".timeline")).to_contain_text("Specialist replied")
    screenshot(oncologist_tab, "09-referral-page-with-timeline")
    oncologist_tab.set_viewport_size({"width": 820, "height": 1180})
    screenshot(oncologist_tab, "11-referral-page-on-a-tablet")

    # Nobody else can open it: not another center's specialist, not another oncologist.
    for outsider in (people["other_specialist"], people["other_oncologist"]):
        tab = desk(outsider)
        response = tab.goto(f"/referrals/{referral.uuid}/")
        assert response.status == 404
        expect(tab.locator("body")).not_to_contain_text("Lopez")

    referral.refresh_from_db()
    assert referral.status == "returned"
    assert referral.recommendations.get().clinical_trials == [TRIAL]
