"""Rough edges a new user hit in the portal, in real Chromium at 1366x768: fields that are
hidden really are, nothing clinical is preselected, a bad trial number is flagged at once,
and what is final (signing, issuing) asks first."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership
from referrals.models import PathologyReview, Recommendation, Referral
from tests.conftest import log_in
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    ConsultationFactory,
    PathologyReviewFactory,
    PatientFactory,
    RecommendationFactory,
    member,
    referral_in_state,
)

Role = Membership.Role
Status = Referral.Status
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PATIENT_FIELDS = ["id_mrn", "id_given_name", "id_family_name", "id_date_of_birth", "id_phone"]


@pytest.fixture
def tab(page):
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


def focused_field(tab) -> str:
    return tab.evaluate("() => document.activeElement ? document.activeElement.id : ''")


def test_with_a_patient_on_file_the_new_patient_fields_are_hidden_and_out_of_the_tab_order(
    tab, screenshot
):
    practice = CommunityPracticeFactory()
    PatientFactory(organization=practice, mrn="ON-FILE-1")
    CancerCenterFactory()
    log_in(tab, member(practice, Role.REFERRING_ONCOLOGIST).email)
    tab.goto("/referrals/new/")

    expect(tab.get_by_label("A patient already on file")).to_be_checked()
    expect(tab.get_by_label("MRN of the patient on file")).to_be_visible()
    for field in NEW_PATIENT_FIELDS:
        expect(tab.locator(f"#{field}")).to_be_hidden()
    screenshot(tab, "edges-new-referral-patient-on-file")

    # Tab from the MRN on file goes on to the consent, never into a hidden field.
    tab.get_by_label("MRN of the patient on file").focus()
    visited = []
    for _ in range(4):
        tab.keyboard.press("Tab")
        visited.append(focused_field(tab))
    assert not set(visited) & set(NEW_PATIENT_FIELDS), visited
    assert visited[0] == "id_consent_to_share_records"

    # Choosing a new patient shows them, and they can be reached.
    tab.get_by_label("A new patient").check()
    for field in NEW_PATIENT_FIELDS:
        expect(tab.locator(f"#{field}")).to_be_visible()
    expect(tab.get_by_label("MRN of the patient on file")).to_be_hidden()
    screenshot(tab, "edges-new-referral-new-patient")


def test_a_progress_update_has_no_response_chosen_until_the_oncologist_chooses_one(tab, screenshot):
    referral = referral_in_state(Status.RETURNED)
    log_in(tab, referral.referring_oncologist.email)
    tab.goto(f"/referrals/{referral.uuid}/updates/new/")

    responses = ["Responding", "Stable", "Progressing", "Treatment completed", "Unknown"]
    for label in responses:
        expect(tab.get_by_label(label, exact=True)).not_to_be_checked()
    # Each label says "(optional)" at most once, and not on a required choice.
    expect(tab.locator("label[for=id_question]")).to_have_text(
        "Question for the specialist (optional)"
    )
    expect(tab.locator("legend", has_text="Response to treatment")).to_have_text(
        "Response to treatment"
    )
    tab.get_by_label("Date of the update").fill(timezone.localdate().isoformat())
    tab.get_by_role("button", name="Post the update").click()
    expect(tab.locator("#id_response_error")).to_have_text(
        "Choose how the patient responds to treatment."
    )
    assert not referral.progress_updates.exists()
    screenshot(tab, "edges-progress-update-response-required")

    tab.get_by_label("Stable", exact=True).check()
    tab.get_by_label("Recommendation followed").select_option(label="Yes")
    tab.get_by_role("button", name="Post the update").click()
    expect(tab.locator(".message")).to_have_text("Progress update posted.")
    assert referral.progress_updates.get().response == "stable"


def test_a_bad_trial_number_is_flagged_on_the_first_submit_with_the_other_problems(tab, screenshot):
    referral = referral_in_state(Status.UNDER_REVIEW)
    log_in(tab, referral.specialist.email)
    tab.goto(f"/referrals/{referral.uuid}/recommendation/")

    # No summary yet, and a mistyped trial: both are said on the first try.
    tab.get_by_label("Concurs").check()
    tab.get_by_label("Clinical trials", exact=False).fill("NCT04380636, NCT0438063")
    tab.get_by_role("button", name="Save and preview").click()
    expect(tab.locator("#id_summary_error")).to_have_text("This field is required.")
    expect(tab.locator("#id_clinical_trials_error")).to_have_text(
        "'NCT0438063' is not an NCT identifier (NCT and 8 digits)."
    )
    expect(tab.get_by_label("Clinical trials", exact=False)).to_have_value(
        "NCT04380636, NCT0438063"
    )
    screenshot(tab, "edges-recommendation-bad-trial-first-submit")

    tab.get_by_label("Summary", exact=True).fill("Agree with the local plan.")
    tab.get_by_label("Clinical trials", exact=False).fill("nct04380636")
    tab.get_by_role("button", name="Save and preview").click()
    expect(tab.get_by_role("heading", name="Preview the recommendation")).to_be_visible()
    assert Recommendation.objects.get(referral=referral).clinical_trials == ["NCT04380636"]


def _answer_next_dialog(tab, *, accept: bool, asked: list):
    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    tab.once("dialog", answer)


def test_signing_a_review_asks_first_and_nothing_is_signed_when_the_answer_is_no(tab, screenshot):
    referral = referral_in_state(Status.UNDER_REVIEW)
    pathologist = member(referral.receiving_center, Role.PATHOLOGIST)
    review = PathologyReviewFactory(referral=referral, pathologist=pathologist)
    log_in(tab, pathologist.email)
    tab.goto(f"/referrals/{referral.uuid}/pathology/{review.uuid}/")
    tab.get_by_label("Specimens reviewed").fill("6 H&E slides")
    tab.get_by_label("Review diagnosis").fill("Invasive ductal carcinoma, grade 2")
    tab.get_by_label("None", exact=True).check()
    screenshot(tab, "edges-pathology-review-before-signing")

    asked = []
    _answer_next_dialog(tab, accept=False, asked=asked)
    tab.get_by_role("button", name="Sign the review").click()
    expect(tab.get_by_role("button", name="Sign the review")).to_be_visible()
    assert asked == ["Sign the review? A signed review is final and cannot be changed."]
    assert not PathologyReview.objects.get(pk=review.pk).is_signed

    _answer_next_dialog(tab, accept=True, asked=asked)
    tab.get_by_role("button", name="Sign the review").click()
    expect(tab.locator(".message")).to_have_text("Pathology review signed.")
    assert PathologyReview.objects.get(pk=review.pk).is_signed


def test_signing_and_issuing_the_recommendation_each_ask_first(tab, screenshot):
    referral = referral_in_state(Status.UNDER_REVIEW, modality="in_person")
    ConsultationFactory(referral=referral)
    RecommendationFactory(referral=referral, signed_at=None, specialist_follows=False)
    log_in(tab, referral.specialist.email)
    tab.goto(f"/referrals/{referral.uuid}/recommendation/preview/")

    asked = []
    _answer_next_dialog(tab, accept=False, asked=asked)
    tab.get_by_role("button", name="Sign the recommendation").click()
    expect(tab.get_by_role("heading", name="Preview the recommendation")).to_be_visible()
    assert asked[-1].startswith("Sign the recommendation? A signed version is final")
    assert not Recommendation.objects.get(referral=referral).is_signed

    _answer_next_dialog(tab, accept=True, asked=asked)
    tab.get_by_role("button", name="Sign the recommendation").click()
    expect(tab.locator(".message")).to_have_text("Recommendation version 1 signed.")

    # Issuing: asked too; "no" leaves it under review.
    _answer_next_dialog(tab, accept=False, asked=asked)
    tab.get_by_role("button", name="Issue recommendation").click()
    expect(tab.locator(".referral-head .status")).to_have_text("Under review")
    assert asked[-1].startswith("Issue the recommendation? The referring oncologist will read it")
    assert Referral.objects.get(pk=referral.pk).status == Status.UNDER_REVIEW
    screenshot(tab, "edges-recommendation-signed-not-issued")

    _answer_next_dialog(tab, accept=True, asked=asked)
    tab.get_by_role("button", name="Issue recommendation").click()
    expect(tab.locator(".referral-head .status")).to_have_text("Recommendation issued")
    expect(tab.locator(".message")).to_have_text(
        f"{referral.reference}: Recommendation issued: the referring oncologist can read it now."
    )
    screenshot(tab, "edges-recommendation-issued-plain-message")


def test_the_oncologist_confirms_receiving_the_opinion_in_plain_words(tab, screenshot):
    referral = referral_in_state(Status.RECOMMENDATION_ISSUED)
    log_in(tab, referral.referring_oncologist.email)
    tab.goto(f"/referrals/{referral.uuid}/")
    tab.get_by_role("button", name="Confirm you received the opinion").click()
    expect(tab.locator(".message")).to_have_text(
        f"{referral.reference}: Thank you: you confirmed that you received the opinion."
    )
    expect(tab.locator(".referral-head .status")).to_have_text("Returned")
    screenshot(tab, "edges-opinion-received")
