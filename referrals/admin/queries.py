"""The coordinator workspace's reads, all built on the one visibility layer."""

import datetime
from collections import Counter

from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from referrals.models import Referral
from referrals.rules.states import OPEN_STATES
from referrals.selectors import (
    late_elsewhere,
    overdue_condition,
    overdue_ours,
    referral_list,
    referrals_visible_to,
    with_work_status,
)

HOME_LIST_LENGTH = 10


def referrals_for_workspace(*, user: User, today: datetime.date | None = None) -> QuerySet:
    """Visible referrals with what the change list shows and sorts on, in one query."""
    today = today or timezone.localdate()
    return referral_list(user=user).annotate(
        overdue_now=Case(
            When(overdue_condition(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        urgency_rank=Case(
            When(urgency=Referral.Urgency.URGENT, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    )


# The home page counts up to this many referrals in each of its figures, then shows "100+":
# an exact count of a center's open referrals would read them all on every visit.
COUNT_CAP = 100


def capped_count(queryset: QuerySet) -> int:
    """How many rows `queryset` has, up to COUNT_CAP + 1 (more than COUNT_CAP: "100+")."""
    return queryset.order_by()[: COUNT_CAP + 1].count()


def work_queue(*, user: User, today: datetime.date | None = None) -> dict:
    """The home page: open referrals by state with counts, late now (the user's or their
    organization's steps), late elsewhere (others' steps, shown apart), due this week.

    Every figure is capped at COUNT_CAP and every list is read in due-date order from the
    partial index of open referrals (`referral_open_due`): the page costs what it shows.
    """
    today = today or timezone.localdate()
    visible = referrals_visible_to(user=user)
    # One query: up to COUNT_CAP + 1 rows of each open state, counted here.
    per_state = [
        visible.filter(status=status).order_by().values_list("status")[: COUNT_CAP + 1]
        for status in OPEN_STATES
    ]
    counts = Counter(status for (status,) in per_state[0].union(*per_state[1:], all=True))
    open_visible = with_work_status(
        visible.filter(status__in=OPEN_STATES).select_related(
            "patient", "receiving_center", "specialist"
        ),
        user=user,
    )
    late = overdue_ours(open_visible, today).order_by("next_due", "reference")
    others_late = late_elsewhere(open_visible, today).order_by("next_due", "reference")
    week_end = today + datetime.timedelta(days=7)
    due_this_week = open_visible.filter(
        Q(next_due__gte=today) & Q(next_due__lte=week_end)
    ).order_by("next_due", "reference")
    late_count, due_this_week_count = capped_count(late), capped_count(due_this_week)
    others_late_count = capped_count(others_late)
    return {
        "by_status": [
            {
                "status": value,
                "label": label,
                "count": min(counts[value], COUNT_CAP),
                "more": counts[value] > COUNT_CAP,
            }
            for value, label in Referral.Status.choices
            if value in OPEN_STATES
        ],
        "late_count": min(late_count, COUNT_CAP),
        "late_more": late_count > COUNT_CAP,
        "late": list(late[:HOME_LIST_LENGTH]),
        "late_elsewhere_count": min(others_late_count, COUNT_CAP),
        "late_elsewhere_more": others_late_count > COUNT_CAP,
        "late_elsewhere": list(others_late[:HOME_LIST_LENGTH]),
        "due_this_week_count": min(due_this_week_count, COUNT_CAP),
        "due_this_week_more": due_this_week_count > COUNT_CAP,
        "due_this_week": list(due_this_week[:HOME_LIST_LENGTH]),
        "today": today,
    }
