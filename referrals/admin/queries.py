"""The coordinator workspace's reads, all built on the one visibility layer."""

import datetime

from django.db.models import BooleanField, Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from referrals.models import Referral
from referrals.rules.states import OPEN_STATES
from referrals.selectors import (
    overdue_condition,
    referral_list,
    referrals_overdue,
    referrals_visible_to,
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


def work_queue(*, user: User, today: datetime.date | None = None) -> dict:
    """The home page: open referrals by state with counts, late now, due this week."""
    today = today or timezone.localdate()
    visible = referrals_visible_to(user=user)
    counts = dict(
        visible.filter(status__in=OPEN_STATES)
        .values_list("status")
        .annotate(total=Count("pk"))
        .order_by()
    )
    open_visible = visible.filter(status__in=OPEN_STATES).select_related(
        "patient", "receiving_center", "specialist"
    )
    late = referrals_overdue(open_visible, today).order_by("next_due", "reference")
    week_end = today + datetime.timedelta(days=7)
    due_this_week = open_visible.filter(
        Q(next_due__gte=today) & Q(next_due__lte=week_end)
    ).order_by("next_due", "reference")
    return {
        "by_status": [
            {"status": value, "label": label, "count": counts.get(value, 0)}
            for value, label in Referral.Status.choices
            if value in OPEN_STATES
        ],
        "late_count": late.count(),
        "late": list(late[:HOME_LIST_LENGTH]),
        "due_this_week_count": due_this_week.count(),
        "due_this_week": list(due_this_week[:HOME_LIST_LENGTH]),
        "today": today,
    }
