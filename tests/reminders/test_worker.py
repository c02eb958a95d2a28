"""Every e-mail through the outbox, sent by real Celery workers to a real SMTP server.

The scans and the workflow steps run here, in the test process, publishing to Redis; worker
subprocesses send through SMTP to a server this test started (tests/reminders/smtp_server.py),
which stores each message before it answers. Each message is counted there by its Message-ID.
What may be doubled is only a message the server held, unanswered, when its sender was killed:
no SMTP client can know whether the server kept it (RFC 1047); it comes again with the same
Message-ID.
"""

import datetime
import time
from collections import Counter

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from referrals.models import Referral, ReferralEvent
from referrals.services.workflow import referral_transition
from reminders.models import OutgoingEmail, Reminder
from reminders.services import reminders_scan_and_queue
from reminders.tasks import deliver_email, queue_unsent_email, send_reminder
from tests.reminders.conftest import (
    WORKER_APPLICATION_NAME,
    PrivateRedis,
    route_tasks_to,
    wait_for,
)
from tests.reminders.world import Clinic, patient_details

Status = Referral.Status
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(180),
]

# Settings of the workers in the fault tests: a killed sender's claim expires in seconds.
SHORT_LEASE = {"EMAIL_OUTBOX_LEASE_SECONDS": 10}


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


class Story:
    """Late steps to remind, and referrals declined while the workers run (notifications)."""

    def __init__(self, *, late: int, declined: int):
        self.clinic = Clinic.create()
        self.late = [
            self.clinic.late_referral(Status.UNDER_REVIEW, due=days_ago(2 + number % 3))
            for number in range(late)
        ]
        future = timezone.localdate() + datetime.timedelta(days=5)
        self.to_decline = [
            self.clinic.late_referral(Status.SUBMITTED, due=future) for _ in range(declined)
        ]

    def scan(self):
        return reminders_scan_and_queue()

    def decline_all(self):
        for referral in self.to_decline:
            referral_transition(
                referral=referral,
                actor=self.clinic.center_coordinator,
                action="decline",
                data={"reason_code": "outside_expertise"},
            )

    @property
    def expected(self) -> int:
        return len(self.late) + len(self.to_decline)


def message_ids() -> set[str]:
    return {email.message_id for email in OutgoingEmail.objects.all()}


def wait_until_all_sent(smtp_server, story: Story, *, timeout: float = 60, beat: bool = True):
    """Until every e-mail is at the server and recorded sent; `beat` runs the outbox scan
    here every half second, as beat would every EMAIL_OUTBOX_SCAN_SECONDS."""

    def done() -> bool:
        if beat:
            queue_unsent_email()
        rows = OutgoingEmail.objects.count()
        everything_written = rows == story.expected
        unsent = OutgoingEmail.objects.filter(sent_at__isnull=True).exists()
        return everything_written and not unsent and set(smtp_server.counts()) == message_ids()

    wait_for(done, timeout=timeout, what="every e-mail delivered", interval=0.5)


def redeliver_every_task(publish) -> None:
    """As Redis does after the visibility timeout, or a scan re-queueing everything."""
    for reminder in Reminder.objects.all():
        publish(send_reminder, reminder.pk)
    for email_id in OutgoingEmail.objects.values_list("pk", flat=True):
        publish(deliver_email, email_id)


def assert_delivered_once(smtp_server, *, except_held: Counter | None = None):
    """Once each, but for a message held by the server when its sender was killed: once more
    for each such kill."""
    counts, held = smtp_server.counts(), except_held or Counter()
    assert set(counts) == message_ids()
    extra = {message_id: count - 1 for message_id, count in counts.items() if count > 1}
    assert all(extra[message_id] <= held[message_id] for message_id in extra), (extra, held)
    assert not OutgoingEmail.objects.filter(sent_at__isnull=True).exists()


