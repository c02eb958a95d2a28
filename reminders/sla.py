"""Due dates from the SLA policy, counted in business days (DESIGN §5)."""

import datetime

from django.db.models import Q
from django.utils import timezone

from referrals.models import Referral
from reminders.calendar import BusinessCalendar
from reminders.models import SLAPolicy

DEFAULT_DAYS = {
    Referral.Urgency.ROUTINE: {"triage": 2, "records": 7, "recommendation": 10, "return": 5},
    Referral.Urgency.URGENT: {"triage": 2, "records": 7, "recommendation": 5, "return": 5},
}

# An information request unanswered this many business days reminds the referring side
# (DESIGN §5); its due date is the information step's (referrals.rules.steps).
INFORMATION_REMINDER_DAYS = 3

# The further steps of DESIGN §5, in business days: physical slides and blocks go back to the
# originating lab this long after the recommendation is issued; a consult marked no-show is
# rescheduled within this (then the center coordinator is reminded).
SLIDE_RETURN_DAYS = 10
NO_SHOW_RESCHEDULE_DAYS = 1


def add_business_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` business days after `start` (weekends and holidays skipped)."""
    # Look ahead far enough for any run of weekends and holidays, then count: the reminder
    # engine's calendar, so due dates and reminder rounds count the same business days.
    horizon = start + datetime.timedelta(days=days * 2 + 30)
    return BusinessCalendar.between(start, horizon).add(start, days)


def policy_days(referral: Referral) -> dict[str, int]:
    """The allowed business days per step for this referral's center and urgency."""
    policies = {
        policy.center_id: policy
        for policy in SLAPolicy.objects.filter(
            Q(center_id=referral.receiving_center_id) | Q(center__isnull=True),
            urgency=referral.urgency,
        )
    }
    policy = policies.get(referral.receiving_center_id) or policies.get(None)
    if policy is None:
        return DEFAULT_DAYS[referral.urgency]
    return {
        "triage": policy.triage_days,
        "records": policy.records_days,
        "recommendation": policy.recommendation_days,
        "return": policy.return_days,
    }


def local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)
