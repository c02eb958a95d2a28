"""The home page: each person's work list, by the roles they hold."""

import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.memberships import memberships_of
from accounts.models import Membership
from audit.services import audit_listed
from referrals import selectors
from referrals.models import Referral
from referrals.portal.landing import landing_path
from referrals.rules.states import OPEN_STATES

Role = Membership.Role
FINISHED_SHOWN = 25
LISTS = (
    "specialist_open",
    "specialist_finished",
    "referred_open",
    "referred_finished",
    "reviews_open",
    "reviews_signed",
)


def _split(referrals, today):
    """Open referrals soonest due first; finished ones after, most recent first."""
    open_rows, finished = [], []
    for referral in referrals:
        referral.overdue = selectors.is_overdue(referral, today)
        referral.open_now = referral.status in OPEN_STATES
        (open_rows if referral.open_now else finished).append(referral)
    far = datetime.date.max
    open_rows.sort(key=lambda r: (r.next_due or far, r.created_at))
    return open_rows, finished[:FINISHED_SHOWN]


def _audit_listed(user, context: dict) -> None:
    """Every referral and review the work lists show names a patient: audited as listed."""
    shown = [row for key in LISTS for row in context.get(key, ())]
    audit_listed(actor=user, objects=shown, detail="portal work list")


@login_required
def home(request):
    user = request.user
    landing = landing_path(user)
    if landing:  # coordinators and analysts work elsewhere
        return redirect(landing)
    held = {membership.role for membership in memberships_of(user)}
    today = timezone.localdate()
    context = {"held": held, "today": today}
    visible = selectors.referral_list(user=user)
    if Role.SPECIALIST in held:
        context["specialist_open"], context["specialist_finished"] = _split(
            visible.filter(specialist=user).order_by("-created_at"), today
        )
    if Role.REFERRING_ONCOLOGIST in held:
        context["referred_open"], context["referred_finished"] = _split(
            visible.filter(referring_oncologist=user).order_by("-created_at"), today
        )
    if Role.PATHOLOGIST in held:
        reviews = (
            selectors.pathology_reviews_visible_to(user=user)
            .filter(pathologist=user)
            .select_related("referral__patient", "referral__receiving_center")
            .prefetch_related("referral__record_items")
            .order_by("signed_at", "-requested_at")
        )
        context["reviews_open"] = [review for review in reviews if not review.is_signed]
        context["reviews_signed"] = [review for review in reviews if review.is_signed][
            :FINISHED_SHOWN
        ]
    _audit_listed(user, context)
    context["coordinates"] = Role.COORDINATOR in held
    context["analyses"] = Role.ANALYST in held
    context["statuses"] = Referral.Status
    return render(request, "portal/home.html", context)
