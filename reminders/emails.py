"""Reminder e-mails: reference number, step, due date and a link. Never a patient's details.

The templates get only the values built here (no model instances), so a template cannot reach
the patient through the referral by accident.
"""

import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string

from referrals.notifications import referral_link
from reminders import steps
from reminders.models import OutgoingEmail, Reminder
from reminders.outbox import Message


@dataclass(frozen=True)
class ReminderLine:
    """What one reminder says, in the e-mail and the digest."""

    reference: str
    step: str
    what_is_late: str
    due_date: datetime.date
    days_overdue: int
    link: str
    role: str
    is_escalation: bool

    @classmethod
    def of(cls, reminder: Reminder, *, step_due: datetime.date, today: datetime.date):
        referral = reminder.referral
        return cls(
            reference=referral.reference,
            step=reminder.get_step_display(),
            what_is_late=steps.WHAT_IS_LATE[reminder.step],
            due_date=step_due,
            days_overdue=(today - step_due).days,
            link=referral_link(referral),
            role=steps.ESCALATION_ROLE
            if reminder.is_escalation
            else steps.RECIPIENT_ROLE[reminder.step],
            is_escalation=reminder.is_escalation,
        )


def _message(*, subject: str, template: str, context: dict, to: str, key: str, kind: str):
    # The key makes the Message-ID: the same reminder always has the same one, so should a
    # crash ever make it go out twice, mail systems that de-duplicate by it show it once.
    return Message(
        key=key,
        kind=kind,
        to=to,
        subject=subject,
        text=render_to_string(f"email/{template}.txt", context),
        html=render_to_string(f"email/{template}.html", context),
    )


def reminder_subject(line: ReminderLine) -> str:
    """The reminder's subject line, also its inbox notification's title."""
    prefix = "Escalation" if line.is_escalation else "Reminder"
    return f"{prefix}: {line.reference} — {line.step} overdue since {line.due_date:%b %d, %Y}"


def reminder_email(reminder: Reminder, *, step_due: datetime.date, today: datetime.date) -> Message:
    line = ReminderLine.of(reminder, step_due=step_due, today=today)
    return _message(
        subject=reminder_subject(line),
        template="reminder",
        context={"line": line},
        to=reminder.recipient.email,
        key=f"reminder-{reminder.uuid}",
        kind=OutgoingEmail.Kind.REMINDER,
    )


def digest_email(
    recipient, lines: list[ReminderLine], *, today: datetime.date, first: Reminder
) -> Message:
    """One person's digest; `first` of its reminders names it (each is in one digest only)."""
    count = len(lines)
    return _message(
        subject=f"Daily digest: {count} overdue step{'s' if count != 1 else ''} to act on",
        template="reminder_digest",
        context={"lines": lines, "today": today},
        to=recipient.email,
        key=f"reminder-digest-{today:%Y%m%d}-{first.uuid}",
        kind=OutgoingEmail.Kind.DIGEST,
    )
