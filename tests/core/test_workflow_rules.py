"""Every workflow action of DESIGN §2: from which states, by whom, and with what data."""

import datetime

import pytest

from accounts.models import IntakeRule
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import Consultation, RecordItem, Referral, ReferralEvent
from referrals.rules import workflow
from referrals.services.workflow import referral_transition
from tests.factories import (
    CancerCenterFactory,
    Cast,
    PathologyReviewFactory,
    RecordItemFactory,
    referral_in_state,
)
from tests.rules.test_design_tables import DESIGN_WORKFLOW

pytestmark = pytest.mark.django_db
Status = Referral.Status

# Who performs each action in these tests, and the data the action needs.
PERFORMER = {
    "submit": "referring_oncologist",
    "accept": "center_coordinator",
    "decline": "center_coordinator",
    "start_review": "center_coordinator",
    "issue_recommendation": "specialist",
    "acknowledge_return": "referring_oncologist",
    "start_monitoring": "specialist",
    "close": "referring_coordinator",
    "cancel": "referring_coordinator",
    "forward": "center_coordinator",
}


def data_for(action: str, cast: Cast) -> dict:
    if action == "accept":
        return {"specialist": str(cast.specialist.uuid)}
    if action == "decline":
        return {"reason_code": "no_capacity", "reason": "No sarcoma clinic slots this month."}
    if action == "cancel":
        return {
            "reason_code": "other",
            "reason": "The patient prefers to stay with the local team.",
        }
    if action == "forward":
        other_center = CancerCenterFactory()
        return {"receiving_center": str(other_center.uuid), "reason": "Our clinic is full."}
    return {}


# Which cast members hold which relation to the referral of the Cast (referrals.rules.relations).
ROLE_OF_CAST = {
    "referring_oncologist": "referring_oncologist",
    "referring_coordinator": "referring_coordinator",
    "center_coordinator": "center_coordinator",
    "specialist": "assigned_specialist",
    "pathologist": None,  # no review assigned: just a pathologist of the center
    "other_specialist": None,
    "other_oncologist": None,
    "analyst": None,
}

# Expectations come from DESIGN §2 spelled out in tests/rules (never from referrals.rules).
STATE_ACTION_PAIRS = [(action, state) for action in DESIGN_WORKFLOW for state in Status.values]


@pytest.mark.parametrize(("action", "state"), STATE_ACTION_PAIRS)
def test_each_action_runs_from_its_states_and_conflicts_from_every_other(action, state):
    referral = referral_in_state(state, with_specialist=True, ready=True)
    cast = Cast(referral)
    actor = getattr(cast, PERFORMER[action])
    sources, target, _actors = DESIGN_WORKFLOW[action]

    if state in sources:
        result = referral_transition(
            referral=referral, actor=actor, action=action, data=data_for(action, cast)
        )
        assert result.status == target
        assert getattr(result, workflow.ACTIONS[action].milestone) is not None
        event = ReferralEvent.objects.get(referral=referral, kind=action)
        assert (event.from_status, event.to_status, event.actor) == (state, target, actor)
    else:
        with pytest.raises(Conflict):
            referral_transition(
                referral=referral, actor=actor, action=action, data=data_for(action, cast)
            )
        referral.refresh_from_db()
        assert referral.status == state
        assert not ReferralEvent.objects.filter(referral=referral, kind=action).exists()


ROLE_ACTION_PAIRS = [
    (action, person)
    for action, (_sources, _target, actors) in DESIGN_WORKFLOW.items()
    for person, role in ROLE_OF_CAST.items()
    if role not in actors
]


@pytest.mark.parametrize(("action", "person"), ROLE_ACTION_PAIRS)
def test_people_who_may_not_take_an_action_are_refused(action, person):
    sources, _target, _actors = DESIGN_WORKFLOW[action]
    state = sorted(sources)[0] if action != "cancel" else Status.SUBMITTED
    referral = referral_in_state(state, ready=True)
    cast = Cast(referral)

    with pytest.raises(NotPermitted):
        referral_transition(
            referral=referral,
            actor=getattr(cast, person),
            action=action,
            data=data_for(action, cast),
        )
    referral.refresh_from_db()
    assert referral.status == state


