"""DESIGN §2's information loop, spelled out: who asks and who answers, from which states, with
what data; the state stays, the referral is awaiting information meanwhile, the timeline and
the other side's e-mails say so (without the patient's details)."""

import pytest

from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import InformationRequest, Referral, ReferralEvent
from referrals.services.workflow import referral_transition
from reminders.models import OutgoingEmail
from tests.factories import Cast, referral_in_state

pytestmark = pytest.mark.django_db
Status = Referral.Status

# DESIGN §2, literally.
#   request_information | accepted or under_review → (same state, awaiting_information)
#                       | center coordinator, assigned specialist | `reason` code, `note`
#   provide_information | (same state, awaiting information) → (same state)
#                       | referring oncologist, referring coordinator | `note`
ASKERS = {"center_coordinator", "specialist"}
ANSWERERS = {"referring_oncologist", "referring_coordinator"}
EVERYONE = [
    "referring_oncologist",
    "referring_coordinator",
    "center_coordinator",
    "specialist",
    "other_specialist",
    "pathologist",
    "other_oncologist",
    "analyst",
]
ASKING_STATES = {"accepted", "under_review"}
REASON_CODES = [
    "missing_records",
    "illegible_records",
    "clinical_clarification",
    "consent",
    "insurance",
    "other",
]
QUESTION = {"reason": "missing_records", "note": "Please send the operative report."}
ANSWER = {"note": "Operative report faxed and attached."}


def ask(referral, actor, **data):
    return referral_transition(
        referral=referral, actor=actor, action="request_information", data={**QUESTION, **data}
    )


def answer(referral, actor, **data):
    return referral_transition(
        referral=referral, actor=actor, action="provide_information", data={**ANSWER, **data}
    )


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_center_coordinator_and_the_assigned_specialist_ask(who):
    referral = referral_in_state(Status.ACCEPTED)
    cast = Cast(referral)
    if who in ASKERS:
        asked = ask(referral, getattr(cast, who))
        assert asked.status == Status.ACCEPTED
        assert asked.awaiting_information is True
    else:
        with pytest.raises(NotPermitted):
            ask(referral, getattr(cast, who))
        assert not InformationRequest.objects.exists()


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_referring_oncologist_and_coordinator_answer(who):
    referral = referral_in_state(Status.UNDER_REVIEW)
    cast = Cast(referral)
    ask(referral, cast.specialist)
    if who in ANSWERERS:
        answered = answer(referral, getattr(cast, who))
        assert answered.status == Status.UNDER_REVIEW
        assert answered.awaiting_information is False
    else:
        with pytest.raises(NotPermitted):
            answer(referral, getattr(cast, who))
        referral.refresh_from_db()
        assert referral.awaiting_information is True


@pytest.mark.parametrize("state", Status.values)
def test_a_request_is_made_while_accepted_or_under_review_and_the_state_stays(state):
    referral = referral_in_state(state)
    cast = Cast(referral)
    if state in ASKING_STATES:
        asked = ask(referral, cast.center_coordinator)
        assert asked.status == state
        event = ReferralEvent.objects.get(referral=referral, kind="request_information")
        assert (event.from_status, event.to_status, event.actor) == (
            state,
            state,
            cast.center_coordinator,
        )
        assert event.note == QUESTION["note"]
    else:
        with pytest.raises(Conflict):
            ask(referral, cast.center_coordinator)
        assert not InformationRequest.objects.exists()


@pytest.mark.parametrize("state", Status.values)
def test_an_answer_needs_an_open_request(state):
    referral = referral_in_state(state)
    cast = Cast(referral)
    with pytest.raises(Conflict):  # nothing was asked, in any state
        answer(referral, cast.referring_oncologist)
    if state in ASKING_STATES:
        ask(referral, cast.center_coordinator)
        answer(referral, cast.referring_oncologist)
        with pytest.raises(Conflict):  # answered already
            answer(referral, cast.referring_oncologist)


@pytest.mark.parametrize("code", REASON_CODES)
def test_every_reason_code_of_design_is_accepted(code):
    referral = referral_in_state(Status.ACCEPTED)
    ask(referral, Cast(referral).center_coordinator, reason=code)
    assert InformationRequest.objects.get(referral=referral).reason == code


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "send everything"}, "reason"),
        ({"note": ""}, "note"),
        ({"note": "   "}, "note"),
    ],
)
def test_a_request_needs_a_reason_code_and_a_note(data, field):
    referral = referral_in_state(Status.ACCEPTED)
    with pytest.raises(InvalidData) as refused:
        ask(referral, Cast(referral).center_coordinator, **data)
    assert field in refused.value.fields
    referral.refresh_from_db()
    assert referral.awaiting_information is False
    assert not InformationRequest.objects.exists()


