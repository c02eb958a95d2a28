"""DESIGN §5: an information request unanswered for 3 business days reminds the referring side;
an answer ends the reminders, and the paused step's own reminders start again from its moved
due date."""

import datetime

import pytest
from django.utils import timezone

from referrals.models import Referral
from referrals.services.workflow import referral_transition
from reminders.delivery import Outcome, reminder_send
from reminders.models import Reminder
from reminders.scan import reminders_scan
from tests.reminders.world import Clinic

Status = Referral.Status
pytestmark = pytest.mark.django_db

# A Monday two weeks back or more: after the referrals' milestones (29 days ago), in the past.
_today = datetime.date.today()
MONDAY = _today - datetime.timedelta(days=14 + _today.weekday())


def day(offset: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=offset)


def asked_on(clinic: Clinic, status: str, asked: datetime.date, *, step_due: datetime.date):
    """A referral in `status` (its own step due on `step_due`) with a request asked on `asked`."""
    referral = clinic.late_referral(status, due=step_due)
    moment = timezone.make_aware(datetime.datetime.combine(asked, datetime.time(10)))
    return referral_transition(
        referral=referral,
        actor=clinic.center_coordinator,
        action="request_information",
        data={
            "reason": "missing_records",
            "note": "The operative report, please.",
            "occurred_at": moment.isoformat(),
            "backdate_reason": "Asked by phone.",
        },
    )


def test_three_business_days_unanswered_remind_the_referring_oncologist(mailoutbox):
    clinic = Clinic.create()
    # Asked on a Wednesday: due Monday (Thu, Fri, Mon), reminded from Tuesday on.
    referral = asked_on(clinic, Status.ACCEPTED, day(2), step_due=day(30))
    assert referral.information_due == day(7)

    assert reminders_scan(today=day(7)).created == 0  # Monday: not late yet
    result = reminders_scan(today=day(8))
    reminders = list(Reminder.objects.filter(referral=referral))
    assert [(r.step, r.recipient, r.due_date) for r in reminders] == [
        ("information", clinic.oncologist, day(7))
    ]
    mailoutbox.clear()
    for reminder_id in result.pending:
        reminder_send(reminder_id=reminder_id, today=day(8))
    assert [message.to for message in mailoutbox] == [[clinic.oncologist.email]]
    assert referral.reference in mailoutbox[0].subject
    assert referral.patient.family_name not in mailoutbox[0].body


def test_an_answer_before_the_reminder_goes_out_cancels_it():
    clinic = Clinic.create()
    referral = asked_on(clinic, Status.UNDER_REVIEW, day(2), step_due=day(30))
    result = reminders_scan(today=day(8))
    assert len(result.pending) == 1
    referral_transition(
        referral=referral,
        actor=clinic.oncologist,
        action="provide_information",
        data={"note": "Faxed today."},
    )
    assert reminder_send(reminder_id=result.pending[0], today=day(8)) == Outcome.CANCELLED
    reminder = Reminder.objects.get(referral=referral)
    assert reminder.sent_at is None and reminder.cancelled_at is not None


def test_while_paused_the_step_s_own_reminder_waits():
    clinic = Clinic.create()
    # The recommendation was due on the Tuesday; the specialist asked on the Monday before.
    referral = asked_on(clinic, Status.UNDER_REVIEW, day(0), step_due=day(1))
    assert reminders_scan(today=day(3)).created == 0  # Thursday: the information is due Thursday
    assert not Reminder.objects.filter(referral=referral, step="recommendation").exists()