def test_unknown_action_is_invalid_data():
    referral = referral_in_state(Status.SUBMITTED, ready=True)
    with pytest.raises(InvalidData) as error:
        referral_transition(referral=referral, actor=Cast(referral).center_coordinator, action="x")
    assert "action" in error.value.fields


def _expect_invalid(referral, actor, action, field, data=None):
    with pytest.raises(InvalidData) as error:
        referral_transition(referral=referral, actor=actor, action=action, data=data or {})
    assert field in error.value.fields, error.value.fields
    before = referral.status
    referral.refresh_from_db()
    assert referral.status == before
    return error.value


class TestSubmitGuard:
    def test_needs_the_patients_consent_to_share_records(self):
        referral = referral_in_state(Status.DRAFT, ready=True)
        referral.patient.consent_to_share_records = False
        referral.patient.save()
        _expect_invalid(referral, referral.referring_oncologist, "submit", "patient")

    def test_needs_reasons_and_a_question(self):
        referral = referral_in_state(Status.DRAFT, reasons=[], clinical_question="", ready=True)
        error = _expect_invalid(referral, referral.referring_oncologist, "submit", "reasons")
        assert "clinical_question" in error.fields

    def test_needs_a_required_record_item(self):
        referral = referral_in_state(Status.DRAFT, ready=True)
        referral.record_items.update(required=False)
        _expect_invalid(referral, referral.referring_oncologist, "submit", "record_items")

    def test_a_center_that_does_not_take_the_site_names_centers_that_do(self):
        referral = referral_in_state(Status.DRAFT, cancer_site="lung", ready=True)
        IntakeRule.objects.create(center=referral.receiving_center, cancer_site="breast")
        error = _expect_invalid(
            referral, referral.referring_oncologist, "submit", "receiving_center"
        )
        assert "does not accept lung" in error.detail


class TestAcceptGuard:
    def test_needs_a_specialist(self):
        referral = referral_in_state(Status.SUBMITTED, ready=True)
        _expect_invalid(referral, Cast(referral).center_coordinator, "accept", "specialist")

    def test_the_specialist_must_belong_to_the_center(self):
        referral = referral_in_state(Status.SUBMITTED, ready=True)
        outsider = referral_in_state(Status.SUBMITTED, ready=True).specialist
        _expect_invalid(
            referral,
            Cast(referral).center_coordinator,
            "accept",
            "specialist",
            {"specialist": str(outsider.uuid)},
        )

    def test_accepting_sends_the_record_requests(self):
        referral = referral_in_state(Status.SUBMITTED, ready=True)
        cast = Cast(referral)
        referral_transition(
            referral=referral,
            actor=cast.center_coordinator,
            action="accept",
            data={"specialist": str(cast.specialist.uuid)},
        )
        assert not referral.record_items.filter(requested_at__isnull=True).exists()


@pytest.mark.parametrize("action", ["decline", "cancel"])
def test_declining_and_cancelling_need_a_coded_reason(action):
    referral = referral_in_state(Status.SUBMITTED, ready=True)
    cast = Cast(referral)
    actor = cast.center_coordinator
    _expect_invalid(referral, actor, action, "reason_code", {"reason": "Just because"})
    _expect_invalid(referral, actor, action, "reason_code", {"reason_code": "bored"})
    # "Other" must be said in words.
    _expect_invalid(referral, actor, action, "reason", {"reason_code": "other", "reason": "  "})


def test_review_starts_only_when_every_required_record_is_in():
    referral = referral_in_state(Status.ACCEPTED, ready=True)
    RecordItemFactory(referral=referral, kind="pathology_slides", status="sent")
    RecordItemFactory(referral=referral, kind="lab_results", required=False)
    error = _expect_invalid(
        referral, Cast(referral).center_coordinator, "start_review", "record_items"
    )
    assert "Pathology slides" in error.detail
    assert "Lab results" not in error.detail


def test_a_waived_record_counts_as_in():
    referral = referral_in_state(Status.ACCEPTED, ready=True)
    RecordItemFactory(referral=referral, status="waived", waived_reason="Scanned copy suffices")
    result = referral_transition(
        referral=referral, actor=Cast(referral).center_coordinator, action="start_review"
    )
    assert result.status == Status.UNDER_REVIEW


