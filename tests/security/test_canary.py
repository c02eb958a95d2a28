"""The canary: a patient with unmistakable details goes through the whole workflow, with
notifications and a reminder for a late step, and none of the details comes out anywhere
else than the database: not in a log record, not in an e-mail, not in a Celery message.

Celery messages are published to a real Redis (database 7 unless SECURITY_TEST_BROKER_URL
says otherwise), read back from the queue, and then run in this process by name with the
arguments they carry, so the e-mails the tasks send are checked too.
"""

import base64
import datetime
import json
import logging
import os

import pytest
import redis
from celery.signals import before_task_publish
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from kombu import pools

from accounts.models import Membership
from config.celery_app import app
from referrals.models import Referral
from referrals.services import records
from referrals.services import referrals as referral_services
from referrals.services.workflow import referral_transition
from reminders.models import OutgoingEmail, Reminder
from reminders.tasks import scan_reminders
from tests.api.conftest import client_for
from tests.factories import CancerCenterFactory, member
from tests.workflow_steps import SARCOMA_QUESTION, CareTeams, review_to_follow_up

Role = Membership.Role
BROKER_URL = os.environ.get("SECURITY_TEST_BROKER_URL", "redis://127.0.0.1:6379/7")
QUEUE = "celery"

CANARY = {
    "given_name": "Zyxcanaryname",
    "family_name": "Qwcanaryfamily",
    "date_of_birth": datetime.date(1911, 11, 11),
    "mrn": "MRN-CANARY-7731",
    "email": "zyx.qwcanary@example.org",
    "phone": "+1 555 0199 7731",
}
# Every form the canaries could take in text, compared in lower case.
CANARY_FORMS = [
    "zyxcanaryname",
    "qwcanaryfamily",
    "mrn-canary-7731",
    "canary-7731",
    "zyx.qwcanary",
    "0199 7731",
    "1911-11-11",
    "11/11/1911",
    "11.11.1911",
    "11-11-1911",
    "1911/11/11",
    "19111111",
    "november 11, 1911",
    "nov 11, 1911",
    "nov. 11, 1911",
    "11 november 1911",
    "11 nov 1911",
]


def canaries_in(text: str) -> list[str]:
    lowered = text.lower()
    return [form for form in CANARY_FORMS if form in lowered]


def _drop_producer_pools():
    """Close the broker connections and forget them (kombu keeps its pools per broker URL),
    so the next message goes to the broker URL configured now."""
    pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def broker(settings):
    """Tasks published to the Redis database of this test (emptied before and after).

    Set through Django's settings, which Celery's configuration reads (CELERY_ prefix):
    assigning `app.conf.task_always_eager` would not override the prefixed setting.
    """
    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    _drop_producer_pools()
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = BROKER_URL, False
    yield client
    _drop_producer_pools()  # the next message is published with the restored settings
    client.flushdb()
    client.close()


@pytest.fixture
def published():
    """What `before_task_publish` saw of every message: body and headers, serialized."""
    seen: list[str] = []

    def capture(sender=None, body=None, headers=None, properties=None, **kwargs):
        seen.append(json.dumps([sender, body, headers, properties], default=str))

    before_task_publish.connect(capture, weak=False)
    yield seen
    before_task_publish.disconnect(capture)