def test_an_answer_needs_a_note():
    referral = referral_in_state(Status.ACCEPTED)
    cast = Cast(referral)
    ask(referral, cast.center_coordinator)
    with pytest.raises(InvalidData) as refused:
        answer(referral, cast.referring_oncologist, note=" ")
    assert "note" in refused.value.fields
    assert InformationRequest.objects.get(referral=referral).answered_at is None


def test_the_answer_is_kept_with_the_question_and_may_bring_new_records():
    referral = referral_in_state(Status.ACCEPTED)
    cast = Cast(referral)
    ask(referral, cast.center_coordinator, reason="illegible_records")
    answer(
        referral,
        cast.referring_coordinator,
        record_items=[{"kind": "pathology_report", "description": "Rescanned report"}],
    )
    request = InformationRequest.objects.get(referral=referral)
    assert (request.reason, request.asked_by, request.answered_by) == (
        "illegible_records",
        cast.center_coordinator,
        cast.referring_coordinator,
    )
    assert request.answer == ANSWER["note"]
    assert request.answered_at >= request.asked_at
    new = referral.record_items.get(description="Rescanned report")
    assert (new.kind, new.status) == ("pathology_report", "sent")
    event = ReferralEvent.objects.get(referral=referral, kind="provide_information")
    assert event.data["record_items"] == [str(new.uuid)]


def test_one_request_is_open_at_a_time():
    referral = referral_in_state(Status.UNDER_REVIEW)
    cast = Cast(referral)
    ask(referral, cast.specialist)
    with pytest.raises(Conflict):
        ask(referral, cast.center_coordinator, reason="consent", note="Signed consent?")
    answer(referral, cast.referring_oncologist)
    ask(referral, cast.center_coordinator, reason="consent", note="Signed consent?")
    assert InformationRequest.objects.filter(referral=referral).count() == 2


def test_while_awaiting_information_the_review_waits_for_the_answer():
    referral = referral_in_state(Status.ACCEPTED, ready=True)  # records in: review could start
    cast = Cast(referral)
    ask(referral, cast.center_coordinator, reason="clinical_clarification", note="ECOG status?")
    with pytest.raises(InvalidData) as refused:
        referral_transition(referral=referral, actor=cast.center_coordinator, action="start_review")
    assert "information_request" in refused.value.fields
    answer(referral, cast.referring_oncologist, note="ECOG 1.")
    moved = referral_transition(
        referral=referral, actor=cast.center_coordinator, action="start_review"
    )
    assert moved.status == Status.UNDER_REVIEW


def test_the_recommendation_is_not_issued_while_awaiting_information():
    referral = referral_in_state(Status.UNDER_REVIEW, ready=True)
    cast = Cast(referral)
    ask(referral, cast.specialist, reason="clinical_clarification", note="Prior radiation?")
    with pytest.raises(InvalidData) as refused:
        referral_transition(referral=referral, actor=cast.specialist, action="issue_recommendation")
    assert "information_request" in refused.value.fields


def test_a_referral_cancelled_while_awaiting_information_awaits_nothing():
    referral = referral_in_state(Status.ACCEPTED)
    cast = Cast(referral)
    ask(referral, cast.center_coordinator)
    cancelled = referral_transition(
        referral=referral,
        actor=cast.referring_coordinator,
        action="cancel",
        data={"reason_code": "patient_withdrew", "reason": "Patient withdrew."},
    )
    assert cancelled.awaiting_information is False
    assert cancelled.next_due is None


def test_the_other_side_is_e_mailed_without_the_patient_s_details():
    referral = referral_in_state(Status.ACCEPTED)
    cast = Cast(referral)
    ask(referral, cast.center_coordinator)
    asked_mail = {email.to: email for email in OutgoingEmail.objects.all()}
    assert set(asked_mail) == {cast.referring_oncologist.email, cast.referring_coordinator.email}

    OutgoingEmail.objects.all().delete()
    answer(referral, cast.referring_oncologist)
    answered_mail = {email.to: email for email in OutgoingEmail.objects.all()}
    assert set(answered_mail) == {cast.center_coordinator.email, cast.specialist.email}

    patient = referral.patient
    for email in [*asked_mail.values(), *answered_mail.values()]:
        assert referral.reference in email.subject
        assert str(referral.uuid) in email.text  # the link
        for secret in (patient.family_name, patient.given_name, patient.mrn, "operative report"):
            assert secret.lower() not in (email.subject + email.text).lower()
