"""Sending in-process: answered steps are not reminded, failures stay pending, digests."""

import datetime

import pytest
import redis
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from referrals.models import Referral, ReferralEvent
from reminders import outbox
from reminders.delivery import (
    Outcome,
    digest_recipient_ids,
    reminder_digest_send,
    reminder_send,
)
from reminders.models import Holiday, OutgoingEmail, Reminder
from reminders.scan import reminders_scan
from tests.queries import assert_queries
from tests.reminders.conftest import PrivateRedis, drop_producer_pools, route_tasks_to
from tests.reminders.world import Clinic, patient_details

Status = Referral.Status
pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 2)
TUESDAY = MONDAY + datetime.timedelta(days=1)
REFUSING = "tests.reminders.mail_sink.RefusingBackend"


def test_a_step_answered_before_the_reminder_went_out_is_not_reminded(mailoutbox):
    clinic = Clinic.create()
    referral = clinic.late_referral(Status.UNDER_REVIEW, due=MONDAY)
    [reminder_id] = reminders_scan(today=TUESDAY).pending
    Referral.objects.filter(pk=referral.pk).update(
        status=Status.RECOMMENDATION_ISSUED, next_due=TUESDAY + datetime.timedelta(days=7)
    )

    outcome = reminder_send(reminder_id=reminder_id, today=TUESDAY)

    assert outcome == Outcome.CANCELLED
    assert mailoutbox == []
    assert Reminder.objects.get(pk=reminder_id).cancelled_at is not None
    assert reminders_scan(today=TUESDAY).pending == []


def test_a_refused_mail_waits_in_the_outbox_and_goes_out_once_the_server_is_back(
    mailoutbox, settings
):
    clinic = Clinic.create()
    referral = clinic.late_referral(Status.RECOMMENDATION_ISSUED, due=MONDAY)
    [reminder_id] = reminders_scan(today=TUESDAY).pending
    settings.EMAIL_BACKEND = REFUSING

    assert reminder_send(reminder_id=reminder_id, today=TUESDAY) == Outcome.SENT

    [email] = OutgoingEmail.objects.all()
    assert email.sent_at is None and email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at > timezone.now()  # backoff: not tried again at once
    assert outbox.emails_to_queue() == []
    assert referral.events.filter(kind="reminder_sent").count() == 1
    assert reminder_send(reminder_id=reminder_id, today=TUESDAY) == Outcome.ALREADY_DONE
    assert OutgoingEmail.objects.count() == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())  # its backoff is over
    assert outbox.emails_to_queue() == [email.pk]
    assert outbox.email_deliver(email.pk).outcome == outbox.Outcome.SENT
    assert outbox.email_deliver(email.pk).outcome == outbox.Outcome.NOT_DUE
    assert outbox.emails_to_queue() == []
    assert [m.to for m in mailoutbox] == [[clinic.oncologist.email]]
    assert mailoutbox[0].extra_headers["Message-ID"] == email.message_id
    [message] = mailoutbox
    html = message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    assert referral.reference in message.subject and "Return acknowledgement" in message.body
    assert "Nov. 2, 2026" in message.body and "Nov. 2, 2026" in html
    for detail in patient_details(referral):
        assert detail not in message.subject + message.body + html


def test_a_digest_reader_gets_one_mail_a_day_with_all_their_late_steps(mailoutbox):
    clinic = Clinic.create()
    User.objects.filter(pk=clinic.practice_coordinator.pk).update(
        reminder_delivery=User.ReminderDelivery.DAILY_DIGEST
    )
    records = [clinic.late_referral(Status.ACCEPTED, due=MONDAY) for _ in range(3)]
    result = reminders_scan(today=TUESDAY)
    assert result.created == 3 and result.pending == []  # nothing one by one
    digest_reminder = Reminder.objects.first()
    assert reminder_send(reminder_id=digest_reminder.pk) == Outcome.LEFT_FOR_DIGEST

    assert digest_recipient_ids() == [clinic.practice_coordinator.pk]
    sent = reminder_digest_send(recipient_id=clinic.practice_coordinator.pk, today=TUESDAY)
    again = reminder_digest_send(recipient_id=clinic.practice_coordinator.pk, today=TUESDAY)

    assert (sent, again) == (3, 0)
    [digest] = mailoutbox
    assert digest.to == [clinic.practice_coordinator.email]
    assert digest.subject == "Daily digest: 3 overdue steps to act on"
    for referral in records:
        assert referral.reference in digest.body
        assert str(referral.uuid) in digest.alternatives[0].content
        for detail in patient_details(referral):
            assert detail not in digest.body + digest.alternatives[0].content
    assert ReferralEvent.objects.filter(kind="reminder_sent", referral__in=records).count() == 3
    assert digest_recipient_ids() == []


