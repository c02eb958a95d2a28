"""The referral list behind one count of the dashboard (coordinators only, no patient names)."""

import uuid

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import CancerSite
from referrals.errors import InvalidData, NotPermitted
from referrals.models import Referral
from referrals.selectors import referrals_visible_to
from reports.access import ReportViewer
from reports.filters import ReportFilters
from reports.queries import REPORTED_STATUSES, STEP_BY_STATUS, reason_condition
from reports.selectors import report_referrals

STATUS_BY_STEP = {step: status for status, (step, _) in STEP_BY_STATUS.items()}
FIGURE_HELP = (
    'Name the count: "all", "status:<status>", "reason:<reason>", "cancer_site:<site>", '
    '"center:<center id>", "overdue:<step>", "decline_reason:<code>" or "cancel_reason:<code>".'
)
# Declined (cancelled) referrals per coded reason, as reports.flow counts them.
REASON_CODES = {
    "decline_reason": (Referral.Status.DECLINED, "decline_reason_code"),
    "cancel_reason": (Referral.Status.CANCELLED, "cancel_reason_code"),
}


def figure_condition(figure: str) -> Q:
    """The condition on Referral for a figure like "status:under_review"; InvalidData if unknown."""
    kind, _, value = (figure or "all").partition(":")
    valid = {
        "status": {status.value for status in REPORTED_STATUSES},
        "reason": set(Referral.Reason.values),
        "cancer_site": set(CancerSite.values),
        "overdue": set(STATUS_BY_STEP),
        "decline_reason": set(Referral.DeclineReasonCode.values),
        "cancel_reason": set(Referral.CancelReasonCode.values),
    }
    if kind == "all" and not value:
        return Q()
    if kind == "center" and value:
        return Q(receiving_center__uuid=value) if _is_uuid(value) else _invalid(figure)
    if value not in valid.get(kind, ()):
        _invalid(figure)
    if kind == "status":
        return Q(status=value)
    if kind == "cancer_site":
        return Q(cancer_site=value)
    if kind == "overdue":
        return Q(status=STATUS_BY_STEP[value], next_due__lt=timezone.localdate())
    if kind in REASON_CODES:
        status, field = REASON_CODES[kind]
        return Q(status=status, **{field: value})
    return reason_condition(value)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _invalid(figure: str):
    raise InvalidData.for_fields({"figure": f"Unknown figure {figure!r}. {FIGURE_HELP}"})


def report_referral_list(
    *, viewer: ReportViewer, filters: ReportFilters, figure: str
) -> QuerySet[Referral]:
    """Referrals behind a count; raises NotPermitted for analysts, InvalidData for bad figures."""
    if not viewer.may_list_referrals:
        raise NotPermitted("Analysts see aggregates only; the referral list is for coordinators.")
    condition = figure_condition(figure)
    referrals = report_referrals(viewer=viewer, filters=filters).filter(condition)
    if viewer.list_scope is not None:
        referrals = referrals.filter(viewer.list_scope)
    # Through the one visibility layer as well: never more than the user may open.
    visible = referrals_visible_to(user=viewer.user).values("pk")
    return (
        referrals.filter(pk__in=visible)
        .select_related("receiving_center", "referring_organization")
        .order_by("submitted_at", "reference")
    )
