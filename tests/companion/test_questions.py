"""The patient's questions: up to 10 before the recommendation, 3 follow-ups after the return;
the assigned specialist answers each one before signing, and writes a plain-language summary."""

import pytest

from companion.models import PatientQuestion
from companion.services import patient_question_answer
from referrals.errors import InvalidData, NotPermitted
from referrals.models import Referral
from referrals.services.clinical import recommendation_save
from referrals.services.workflow import referral_transition
from tests.companion.helpers import give_link, open_page
from tests.factories import Cast, ConsultationFactory, referral_in_state

Status = Referral.Status
pytestmark = pytest.mark.django_db

DRAFT = {"concordance": "concurs", "summary": "Agree with neoadjuvant chemotherapy."}


def ask(client, path, text):
    return client.post(f"{path}questions/", {"text": text})


def test_the_patient_asks_up_to_ten_questions_before_the_recommendation(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    path = give_link(referral)
    open_page(client, path)
    for number in range(1, 11):
        assert ask(client, path, f"Question {number}?").status_code == 302
    assert "You can ask" not in client.get(path).content.decode()
    ask(client, path, "An eleventh?")
    assert referral.patient_questions.count() == 10
    assert "the most this page takes" in client.get(path).content.decode()


def test_after_the_return_three_follow_up_questions(client):
    referral = referral_in_state(Status.RETURNED)
    path = give_link(referral)
    page = open_page(client, path).content.decode()
    assert "A follow-up question for the specialist" in page
    assert "You can ask 3 more questions." in page
    for number in range(4):
        ask(client, path, f"Follow-up {number}?")
    kinds = list(referral.patient_questions.values_list("kind", flat=True))
    assert kinds == ["follow_up"] * 3


def test_signing_is_refused_while_a_patient_question_is_unanswered():
    referral = referral_in_state(Status.UNDER_REVIEW)
    ConsultationFactory(referral=referral)
    specialist = referral.specialist
    first = PatientQuestion.objects.create(referral=referral, text="Will it hurt?")
    second = PatientQuestion.objects.create(referral=referral, text="Can I keep working?")
    recommendation_save(actor=specialist, referral=referral, data=DRAFT)
    patient_question_answer(actor=specialist, question=first, answer="Very little.")

    with pytest.raises(InvalidData) as refused:
        recommendation_save(actor=specialist, referral=referral, data={}, sign=True)
    assert refused.value.detail == (
        "The recommendation cannot be signed yet: "
        "answers to the patient's questions (1 unanswered)."
    )
    assert refused.value.fields == {
        "patient_questions": ["answers to the patient's questions (1 unanswered)"]
    }
    assert referral.recommendations.get().signed_at is None

    patient_question_answer(actor=specialist, question=second, answer="Most people can.")
    signed = recommendation_save(actor=specialist, referral=referral, data={}, sign=True)
    assert signed.signed_at is not None


def test_with_a_patient_link_signing_needs_a_plain_language_summary():
    referral = referral_in_state(Status.UNDER_REVIEW)
    give_link(referral)
    recommendation_save(actor=referral.specialist, referral=referral, data=DRAFT)
    with pytest.raises(InvalidData) as refused:
        recommendation_save(actor=referral.specialist, referral=referral, data={}, sign=True)
    assert "a plain-language summary for the patient" in refused.value.detail
    summary = {"patient_summary": "The specialist agrees with your doctor's plan."}
    signed = recommendation_save(
        actor=referral.specialist, referral=referral, data=summary, sign=True
    )
    assert signed.patient_summary == summary["patient_summary"]


def test_the_portal_says_why_signing_is_refused(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    PatientQuestion.objects.create(referral=referral, text="Will it hurt?")
    recommendation_save(actor=referral.specialist, referral=referral, data=DRAFT)
    client.force_login(referral.specialist)
    answer = client.post(f"/referrals/{referral.uuid}/recommendation/preview/", follow=True)
    assert "answers to the patient&#x27;s questions (1 unanswered)" in answer.content.decode()


def test_only_the_assigned_specialist_answers_and_the_answer_shows_after_the_return(client):
    referral = referral_in_state(Status.UNDER_REVIEW, ready=True)
    cast = Cast(referral)
    path = give_link(referral)
    open_page(client, path)
    ask(client, path, "Should I bring my scans?")
    question = referral.patient_questions.get()
    for person in (cast.other_specialist, cast.center_coordinator, cast.referring_oncologist):
        with pytest.raises(NotPermitted):
            patient_question_answer(actor=person, question=question, answer="No.")

    staff = type(client)()
    staff.force_login(referral.specialist)
    detail = staff.get(f"/referrals/{referral.uuid}/").content.decode()
    assert "Should I bring my scans?" in detail
    assert "Answer question 1" in detail
    staff.post(
        f"/referrals/{referral.uuid}/patient-questions/{question.uuid}/answer/",
        {"answer": "Yes, the discs from your CT."},
    )
    page = client.get(path).content.decode()
    assert "Yes, the discs from your CT." not in page
    assert "You will see the answer here once the opinion is back with your doctor." in page

    recommendation = referral.recommendations.get()
    recommendation.patient_summary = "Agrees with the plan."
    recommendation.save()
    referral_transition(referral=referral, actor=referral.specialist, action="issue_recommendation")
    referral_transition(
        referral=referral, actor=referral.referring_oncologist, action="acknowledge_return"
    )
    page = client.get(path).content.decode()
    assert "Yes, the discs from your CT." in page
    assert "Agrees with the plan." in page