def test_late_steps_and_steps_taken_reach_the_right_people_once_without_patient_details(
    start_worker, smtp_server, publish, settings
):
    clinic = Clinic.create()
    late = {
        "triage": clinic.late_referral(Status.SUBMITTED, due=days_ago(3)),
        "records": clinic.late_referral(Status.ACCEPTED, due=days_ago(2)),
        "review": clinic.late_referral(Status.ACCEPTED, due=days_ago(2), records_complete=True),
        "recommendation": clinic.late_referral(Status.UNDER_REVIEW, due=days_ago(1)),
        "return": clinic.late_referral(Status.RECOMMENDATION_ISSUED, due=days_ago(4)),
        "progress_update": clinic.late_referral(Status.MONITORING, due=days_ago(5)),
    }
    on_time = clinic.late_referral(Status.UNDER_REVIEW, due=timezone.localdate())
    closed = clinic.late_referral(Status.CLOSED, due=days_ago(9))
    start_worker()
    start_worker()

    result = reminders_scan_and_queue()
    declined = clinic.late_referral(Status.SUBMITTED, due=timezone.localdate())
    referral_transition(
        referral=declined,
        actor=clinic.center_coordinator,
        action="decline",
        data={"reason_code": "outside_expertise"},
    )

    center = {clinic.center_coordinator.email, clinic.lead_coordinator.email}
    expected = {("triage", email) for email in center} | {
        ("records", clinic.practice_coordinator.email),
        *(("review", email) for email in center),
        ("recommendation", clinic.specialist.email),
        ("return", clinic.oncologist.email),
        ("progress_update", clinic.oncologist.email),
        ("declined", clinic.oncologist.email),
    }
    assert result.created == 8
    wait_for(lambda: len(smtp_server.messages) >= len(expected), timeout=60, what="the e-mails")
    redeliver_every_task(publish)  # a redelivered task sends nothing
    settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = 0
    queue_unsent_email()  # nor does a scan that re-queues everything unsent
    time.sleep(2)
    step_of_reference = {referral.reference: step for step, referral in late.items()}
    step_of_reference[declined.reference] = "declined"
    messages = smtp_server.messages
    received = Counter(
        (
            next(step for ref, step in step_of_reference.items() if ref in message.subject),
            message.to,
        )
        for message in messages
    )
    assert received == Counter(expected)
    for message in messages:
        referral = next(r for r in [*late.values(), declined] if r.reference in message.subject)
        assert f"/{referral.uuid}/" in message.text
        for detail in patient_details(referral):
            assert detail not in message.subject + message.text, detail
    assert not Reminder.objects.filter(referral__in=[on_time, closed]).exists()
    for step, referral in late.items():
        events = ReferralEvent.objects.filter(referral=referral, kind="reminder_sent")
        assert events.count() == sum(1 for s, _ in expected if s == step)
    assert_delivered_once(smtp_server)
    assert reminders_scan_and_queue().created == 0


def test_workers_killed_while_the_server_holds_messages_double_only_those(
    start_worker, smtp_server, settings
):
    settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = 1  # the scans come early here
    settings.REMINDER_REQUEUE_AFTER_MINUTES = 0
    story = Story(late=20, declined=4)
    smtp_server.answer_delay = 0.3
    workers = [start_worker(**SHORT_LEASE), start_worker(**SHORT_LEASE)]
    story.scan()
    story.decline_all()

    held_when_killed: Counter = Counter()
    for _round in range(2):

        def sending() -> bool:
            queue_unsent_email()  # beat's outbox scan: it queues again what the kill lost
            return len(smtp_server.messages) >= 3 and smtp_server.held()

        wait_for(sending, timeout=60, what="a message held by the server", interval=0.2)
        smtp_server.hold_answers()
        time.sleep(0.5)  # a sender that had its answer has recorded it; the others wait
        for worker in workers:
            worker.kill()
        held_when_killed.update(smtp_server.held())
        smtp_server.release_answers()
        for worker in workers:
            worker.start()
    wait_until_all_sent(smtp_server, story)

    assert OutgoingEmail.objects.count() == story.expected
    assert_delivered_once(smtp_server, except_held=held_when_killed)


def test_the_database_connection_cut_after_the_server_has_the_message_sends_nothing_twice(
    start_worker, smtp_server, settings
):
    settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = 1
    settings.REMINDER_REQUEUE_AFTER_MINUTES = 0
    story = Story(late=6, declined=2)
    cuts = []

    def cut_the_workers_database_sessions(message):
        if len(cuts) < 4:  # the first messages: the server has them, the sender's COMMIT not
            cuts.append(terminate_worker_sessions())

    smtp_server.on_stored = cut_the_workers_database_sessions
    start_worker(**SHORT_LEASE)
    story.scan()
    story.decline_all()

    wait_until_all_sent(smtp_server, story)

    assert sum(cuts) >= 4  # sessions were cut, each time after the server stored a message
    assert_delivered_once(smtp_server)


