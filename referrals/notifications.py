"""Who hears about what happened to a referral, and the e-mail they get (no PHI, ever)."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from accounts.models import Membership, User
from referrals.models import InformationRequest, Referral, ReferralEvent
from reminders import outbox
from reminders.models import OutgoingEmail

Role = Membership.Role
Kind = ReferralEvent.Kind


def referral_link(referral: Referral) -> str:
    try:
        path = reverse("portal:referral-detail", kwargs={"uuid": referral.uuid})
    except NoReverseMatch:
        path = f"/referrals/{referral.uuid}/"
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def referral_email_text(referral: Referral, first_line: str) -> str:
    """An e-mail's text about one referral: a line, the link, and never any PHI."""
    return (
        f"{first_line}\n\n"
        f"Open it in Second Opinion Tracker:\n{referral_link(referral)}\n\n"
        "This message carries no patient information; sign in to see the referral."
    )


def _coordinators(organization_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organization_id=organization_id,
            memberships__role=Role.COORDINATOR,
            is_active=True,
        ).distinct()
    )


def _asker(event: ReferralEvent) -> list[User]:
    request = (
        InformationRequest.objects.filter(uuid=event.data.get("information_request"))
        .select_related("asked_by")
        .first()
    )
    return [request.asked_by] if request else []


def recipients_for(event: ReferralEvent) -> list[User]:
    referral = event.referral
    oncologist = [referral.referring_oncologist]
    specialist = [referral.specialist] if referral.specialist else []
    by_kind = {
        Kind.SUBMIT: lambda: _coordinators(referral.receiving_center_id),
        Kind.ACCEPT: lambda: oncologist + specialist,
        Kind.DECLINE: lambda: oncologist,
        Kind.START_REVIEW: lambda: specialist,
        Kind.ISSUE_RECOMMENDATION: lambda: oncologist,
        Kind.ACKNOWLEDGE_RETURN: lambda: specialist,
        Kind.START_MONITORING: lambda: oncologist,
        Kind.CANCEL: lambda: oncologist + specialist + _coordinators(referral.receiving_center_id),
        Kind.FORWARD: lambda: oncologist + specialist,
        Kind.FORWARDED_IN: lambda: _coordinators(referral.receiving_center_id),
        Kind.PATHOLOGY_REQUESTED: lambda: [
            review.pathologist
            for review in referral.pathology_reviews.filter(signed_at__isnull=True)
        ],
        Kind.PROGRESS_UPDATE: lambda: specialist,
        Kind.ADVICE: lambda: oncologist,
        # The information loop: the question to the referring side, the answer to whoever
        # asked and the assigned specialist.
        Kind.REQUEST_INFORMATION: lambda: (
            oncologist + _coordinators(referral.referring_organization_id)
        ),
        Kind.PROVIDE_INFORMATION: lambda: _asker(event) + specialist,
    }
    people = by_kind.get(event.kind, list)()
    unique = {user.pk: user for user in people if user.is_active and user.pk != event.actor_id}
    return list(unique.values())


def event_notifications_add(event: ReferralEvent) -> list[int]:
    """Write the event's e-mails into the outbox, in the caller's transaction; returns their ids.

    One per person concerned: the reference number, what happened and a link. The key names
    the event and the person, so the same event never writes (nor sends) one twice.
    """
    recipients = recipients_for(event)
    if not recipients:
        return []
    referral = event.referral
    subject = f"{referral.reference}: {event.get_kind_display()}"
    text = referral_email_text(
        referral,
        f"Second-opinion referral {referral.reference}: {event.get_kind_display().lower()}.",
    )
    email_ids = outbox.emails_to_people(
        key=f"event-{event.pk}",
        kind=OutgoingEmail.Kind.NOTIFICATION,
        people=recipients,
        subject=subject,
        text=text,
        referral=referral,
    )
    return email_ids
