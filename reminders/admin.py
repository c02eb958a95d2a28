"""The reminders in the admin: the SLA policy (DESIGN §5) and the holidays its business-day
clock skips, the reminders sent (read-only, through the visibility layer), and the outbox for
operators: what waits, what a sender holds, what failed; retry by hand."""

from django.contrib import admin, messages
from django.utils import timezone

from accounts.memberships import memberships_of
from accounts.models import Membership, Organization
from referrals.admin.audited import AuditedAdmin
from referrals.admin.details import VisibleThroughReferralAdmin
from reminders import outbox
from reminders.models import Holiday, OutgoingEmail, Reminder, SLAPolicy


def coordinated_centers(user) -> set[int]:
    """The cancer centers the user coordinates: the only policies they may set (a practice
    has no SLA policy of its own; its referrals follow their receiving center's)."""
    return {
        membership.organization_id
        for membership in memberships_of(user)
        if membership.role == Membership.Role.COORDINATOR
        and membership.organization.kind == Organization.Kind.CANCER_CENTER
    }


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

    def has_add_permission(self, request):
        # Offered only to those who have a center whose policy they could save.
        allowed = super().has_add_permission(request)
        if request.user.is_superuser or not allowed:
            return allowed
        return bool(coordinated_centers(request.user))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or request.user.is_superuser or not allowed:
            return allowed
        return obj.center_id in coordinated_centers(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "center" and not request.user.is_superuser:
            kwargs["queryset"] = Organization.objects.filter(
                pk__in=coordinated_centers(request.user)
            )
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"


@admin.register(Reminder)
class ReminderAdmin(VisibleThroughReferralAdmin):
    list_display = ["referral", "step", "recipient", "due_date", "sent_at"]
    list_select_related = ["referral", "recipient"]


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(state, state) for state in ("pending", "claimed", "failed", "sent")]

    def queryset(self, request, queryset):
        now = timezone.now()
        unsent = queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        match self.value():
            case "pending":
                return unsent.exclude(claimed_until__gt=now)
            case "claimed":
                return unsent.filter(claimed_until__gt=now)
            case "failed":
                return queryset.filter(failed_at__isnull=False)
            case "sent":
                return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "to",
        "subject",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = [StateFilter, "kind"]
    search_fields = ["to", "subject", "key"]
    actions = ["retry"]
    readonly_fields = [field.name for field in OutgoingEmail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry now (same Message-ID)")
    def retry(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = outbox.emails_retry(ids)
        try:
            outbox.publish(outbox.emails_to_queue())
        except outbox.BrokerUnavailable as error:
            self.message_user(request, f"Not queued now ({error}).", messages.WARNING)
        self.message_user(request, f"{count} e-mail(s) will be retried.")