class Queue:
    """Reads the messages back from Redis and runs them here, as a worker would."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self.raw: list[str] = []
        self.ran: list[str] = []

    def drain(self) -> None:
        """Run every queued message, and those their tasks queue, until none is left."""
        while (message := self.client.rpop(QUEUE)) is not None:
            text = message.decode()
            envelope = json.loads(text)
            body = base64.b64decode(envelope["body"]).decode()
            self.raw += [text, body]
            args, kwargs, _embed = json.loads(body)
            name = envelope["headers"]["task"]
            app.tasks[name].apply(args, kwargs, throw=True)
            self.ran.append(name)


def mail_texts() -> list[str]:
    """Every e-mail as sent: all headers and every part, decoded."""
    texts = []
    for message in mail.outbox:
        mime = message.message()
        texts.append(str(list(mime.items())))
        texts.append(message.subject + message.body + str(message.extra_headers))
        texts += [str(content) for content, _type in getattr(message, "alternatives", [])]
        for part in mime.walk():
            payload = part.get_payload(decode=True)
            if payload:
                texts.append(payload.decode(part.get_content_charset() or "utf-8"))
    return texts


def make_late(referral: Referral, due_field: str) -> None:
    """The step waited on now was due ten days ago (time passed without it being done)."""
    past = timezone.localdate() - datetime.timedelta(days=10)
    Referral.objects.filter(pk=referral.pk).update(**{due_field: past, "next_due": past})


@pytest.mark.django_db(transaction=True)
def test_canary_patient_details_appear_in_no_log_e_mail_or_celery_message(
    broker, published, caplog, console_output
):
    caplog.set_level(logging.DEBUG)
    queue = Queue(broker)
    teams = CareTeams.create()
    practice, center, oncologist = teams.practice, teams.center, teams.oncologist
    coordinator, center_coordinator = teams.coordinator, teams.center_coordinator
    specialist = teams.specialist
    outsider = member(CancerCenterFactory(), Role.COORDINATOR)

    patient = referral_services.patient_create(
        actor=oncologist, organization=practice, data={**CANARY, "consent_to_share_records": True}
    )
    referral = referral_services.referral_create(
        actor=oncologist,
        patient=patient,
        receiving_center=center,
        data=SARCOMA_QUESTION,
        record_items=[{"kind": "pathology_report", "required": True}],
    )
    referral = referral_transition(referral=referral, actor=oncologist, action="submit")
    referral = referral_transition(
        referral=referral,
        actor=center_coordinator,
        action="accept",
        data={"specialist": str(specialist.uuid)},
    )
    queue.drain()

    # The records are late: the scan (the operators' command, through the broker) creates
    # the reminders and queues one task each; the worker's part runs below.
    make_late(referral, "records_due")
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        call_command("scan_reminders", stdout=(command_output := _Output()))
    assert Reminder.objects.filter(referral=referral).exists()
    scan_reminders.delay()  # beat's periodic scan, as published (finds nothing new)
    reminder_mails = len(mail.outbox)
    queue.drain()
    assert "referrals.tasks.scan_reminders" in queue.ran
    assert "referrals.tasks.send_reminder" in queue.ran
    assert len(mail.outbox) > reminder_mails, "the reminder was not sent"
    assert Reminder.objects.filter(referral=referral, sent_at__isnull=False).exists()

    # Reads through the API and the portal, and a refused one, as clinicians would make them.
    api = client_for(oncologist)
    assert api.get(f"/api/v1/patients/{patient.uuid}/").status_code == 200
    assert api.get(f"/api/v1/referrals/{referral.uuid}/fhir/").status_code == 200
    assert client_for(outsider).get(f"/api/v1/referrals/{referral.uuid}/").status_code == 404
    portal = Client()
    portal.force_login(oncologist)
    assert portal.get(f"/referrals/{referral.uuid}/").status_code == 200

    [item] = referral.record_items.all()
    records.record_item_change(actor=coordinator, item=item, data={"status": "sent"})
    records.record_item_change(actor=center_coordinator, item=item, data={"status": "received"})
    referral = review_to_follow_up(referral, teams)
    referral = referral_transition(referral=referral, actor=coordinator, action="close")
    queue.drain()

    assert referral.status == Referral.Status.CLOSED
    # The notifications of each step, written with it into the outbox, delivered by a task.
    assert "reminders.tasks.deliver_email" in queue.ran
    # Every message published was read back and run: nothing is left in the broker.
    assert len(published) == len(queue.ran) and broker.llen(QUEUE) == 0
    leaks = {
        "log records": canaries_in("\n".join(_record_texts(caplog.records))),
        "console log": canaries_in(console_output.getvalue()),
        "command output": canaries_in(command_output.getvalue()),
        "e-mails": canaries_in("\n".join(mail_texts())),
        "the outbox": canaries_in(str(list(OutgoingEmail.objects.values()))),
        "published messages": canaries_in("\n".join(published)),
        "messages in Redis": canaries_in("\n".join(queue.raw)),
    }
    assert leaks == {where: [] for where in leaks}
    # The checks can fail: the details are where they belong, and the run produced output.
    assert canaries_in(str(Referral.objects.get(pk=referral.pk).patient.__dict__))
    assert caplog.records and console_output.getvalue() and mail.outbox and queue.raw


def _record_texts(records) -> list[str]:
    """Each record as any handler could render it: message, arguments, traceback, extras."""
    texts = []
    for record in records:
        texts += [record.getMessage(), str(record.args), str(record.__dict__)]
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    return texts


class _Output:
    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        pass

    def getvalue(self) -> str:
        return "".join(self.parts)
