"""Coordinators reach the admin as staff users with the "Coordinators" group's permissions.

Nobody is made a superuser for their daily work: a coordinator membership gives is_staff and
the group, whose permissions allow viewing and changing referrals, records and the center
directory, and never deleting. Which rows they see is decided by the visibility layer.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_delete, post_migrate, post_save

from accounts.models import Membership, User

COORDINATOR_GROUP = "Coordinators"

# app label -> model -> permission actions. No "delete" for clinical data (DESIGN §3).
COORDINATOR_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "referrals": {
        # "add" opens a referral on the referring side (referral_create decides who may).
        "referral": ("view", "add", "change"),
        "recorditem": ("view", "change"),
        "pathologyreview": ("view",),
        "consultation": ("view", "add", "change"),
        "recommendation": ("view",),
        "progressupdate": ("view",),
        "informationrequest": ("view",),
        "referralevent": ("view",),
        "patient": ("view", "add", "change"),
    },
    "reminders": {
        "reminder": ("view",),
        "slapolicy": ("view", "add", "change"),
        "holiday": ("view",),
    },
    "accounts": {
        "organization": ("view", "change"),
        # Intake rules are configuration, not clinical data: a center may stop taking a site.
        "intakerule": ("view", "add", "change", "delete"),
    },
}


def coordinator_permissions():
    codenames = [
        (app_label, f"{action}_{model}")
        for app_label, models in COORDINATOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = Permission.objects.none()
    for app_label, codename in codenames:
        permissions |= Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        )
    return permissions


def coordinator_group() -> Group:
    """The group, created with its permissions when missing."""
    group, created = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    if created:
        group.permissions.set(coordinator_permissions())
    return group


def sync_coordinator_access(user: User) -> None:
    """Give or take the group (and give staff status) by the user's coordinator memberships."""
    group = coordinator_group()
    if Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).exists():
        user.groups.add(group)
        if not user.is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=True)
            user.is_staff = True
    else:
        user.groups.remove(group)


def _membership_changed(sender, instance: Membership, **kwargs):
    if kwargs.get("raw"):
        return
    sync_coordinator_access(instance.user)


def _after_migrate(sender, using="default", **kwargs):
    # Permissions are normally created by a post_migrate handler that may run after this one.
    for label in COORDINATOR_PERMISSIONS:
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using)
    group, _ = Group.objects.using(using).get_or_create(name=COORDINATOR_GROUP)
    group.permissions.set(coordinator_permissions())
    coordinators = User.objects.filter(memberships__role=Membership.Role.COORDINATOR).distinct()
    group.user_set.add(*coordinators)
    coordinators.filter(is_staff=False).update(is_staff=True)


def connect_signals() -> None:
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="coordinator-access")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="coordinator-access-d")
    post_migrate.connect(
        _after_migrate,
        sender=global_apps.get_app_config("referrals"),
        dispatch_uid="coordinator-group",
    )
