"""The portal work list's search, filters and sort (django-filter), over `work_list` rows.

Every choice about steps and whose turn comes from the rulebook's steps table: a step added
there is a choice here.
"""

import django_filters
from django.db.models import F, Q

from accounts.models import CancerSite
from referrals.models import Referral
from referrals.rules import steps
from referrals.rules.states import FINAL_STATES, OPEN_STATES
from referrals.rules.visibility import PATIENT_IDENTITY, part_seen_filter
from referrals.selectors import late_elsewhere, overdue_ours

OPEN, FINISHED, ALL = "open", "finished", "all"
STATE_CHOICES = [
    (OPEN, "Open (any state)"),
    (FINISHED, "Finished (any state)"),
    (ALL, "All"),
    *Referral.Status.choices,
]
OVERDUE, LATE_ELSEWHERE = "overdue", "late_elsewhere"
SORTS = {
    "due": ("Due date, soonest first", [F("next_due").asc(nulls_last=True), "-created_at"]),
    "-due": ("Due date, latest first", [F("next_due").desc(nulls_last=True), "-created_at"]),
    # "urgent" sorts after "routine": descending puts urgent first.
    "urgency": ("Urgent first", ["-urgency", F("next_due").asc(nulls_last=True)]),
    "step": ("Step", ["step_rank", F("next_due").asc(nulls_last=True)]),
    "reference": ("Reference", ["reference"]),
    "-created": ("Newest first", ["-created_at"]),
}
SEARCH_MAX_LENGTH = 100


def default_order():
    """The order of a list before (or without a valid) sort: soonest due first."""
    return [*SORTS["due"][1], "-pk"]


def step_choices():
    return [(step.name, steps.StepName(step.name).label) for step in steps.STEPS]


class WorkListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="filter_search", max_length=SEARCH_MAX_LENGTH
    )
    state = django_filters.ChoiceFilter(
        label="State", choices=STATE_CHOICES, method="filter_state", empty_label=None
    )
    step = django_filters.ChoiceFilter(
        label="Step", choices=step_choices, field_name="waiting_step", empty_label="Any step"
    )
    turn = django_filters.ChoiceFilter(
        label="Whose turn",
        choices=list(steps.WHOSE_TURN_LABELS.items()),
        field_name="whose_turn",
        empty_label="Anyone's",
    )
    overdue = django_filters.ChoiceFilter(
        label="Late",
        choices=[(OVERDUE, "Overdue (yours to do)"), (LATE_ELSEWHERE, "Late elsewhere")],
        method="filter_overdue",
        empty_label="Late or not",
    )
    urgency = django_filters.ChoiceFilter(
        label="Urgency", choices=Referral.Urgency.choices, empty_label="Any urgency"
    )
    cancer_site = django_filters.ChoiceFilter(
        label="Cancer site", choices=CancerSite.choices, empty_label="Any site"
    )
    sort = django_filters.ChoiceFilter(
        label="Sort",
        choices=[(key, label) for key, (label, _order) in SORTS.items()],
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Referral
        fields = ["q", "state", "step", "turn", "overdue", "urgency", "cancer_site", "sort"]

    def __init__(self, data=None, *args, **kwargs):
        # The defaults a first visit shows: open referrals, soonest due first.
        data = data.copy() if data is not None else {}
        for name, default in (("state", OPEN), ("sort", "due")):
            if not data.get(name):
                data[name] = default
        super().__init__(data, *args, **kwargs)

    def filter_search(self, queryset, name, value):
        """Each word: in the reference, or the patient's name or MRN where the viewer sees
        who the patient is (the rulebook's visibility of the patient's identity)."""
        identity = part_seen_filter(self.request.user, PATIENT_IDENTITY)
        for term in value.split():
            patient = (
                Q(patient__mrn__istartswith=term)
                | Q(patient__family_name__icontains=term)
                | Q(patient__given_name__icontains=term)
            )
            if identity is not None:
                patient &= identity
            queryset = queryset.filter(Q(reference__icontains=term) | patient)
        return queryset

    def filter_state(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATES)
        if value == FINISHED:
            return queryset.filter(status__in=FINAL_STATES)
        if value == ALL:
            return queryset
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return overdue_ours(queryset) if value == OVERDUE else late_elsewhere(queryset)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS[value][1], "-pk")
