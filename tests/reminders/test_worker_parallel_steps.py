"""The further steps of DESIGN §5 with real Celery workers and a real SMTP server: a consult
marked no-show reminds the center coordinator to reschedule; physical slides and blocks not
returned 10 business days after the recommendation remind the center coordinator (chain of
custody). Nothing is lost or doubled, and a step answered stops its reminders."""

import datetime
import time
from collections import Counter

import pytest
from django.utils import timezone

from referrals.models import Consultation, RecordItem, Referral, ReferralEvent
from referrals.services.consultations import consultation_save
from referrals.services.records import record_item_change
from reminders.models import OutgoingEmail, Reminder
from reminders.services import reminders_scan_and_queue
from reminders.tasks import deliver_email, queue_unsent_email, send_reminder
from tests.reminders.conftest import wait_for
from tests.reminders.world import Clinic, patient_details

Status = Referral.Status
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(180),
]


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def no_show(clinic: Clinic, *, due: datetime.date) -> Referral:
    """Under review (its own step not late), the patient missed the consult."""
    referral = clinic.late_referral(Status.UNDER_REVIEW, due=day(5))
    Consultation.objects.create(
        referral=referral,
        modality="virtual",
        scheduled_for=timezone.now() - datetime.timedelta(days=3),
        join_link="https://video.example.org/zqx",
        attendance="no_show",
        reschedule_due=due,
    )
    return referral


def slides_out(clinic: Clinic, status: str, *, due: datetime.date, returned=False) -> Referral:
    """Slides and blocks at the center, to go back by `due` (returned already, if so)."""
    referral = clinic.late_referral(status, due=day(5))
    for kind in ("pathology_slides", "tissue_blocks"):
        RecordItem.objects.create(
            referral=referral,
            kind=kind,
            status="returned" if returned else "received",
            return_due=due,
            returned_at=timezone.now() if returned else None,
        )
    return referral


def test_no_shows_and_slides_not_returned_remind_the_center_once(
    start_worker, smtp_server, publish, settings
):
    clinic = Clinic.create()
    late = {
        "no_show": no_show(clinic, due=day(-1)),
        # After the return and the close the material must still go back.
        "slide_return": slides_out(clinic, Status.CLOSED, due=day(-2)),
    }
    rescheduled_soon = no_show(clinic, due=day(0))  # due today: not late yet
    back_in_time = slides_out(clinic, Status.MONITORING, due=day(-3), returned=True)
    not_yet = slides_out(clinic, Status.RECOMMENDATION_ISSUED, due=day(4))
    start_worker()
    start_worker()

    result = reminders_scan_and_queue()

    center = {clinic.center_coordinator.email, clinic.lead_coordinator.email}
    expected = Counter((step, email) for step in late for email in center)
    assert result.created == len(expected)
    wait_for(lambda: len(smtp_server.messages) >= len(expected), timeout=60, what="the e-mails")
    for reminder in Reminder.objects.all():  # a redelivered task sends nothing
        publish(send_reminder, reminder.pk)
    for email_id in OutgoingEmail.objects.values_list("pk", flat=True):
        publish(deliver_email, email_id)
    settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = 0
    queue_unsent_email()
    time.sleep(2)

    step_of = {referral.reference: step for step, referral in late.items()}
    messages = smtp_server.messages
    received = Counter(
        (next(step for ref, step in step_of.items() if ref in message.subject), message.to)
        for message in messages
    )
    assert received == expected
    for message in messages:
        referral = next(r for r in late.values() if r.reference in message.subject)
        assert f"/{referral.uuid}/" in message.text
        for detail in patient_details(referral):
            assert detail not in message.subject + message.text, detail
    assert set(smtp_server.counts().values()) == {1}
    assert not OutgoingEmail.objects.filter(sent_at__isnull=True).exists()
    assert not Reminder.objects.filter(referral__in=[rescheduled_soon, back_in_time, not_yet])
    for step, referral in late.items():
        events = ReferralEvent.objects.filter(referral=referral, kind="reminder_sent")
        assert {event.data["step"] for event in events} == {step}
    assert reminders_scan_and_queue().created == 0


def test_a_step_answered_before_its_reminder_goes_out_is_not_reminded(start_worker, smtp_server):
    clinic = Clinic.create()
    missed = no_show(clinic, due=day(-1))
    slides = slides_out(clinic, Status.CLOSED, due=day(-1))
    # The scan writes the reminders with no worker running; then the steps are answered.
    result = reminders_scan_and_queue()
    assert result.created == 4
    consultation_save(
        actor=clinic.center_coordinator,
        referral=missed,
        data={"scheduled_for": timezone.now() + datetime.timedelta(days=2)},
    )
    for item in slides.record_items.filter(status="received", kind__in=RecordItem.PHYSICAL_KINDS):
        record_item_change(
            actor=clinic.center_coordinator,
            item=item,
            data={"status": "returned", "tracking_number": "1Z999"},
        )
    start_worker()
    wait_for(
        lambda: not Reminder.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True),
        timeout=60,
        what="every reminder handled",
    )
    assert Reminder.objects.filter(cancelled_at__isnull=False).count() == 4
    assert smtp_server.messages == []
    # The missed appointment is kept, not overwritten.
    earlier = missed.consultation.earlier_appointments.get()
    assert earlier.attendance == "no_show"
