"""What the navigation of templates/base.html shows, worked out only when a page uses it."""

from django.utils.functional import SimpleLazyObject

from accounts.memberships import memberships_of
from accounts.models import Membership
from referrals.rules.relations import RELATIONS
from referrals.rules.visibility import SEES

Role = Membership.Role
# The roles whose relations to a referral see it (analysts see aggregates only).
ROLES_SEEING_REFERRALS = frozenset(RELATIONS[name].membership_role for name in SEES)


def _navigation(user) -> dict:
    held = {membership.role for membership in memberships_of(user)}
    return {
        "roles": held,
        "can_refer": Role.REFERRING_ONCOLOGIST in held,
        "sees_referrals": bool(held & ROLES_SEEING_REFERRALS) or user.is_superuser,
        "sees_reports": bool(held & {Role.COORDINATOR, Role.ANALYST}) or user.is_superuser,
        "sees_admin": user.is_staff,
    }


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"portal_nav": SimpleLazyObject(lambda: _navigation(user))}
