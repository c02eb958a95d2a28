"""The consult letter: a PDF of the issued second opinion for the referring team's chart."""

import datetime
import io

import pytest
from pypdf import PdfReader

from audit.models import AuditEntry
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import Cast, PathologyReviewFactory, RecommendationFactory, referral_in_state

Status = Referral.Status
pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())  # lines wrap wherever the page ends


def issued_referral() -> Referral:
    referral = referral_in_state(Status.RECOMMENDATION_ISSUED)
    recommendation = referral.recommendations.get()
    recommendation.concordance = "modifies"
    recommendation.summary = "Add ovarian suppression to the endocrine therapy."
    recommendation.treatment_options = "Exemestane with ovarian suppression."
    recommendation.further_testing = "Germline BRCA testing."
    recommendation.clinical_trials = ["NCT04191499", "NCT05101564"]
    recommendation.save()
    review = PathologyReviewFactory(
        referral=referral,
        specimens_reviewed="Core biopsy A1-A3",
        original_diagnosis="Invasive ductal carcinoma, grade 2",
        review_diagnosis="Invasive lobular carcinoma, grade 2",
        discrepancy="major",
        additional_tests="E-cadherin IHC",
    )
    review.signed_by, review.signed_at = review.pathologist, referral.review_started_at
    review.save()
    return referral


def letter(api, user, referral):
    return api(user).get(url(f"referrals/{referral.uuid}/letter/"))


def test_the_letter_says_the_second_opinion(api):
    referral = issued_referral()
    other = issued_referral()  # another patient's referral at another center
    response = letter(api, Cast(referral).referring_oncologist, referral)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="consult-letter-{referral.reference}.pdf"'
    )
    text = pdf_text(response.content)
    patient = referral.patient
    for expected in [
        referral.reference,
        f"{patient.family_name}, {patient.given_name}",
        referral.receiving_center.name,
        referral.referring_oncologist.full_name,
        "Is neoadjuvant chemotherapy preferable to surgery first?",
        "Local treatment plan",
        "Lumpectomy first, then adjuvant endocrine therapy.",
        "Concordance with the local plan",
        "Modifies the local plan",
        "Add ovarian suppression to the endocrine therapy.",
        "Exemestane with ovarian suppression.",
        "Germline BRCA testing.",
        "NCT04191499",
        "https://clinicaltrials.gov/study/NCT04191499",
        "NCT05101564",
        "Review diagnosis: Invasive lobular carcinoma, grade 2",
        "Discrepancy: Major (changes treatment or prognosis)",
        "Signed electronically by",
        "(version 1)",
    ]:
        assert expected in text, expected
    for absent in [other.patient.family_name, other.patient.given_name, other.reference]:
        assert absent not in text
    # The registry pages are links in the PDF.
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in PdfReader(io.BytesIO(response.content)).pages
        for annotation in page.get("/Annots", [])
    ]
    assert "https://clinicaltrials.gov/study/NCT05101564" in links


def test_an_amended_recommendation_letter_says_so(api):
    referral = issued_referral()
    first = referral.recommendations.get()
    first.superseded_at = first.signed_at + datetime.timedelta(hours=2)
    first.save()
    RecommendationFactory(
        referral=referral,
        version=2,
        concordance="differs",
        summary="Neoadjuvant chemotherapy first.",
        amendment_reason="The HER2 retest came back positive.",
    )
    text = pdf_text(letter(api, Cast(referral).referring_coordinator, referral).content)
    assert "Proposes a different plan" in text
    assert "This recommendation was amended: version 2 replaces version 1" in text
    assert "The HER2 retest came back positive." in text
    assert "Version 1: signed by" in text


def test_every_download_is_audited_as_a_read(api):
    referral = issued_referral()
    user = Cast(referral).specialist
    assert letter(api, user, referral).status_code == 200
    entry = AuditEntry.objects.get(object_id=str(referral.uuid), detail="consult letter")
    assert (entry.action, entry.actor_id) == ("view", user.pk)


@pytest.mark.parametrize("state", [Status.SUBMITTED, Status.UNDER_REVIEW])
def test_there_is_no_letter_before_the_recommendation_is_issued(api, state):
    referral = referral_in_state(state, ready=True)  # signed but not issued, under review
    response = letter(api, Cast(referral).referring_oncologist, referral)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_after_the_return_the_letter_is_still_there(api):
    referral = referral_in_state(Status.CLOSED)
    response = letter(api, Cast(referral).center_coordinator, referral)
    assert response.status_code == 200
    assert referral.reference in pdf_text(response.content)


def test_no_letter_for_who_does_not_see_the_referral(api):
    referral = issued_referral()
    cast = Cast(referral)
    outsider = Cast(referral_in_state(Status.RECOMMENDATION_ISSUED)).referring_coordinator
    for user in (cast.analyst, cast.other_oncologist, outsider):
        assert letter(api, user, referral).status_code == 404
    assert letter(api, None, referral).status_code == 401
