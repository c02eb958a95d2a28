"""Who sees which reports (DESIGN §3 applied to aggregates).

Coordinators and analysts see the referrals of their organization: a cancer center's members
those their center received, a community practice's members those their practice sent.
Superusers see everything. Specialists, pathologists and referring oncologists see no reports.
Only coordinators (and superusers) may download the referral list behind a count; analysts
see aggregates only, with small cells suppressed in exports.
"""

from dataclasses import dataclass

from django.db.models import Q

from accounts.memberships import memberships_of
from accounts.models import Membership, Organization, User
from referrals.errors import NotPermitted

Role = Membership.Role
REPORT_ROLES = (Role.COORDINATOR, Role.ANALYST)


@dataclass(frozen=True)
class ReportViewer:
    user: User
    # Condition on Referral for the aggregates; None means every referral (superuser).
    scope: Q | None
    # Condition on Referral for the patient-level referral list; empty Q(pk__in=[]) when none.
    list_scope: Q | None
    may_list_referrals: bool
    # The scope as organization ids (for the report's rollups, reports.rollups): the centers
    # whose received referrals, and the practices whose sent referrals, the viewer sees.
    centers: tuple[int, ...] = ()
    practices: tuple[int, ...] = ()

    @property
    def suppresses_small_cells(self) -> bool:
        """Analysts (no coordinator role) get counts under 5 shown as "<5" in exports."""
        return not self.may_list_referrals


def _organization_condition(membership: Membership) -> Q:
    organization = membership.organization
    if _is_center(membership):
        # A center sees nothing of a referral before it is submitted.
        return Q(receiving_center_id=organization.pk, submitted_at__isnull=False)
    return Q(referring_organization_id=organization.pk)


def report_viewer(*, user: User) -> ReportViewer:
    """The report scope of `user`; raises NotPermitted when they may see no reports."""
    if not user.is_authenticated or not user.is_active:
        raise NotPermitted("Log in to see reports.")
    if user.is_superuser:
        return ReportViewer(user=user, scope=None, list_scope=None, may_list_referrals=True)
    memberships = [m for m in memberships_of(user) if m.role in REPORT_ROLES]
    if not memberships:
        raise NotPermitted("Reports are for coordinators and analysts.")
    scope = list_scope = Q(pk__in=[])
    for membership in memberships:
        condition = _organization_condition(membership)
        scope |= condition
        if membership.role == Role.COORDINATOR:
            list_scope |= condition
    may_list = any(m.role == Role.COORDINATOR for m in memberships)
    centers = [m.organization_id for m in memberships if _is_center(m)]
    practices = [m.organization_id for m in memberships if not _is_center(m)]
    return ReportViewer(
        user=user,
        scope=scope,
        list_scope=list_scope,
        may_list_referrals=may_list,
        centers=tuple(centers),
        practices=tuple(practices),
    )


def _is_center(membership: Membership) -> bool:
    return membership.organization.kind == Organization.Kind.CANCER_CENTER
