"""The information step's reminder with real Celery workers and a real SMTP server: the
referring oncologist is reminded of the unanswered request once, nothing is lost or doubled
(also when every task is delivered twice), an answered request reminds nobody, and the
question and answer e-mails reach the other side once, without the patient's details."""

import datetime
import time
from collections import Counter

import pytest
from django.utils import timezone

from referrals.models import Referral, ReferralEvent
from referrals.services.workflow import referral_transition
from reminders.models import OutgoingEmail, Reminder
from reminders.services import reminders_scan_and_queue
from reminders.tasks import queue_unsent_email
from tests.reminders.conftest import wait_for
from tests.reminders.test_worker import assert_delivered_once, message_ids, redeliver_every_task
from tests.reminders.world import Clinic, patient_details

Status = Referral.Status
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(180),
]


def is_reminder(message) -> bool:
    return "Information request overdue since" in message.subject


def ask(clinic: Clinic, referral: Referral, *, unanswered_since: datetime.date | None = None):
    referral = referral_transition(
        referral=referral,
        actor=clinic.center_coordinator,
        action="request_information",
        data={"reason": "clinical_clarification", "note": "Which regimen was given first?"},
    )
    if unanswered_since:  # as if asked 3 business days before `unanswered_since`
        Referral.objects.filter(pk=referral.pk).update(
            information_due=unanswered_since, next_due=unanswered_since
        )
    return referral


def test_an_unanswered_request_reminds_the_referring_oncologist_once(
    start_worker, smtp_server, publish, settings
):
    clinic = Clinic.create()
    later = timezone.localdate() + datetime.timedelta(days=20)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    unanswered = ask(
        clinic, clinic.late_referral(Status.ACCEPTED, due=later), unanswered_since=yesterday
    )
    answered = ask(
        clinic, clinic.late_referral(Status.UNDER_REVIEW, due=later), unanswered_since=yesterday
    )
    referral_transition(
        referral=answered,
        actor=clinic.practice_coordinator,
        action="provide_information",
        data={"note": "FOLFOX first, then capecitabine."},
    )
    not_yet_late = ask(clinic, clinic.late_referral(Status.ACCEPTED, due=later))
    start_worker()
    start_worker()

    result = reminders_scan_and_queue()

    assert result.created == 1
    # Three questions (the oncologist and the practice's coordinator each), one answer (the
    # center coordinator who asked and the assigned specialist), one reminder.
    expected = Counter(
        {
            ("Information requested", clinic.oncologist.email): 3,
            ("Information requested", clinic.practice_coordinator.email): 3,
            ("Information provided", clinic.center_coordinator.email): 1,
            ("Information provided", clinic.specialist.email): 1,
            ("Reminder", clinic.oncologist.email): 1,
        }
    )
    total = sum(expected.values())
    wait_for(lambda: len(smtp_server.messages) >= total, timeout=60, what="the e-mails")
    redeliver_every_task(publish)  # a redelivered task sends nothing
    settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = 0
    queue_unsent_email()  # nor does a scan that re-queues everything unsent
    time.sleep(2)

    messages = smtp_server.messages
    assert len(messages) == total
    received = Counter(
        (
            "Reminder" if is_reminder(message) else message.subject.split(": ", 1)[1],
            message.to,
        )
        for message in messages
    )
    assert received == expected
    reminder_mail = next(m for m in messages if is_reminder(m))
    assert unanswered.reference in reminder_mail.subject
    referrals = [unanswered, answered, not_yet_late]
    for message in messages:
        referral = next(r for r in referrals if r.reference in message.subject)
        assert f"/{referral.uuid}/" in message.text
        for detail in [*patient_details(referral), "regimen", "FOLFOX"]:
            assert detail not in message.subject + message.text, detail
    reminder = Reminder.objects.get()
    assert (reminder.referral_id, reminder.step, reminder.recipient) == (
        unanswered.pk,
        "information",
        clinic.oncologist,
    )
    assert ReferralEvent.objects.filter(referral=unanswered, kind="reminder_sent").count() == 1
    assert OutgoingEmail.objects.count() == total
    assert set(smtp_server.counts()) == message_ids()
    assert_delivered_once(smtp_server)
    assert reminders_scan_and_queue().created == 0
