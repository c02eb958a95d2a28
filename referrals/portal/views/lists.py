"""The portal's referral list: search, filters, sort and pages over the viewer's work list."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.memberships import memberships_of
from accounts.models import Organization
from audit.services import audit_listed
from referrals import selectors
from referrals.portal.filters import WorkListFilter, default_order

PER_PAGE = 25


def other_side_column(user) -> str:
    """Which party a row names: the center for people of a practice, else the practice."""
    kinds = {membership.organization.kind for membership in memberships_of(user)}
    return "center" if Organization.Kind.COMMUNITY in kinds or not kinds else "practice"


@login_required
def referral_list(request):
    user = request.user
    rows = selectors.work_list(user=user).order_by(*default_order())
    filters = WorkListFilter(request.GET, queryset=rows, request=request)
    page = Paginator(filters.qs, PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    # The rows name patients: each one shown is audited as listed.
    audit_listed(actor=user, objects=shown, detail=f"portal referral list, page {page.number}")
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "rows": shown,
        "show": other_side_column(user),
        "kept_query": kept.urlencode(),
    }
    return render(request, "portal/referral_list.html", context)
