"""The periodic scan: find late steps, create their Reminder rows, list what is left to send.

The Reminder table is the outbox: a reminder exists (and is committed) before any task is
queued for it, and a scan lists every reminder that is neither sent nor cancelled and has no
recent task, so a task lost with a killed worker or a restarted Redis is queued again.
"""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from referrals.models import Referral
from reminders import steps
from reminders.calendar import BusinessCalendar, reminder_round
from reminders.models import Reminder

# Any fixed number: the key of the PostgreSQL advisory lock that lets one scan run at a time.
SCAN_LOCK_KEY = 6_050_001


@dataclass(frozen=True)
class LateStep:
    referral_id: int
    status: str
    step_due: datetime.date
    referring_id: int
    center_id: int
    specialist_id: int | None
    oncologist_id: int
    lead_coordinator_id: int | None
    records_outstanding: bool
    awaiting_information: bool
    # The name of a parallel step (a missed consult, slides to return); "" for the main one.
    parallel_step: str = ""

    @property
    def step(self) -> str:
        if self.parallel_step:
            return self.parallel_step
        return steps.step_waited_on(
            status=self.status,
            records_outstanding=self.records_outstanding,
            awaiting_information=self.awaiting_information,
        )


class KnownReminder(NamedTuple):
    recipient_id: int
    due_date: datetime.date
    is_escalation: bool
    sent: bool


@dataclass
class ScanResult:
    ran: bool
    late_steps: int = 0
    created: int = 0
    pending: list[int] = field(default_factory=list)


def late_steps(*, today: datetime.date) -> QuerySet:
    """Open referrals whose current step was due before today.

    The filter matches the partial index `referral_open_next_due` (status in the late states,
    next_due), so the cost follows the number of late referrals, not of all referrals.
    """
    queryset = Referral.objects.filter(status__in=steps.LATE_STATUSES, next_due__lt=today)
    return (
        steps.with_records_outstanding(queryset)
        .order_by()
        .values_list(
            "pk",
            "status",
            "next_due",
            "referring_organization_id",
            "receiving_center_id",
            "specialist_id",
            "referring_oncologist_id",
            "receiving_center__lead_coordinator_id",
            "records_outstanding",
            "awaiting_information",
        )
    )


def late_parallel_steps(*, today: datetime.date) -> list[LateStep]:
    """Referrals whose parallel steps were due before today, one query per step.

    Each starts from the step's partial index (`consultation_no_show_due`,
    `record_item_return_due`): the cost follows the number of late steps.
    """
    found = []
    for step in steps.PARALLEL_STEPS:
        rows = (
            steps.waiting_on_parallel_step(step, Referral.objects.all(), due_before=today)
            .order_by()
            .values_list(
                "pk",
                "status",
                "step_due",
                "referring_organization_id",
                "receiving_center_id",
                "specialist_id",
                "referring_oncologist_id",
                "receiving_center__lead_coordinator_id",
            )
        )
        found.extend(LateStep(*row, False, False, step.name) for row in rows)
    return found


def reminders_to_queue(*, now: datetime.datetime) -> list[int]:
    """Reminders to send one by one that no recent task covers; marks them queued now.

    Pending (neither sent nor cancelled), recipient not on the digest, and never queued or
    queued longer than REMINDER_REQUEUE_AFTER_MINUTES ago.
    """
    stale = now - datetime.timedelta(minutes=settings.REMINDER_REQUEUE_AFTER_MINUTES)
    due = Reminder.objects.filter(
        Q(queued_at__isnull=True) | Q(queued_at__lte=stale),
        sent_at__isnull=True,
        cancelled_at__isnull=True,
        recipient__reminder_delivery=User.ReminderDelivery.IMMEDIATE,
    )
    reminder_ids = list(due.order_by("pk").values_list("pk", flat=True))
    Reminder.objects.filter(pk__in=reminder_ids).update(queued_at=now)
    return reminder_ids


