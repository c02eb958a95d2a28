"""The scan: which late steps get reminders, rounds in business days, escalation, its cost."""

import datetime

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from referrals.models import Referral, ReferralEvent
from referrals.services.workflow import referral_transition
from reminders import sla
from reminders.delivery import reminder_send
from reminders.models import Holiday, Reminder
from reminders.scan import SCAN_LOCK_KEY, late_steps, reminders_scan
from tests.factories import Cast, referral_in_state
from tests.queries import assert_queries
from tests.reminders.world import Clinic

Status = Referral.Status
pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 2)


def day(offset: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=offset)


def scan_and_send(today: datetime.date) -> list[Reminder]:
    result = reminders_scan(today=today)
    for reminder_id in result.pending:
        reminder_send(reminder_id=reminder_id, today=today)
    return list(Reminder.objects.filter(pk__in=result.pending).select_related("recipient"))


def test_scanning_twice_creates_nothing_the_second_time():
    clinic = Clinic.create()
    clinic.late_referral(Status.SUBMITTED, due=day(0))
    clinic.late_referral(Status.UNDER_REVIEW, due=day(0))

    first = reminders_scan(today=day(1))
    second = reminders_scan(today=day(1))

    assert first.created == 3  # two center coordinators, one specialist
    assert second.created == 0
    assert Reminder.objects.count() == 3


def test_two_unanswered_reminders_escalate_once_to_the_lead_coordinator(mailoutbox):
    clinic = Clinic.create()
    referral = clinic.late_referral(Status.UNDER_REVIEW, due=MONDAY)

    first = scan_and_send(day(1))  # Tuesday: round 0
    second = scan_and_send(day(3))  # Thursday: two business days later, round 1
    third = scan_and_send(day(7))  # next Monday: round 2, still not answered
    again = scan_and_send(day(7))
    fourth = scan_and_send(day(9))  # round 3: the specialist again, no second escalation

    assert [(r.recipient, r.due_date, r.is_escalation) for r in first] == [
        (clinic.specialist, MONDAY, False)
    ]
    assert [(r.recipient, r.due_date) for r in second] == [(clinic.specialist, day(2))]
    assert sorted((r.recipient.email, r.is_escalation) for r in third) == sorted(
        [(clinic.specialist.email, False), (clinic.lead_coordinator.email, True)]
    )
    assert again == []
    assert [(r.recipient, r.is_escalation) for r in fourth] == [(clinic.specialist, False)]
    escalation_mail = [m for m in mailoutbox if m.to == [clinic.lead_coordinator.email]]
    assert len(escalation_mail) == 1
    assert escalation_mail[0].subject.startswith(f"Escalation: {referral.reference}")
    kinds = list(
        referral.events.filter(kind__in=["reminder_sent", "escalated"]).values_list(
            "kind", flat=True
        )
    )
    assert sorted(kinds) == ["escalated"] + ["reminder_sent"] * 4


def test_a_holiday_pushes_the_next_reminder_round_back():
    clinic = Clinic.create()
    clinic.late_referral(Status.UNDER_REVIEW, due=MONDAY)
    scan_and_send(day(1))
    Holiday.objects.create(date=day(1), name="Founders' Day")

    on_thursday = scan_and_send(day(3))  # Wednesday is only the first business day after
    on_friday = scan_and_send(day(4))

    assert on_thursday == []
    assert [r.due_date for r in on_friday] == [day(3)]


def test_a_back_dated_acceptance_starts_the_records_clock_when_it_happened():
    on_time = referral_in_state(Status.SUBMITTED)
    late = referral_in_state(Status.SUBMITTED)
    for referral, occurred_at in [
        (on_time, None),
        (late, timezone.now() - datetime.timedelta(days=14)),
    ]:
        cast = Cast(referral)
        data = {"specialist": str(cast.specialist.uuid)}
        if occurred_at:
            data |= {"occurred_at": occurred_at.isoformat(), "backdate_reason": "Entered late"}
        referral_transition(
            referral=referral, actor=cast.center_coordinator, action="accept", data=data
        )

    reminders_scan()

    assert not Reminder.objects.filter(referral=on_time).exists()
    reminder = Reminder.objects.get(referral=late)
    assert reminder.step == "records"
    assert reminder.recipient.memberships.get().organization == late.referring_organization
    late.refresh_from_db()
    accepted_on = timezone.localdate(late.accepted_at)
    assert accepted_on == timezone.localdate(timezone.now() - datetime.timedelta(days=14))
    assert late.records_due == sla.add_business_days(accepted_on, 7) < timezone.localdate()
    assert reminder.due_date >= late.records_due


def test_closed_declined_and_future_steps_are_not_late():
    clinic = Clinic.create()
    clinic.late_referral(Status.CLOSED, due=day(-30))
    clinic.late_referral(Status.UNDER_REVIEW, due=day(1))

    assert reminders_scan(today=day(1)).created == 0


def test_the_late_step_query_uses_the_partial_index_on_open_referrals_next_due():
    query = late_steps(today=timezone.localdate()).query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Read from an index on next_due (the partial referral_open_next_due, or the queue's
    # per-state index, which also leads with the state and holds next_due): never the table.
    assert "Seq Scan on referrals_referral" not in plan, plan
    index_conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert any("next_due <" in line for line in index_conditions), plan


@pytest.mark.parametrize("late_count", [2, 9])
def test_the_scan_runs_a_fixed_number_of_queries_whatever_the_late_steps(late_count):
    clinic = Clinic.create()
    for number in range(late_count):
        clinic.late_referral(
            [Status.SUBMITTED, Status.ACCEPTED, Status.MONITORING][number % 3], due=day(0)
        )

    # 13: the lock, the late main steps, one query per parallel step (no-show, slide return),
    # holidays, recipients, known reminders, the insert, and what to queue (in a savepoint).
    with assert_queries(exactly=13):
        result = reminders_scan(today=day(1))

    assert result.created > late_count


def test_a_scan_while_another_holds_the_lock_does_nothing():
    clinic = Clinic.create()
    clinic.late_referral(Status.SUBMITTED, due=day(0))
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [SCAN_LOCK_KEY])
        result = reminders_scan(today=day(1))
    finally:
        other.close()

    assert result.ran is False
    assert not Reminder.objects.exists()
    assert not ReferralEvent.objects.filter(kind="reminder_sent").exists()
