"""Reminders sent by a real Celery worker through Redis: right people, no PHI, never twice.

The scan runs here, in the test process; a worker subprocess sends. Mail is counted in the
worker's mail folder, and each reminder's Message-ID names it, so "exactly once" is counted.
"""

import datetime
import subprocess
import time
from collections import Counter
from urllib.parse import urlparse

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from referrals.models import Referral, ReferralEvent, Reminder
from referrals.reminders.services import reminders_scan_and_queue
from referrals.tasks import send_reminder
from tests.reminders.conftest import BROKER_URL, wait_for
from tests.reminders.mail_sink import delivered, seconds_left_in_transit
from tests.reminders.world import Clinic, patient_details

S = Referral.Status
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(240),
]

# DESIGN §7: how every development and CI machine starts Redis.
REDIS_START = [
    *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379"),
    *("--save", "", "--appendonly", "no", "--dir", "/var/lib/redis"),
    *("--logfile", "/var/log/redis/ci.log"),
]


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def scan(publish):
    return reminders_scan_and_queue(queue=lambda reminder_id: publish(send_reminder, reminder_id))


def reminder_message_id(reminder: Reminder) -> str:
    return f"<reminder-{reminder.uuid}@{urlparse(django_settings.SITE_URL).hostname}>"


def assert_each_sent_once(mail_dir, reminders: list[Reminder]):
    counts = Counter(mail.message_id for mail in delivered(mail_dir))
    assert counts == Counter(reminder_message_id(reminder) for reminder in reminders)
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_late_steps_reach_the_people_who_must_act_without_patient_details(
    start_worker, publish, mail_dir, wait_for_mail
):
    clinic = Clinic.create()
    late = {
        "triage": clinic.late_referral(S.SUBMITTED, due=days_ago(3)),
        "records": clinic.late_referral(S.ACCEPTED, due=days_ago(2)),
        "review": clinic.late_referral(S.ACCEPTED, due=days_ago(2), records_complete=True),
        "recommendation": clinic.late_referral(S.UNDER_REVIEW, due=days_ago(1)),
        "return": clinic.late_referral(S.RECOMMENDATION_ISSUED, due=days_ago(4)),
        "progress_update": clinic.late_referral(S.MONITORING, due=days_ago(5)),
    }
    on_time = clinic.late_referral(S.UNDER_REVIEW, due=timezone.localdate())
    closed = clinic.late_referral(S.CLOSED, due=days_ago(9))
    start_worker()

    result = scan(publish)

    center = {clinic.center_coordinator.email, clinic.lead_coordinator.email}
    expected = {("triage", email) for email in center} | {
        ("records", clinic.practice_coordinator.email),
        *(("review", email) for email in center),
        ("recommendation", clinic.specialist.email),
        ("return", clinic.oncologist.email),
        ("progress_update", clinic.oncologist.email),
    }
    assert result.created == len(expected) == 8
    mails = wait_for_mail(len(expected))
    time.sleep(1)  # anything extra would arrive now
    mails = delivered(mail_dir)
    step_of_reference = {referral.reference: step for step, referral in late.items()}
    received = Counter((step_of_reference[mail.subject.split()[1]], mail.to) for mail in mails)
    assert received == Counter(expected)
    for mail in mails:
        referral = next(r for r in late.values() if r.reference in mail.subject)
        assert f"/{referral.uuid}/" in mail.text and f"/{referral.uuid}/" in mail.html
        assert "Due:" in mail.text and "overdue" in mail.html
        for detail in patient_details(referral):
            assert detail not in mail.subject + mail.text + mail.html, detail
    assert not Reminder.objects.filter(referral__in=[on_time, closed]).exists()
    for step, referral in late.items():
        events = ReferralEvent.objects.filter(referral=referral, kind="reminder_sent")
        assert events.count() == sum(1 for s, _ in expected if s == step)

    second = scan(publish)

    assert second.created == 0 and second.pending == []
    time.sleep(1)
    assert len(delivered(mail_dir)) == len(expected)


def test_a_worker_killed_mid_send_loses_and_doubles_nothing(
    start_worker, publish, mail_dir, wait_for_mail, settings
):
    settings.REMINDER_REQUEUE_AFTER_MINUTES = 0  # the re-scan comes early here
    clinic = Clinic.create()
    for number in range(14):
        clinic.late_referral(S.UNDER_REVIEW, due=days_ago(2 + number % 3))
    worker = start_worker(mail_delay=0.4)
    scan(publish)
    reminders = list(Reminder.objects.all())
    assert len(reminders) == 14

    wait_for_mail(4)
    # Kill while every send in progress is with the mail server, not yet accepted.
    wait_for(lambda: seconds_left_in_transit(mail_dir) > 0.15, timeout=30, what="a send")
    worker.kill()

    unsent = Reminder.objects.filter(sent_at__isnull=True).count()
    assert 0 < unsent < 14
    assert len(delivered(mail_dir)) == 14 - unsent  # what was delivered is recorded
    # The re-scan runs while no worker is up: a new worker would at once take the tasks the
    # killed one left in the queue and send some before the scan counted them.
    rescan = scan(publish)
    assert rescan.created == 0 and len(rescan.pending) == unsent
    start_worker(mail_delay=0.05)
    wait_for_mail(14)
    # Redelivery of every task (as Redis does after the visibility timeout) sends nothing.
    for reminder in reminders:
        publish(send_reminder, reminder.pk)
    time.sleep(2)
    assert_each_sent_once(mail_dir, reminders)


def test_a_redis_restart_mid_run_loses_and_doubles_nothing(
    start_worker, publish, broker, mail_dir, wait_for_mail, settings
):
    settings.REMINDER_REQUEUE_AFTER_MINUTES = 0  # the re-scan comes early here
    clinic = Clinic.create()
    for number in range(12):
        clinic.late_referral(S.MONITORING, due=days_ago(1 + number % 4))
    start_worker(mail_delay=0.3)
    scan(publish)
    reminders = list(Reminder.objects.all())
    assert len(reminders) == 12

    wait_for_mail(3)
    try:
        # The queued messages die with Redis (no persistence on CI machines).
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], check=False)
        wait_for(_redis_down, timeout=10, what="Redis to stop")
    finally:
        subprocess.run(REDIS_START, check=True)
    wait_for(_redis_up, timeout=30, what="Redis to start")
    assert Reminder.objects.filter(sent_at__isnull=True).exists()

    scan(publish)  # the next beat scan: queues again what was not sent
    wait_for_mail(12, timeout=90)
    for reminder in reminders:
        publish(send_reminder, reminder.pk)
    time.sleep(2)
    assert_each_sent_once(mail_dir, reminders)


def _redis_ping() -> bool:
    try:
        return redis.Redis.from_url(BROKER_URL, socket_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


def _redis_down() -> bool:
    return not _redis_ping()


def _redis_up() -> bool:
    return _redis_ping()
