"""A reminder sent now, by hand, to whoever the referral is waiting on (no PHI in the e-mail).

The periodic reminder engine finds late steps on its own; this is the coordinator's
"nudge them now" button. It records the reminder on the timeline and leaves the engine's
Reminder rows (and so its escalation counts) alone.
"""

from django.db import transaction

from accounts.models import Membership, User
from audit.services import audit_record
from referrals import roles
from referrals.errors import InvalidData, NotPermitted
from referrals.models import Referral, ReminderStep
from referrals.notifications import referral_link
from referrals.services.common import record_event
from reminders import outbox
from reminders.models import OutgoingEmail

S = Referral.Status


def _coordinators_of(organization_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organization_id=organization_id,
            memberships__role=Membership.Role.COORDINATOR,
            is_active=True,
        ).distinct()
    )


def _referring_side(referral: Referral) -> list[User]:
    return [referral.referring_oncologist, *_coordinators_of(referral.referring_organization_id)]


# state -> (the step it waits on, who completes that step)
WAITING_ON = {
    S.SUBMITTED: (ReminderStep.TRIAGE, lambda r: _coordinators_of(r.receiving_center_id)),
    S.ACCEPTED: (ReminderStep.RECORDS, _referring_side),
    S.UNDER_REVIEW: (ReminderStep.RECOMMENDATION, lambda r: [r.specialist] if r.specialist else []),
    S.RECOMMENDATION_ISSUED: (ReminderStep.RETURN, _referring_side),
    S.MONITORING: (ReminderStep.PROGRESS_UPDATE, lambda r: [r.referring_oncologist]),
}


@transaction.atomic
def referral_remind_now(*, referral: Referral, actor: User) -> list[User]:
    """E-mail the people the referral waits on now; returns them.

    Raises NotPermitted (not a coordinator of either side) and InvalidData (the referral
    waits on nobody in its state, or nobody but the actor could be reminded).
    """
    user_roles = roles.roles_on(actor, referral)
    if not user_roles & {roles.CENTER_COORDINATOR, roles.REFERRING_COORDINATOR}:
        raise NotPermitted("Only coordinators send reminders.")
    waiting = WAITING_ON.get(referral.status)
    if waiting is None:
        raise InvalidData(
            f"{referral.reference} is {referral.get_status_display().lower()}: it waits on nobody."
        )
    step, people_for = waiting
    recipients = list(
        {
            person.pk: person
            for person in people_for(referral)
            if person.is_active and person.pk != actor.pk
        }.values()
    )
    if not recipients:
        raise InvalidData(f"{referral.reference}: there is nobody else to remind.")
    event = record_event(
        referral=referral,
        actor=actor,
        kind="reminder_sent",
        data={"step": step.value, "recipients": len(recipients), "manual": True},
    )
    audit_record(actor=actor, action="update", obj=referral, detail=f"reminder sent: {step}")
    subject = f"Reminder: {referral.reference} — {step.label.lower()} is waiting"
    body = (
        f"Second-opinion referral {referral.reference} is waiting on you: "
        f"{step.label.lower()}.\n\n"
        f"Open it in Second Opinion Tracker:\n{referral_link(referral)}\n\n"
        "This message carries no patient information; sign in to see the referral."
    )
    # Written with the timeline event; each click is its own reminder (a new key).
    email_ids = outbox.emails_add(
        [
            outbox.Message(
                key=f"manual-reminder-{event.pk}-{person.uuid}",
                kind=OutgoingEmail.Kind.MANUAL_REMINDER,
                to=person.email,
                subject=subject,
                text=body,
            )
            for person in recipients
        ]
    )
    outbox.deliver_after_commit(email_ids)
    return recipients
