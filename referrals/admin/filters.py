"""The referral change list's filters."""

import datetime

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from accounts.memberships import organizations_where
from accounts.models import Membership, Organization, User
from referrals.models import Referral
from referrals.rules.steps import LATE_STATES
from referrals.selectors import (
    destination_centers,
    late_elsewhere,
    overdue_ours,
    referrals_overdue,
)


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue"),
            ("late_elsewhere", "Late elsewhere"),
            ("this_week", "Due within 7 days"),
            ("on_time", "Not overdue"),
        ]

    def queryset(self, request, queryset):
        # "Overdue": late steps that the user or their organization must do; others' late
        # steps are "late elsewhere" (the rulebook's steps table says whose turn it is).
        today = timezone.localdate()
        if self.value() == "overdue":
            return overdue_ours(queryset, today)
        if self.value() == "late_elsewhere":
            return late_elsewhere(queryset, today)
        if self.value() == "this_week":
            return queryset.filter(
                status__in=LATE_STATES,
                next_due__gte=today,
                next_due__lte=today + datetime.timedelta(days=7),
            )
        if self.value() == "on_time":
            return queryset.exclude(pk__in=referrals_overdue(queryset, today).values("pk"))
        return queryset


class DirectoryFilter(admin.RelatedFieldListFilter):
    """Choices from the directory, not from the referrals: RelatedOnlyFieldListFilter reads
    every visible referral on every page to find the centers and specialists in use.

    Centers: the destination centers and the user's own. Specialists: those of the user's
    organizations (all of them for a superuser). Nothing listed that the directory does not
    already show the user."""

    def field_choices(self, field, request, model_admin):
        user = request.user
        own = organizations_where(user, *Membership.Role.values)
        if field.name == "receiving_center":
            choices = Organization.objects.filter(
                Q(pk__in=destination_centers().values("pk"))
                | Q(pk__in=own, kind=Organization.Kind.CANCER_CENTER)
            )
        else:
            specialists = Membership.objects.filter(role=Membership.Role.SPECIALIST)
            if not user.is_superuser:
                specialists = specialists.filter(organization_id__in=own)
            choices = User.objects.filter(pk__in=specialists.values("user_id"))
        ordering = self.field_admin_ordering(field, request, model_admin) or ()
        return [(obj.pk, str(obj)) for obj in choices.order_by(*ordering)]


class OpinionFilter(admin.SimpleListFilter):
    """Which opinion the referral asks for; fixed choices (no scan for the values in use)."""

    title = "opinion number"
    parameter_name = "opinion_number"

    def lookups(self, request, model_admin):
        return [("2", "Second"), ("3", "Third"), ("4", "Fourth"), ("5", "Fifth")]

    def queryset(self, request, queryset):
        if self.value() in {"2", "3", "4", "5"}:
            return queryset.filter(opinion_number=int(self.value()))
        return queryset


class ForwardingFilter(admin.SimpleListFilter):
    """Referrals forwarded from one center to another: away (final here) or arrived here."""

    title = "forwarding"
    parameter_name = "forwarding"

    def lookups(self, request, model_admin):
        return [("away", "Forwarded to another center"), ("here", "Forwarded from another center")]

    def queryset(self, request, queryset):
        if self.value() == "away":
            return queryset.filter(status=Referral.Status.FORWARDED)
        if self.value() == "here":
            return queryset.filter(previous_referral__status=Referral.Status.FORWARDED)
        return queryset


class AwaitingInformationFilter(admin.SimpleListFilter):
    """Referrals whose center waits on the practice's answer (the partial index
    referral_awaiting_information)."""

    title = "awaiting information"
    parameter_name = "awaiting_information"

    def lookups(self, request, model_admin):
        return [("yes", "Awaiting information"), ("no", "Not awaiting information")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(awaiting_information=self.value() == "yes")
        return queryset
