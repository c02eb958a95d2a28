"""A reminder sent now, by hand, to whoever the referral is waiting on (no PHI in the e-mail).

The periodic reminder engine finds late steps on its own; this is the coordinator's
"nudge them now" button. It records the reminder on the timeline and leaves the engine's
Reminder rows (and so its escalation counts) alone.
"""

from django.db import transaction

from accounts.models import Membership, User
from audit.services import audit_record
from referrals.errors import Conflict, InvalidData
from referrals.models import Referral
from referrals.notifications import referral_email_text
from referrals.rules import relations as rel
from referrals.rules import steps
from referrals.rules.capabilities import ensure_can
from referrals.services.common import record_event
from reminders import outbox
from reminders.models import OutgoingEmail, ReminderStep


def _coordinators_of(organization_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organization_id=organization_id,
            memberships__role=Membership.Role.COORDINATOR,
            is_active=True,
        ).distinct()
    )


def people_whose_turn(referral: Referral, step: steps.Step) -> list[User]:
    """The people the step waits on: the same recipients as the reminder engine's."""
    if step.turn == rel.CENTER_COORDINATOR:
        return _coordinators_of(referral.receiving_center_id)
    if step.turn == rel.REFERRING_COORDINATOR:
        return _coordinators_of(referral.referring_organization_id)
    if step.turn == rel.ASSIGNED_SPECIALIST:
        return [referral.specialist] if referral.specialist else []
    if step.turn == rel.REFERRING_ONCOLOGIST:
        return [referral.referring_oncologist]
    return []


@transaction.atomic
def referral_remind_now(*, referral: Referral, actor: User) -> list[User]:
    """E-mail the people the referral waits on now; returns them.

    Raises NotPermitted (not a coordinator of either side) and InvalidData (the referral
    waits on nobody in its state, or nobody but the actor could be reminded).
    """
    try:
        ensure_can(user=actor, capability="send_reminder_now", referral=referral)
    except Conflict:
        raise InvalidData(
            f"{referral.reference} is {referral.get_status_display().lower()}: it waits on nobody."
        ) from None
    step = steps.current_step(referral)
    if step is None:
        raise InvalidData(
            f"{referral.reference} is {referral.get_status_display().lower()}: it waits on nobody."
        )
    recipients = list(
        {
            person.pk: person
            for person in people_whose_turn(referral, step)
            if person.is_active and person.pk != actor.pk
        }.values()
    )
    if not recipients:
        raise InvalidData(f"{referral.reference}: there is nobody else to remind.")
    event = record_event(
        referral=referral,
        actor=actor,
        kind="reminder_sent",
        data={"step": step.name, "recipients": len(recipients), "manual": True},
    )
    audit_record(actor=actor, action="update", obj=referral, detail=f"reminder sent: {step.name}")
    label = ReminderStep(step.name).label.lower()
    subject = f"Reminder: {referral.reference} — {label} is waiting"
    body = referral_email_text(
        referral, f"Second-opinion referral {referral.reference} is waiting on you: {label}."
    )
    # Written with the timeline event; each click is its own reminder (a new key).
    outbox.emails_to_people(
        key=f"manual-reminder-{event.pk}",
        kind=OutgoingEmail.Kind.MANUAL_REMINDER,
        people=recipients,
        subject=subject,
        text=body,
        referral=referral,
    )
    return recipients