def reminders_scan(*, today: datetime.date | None = None) -> ScanResult:
    """Create the reminders of every late step, once; return what is left to send.

    Returns `ran=False` when another scan holds the lock (two beats, or the command run while
    beat is scanning): the reminders are that scan's to create.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        if not _scan_lock_acquired():
            return ScanResult(ran=False)
        found = [LateStep(*row) for row in late_steps(today=today)]
        found += late_parallel_steps(today=today)
        created = 0
        if found:
            calendar = BusinessCalendar.between(min(late.step_due for late in found), today)
            size = settings.REMINDER_SCAN_BATCH_SIZE
            for start in range(0, len(found), size):
                batch = found[start : start + size]
                created += _create_reminders(batch, calendar=calendar, today=today)
        return ScanResult(
            ran=True,
            late_steps=len(found),
            created=created,
            pending=reminders_to_queue(now=timezone.now()),
        )


def _scan_lock_acquired() -> bool:
    if connection.vendor != "postgresql":
        # SQLite (the embedded set-up) runs one writer at a time; the unique constraint and
        # the send guard keep an overlapping scan harmless there.
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
        return cursor.fetchone()[0]


def _create_reminders(
    batch: list[LateStep], *, calendar: BusinessCalendar, today: datetime.date
) -> int:
    """One batch of late steps: a fixed number of queries, one bulk insert."""
    coordinators = steps.coordinators_by_organization(
        {late.center_id for late in batch} | {late.referring_id for late in batch}
    )
    people = {late.specialist_id for late in batch} | {late.oncologist_id for late in batch}
    people |= {late.lead_coordinator_id for late in batch}
    active = steps.active_user_ids({person for person in people if person})
    existing = _existing_reminders({late.referral_id for late in batch})
    new = []
    for late in batch:
        _, round_due = reminder_round(
            calendar,
            step_due=late.step_due,
            today=today,
            every=settings.REMINDER_REPEAT_BUSINESS_DAYS,
        )
        recipients = _recipients(late, coordinators, active)
        already = existing.get((late.referral_id, late.step), [])
        lead = late.lead_coordinator_id if late.lead_coordinator_id in active else None
        if lead and _needs_escalation(already, step_due=late.step_due, round_due=round_due):
            recipients.discard(lead)  # the escalation replaces the lead's own reminder
            new.append((late, lead, round_due, True))
        new.extend((late, recipient, round_due, False) for recipient in sorted(recipients))
    reminders = [
        Reminder(
            referral_id=late.referral_id,
            step=late.step,
            recipient_id=recipient,
            due_date=due,
            is_escalation=escalation,
        )
        for late, recipient, due, escalation in new
        if not any(
            known.recipient_id == recipient and known.due_date == due
            for known in existing.get((late.referral_id, late.step), [])
        )
    ]
    # A concurrent writer cannot double a row: the unique constraint has the last word.
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True)
    return len(reminders)


def _existing_reminders(referral_ids: set[int]) -> dict[tuple[int, str], list[KnownReminder]]:
    """The late referrals' reminders so far, per (referral, step)."""
    found: dict[tuple[int, str], list[KnownReminder]] = {}
    rows = Reminder.objects.filter(referral_id__in=referral_ids).values_list(
        "referral_id", "step", "recipient_id", "due_date", "is_escalation", "sent_at"
    )
    for referral_id, step, recipient_id, due_date, is_escalation, sent_at in rows:
        found.setdefault((referral_id, step), []).append(
            KnownReminder(recipient_id, due_date, is_escalation, sent_at is not None)
        )
    return found


def _recipients(late: LateStep, coordinators: dict[int, list[int]], active: set[int]) -> set[int]:
    organization = steps.responsible_organization(
        late.step, referring_id=late.referring_id, center_id=late.center_id
    )
    if organization is not None:
        return set(coordinators.get(organization, []))
    person = steps.responsible_person(
        late.step, specialist_id=late.specialist_id, oncologist_id=late.oncologist_id
    )
    return {person} if person in active else set()


def _needs_escalation(
    already: list[KnownReminder], *, step_due: datetime.date, round_due: datetime.date
) -> bool:
    """Escalate once per late step, after enough reminders of it went out unanswered.

    A reminder counts as unanswered once a later round has come with the step still late.
    """
    this_step = [known for known in already if known.due_date >= step_due]
    if any(known.is_escalation for known in this_step):
        return False
    unanswered_rounds = {
        known.due_date
        for known in this_step
        if known.sent and not known.is_escalation and known.due_date < round_due
    }
    return len(unanswered_rounds) >= settings.REMINDER_ESCALATE_AFTER
