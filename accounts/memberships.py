"""Reading a user's memberships: which organizations they belong to, with which role.

This is the accounts side of "who is this user"; what a user *is to a referral* (its
relations) is the referrals rulebook's question (referrals.rules.relations).
"""

from accounts.models import Membership


def memberships_of(user) -> list[Membership]:
    """The user's memberships, read once per user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organization"))
        user._memberships_cache = cached
    return cached


def has_membership(user, organization_id: int, *membership_roles: str) -> bool:
    return any(
        membership.organization_id == organization_id and membership.role in membership_roles
        for membership in memberships_of(user)
    )


def organizations_where(user, *membership_roles: str) -> set[int]:
    return {m.organization_id for m in memberships_of(user) if m.role in membership_roles}
