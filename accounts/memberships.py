"""Reading a user's memberships: which organizations they belong to, with which role.

This is the accounts side of "who is this user"; what a user *is to a referral* (its
relations) is the referrals rulebook's question (referrals.rules.relations).
"""

from accounts.models import Membership, Organization
from core.expressions import column, quoted

_MEMBERSHIP_FIELDS = list(Membership._meta.concrete_fields)
_ORGANIZATION_FIELDS = list(Organization._meta.concrete_fields)


def memberships_of(user) -> list[Membership]:
    """The user's memberships, read once per user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organization"))
        user._memberships_cache = cached
    return cached


def membership_records_sql(user_column: str) -> str:
    """A subquery: the memberships of the user whose id is `user_column` (of the outer query)
    with their organizations, in `Membership.Meta.ordering` (the organization's name, then the
    role), as a JSON array of [membership, organization] rows. Read in the same statement as
    the user (the API token's) and handed to `remember_memberships`, they spare
    `memberships_of` its own round trip."""
    return (
        "(SELECT COALESCE(jsonb_agg(jsonb_build_array(to_jsonb(m), to_jsonb(o))"
        f" ORDER BY o.{column(Organization, 'name')}, m.{column(Membership, 'role')}),"
        " '[]'::jsonb)"
        f" FROM {quoted(Membership._meta.db_table)} m"
        f" JOIN {quoted(Organization._meta.db_table)} o"
        f" ON o.{column(Organization, 'id')} = m.{column(Membership, 'organization')}"
        f" WHERE m.{column(Membership, 'user')} = {user_column})"
    )


def remember_memberships(user, records: list) -> list[Membership]:
    """Cache on `user` the memberships `membership_records_sql` read, as `memberships_of`
    would have read them (the same instances, fields and order)."""
    using = user._state.db
    cached = []
    for membership_row, organization_row in records:
        membership = _instance(Membership, _MEMBERSHIP_FIELDS, membership_row, using)
        membership.organization = _instance(
            Organization, _ORGANIZATION_FIELDS, organization_row, using
        )
        cached.append(membership)
    user._memberships_cache = cached
    return cached


def _instance(model, fields, row: dict, using: str):
    # JSON carries dates, times and UUIDs as text: each field turns its value back.
    values = []
    for field in fields:
        value = row[field.column]
        values.append(None if value is None else field.to_python(value))
    return model.from_db(using, [field.attname for field in fields], values)


def has_membership(user, organization_id: int, *membership_roles: str) -> bool:
    return any(
        membership.organization_id == organization_id and membership.role in membership_roles
        for membership in memberships_of(user)
    )


def organizations_where(user, *membership_roles: str) -> set[int]:
    return {m.organization_id for m in memberships_of(user) if m.role in membership_roles}
