"""The work list's columns and filters of the referral change list: the step each referral
waits on, whose turn it is, its due date and urgency, and whether it is overdue for the user.

All of it read from the rows' `with_work_status` annotations (the rulebook's steps table).
"""

from django.contrib import admin
from django.utils.html import format_html

from referrals.models import Referral
from referrals.rules import steps
from referrals.templatetags import work_lists


class StepFilter(admin.SimpleListFilter):
    """The step the referral waits on: the rows of the rulebook's steps table."""

    title = "step"
    parameter_name = "step"

    def lookups(self, request, model_admin):
        return [(step.name, steps.StepName(step.name).label) for step in steps.STEPS]

    def queryset(self, request, queryset):
        if self.value() in steps.STEP_NAMED:
            return queryset.filter(waiting_step=self.value())
        return queryset


class WhoseTurnFilter(admin.SimpleListFilter):
    title = "whose turn"
    parameter_name = "turn"

    def lookups(self, request, model_admin):
        return list(steps.WHOSE_TURN_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in steps.WHOSE_TURN_LABELS:
            return queryset.filter(whose_turn=self.value())
        return queryset


class WorkColumns:
    """Change list columns for ModelAdmins whose rows have `with_work_status` annotations."""

    @admin.display(description="Waiting on", ordering="step_rank")
    def waiting_on(self, referral):
        if not referral.waiting_step:
            return "—"
        return format_html(
            '{}<span class="turn turn-{}">{}</span>',
            work_lists.step_label(referral),
            referral.whose_turn,
            work_lists.turn_label(referral),
        )

    @admin.display(description="Due", ordering="next_due")
    def due_display(self, referral):
        return work_lists.due_date(referral.next_due) or "—"

    @admin.display(description="Urgency", ordering="urgency_rank")
    def urgency_display(self, referral):
        if referral.urgency == Referral.Urgency.URGENT:
            return format_html('<span class="urgent-flag">{}</span>', "Urgent")
        return "Routine"

    @admin.display(description="Overdue", ordering="overdue_now")
    def overdue_display(self, referral):
        # Loud for the user's (or their organization's) late steps; quiet for others'.
        late = work_lists.lateness(referral)
        if late == "overdue":
            return format_html('<span class="overdue-flag">{}</span>', "Overdue")
        if late == "late_elsewhere":
            return format_html('<span class="late-quiet">{}</span>', "late elsewhere")
        return ""