def terminate_worker_sessions() -> int:
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as session:
        rows = session.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [WORKER_APPLICATION_NAME],
        ).fetchall()
    return len(rows)


def test_a_server_slower_than_the_command_timeout_is_waited_for_not_sent_to_again(
    start_worker, smtp_server, publish, settings
):
    story = Story(late=4, declined=2)
    smtp_server.answer_delay = 2  # to the end of the data; commands are answered at once
    start_worker(EMAIL_TIMEOUT=1)  # the old single timeout, shorter than that answer
    start_worker(EMAIL_TIMEOUT=1)
    story.scan()
    story.decline_all()

    wait_for(lambda: len(smtp_server.messages) >= 2, timeout=30, what="the first e-mails")
    redeliver_every_task(publish)  # while they are being sent
    settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = 0
    queue_unsent_email()
    wait_until_all_sent(smtp_server, story, beat=False)
    time.sleep(1)

    assert_delivered_once(smtp_server)


def test_a_message_the_server_never_answers_is_not_sent_again_at_once(
    start_worker, smtp_server, settings
):
    story = Story(late=2, declined=0)
    smtp_server.answer_delay = 3  # longer than the workers wait for it here
    start_worker(EMAIL_DATA_TIMEOUT=1)
    story.scan()
    wait_for(
        lambda: OutgoingEmail.objects.filter(last_error__contains="Unknown").count() == 2,
        timeout=60,
        what="both outcomes unknown",
    )
    settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = 0
    for _ in range(3):
        queue_unsent_email()
        time.sleep(1)

    assert sorted(smtp_server.counts().values()) == [1, 1]
    for email in OutgoingEmail.objects.all():
        assert email.sent_at is None and email.attempts == 1
        assert email.next_attempt_at > timezone.now() + datetime.timedelta(minutes=55)


def test_a_mail_outage_longer_than_the_retries_delivers_everything_once_afterwards(
    start_worker, smtp_server, broker, settings
):
    story = Story(late=6, declined=2)
    smtp_server.refusing = True
    settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = 300  # the default
    quick_retries = {
        "EMAIL_OUTBOX_TASK_RETRIES": 2,
        "EMAIL_OUTBOX_RETRY_BASE_SECONDS": 1,
        "EMAIL_OUTBOX_RETRY_MAX_SECONDS": 1,
    }
    start_worker(**quick_retries)
    story.scan()
    story.decline_all()

    def retries_over() -> bool:
        # The periodic scan meanwhile, with the default re-queue age: it queues only what the
        # tasks gave up on, not what is still retrying (the queue does not grow with the outage).
        given_up = OutgoingEmail.objects.filter(queued_at__isnull=True).count()
        assert queue_unsent_email()["emails"] <= given_up
        assert broker.llen("celery") <= story.expected
        every_task_retried = not OutgoingEmail.objects.filter(attempts__lt=3).exists()
        return OutgoingEmail.objects.count() == story.expected and every_task_retried

    wait_for(retries_over, timeout=60, what="the task retries to give up", interval=0.5)
    assert smtp_server.counts() == Counter()
    smtp_server.refusing = False

    wait_until_all_sent(smtp_server, story)  # the periodic scan queues them again

    assert_delivered_once(smtp_server)


def test_a_redis_restart_loses_and_doubles_nothing_and_beat_recovers_on_its_own(
    start_worker, smtp_server, private_redis: PrivateRedis, settings
):
    route_tasks_to(settings, private_redis.url)
    story = Story(late=10, declined=2)
    smtp_server.answer_delay = 0.3
    # Beat in the worker, with the outbox scan's period and re-queue age shortened.
    start_worker(
        beat=True,
        REDIS_URL=private_redis.url,
        EMAIL_OUTBOX_SCAN_SECONDS=1,
        EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS=3,
        REMINDER_REQUEUE_AFTER_MINUTES=0,
    )
    story.scan()
    story.decline_all()

    wait_for(lambda: len(smtp_server.messages) >= 3, timeout=60, what="a few e-mails")
    private_redis.stop()  # the queued tasks die with it
    assert OutgoingEmail.objects.filter(sent_at__isnull=True).exists() or (
        Reminder.objects.filter(sent_at__isnull=True).exists()
    )
    private_redis.start()

    wait_until_all_sent(smtp_server, story, beat=False, timeout=90)

    assert_delivered_once(smtp_server)
