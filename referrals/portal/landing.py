"""Where each person lands after logging in (and at /): where they do their work."""

from django.urls import reverse

from accounts.memberships import memberships_of
from accounts.models import Membership

Role = Membership.Role
# Roles whose work list is the portal's home page.
PORTAL_ROLES = frozenset({Role.REFERRING_ONCOLOGIST, Role.SPECIALIST, Role.PATHOLOGIST})


def works_in_admin(user) -> bool:
    """A coordinator with no portal role works in the admin's work queue."""
    held = {membership.role for membership in memberships_of(user)}
    return user.is_staff and Role.COORDINATOR in held and not held & PORTAL_ROLES


def landing_path(user) -> str | None:
    """Coordinators: the work queue; analysts: the dashboard; None: the portal's home (anyone
    with a portal role keeps their work list there)."""
    held = {membership.role for membership in memberships_of(user)}
    if held & PORTAL_ROLES:
        return None
    if works_in_admin(user):
        return reverse("admin:index")
    if held & {Role.ANALYST, Role.COORDINATOR}:
        return reverse("reports:dashboard")
    return None
