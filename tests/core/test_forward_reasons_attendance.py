"""DESIGN §2's new rows and §1's coded reasons and attendance, through the services:

| `decline` | submitted → declined | center coordinator | `reason_code`, `reason` (for `other`) |
| `cancel` | any open → cancelled | either side's coordinator, referring oncologist | idem |
| `forward` | submitted or accepted → forwarded (final) | center coordinator |
  `receiving_center` (another center that takes the cancer site), `reason`; a new referral
  in `submitted` at that center carries the patient, question, local plan and record
  checklist over, `previous_referral` set, an event on both |
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import IntakeRule, Organization
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import RecordItem, Referral, ReferralEvent
from referrals.rules.capabilities import capabilities_for
from referrals.rules.workflow import actions_offered
from referrals.services.consultations import consultation_save
from referrals.services.records import attachment_add, record_item_change
from referrals.services.referrals import referral_update
from referrals.services.workflow import referral_transition
from tests.api.conftest import client_for, url
from tests.factories import CancerCenterFactory, Cast, ReferralFactory, referral_in_state

pytestmark = pytest.mark.django_db
Status = Referral.Status


def forward(referral, actor, center, reason="Our sarcoma clinic is full for six weeks."):
    data = {"receiving_center": str(center.uuid), "reason": reason}
    return referral_transition(referral=referral, actor=actor, action="forward", data=data)


@pytest.mark.parametrize(
    ("action", "code", "text"),
    [
        ("decline", "no_capacity", ""),
        ("decline", "other", "Better served by the regional network."),
        ("cancel", "patient_deceased", ""),
        ("cancel", "other", "Insurance refused the consult."),
    ],
)
def test_the_coded_reason_is_kept_on_the_referral_and_on_its_event(action, code, text):
    referral = referral_in_state(Status.SUBMITTED)
    actor = Cast(referral).center_coordinator
    data = {"reason_code": code, "reason": text}
    done = referral_transition(referral=referral, actor=actor, action=action, data=data)
    field = "decline" if action == "decline" else "cancel"
    assert getattr(done, f"{field}_reason_code") == code
    assert getattr(done, f"{field}_reason") == text
    event = ReferralEvent.objects.get(referral=referral, kind=action)
    assert event.reason_code == code


def test_a_decline_code_is_not_a_cancel_code():
    referral = referral_in_state(Status.SUBMITTED)
    actor = Cast(referral).center_coordinator
    with pytest.raises(InvalidData) as error:
        referral_transition(
            referral=referral, actor=actor, action="cancel", data={"reason_code": "no_capacity"}
        )
    assert "reason_code" in error.value.fields


@pytest.fixture
def forwarding():
    """A submitted referral with a local plan and files, its cast, and a second center."""
    referral = referral_in_state(
        Status.SUBMITTED, local_treatment_plan="Wide excision, then radiation."
    )
    cast = Cast(referral)
    notes = RecordItem.objects.create(
        referral=referral, kind="clinical_notes", status="sent", description="Clinic letters"
    )
    attachment_add(
        actor=referral.referring_oncologist,
        item=notes,
        uploaded_file=SimpleUploadedFile(
            "letter.txt", b"Clinic letter Zqxfile", content_type="text/plain"
        ),
    )
    RecordItem.objects.create(
        referral=referral, kind="pathology_slides", status="received", tracking_number="1Z1"
    )
    return referral, cast, CancerCenterFactory(name="Second Look Cancer Center")


def test_forwarding_opens_the_referral_at_the_other_center_with_the_checklist_and_files(
    forwarding,
):
    referral, cast, other = forwarding
    done = forward(referral, cast.center_coordinator, other)

    assert done.status == Status.FORWARDED and done.forwarded_at
    new = Referral.objects.get(previous_referral=referral)
    assert new.status == Status.SUBMITTED and new.submitted_at and new.triage_due
    assert new.receiving_center == other and new.patient == referral.patient
    assert new.referring_oncologist == referral.referring_oncologist
    assert new.clinical_question == referral.clinical_question
    assert new.local_treatment_plan == "Wide excision, then radiation."
    assert new.opinion_number == 2 and new.reference != referral.reference
    old_items = {(i.kind, i.description, i.required) for i in referral.record_items.all()}
    assert {(i.kind, i.description, i.required) for i in new.record_items.all()} == old_items
    copied = new.record_items.get(kind="clinical_notes")
    assert copied.status == "sent"  # the files came along; the new center receives them
    assert new.record_items.get(kind="pathology_slides").status == "requested"
    original = referral.record_items.get(kind="clinical_notes").attachments.get()
    copy = copied.attachments.get()
    assert copy.file.name != original.file.name and str(new.uuid) in copy.file.name
    with copy.file.open("rb") as file:
        assert file.read() == b"Clinic letter Zqxfile"
    assert copy.original_name == "letter.txt"
    event = ReferralEvent.objects.get(referral=referral, kind="forward")
    assert (event.from_status, event.to_status) == ("submitted", "forwarded")
    assert event.data["forwarded_to"] == str(new.uuid)
    arrived = ReferralEvent.objects.get(referral=new, kind="forwarded_in")
    assert arrived.data["forwarded_from"] == str(referral.uuid)


def test_the_first_center_keeps_a_read_only_view_and_does_not_see_the_new_referral(forwarding):
    referral, cast, other = forwarding
    forward(referral, cast.center_coordinator, other)
    new = Referral.objects.get(previous_referral=referral)
    referral.refresh_from_db()

    for person in ("center_coordinator", "specialist"):
        user = getattr(cast, person)
        granted = capabilities_for(user, referral)
        # Only slides and blocks may still go back (chain of custody); nothing else.
        assert set(granted.names) <= {"change_record_status"}, granted.names
        assert actions_offered(user, referral) == []
    api = client_for(cast.center_coordinator)
    assert api.get(url(f"referrals/{referral.uuid}/")).status_code == 200
    assert api.get(url(f"referrals/{new.uuid}/")).status_code == 404
    edit = api.patch(url(f"referrals/{referral.uuid}/"), {"urgency": "urgent"}, format="json")
    assert edit.status_code in (403, 409)
    with pytest.raises((Conflict, NotPermitted)):
        referral_update(actor=cast.center_coordinator, referral=referral, data={"stage": "IV"})
    # The slides at the first center still go back to the lab.
    slides = referral.record_items.get(kind="pathology_slides")
    record_item_change(actor=cast.center_coordinator, item=slides, data={"status": "returned"})
    # The referring side sees both.
    oncologist = client_for(referral.referring_oncologist)
    assert oncologist.get(url(f"referrals/{new.uuid}/")).status_code == 200
    detail = oncologist.get(url(f"referrals/{referral.uuid}/")).json()
    assert detail["forwarded_to"] == str(new.uuid) and detail["status"] == "forwarded"


def test_forwarding_from_accepted_and_over_the_api(forwarding):
    referral, cast, other = forwarding
    referral_transition(
        referral=referral,
        actor=cast.center_coordinator,
        action="accept",
        data={"specialist": str(cast.specialist.uuid)},
    )
    response = client_for(cast.center_coordinator).post(
        url(f"referrals/{referral.uuid}/transitions/"),
        {"action": "forward", "receiving_center": str(other.uuid), "reason": "No capacity."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "forwarded"


@pytest.mark.parametrize(
    "destination", ["own_center", "basic_laboratory", "site_not_taken", "practice", "missing"]
)
def test_forwarding_needs_another_center_that_takes_the_site(forwarding, destination):
    referral, cast, other = forwarding
    if destination == "own_center":
        other = referral.receiving_center
    elif destination == "basic_laboratory":
        other.nci_designation = Organization.NCIDesignation.BASIC
        other.save()
    elif destination == "site_not_taken":
        IntakeRule.objects.create(center=other, cancer_site="lung")
    elif destination == "practice":
        other = referral.referring_organization
    data = {"reason": "Full."}
    if destination != "missing":
        data["receiving_center"] = str(other.uuid)
    with pytest.raises(InvalidData) as error:
        referral_transition(
            referral=referral, actor=cast.center_coordinator, action="forward", data=data
        )
    assert "receiving_center" in error.value.fields
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED
    assert not Referral.objects.filter(previous_referral=referral).exists()


def test_forwarding_needs_a_reason(forwarding):
    referral, cast, other = forwarding
    with pytest.raises(InvalidData) as error:
        forward(referral, cast.center_coordinator, other, reason="  ")
    assert "reason" in error.value.fields


def test_a_patient_with_an_open_referral_at_the_other_center_is_not_forwarded_there(forwarding):
    referral, cast, other = forwarding
    ReferralFactory(patient=referral.patient, receiving_center=other, status=Status.ACCEPTED)
    with pytest.raises(InvalidData) as error:
        forward(referral, cast.center_coordinator, other)
    assert "already has an open referral" in error.value.detail
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED


@pytest.mark.parametrize("person", ["referring_coordinator", "referring_oncologist", "specialist"])
def test_only_the_center_coordinator_forwards(forwarding, person):
    referral, cast, other = forwarding
    with pytest.raises(NotPermitted):
        forward(referral, getattr(cast, person), other)


class TestAttendance:
    def test_a_no_show_is_kept_when_the_consult_is_rescheduled(self):
        referral = referral_in_state(Status.UNDER_REVIEW)
        specialist = referral.specialist
        first = timezone.now() - datetime.timedelta(days=1)
        link = {"join_link": "https://video.example.org/room/1"}
        consultation_save(
            actor=specialist, referral=referral, data={"scheduled_for": first, **link}
        )
        missed = consultation_save(
            actor=specialist, referral=referral, data={"attendance": "no_show"}
        )
        assert missed.attendance == "no_show" and missed.reschedule_due > timezone.localdate()

        second = timezone.now() + datetime.timedelta(days=3)
        again = consultation_save(
            actor=specialist, referral=referral, data={"scheduled_for": second}
        )
        assert again.attendance == "scheduled" and again.reschedule_due is None
        earlier = again.earlier_appointments.get()
        assert (earlier.attendance, earlier.scheduled_for) == ("no_show", first)
        assert earlier.join_link == link["join_link"]
        # Moved once more before it takes place: kept as rescheduled.
        consultation_save(
            actor=specialist,
            referral=referral,
            data={"scheduled_for": second + datetime.timedelta(days=1)},
        )
        kept = [a.attendance for a in again.earlier_appointments.order_by("recorded_at", "id")]
        assert kept == ["no_show", "rescheduled"]
        events = ReferralEvent.objects.filter(referral=referral, kind="consult_attendance")
        assert [e.to_status for e in events] == ["no_show", "scheduled", "scheduled"]

    def test_a_virtual_consult_needs_its_link_and_one_in_person_its_place(self):
        referral = referral_in_state(Status.UNDER_REVIEW)
        when = timezone.now() + datetime.timedelta(days=2)
        for modality, field in (("virtual", "join_link"), ("in_person", "place")):
            with pytest.raises(InvalidData) as error:
                consultation_save(
                    actor=referral.specialist,
                    referral=referral,
                    data={"modality": modality, "scheduled_for": when},
                )
            assert field in error.value.fields

    def test_an_appointment_still_to_come_is_not_marked_missed(self):
        referral = referral_in_state(Status.UNDER_REVIEW)
        when = timezone.now() + datetime.timedelta(days=2)
        data = {"scheduled_for": when, "place": "Clinic B", "modality": "in_person"}
        consultation_save(actor=referral.specialist, referral=referral, data=data)
        with pytest.raises(InvalidData) as error:
            consultation_save(
                actor=referral.specialist, referral=referral, data={"attendance": "no_show"}
            )
        assert "attendance" in error.value.fields

    def test_the_recommendation_waits_for_an_attended_consult(self):
        referral = referral_in_state(Status.UNDER_REVIEW, ready=True)
        referral.consultation.delete()
        when = timezone.now() - datetime.timedelta(hours=3)
        link = {"join_link": "https://video.example.org/room/2"}
        consultation_save(
            actor=referral.specialist, referral=referral, data={"scheduled_for": when, **link}
        )
        consultation_save(
            actor=referral.specialist, referral=referral, data={"attendance": "no_show"}
        )
        with pytest.raises(InvalidData) as error:
            referral_transition(
                referral=referral, actor=referral.specialist, action="issue_recommendation"
            )
        assert "consultation" in error.value.fields
        consultation_save(
            actor=referral.specialist,
            referral=referral,
            data={"scheduled_for": when + datetime.timedelta(hours=1)},
        )
        consultation_save(
            actor=referral.specialist, referral=referral, data={"attendance": "attended"}
        )
        done = referral_transition(
            referral=referral, actor=referral.specialist, action="issue_recommendation"
        )
        assert done.status == Status.RECOMMENDATION_ISSUED


def test_slides_at_the_center_are_due_back_ten_business_days_after_the_recommendation():
    referral = referral_in_state(Status.UNDER_REVIEW, ready=True, modality="records_only")
    slides = RecordItem.objects.create(
        referral=referral, kind="tissue_blocks", status="received", required=False
    )
    report = referral.record_items.exclude(pk=slides.pk).first()
    monday = timezone.make_aware(datetime.datetime(2026, 11, 30, 10, 0))
    done = referral_transition(
        referral=referral,
        actor=referral.specialist,
        action="issue_recommendation",
        data={"occurred_at": monday.isoformat(), "backdate_reason": "Signed on paper Monday."},
    )
    assert done.status == Status.RECOMMENDATION_ISSUED
    slides.refresh_from_db()
    # Ten business days after Monday 30 November 2026: Monday 14 December.
    assert slides.return_due == datetime.date(2026, 12, 14)
    report.refresh_from_db()
    assert report.return_due is None  # only physical material goes back


class TestLocalPlan:
    def test_submit_asks_for_the_local_plan_or_that_nothing_is_proposed_yet(self):
        referral = referral_in_state(Status.DRAFT, ready=True, local_treatment_plan="")
        with pytest.raises(InvalidData) as error:
            referral_transition(
                referral=referral, actor=referral.referring_oncologist, action="submit"
            )
        assert "local_treatment_plan" in error.value.fields
        referral_update(
            actor=referral.referring_oncologist,
            referral=referral,
            data={"no_local_plan_yet": True},
        )
        done = referral_transition(
            referral=referral, actor=referral.referring_oncologist, action="submit"
        )
        assert done.status == Status.SUBMITTED

    def test_the_plan_stays_editable_while_the_referral_is(self):
        referral = referral_in_state(Status.UNDER_REVIEW)
        cast = Cast(referral)
        referral_update(
            actor=cast.referring_coordinator,
            referral=referral,
            data={"local_treatment_plan": "Now: neoadjuvant chemotherapy first."},
        )
        referral.refresh_from_db()
        assert referral.local_treatment_plan.startswith("Now:")

    def test_a_plan_and_nothing_proposed_cannot_both_be_said(self):
        referral = referral_in_state(Status.DRAFT)
        with pytest.raises(InvalidData):
            referral_update(
                actor=referral.referring_oncologist,
                referral=referral,
                data={"no_local_plan_yet": True},
            )
