"""Read-only lists of a referral's parts, for searching across referrals.

Each starts from the visibility layer; coordinators reach them from a referral's page, so
they are kept out of the coordinator's menu. Their pages are addressed by UUID, like every
admin page; another organization's row is a 404, and the refusal is audited.
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList

from audit.denials import note_denied, remember_subject
from referrals.admin.common import NoChanges, UUIDAddressedAdmin
from referrals.models import (
    Consultation,
    PathologyReview,
    ProgressUpdate,
    Recommendation,
    RecordAttachment,
    RecordItem,
    ReferralEvent,
)
from referrals.selectors import referrals_visible_to


class VisibleThroughReferralAdmin(NoChanges, UUIDAddressedAdmin):
    """Rows of visible referrals only; `referral_path` leads from the row to its referral."""

    referral_path = "referral"

    def get_queryset(self, request):
        visible = referrals_visible_to(user=request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.referral_path}__in": visible})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Read-only pages offer no choices (and the referral admin's ordering needs its own
        # annotations, which a plain queryset of referrals lacks).
        kwargs.setdefault("queryset", db_field.remote_field.model._default_manager.none())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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
    """Timeline rows have no UUID (append-only, written before UUIDs were given): their
    pages go by id, and an id of another organization's event is a 404, audited."""

    list_display = ["referral", "kind", "actor", "occurred_at", "recorded_at"]
    list_filter = ["kind"]
    list_select_related = ["referral", "actor"]

    def get_changelist(self, request, **kwargs):
        return ChangeList

    def get_object(self, request, object_id, from_field=None):
        if not str(object_id).isdigit():
            return None
        found = self.get_queryset(request).filter(pk=int(object_id)).first()
        if found is None:
            hidden = ReferralEvent.objects.filter(pk=int(object_id)).first()
            if hidden is not None:
                note_denied(request, reason="not visible", obj=hidden)
        else:
            remember_subject(request, found)
        return found