class TestIssueRecommendationGuard:
    def test_needs_a_signed_recommendation(self):
        referral = referral_in_state(Status.UNDER_REVIEW, ready=True)
        referral.recommendations.update(signed_at=None)
        _expect_invalid(referral, referral.specialist, "issue_recommendation", "recommendation")

    def test_needs_a_signed_pathology_review_when_slides_were_required(self):
        referral = referral_in_state(Status.UNDER_REVIEW, ready=True)
        RecordItemFactory(referral=referral, kind="pathology_slides", status="received")
        PathologyReviewFactory(referral=referral)  # requested, not signed
        _expect_invalid(referral, referral.specialist, "issue_recommendation", "pathology_review")

    def test_needs_the_consult_completed_unless_records_only(self):
        referral = referral_in_state(Status.UNDER_REVIEW, ready=True)
        Consultation.objects.filter(referral=referral).update(
            completed_at=None, attendance="no_show"
        )
        _expect_invalid(referral, referral.specialist, "issue_recommendation", "consultation")

        Referral.objects.filter(pk=referral.pk).update(modality="records_only")
        referral.refresh_from_db()
        result = referral_transition(
            referral=referral, actor=referral.specialist, action="issue_recommendation"
        )
        assert result.status == Status.RECOMMENDATION_ISSUED and result.return_due


def test_monitoring_needs_a_specialist_who_follows_up():
    referral = referral_in_state(Status.RETURNED, ready=True)
    referral.recommendations.update(specialist_follows=False, update_interval_days=None)
    _expect_invalid(referral, referral.specialist, "start_monitoring", "recommendation")


def test_a_step_recorded_late_keeps_its_actual_time_and_needs_a_reason():
    referral = referral_in_state(Status.SUBMITTED, ready=True)
    cast = Cast(referral)
    when = referral.submitted_at.replace(microsecond=0) + datetime.timedelta(days=1)
    data = {"specialist": str(cast.specialist.uuid), "occurred_at": when.isoformat()}
    _expect_invalid(referral, cast.center_coordinator, "accept", "backdate_reason", data)

    data["backdate_reason"] = "Accepted by phone on Friday; entered Monday."
    result = referral_transition(
        referral=referral, actor=cast.center_coordinator, action="accept", data=data
    )
    assert result.accepted_at == when
    event = ReferralEvent.objects.get(referral=referral, kind="accept")
    assert event.occurred_at == when and event.recorded_at > when
    assert "entered Monday" in event.note


def test_a_step_cannot_be_dated_before_the_previous_one():
    referral = referral_in_state(Status.SUBMITTED, ready=True)
    cast = Cast(referral)
    too_early = referral.submitted_at - datetime.timedelta(days=1)
    _expect_invalid(
        referral,
        cast.center_coordinator,
        "accept",
        "occurred_at",
        {
            "specialist": str(cast.specialist.uuid),
            "occurred_at": too_early.isoformat(),
            "backdate_reason": "late entry",
        },
    )


def test_record_status_follows_its_own_small_workflow():
    referral = referral_in_state(Status.ACCEPTED, ready=True)
    cast = Cast(referral)
    from referrals.services.records import record_item_change

    slides = RecordItemFactory(referral=referral, kind="pathology_slides")
    with pytest.raises(InvalidData) as error:
        record_item_change(actor=cast.referring_coordinator, item=slides, data={"status": "sent"})
    assert "tracking_number" in error.value.fields
    with pytest.raises(NotPermitted):
        record_item_change(actor=cast.center_coordinator, item=slides, data={"status": "sent"})
    record_item_change(
        actor=cast.referring_coordinator,
        item=slides,
        data={"status": "sent", "carrier": "UPS", "tracking_number": "1Z999"},
    )
    with pytest.raises(Conflict):
        record_item_change(actor=cast.center_coordinator, item=slides, data={"status": "returned"})
    record_item_change(actor=cast.center_coordinator, item=slides, data={"status": "received"})
    record_item_change(actor=cast.center_coordinator, item=slides, data={"status": "returned"})
    slides.refresh_from_db()
    assert slides.status == RecordItem.Status.RETURNED and slides.returned_at

    notes = referral.record_items.get(kind="pathology_report")
    with pytest.raises(InvalidData):
        record_item_change(actor=cast.center_coordinator, item=notes, data={"status": "returned"})
