"""The SLA policy (DESIGN §5) and the holidays its business-day clock skips."""

from django.contrib import admin

from accounts.memberships import organizations_where
from accounts.models import Membership, Organization
from referrals.admin.audited import AuditedAdmin
from referrals.models import Holiday, SLAPolicy


def coordinated_centers(user) -> set[int]:
    return organizations_where(user, Membership.Role.COORDINATOR)


@admin.register(SLAPolicy)
class SLAPolicyAdmin(AuditedAdmin):
    """Coordinators set their own centers' policy; the default row is the administrators'."""

    list_display = [
        "__str__",
        "urgency",
        "triage_days",
        "records_days",
        "recommendation_days",
        "return_days",
    ]
    list_filter = ["urgency"]
    list_select_related = ["center"]
    fields = [
        "center",
        "urgency",
        "triage_days",
        "records_days",
        "recommendation_days",
        "return_days",
    ]

    def get_queryset(self, request):
        policies = super().get_queryset(request)
        if request.user.is_superuser:
            return policies
        # Their centers' policies, and the default they fall back on.
        return policies.filter(center__isnull=True) | policies.filter(
            center_id__in=coordinated_centers(request.user)
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or request.user.is_superuser or not allowed:
            return allowed
        return obj.center_id in coordinated_centers(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "center" and not request.user.is_superuser:
            kwargs["queryset"] = Organization.objects.filter(
                pk__in=coordinated_centers(request.user), kind=Organization.Kind.CANCER_CENTER
            )
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