def test_a_digest_costs_the_same_queries_for_many_late_steps(mailoutbox):
    clinic = Clinic.create()
    User.objects.filter(pk=clinic.practice_coordinator.pk).update(
        reminder_delivery=User.ReminderDelivery.DAILY_DIGEST
    )

    def late_records(count: int) -> None:
        for _ in range(count):  # each waits on records: an accepted referral with one missing
            clinic.late_referral(Status.ACCEPTED, due=MONDAY)
        reminders_scan(today=TUESDAY)

    def digest() -> int:
        return reminder_digest_send(recipient_id=clinic.practice_coordinator.pk, today=TUESDAY)

    late_records(2)
    with assert_queries(at_most=12) as few:
        assert digest() == 2
    late_records(9)
    with assert_queries(at_most=len(few.captured_queries)):
        assert digest() == 9
    subjects = [mail.subject for mail in mailoutbox]
    assert subjects == [f"Daily digest: {n} overdue steps to act on" for n in (2, 9)]


def test_the_command_scans_and_sends_in_process_without_a_broker(mailoutbox, capsys):
    clinic = Clinic.create()
    clinic.late_referral(Status.MONITORING, due=MONDAY)

    call_command("scan_reminders", "--digests")

    assert "Late steps: 1. Reminders created: 1." in capsys.readouterr().out
    assert [m.to for m in mailoutbox] == [[clinic.oncologist.email]]


def test_the_command_reports_mail_it_could_not_send(settings, mailoutbox):
    Clinic.create().late_referral(Status.MONITORING, due=MONDAY)
    settings.EMAIL_BACKEND = REFUSING

    with pytest.raises(CommandError, match="1 e-mail.* failed and stay pending"):
        call_command("scan_reminders")

    assert OutgoingEmail.objects.get().sent_at is None


def test_us_federal_holidays_load_into_the_sla_calendar():
    call_command("load_holidays", "2026")
    call_command("load_holidays", "2026")

    assert Holiday.objects.get(date=datetime.date(2026, 11, 26)).name == "Thanksgiving Day"
    assert Holiday.objects.filter(date__year=2026).count() == 12
    with pytest.raises(CommandError, match="Unknown holiday calendar"):
        call_command("load_holidays", "2026", "--country", "XX")


def test_beat_runs_the_scan_and_the_digest_through_registered_tasks():
    from config.celery_app import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}

    assert scheduled == {
        "referrals.tasks.scan_reminders",
        "referrals.tasks.queue_reminder_digests",
        "reminders.tasks.queue_unsent_email",
    }
    assert scheduled <= set(app.tasks)
    for name in (
        "referrals.tasks.send_reminder",
        "referrals.tasks.send_reminder_digest",
        "reminders.tasks.deliver_email",
    ):
        task = app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost and task.autoretry_for


def test_the_reminder_tasks_live_in_the_reminders_app_under_the_names_beat_knows():
    """Beat's schedule rows and messages queued before the move name them referrals.tasks.*."""
    from reminders import tasks

    moved = {
        "send_reminder": tasks.send_reminder,
        "send_reminder_digest": tasks.send_reminder_digest,
        "scan_reminders": tasks.scan_reminders,
        "queue_reminder_digests": tasks.queue_reminder_digests,
    }
    for function_name, task in moved.items():
        assert task.name == f"referrals.tasks.{function_name}"
        assert task.run.__module__ == "reminders.tasks"


def test_a_scan_while_redis_is_down_says_so_and_leaves_nothing_marked_queued(
    settings, private_redis: PrivateRedis
):
    clinic = Clinic.create()
    for _ in range(3):
        clinic.late_referral(Status.MONITORING, due=MONDAY)
    route_tasks_to(settings, private_redis.url)
    private_redis.stop()

    with pytest.raises(CommandError) as refused:
        call_command("scan_reminders")

    assert "\n" not in str(refused.value)
    assert "broker unreachable" in str(refused.value)
    assert Reminder.objects.count() == 3
    assert not Reminder.objects.filter(queued_at__isnull=False).exists()
    private_redis.start()
    drop_producer_pools()
    call_command("scan_reminders")  # the next scan publishes them all
    assert Reminder.objects.filter(queued_at__isnull=False).count() == 3
    assert redis.Redis.from_url(private_redis.url).llen("celery") == 3
