"""The home page: each person's work list, by the roles they hold.

Each list shows its open referrals (the step each waits on, whose turn it is, the due date,
urgency) up to HOME_ROWS, soonest due first, and links to the full, searchable list.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.memberships import memberships_of
from accounts.models import Membership
from audit.services import audit_listed
from referrals import selectors
from referrals.models import Referral
from referrals.portal.filters import default_order
from referrals.portal.landing import landing_path
from referrals.rules.states import OPEN_STATES

Role = Membership.Role
HOME_ROWS = 20
FINISHED_SHOWN = 25
LISTS = (
    "specialist_open",
    "specialist_finished",
    "referred_open",
    "referred_finished",
    "reviews_open",
    "reviews_signed",
)


def _open_and_finished(rows):
    open_rows = rows.filter(status__in=OPEN_STATES).order_by(*default_order())
    finished = rows.exclude(status__in=OPEN_STATES).order_by("-created_at", "-pk")
    return list(open_rows[: HOME_ROWS + 1]), list(finished[:FINISHED_SHOWN])


def _reviews(user):
    """The pathologist's reviews, each with its referral's work status (one more query)."""
    reviews = list(
        selectors.pathology_reviews_visible_to(user=user)
        .filter(pathologist=user)
        .select_related("referral__patient", "referral__receiving_center")
        .prefetch_related("referral__record_items")
        .order_by(F("signed_at").desc(nulls_first=True), "-requested_at")[
            : HOME_ROWS + FINISHED_SHOWN
        ]
    )
    ids = {review.referral_id for review in reviews}
    work = selectors.with_work_status(Referral.objects.filter(pk__in=ids), user=user).only(
        "pk", "status", "next_due"
    )
    status = {row.pk: row for row in work} if ids else {}
    for review in reviews:
        review.work = status.get(review.referral_id)
    return [r for r in reviews if not r.is_signed], [r for r in reviews if r.is_signed]


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
    context = {"held": held, "today": timezone.localdate(), "home_rows": HOME_ROWS}
    visible = selectors.work_list(user=user)
    if Role.SPECIALIST in held:
        context["specialist_open"], context["specialist_finished"] = _open_and_finished(
            visible.filter(specialist=user)
        )
    if Role.REFERRING_ONCOLOGIST in held:
        context["referred_open"], context["referred_finished"] = _open_and_finished(
            visible.filter(referring_oncologist=user)
        )
    if Role.PATHOLOGIST in held:
        context["reviews_open"], context["reviews_signed"] = _reviews(user)
    for key in ("specialist_open", "referred_open"):
        if key in context:
            rows = context[key]
            context[f"{key}_more"] = len(rows) > HOME_ROWS
            context[key] = rows[:HOME_ROWS]
    _audit_listed(user, context)
    context["coordinates"] = Role.COORDINATOR in held
    context["analyses"] = Role.ANALYST in held
    context["statuses"] = Referral.Status
    return render(request, "portal/home.html", context)
