"""The referral change list at scale: counts, order and search that cost what a page shows.

- The paginator counts exactly up to EXACT_COUNT_LIMIT rows and beyond that shows
  PostgreSQL's estimate ("about 98,000"): an exact COUNT(*) reads every visible row.
- The default order (overdue first, then urgent, then soonest due, newest) is a sort of every
  visible row in SQL. `UrgencyOrderPaginator` reads a page from one slice per state and
  urgency, each an ordered range of `referral_queue_order_status` (state, urgency, due date,
  newest) that stops after the page's last row, and merges them in that same order.
- Search: references and names through trigram indexes (any part), MRNs and words that start
  like a reference as prefixes through btree indexes, each side on its own table; the
  referrals found are kept to the visible ones.
"""

import json

from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import F, Q, QuerySet
from django.utils.functional import cached_property

from referrals.models import Patient, Referral

EXACT_COUNT_LIMIT = 1000
REFERENCE_START = "SO-"  # every human reference: SO-2026-000123
# What `referrals_for_workspace` annotates and the change list's default order; `-pk` breaks
# ties as Django's change list does.
URGENCY_ORDER = ["-overdue_now", "urgency_rank", F("next_due").asc(nulls_last=True), "-created_at"]
URGENCY_RANKED = [Referral.Urgency.URGENT, Referral.Urgency.ROUTINE]


def planner_estimate(queryset: QuerySet) -> int:
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        rows = self.object_list.order_by().values("pk")
        if connections[rows.db].vendor != "postgresql":
            return rows.count()  # the embedded SQLite of `make run`: small, and no estimate
        exact = rows[: EXACT_COUNT_LIMIT + 1].count()
        if exact <= EXACT_COUNT_LIMIT:
            return exact
        return max(planner_estimate(rows), EXACT_COUNT_LIMIT + 1)

    @property
    def estimated(self) -> bool:
        return self.count > EXACT_COUNT_LIMIT


class UrgencyOrderPaginator(EstimatedCountPaginator):
    """Pages of `referrals_for_workspace` rows in URGENCY_ORDER (see the module docstring).

    `statuses`: the states the rows can be in (the change list's status filter narrows them);
    a slice of a state the filter excludes would cost the planner and JIT compiler for
    nothing."""

    statuses: list[str] = Referral.Status.values

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.rows(bottom, bottom + self.per_page), number, self)

    def rows(self, bottom: int, top: int) -> list[Referral]:
        base = self.object_list.order_by()
        slices = []
        # Within one state and urgency, URGENCY_ORDER is the index's own order: a late state
        # is overdue exactly before today, so overdue rows come first by due date anyway,
        # then the rest, then the undated (NULLS LAST). The page's rows are among the first
        # `top` of each (state, urgency): each an ordered range of `referral_queue_order_status`
        # that stops there.
        for urgency in URGENCY_RANKED:
            for status in self.statuses:
                ordered = base.filter(status=status, urgency=urgency).order_by(
                    "next_due", "-created_at", "-pk"
                )
                keys = ordered.values_list(
                    "pk", "overdue_now", "urgency_rank", "next_due", "created_at"
                )
                slices.append(keys[:top])
        merged = slices[0].union(*slices[1:], all=True).order_by(*URGENCY_ORDER, "-pk")
        page = [pk for pk, *_keys in without_jit(merged[bottom:top])]
        found = base.in_bulk(page)
        return [found[pk] for pk in page]


def without_jit(rows: QuerySet) -> list:
    """The rows, read with PostgreSQL's JIT compiler off: the planner's cost of the slices'
    union grows with the table (each slice's estimate is of its whole index range) and past
    jit_above_cost it compiles the query for longer (a second and more) than the page takes
    to read (milliseconds)."""
    if connections[rows.db].vendor != "postgresql":
        return list(rows)
    with transaction.atomic(using=rows.db), connections[rows.db].cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        return list(rows)


def referral_search(visible: QuerySet, search_term: str) -> QuerySet:
    """Referrals of `visible` whose reference or patient name contains each word of
    `search_term`, or whose patient's MRN starts with it, found through indexes.

    MRNs are typed from their start and matched as a prefix (btree on UPPER(mrn)): their
    trigrams ("M00", "000") are in nearly every MRN, and a trigram index would read them all.
    So is a word that starts like a reference ("SO-..."), matched as a reference prefix. The
    rest (parts of references, names) goes through the trigram indexes."""
    for term in search_term.split():
        if term.upper().startswith(REFERENCE_START):
            reference = Q(reference__istartswith=term)
        else:
            reference = Q(reference__icontains=term)
        patients = Patient.objects.filter(
            Q(mrn__istartswith=term)
            | Q(family_name__icontains=term)
            | Q(given_name__icontains=term)
        )
        by_reference = visible.filter(reference).order_by().values("pk")
        by_patient = visible.filter(patient__in=patients).order_by().values("pk")
        visible = visible.filter(pk__in=by_reference.union(by_patient, all=True))
    return visible
