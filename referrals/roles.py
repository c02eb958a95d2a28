"""The roles a user holds on one referral, from their memberships (DESIGN §3)."""

from accounts.models import Membership

Role = Membership.Role

REFERRING_ONCOLOGIST = "referring_oncologist"
REFERRING_COORDINATOR = "referring_coordinator"
CENTER_COORDINATOR = "center_coordinator"
ASSIGNED_SPECIALIST = "assigned_specialist"
ASSIGNED_PATHOLOGIST = "assigned_pathologist"


def memberships_of(user) -> list[Membership]:
    """The user's memberships, read once per user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organization"))
        user._memberships_cache = cached
    return cached


def has_role(user, organization_id: int, *roles: str) -> bool:
    return any(
        m.organization_id == organization_id and m.role in roles for m in memberships_of(user)
    )


def organizations_where(user, *roles: str) -> set[int]:
    return {m.organization_id for m in memberships_of(user) if m.role in roles}


def roles_on(user, referral, *, pathologist_ids: set[int] | None = None) -> set[str]:
    """What the user is to this referral, e.g. {"center_coordinator"}.

    `pathologist_ids` may be passed when already known, to save a query.
    """
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {REFERRING_COORDINATOR, CENTER_COORDINATOR}
    roles = set()
    referring, center = referral.referring_organization_id, referral.receiving_center_id
    if has_role(user, referring, Role.COORDINATOR):
        roles.add(REFERRING_COORDINATOR)
    if has_role(user, referring, Role.REFERRING_ONCOLOGIST) and (
        referral.referring_oncologist_id == user.pk
    ):
        roles.add(REFERRING_ONCOLOGIST)
    # Whether the user may see the referral at all (the center sees no drafts) is the
    # visibility layer's question (referrals.selectors); this says what they are to it.
    if has_role(user, center, Role.COORDINATOR):
        roles.add(CENTER_COORDINATOR)
    if has_role(user, center, Role.SPECIALIST) and referral.specialist_id == user.pk:
        roles.add(ASSIGNED_SPECIALIST)
    if has_role(user, center, Role.PATHOLOGIST):
        if pathologist_ids is None:
            pathologist_ids = set(
                referral.pathology_reviews.values_list("pathologist_id", flat=True)
            )
        if user.pk in pathologist_ids:
            roles.add(ASSIGNED_PATHOLOGIST)
    return roles
