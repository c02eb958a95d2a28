"""When things happen in the demo data: relative to today, so its queues look like a working
day (seed_demo). Each open referral's current step began a little while ago, within its time,
and a few are late by days (never months); finished referrals ended some time in the past."""

import datetime
import random

from django.utils import timezone

from referrals.models import Referral
from referrals.rules.workflow import ACTIONS

Status = Referral.Status

# How long ago the current step of an on-time referral began, at most (calendar days, fewer
# than the step's business days: triage 2, records 7, recommendation 5 when urgent, return 5,
# progress updates every 30 days).
ON_TIME_DAYS = {
    Status.DRAFT: 5,
    Status.SUBMITTED: 1.5,
    # A forward is recent: the referral it became waits on the other center's triage now.
    Status.FORWARDED: 1.5,
    Status.ACCEPTED: 5,
    Status.UNDER_REVIEW: 4,
    Status.RECOMMENDATION_ISSUED: 3,
    Status.RETURNED: 10,
    Status.MONITORING: 20,
}
# How long a late one has waited: past its due date by a few days.
LATE_DAYS = {
    Status.SUBMITTED: (6, 10),
    Status.ACCEPTED: (13, 18),
    Status.UNDER_REVIEW: (17, 24),
    Status.RECOMMENDATION_ISSUED: (10, 15),
    Status.MONITORING: (34, 40),
}
LATE_SHARE = 0.1
# Finished referrals (closed, declined, cancelled) ended up to this many days ago.
FINISHED_DAYS = 90
# About how many dated steps lead up to each final state (a few days apart each).
STEPS_BEFORE = {
    Status.SUBMITTED: 1,
    Status.DECLINED: 1,
    Status.FORWARDED: 1,
    Status.ACCEPTED: 1,
    Status.CANCELLED: 2,
    Status.UNDER_REVIEW: 9,
    Status.RECOMMENDATION_ISSUED: 12,
    Status.RETURNED: 13,
    Status.MONITORING: 14,
    Status.CLOSED: 15,
}
BACKDATE_REASON = "Entered from the demo data set."


class DemoClock:
    """The moments of one demo referral, in order: steps before its final state come a few
    days apart and lead up to the moment it entered that state; what follows in that state
    (records arriving, progress updates) comes hours apart, and never later than now."""

    def __init__(self, rng: random.Random, final_state: str):
        self.rng = rng
        self.final_state = final_state
        now = timezone.now()
        self.latest = now - datetime.timedelta(minutes=30)
        if final_state in LATE_DAYS and rng.random() < LATE_SHARE:
            waited = rng.uniform(*LATE_DAYS[final_state])
        elif final_state in ON_TIME_DAYS:
            waited = rng.uniform(0.05, ON_TIME_DAYS[final_state])
        else:
            waited = rng.uniform(2, FINISHED_DAYS)
        self.began = now - datetime.timedelta(days=waited)
        before = STEPS_BEFORE.get(final_state, 0) * rng.uniform(1.5, 2.5)
        self.start = self.began - datetime.timedelta(days=before)
        self.now = self.start
        self.in_final_state = False

    def next(self) -> dict:
        """The next moment, as the `occurred_at` and `backdate_reason` of a service call."""
        if self.in_final_state:
            step = datetime.timedelta(hours=self.rng.uniform(1, 8))
            self.now = min(self.now + step, self.latest)
        else:
            step = datetime.timedelta(days=self.rng.uniform(0.5, 4))
            self.now += min(step, (self.began - self.now) / 2)
        return {"occurred_at": self.now, "backdate_reason": BACKDATE_REASON}

    def for_action(self, action: str) -> dict:
        """The moment of a workflow action: the one that enters the final state is `began`."""
        moment = self.next()
        if ACTIONS[action].target == self.final_state:
            self.in_final_state = True
            self.now = moment["occurred_at"] = max(self.now, min(self.began, self.latest))
        return moment
