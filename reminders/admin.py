"""The outbox for operators: what waits, what a sender holds, what failed; retry by hand."""

from django.contrib import admin, messages
from django.utils import timezone

from reminders import outbox
from reminders.models import OutgoingEmail


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
