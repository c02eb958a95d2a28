"""What a work list row says of its step: the step, whose turn, the due date, overdue or not.

Read from the row's `with_work_status` annotations (selectors), never worked out again here.
"""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date

from referrals.rules import steps
from referrals.selectors import is_overdue

register = template.Library()


@register.filter
def due_date(value) -> str:
    """ "Dec 4" this year, "Dec 4, 2025" any other year; "" for none."""
    if not value:
        return ""
    this_year = value.year == timezone.localdate().year
    return format_date(value, "M j" if this_year else "M j, Y")


@register.filter
def step_label(referral) -> str:
    name = getattr(referral, "waiting_step", None)
    return steps.StepName(name).label if name in steps.StepName.values else (name or "")


@register.filter
def turn_label(referral) -> str:
    return steps.WHOSE_TURN_LABELS.get(getattr(referral, "whose_turn", None), "")


@register.filter
def turn_detail(referral) -> str:
    """Who on that side acts, e.g. "assigned specialist" (empty when it is the viewer)."""
    step = steps.STEP_NAMED.get(getattr(referral, "waiting_step", None))
    if step is None or referral.whose_turn == steps.YOURS:
        return ""
    return steps.TURN_LABELS.get(step.turn, "")


@register.filter
def lateness(referral) -> str:
    """ "overdue": late, and the viewer's or their organization's to do; "late_elsewhere":
    late, someone else's; "": not late."""
    if referral is None or not is_overdue(referral):
        return ""
    return "overdue" if getattr(referral, "ours", False) else "late_elsewhere"
