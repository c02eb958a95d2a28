"""Reads of the companion page's data."""

import datetime

from django.utils import timezone

from companion.models import PatientLink, PatientQuestion
from referrals.models import Referral
from referrals.rules.states import FINAL_STATES

# A link works until 30 days after the referral ends (DESIGN §3).
LINK_LIFETIME_AFTER_END = datetime.timedelta(days=30)


def has_active_patient_link(*, referral: Referral) -> bool:
    return PatientLink.objects.filter(referral=referral, revoked_at__isnull=True).exists()


def active_patient_link(*, referral: Referral) -> PatientLink | None:
    return PatientLink.objects.filter(referral=referral, revoked_at__isnull=True).first()


def unanswered_patient_questions(*, referral: Referral) -> int:
    return PatientQuestion.objects.filter(referral=referral, answered_at__isnull=True).count()


def patient_questions(*, referral: Referral) -> list[PatientQuestion]:
    return list(PatientQuestion.objects.filter(referral=referral))


def referral_ended_at(referral: Referral) -> datetime.datetime | None:
    """When a referral in a final state ended (None while it is open)."""
    if referral.status not in FINAL_STATES:
        return None
    ended = [referral.closed_at, referral.declined_at, referral.cancelled_at]
    return max((moment for moment in ended if moment), default=None) or referral.updated_at


def patient_link_expires_at(referral: Referral) -> datetime.datetime | None:
    """30 days after the referral ends; None while it is open (it works until then)."""
    ended = referral_ended_at(referral)
    return ended + LINK_LIFETIME_AFTER_END if ended else None


def link_is_usable(link: PatientLink, *, now: datetime.datetime | None = None) -> bool:
    """Not revoked and not expired."""
    if link.is_revoked:
        return False
    expires_at = patient_link_expires_at(link.referral)
    return expires_at is None or (now or timezone.now()) < expires_at
