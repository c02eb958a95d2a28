"""One referral told end to end through the services, as the care teams would live it."""

import pytest
from django.core import mail

from accounts.models import Membership
from referrals.models import Referral, ReferralEvent
from referrals.services import records
from referrals.services import referrals as referral_services
from referrals.services.workflow import referral_transition
from tests.factories import PatientFactory
from tests.workflow_steps import SARCOMA_QUESTION, CareTeams, review_to_follow_up

Role = Membership.Role
pytestmark = pytest.mark.django_db


def test_a_second_opinion_from_request_to_close(django_capture_on_commit_callbacks):
    teams = CareTeams.create()
    practice, center, oncologist = teams.practice, teams.center, teams.oncologist
    coordinator, center_coordinator = teams.coordinator, teams.center_coordinator
    specialist = teams.specialist
    patient = PatientFactory(organization=practice)

    referral = referral_services.referral_create(
        actor=oncologist,
        patient=patient,
        receiving_center=center,
        data=SARCOMA_QUESTION,
        record_items=[
            {"kind": "pathology_report", "required": True},
            {"kind": "pathology_slides", "required": True},
        ],
    )
    assert referral.reference.startswith("SO-")
    assert referral.status == "draft"

    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_transition(referral=referral, actor=oncologist, action="submit")
    assert referral.status == "submitted" and referral.triage_due is not None
    assert [m.to for m in mail.outbox] == [[center_coordinator.email]]
    assert patient.family_name not in mail.outbox[0].body + mail.outbox[0].subject
    assert referral.reference in mail.outbox[0].subject

    referral = referral_transition(
        referral=referral,
        actor=center_coordinator,
        action="accept",
        data={"specialist": str(specialist.uuid)},
    )
    assert referral.specialist == specialist and referral.records_due

    report, slides = referral.record_items.order_by("kind")
    records.record_item_change(actor=coordinator, item=report, data={"status": "sent"})
    records.record_item_change(
        actor=coordinator,
        item=slides,
        data={"status": "sent", "carrier": "FedEx", "tracking_number": "771234567890"},
    )
    for item in (report, slides):
        records.record_item_change(actor=center_coordinator, item=item, data={"status": "received"})
    referral = review_to_follow_up(referral, teams)
    referral = referral_transition(referral=referral, actor=coordinator, action="close")

    assert referral.status == Referral.Status.CLOSED
    assert referral.recommendations.get().clinical_trials == ["NCT01234567"]
    kinds = list(referral.events.values_list("kind", flat=True))
    assert kinds[0] == "created" and kinds[-1] == "close"
    for action in ("submit", "accept", "start_review", "issue_recommendation", "close"):
        assert kinds.count(action) == 1
    assert ReferralEvent.objects.filter(referral=referral, kind="pathology_signed").exists()
