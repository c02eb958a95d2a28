from django.contrib import admin

from referrals.models import (
    Consultation,
    Holiday,
    PathologyReview,
    Patient,
    ProgressUpdate,
    Recommendation,
    RecordAttachment,
    RecordItem,
    Referral,
    ReferralEvent,
    Reminder,
    SLAPolicy,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only the services write: shown, never changed here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["mrn", "family_name", "given_name", "organization"]
    search_fields = ["mrn", "family_name", "given_name"]
    list_filter = ["organization"]
    list_select_related = ["organization"]


class RecordItemInline(admin.TabularInline):
    model = RecordItem
    extra = 0
    fields = ["kind", "required", "status", "carrier", "tracking_number", "received_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "cancer_site", "receiving_center", "next_due"]
    list_filter = ["status", "urgency", "cancer_site"]
    search_fields = ["reference", "patient__mrn"]
    list_select_related = ["receiving_center"]
    inlines = [RecordItemInline]


@admin.register(RecordItem)
class RecordItemAdmin(ReadOnlyAdmin):
    list_display = ["referral", "kind", "required", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["referral"]


@admin.register(RecordAttachment)
class RecordAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "record_item", "uploaded_at"]


@admin.register(PathologyReview)
class PathologyReviewAdmin(ReadOnlyAdmin):
    list_display = ["referral", "pathologist", "discrepancy", "signed_at"]
    list_select_related = ["referral", "pathologist"]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["referral", "modality", "scheduled_for", "completed_at"]


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["referral", "version", "concordance", "signed_at", "superseded_at"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["referral", "update_date", "response", "advice_at"]


@admin.register(ReferralEvent)
class ReferralEventAdmin(ReadOnlyAdmin):
    list_display = ["referral", "kind", "actor", "occurred_at", "recorded_at"]
    list_filter = ["kind"]
    list_select_related = ["referral", "actor"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["referral", "step", "recipient", "due_date", "sent_at"]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "triage_days",
        "records_days",
        "recommendation_days",
        "return_days",
    ]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
