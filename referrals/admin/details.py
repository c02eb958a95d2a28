"""Read-only lists of a referral's parts, for searching across referrals.

Each starts from the visibility layer; coordinators reach them from a referral's page, so
they are kept out of the coordinator's menu.
"""

from django.contrib import admin

from referrals.admin.common import ReadOnlyAdmin
from referrals.models import (
    Consultation,
    PathologyReview,
    ProgressUpdate,
    Recommendation,
    RecordAttachment,
    RecordItem,
    Referral,
    ReferralEvent,
    Reminder,
)
from referrals.selectors import referrals_visible_to


class VisibleThroughReferralAdmin(ReadOnlyAdmin):
    """Rows of visible referrals only; `referral_path` leads from the row to its referral."""

    referral_path = "referral"

    def get_queryset(self, request):
        visible = referrals_visible_to(user=request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.referral_path}__in": visible})

    def get_field_queryset(self, db, db_field, request):
        # The referral's own admin orders by annotations of its workspace queryset, which a
        # plain related-field queryset lacks (a FieldError on every change page).
        if db_field.related_model is Referral:
            return referrals_visible_to(user=request.user)
        return super().get_field_queryset(db, db_field, request)

    def get_model_perms(self, request):
        # In the menu for administrators only; coordinators open these from a referral.
        if not request.user.is_superuser:
            return {"add": False, "change": False, "delete": False, "view": False}
        return super().get_model_perms(request)


@admin.register(RecordItem)
class RecordItemAdmin(VisibleThroughReferralAdmin):
    list_display = ["referral", "kind", "required", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["referral"]


@admin.register(RecordAttachment)
class RecordAttachmentAdmin(VisibleThroughReferralAdmin):
    referral_path = "record_item__referral"
    list_display = ["original_name", "record_item", "uploaded_at"]
    list_select_related = ["record_item"]


@admin.register(PathologyReview)
class PathologyReviewAdmin(VisibleThroughReferralAdmin):
    list_display = ["referral", "pathologist", "discrepancy", "signed_at"]
    list_select_related = ["referral", "pathologist"]


@admin.register(Consultation)
class ConsultationAdmin(VisibleThroughReferralAdmin):
    list_display = ["referral", "modality", "scheduled_for", "completed_at"]
    list_select_related = ["referral"]


@admin.register(Recommendation)
class RecommendationAdmin(VisibleThroughReferralAdmin):
    list_display = ["referral", "version", "concordance", "signed_at", "superseded_at"]
    list_select_related = ["referral"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(VisibleThroughReferralAdmin):
    list_display = ["referral", "update_date", "response", "advice_at"]
    list_select_related = ["referral"]


@admin.register(ReferralEvent)
class ReferralEventAdmin(VisibleThroughReferralAdmin):
    list_display = ["referral", "kind", "actor", "occurred_at", "recorded_at"]
    list_filter = ["kind"]
    list_select_related = ["referral", "actor"]


@admin.register(Reminder)
class ReminderAdmin(VisibleThroughReferralAdmin):
    list_display = ["referral", "step", "recipient", "due_date", "sent_at"]
    list_select_related = ["referral", "recipient"]
