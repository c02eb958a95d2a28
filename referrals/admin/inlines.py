"""The parts of a referral on its change page: the record checklist (editable through the
records service) and, read-only, pathology review, consult, recommendation, progress
updates and the event timeline."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from referrals.admin.common import (
    ReadOnlyInline,
    ServiceErrorFormMixin,
    backdate_reason_field,
    occurred_at_field,
    page_capabilities,
)
from referrals.models import (
    Consultation,
    InformationRequest,
    PathologyReview,
    ProgressUpdate,
    Recommendation,
    RecordItem,
    Referral,
    ReferralEvent,
)
from referrals.portal.timeline import event_details
from referrals.rules.visibility import recommendations_seen_by
from referrals.services.clinical import (
    CONSULTATION_FIELDS,
    RECOMMENDATION_FIELDS,
    consultation_save,
)
from referrals.services.records import record_item_change

REASON_LABELS = {
    **dict(Referral.DeclineReasonCode.choices),
    **dict(Referral.CancelReasonCode.choices),
}


def local_plan_text(referral: Referral) -> str:
    if referral.no_local_plan_yet:
        return "Nothing proposed locally yet."
    return referral.local_treatment_plan or "—"


def _person(user) -> str:
    return user.display_name if user is not None else "—"


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


SERVICE_FIELDS = (
    "status",
    "required",
    "carrier",
    "tracking_number",
    "specimen_identifiers",
    "waived_reason",
)


class RecordItemForm(ServiceErrorFormMixin, forms.ModelForm):
    """A checklist row; a status change may be back-dated with a reason."""

    occurred_at = occurred_at_field()
    backdate_reason = backdate_reason_field()

    class Meta:
        model = RecordItem
        fields = SERVICE_FIELDS
        widgets = {
            "carrier": forms.TextInput(attrs={"size": 10}),
            "tracking_number": forms.TextInput(attrs={"size": 14}),
            "specimen_identifiers": forms.TextInput(attrs={"size": 14}),
            "waived_reason": forms.TextInput(attrs={"size": 16}),
        }

    def service_data(self) -> dict:
        """What changed, in the shape `record_item_change` takes."""
        data = {
            name: self.cleaned_data[name] for name in self.changed_data if name in SERVICE_FIELDS
        }
        if data.get("status") and self.cleaned_data.get("occurred_at"):
            data["occurred_at"] = self.cleaned_data["occurred_at"]
            data["backdate_reason"] = self.cleaned_data.get("backdate_reason", "")
        return data

    def save_through_service(self, *, actor, referral, data):
        return record_item_change(actor=actor, item=self.instance, data=data)


class RecordItemInline(admin.TabularInline):
    model = RecordItem
    form = RecordItemForm
    extra = 0
    can_delete = False
    verbose_name = "record"
    verbose_name_plural = "Record checklist"
    fields = [
        "kind_label",
        "required",
        "status",
        "carrier",
        "tracking_number",
        "specimen_identifiers",
        "waived_reason",
        "dates",
        "occurred_at",
        "backdate_reason",
    ]
    readonly_fields = ["kind_label", "dates"]
    # Any of these lets the user change a row; the service decides which change, field by field.
    RECORD_CAPABILITIES = (
        "change_record_status",
        "edit_record_details",
        "change_record_requirement",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj) or obj is None:
            return False
        capabilities = page_capabilities(request, obj)
        return any(name in capabilities for name in self.RECORD_CAPABILITIES)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Item")
    def kind_label(self, item):
        return str(item)

    @admin.display(description="Dates")
    def dates(self, item):
        moments = [
            (label, _moment(value))
            for label, value in (
                ("requested", item.requested_at),
                ("sent", item.sent_at),
                ("received", item.received_at),
                ("returned", item.returned_at),
            )
            if value
        ]
        return format_html_join(mark_safe("<br>"), "{} {}", moments) or "—"


class PathologyReviewInline(ReadOnlyInline, admin.TabularInline):
    model = PathologyReview
    verbose_name_plural = "Pathology review"
    fields = ["pathologist_name", "discrepancy", "review_diagnosis", "additional_tests", "signed"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pathologist", "signed_by")

    @admin.display(description="Pathologist")
    def pathologist_name(self, review):
        return _person(review.pathologist)

    @admin.display(description="Signed")
    def signed(self, review):
        if not review.is_signed:
            return "Not signed"
        return f"{_person(review.signed_by)}, {_moment(review.signed_at)}"


class ConsultationForm(ServiceErrorFormMixin, forms.ModelForm):
    join_link = forms.URLField(
        required=False, max_length=500, assume_scheme="https", help_text="Virtual: how to join."
    )

    class Meta:
        model = Consultation
        fields = CONSULTATION_FIELDS

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}

    def save_through_service(self, *, actor, referral, data):
        return consultation_save(actor=actor, referral=referral, data=data)


class ConsultationInline(admin.StackedInline):
    """Arranged by the center coordinator (or the specialist) while the case is active."""

    model = Consultation
    form = ConsultationForm
    verbose_name_plural = "Consultation"
    fields = [*CONSULTATION_FIELDS, "earlier_appointments"]
    readonly_fields = ["earlier_appointments"]
    extra = 1
    max_num = 1
    can_delete = False

    def _may_arrange(self, request, referral) -> bool:
        return referral is not None and "arrange_consult" in page_capabilities(request, referral)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_arrange(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_arrange(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("earlier_appointments")

    @admin.display(description="Earlier appointments")
    def earlier_appointments(self, consultation):
        """Appointments that did not take place, kept as they were (never overwritten)."""
        rows = [
            (_moment(earlier.scheduled_for), earlier.get_attendance_display())
            for earlier in consultation.earlier_appointments.all()
        ]
        return format_html_join(mark_safe("<br>"), "{}: {}", rows) or "None"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and "modality" in formset.form.base_fields:
            formset.form.base_fields["modality"].initial = obj.modality
        return formset


class RecommendationInline(ReadOnlyInline, admin.StackedInline):
    """Every version; signed ones are immutable (amendments are new versions)."""

    model = Recommendation
    verbose_name_plural = "Recommendation (all versions)"
    fields = ["version", "author_name", "signature", "local_plan", *RECOMMENDATION_FIELDS]
    readonly_fields = fields

    def get_queryset(self, request):
        # A draft (unsigned) version is its author's work in progress: hidden from the rest.
        versions = (
            super().get_queryset(request).select_related("author", "referral").order_by("-version")
        )
        return versions.filter(recommendations_seen_by(request.user))

    @admin.display(description="Local treatment plan")
    def local_plan(self, recommendation):
        """What the concordance below is judged against."""
        return local_plan_text(recommendation.referral)

    @admin.display(description="Author")
    def author_name(self, recommendation):
        return _person(recommendation.author)

    @admin.display(description="Signed")
    def signature(self, recommendation):
        if not recommendation.is_signed:
            return "Draft (not signed)"
        state = "superseded" if recommendation.superseded_at else "in force"
        return f"{_moment(recommendation.signed_at)} ({state})"


class ProgressUpdateInline(ReadOnlyInline, admin.TabularInline):
    model = ProgressUpdate
    verbose_name_plural = "Progress updates"
    fields = [
        "update_date",
        "response",
        "recommendation_followed",
        "recommendation_followed_reason",
        "current_treatment",
        "question",
        "advice",
        "advice_from",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("advice_by")

    @admin.display(description="Advice by")
    def advice_from(self, update):
        return _person(update.advice_by)


class InformationRequestInline(ReadOnlyInline, admin.TabularInline):
    """The thread of information requests, as both sides read it (asked with the workflow
    button "Request information", answered with "Provide information")."""

    model = InformationRequest
    verbose_name = "information request"
    verbose_name_plural = "Information requests"
    fields = ["reason", "note", "asked", "answer", "answered", "business_days_waited"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("asked_by", "answered_by")
            .order_by("asked_at", "id")
        )

    @admin.display(description="Asked")
    def asked(self, request_row):
        return f"{_moment(request_row.asked_at)} by {_person(request_row.asked_by)}"

    @admin.display(description="Answered")
    def answered(self, request_row):
        if request_row.answered_at is None:
            return "Not answered yet"
        return f"{_moment(request_row.answered_at)} by {_person(request_row.answered_by)}"


class ReferralEventInline(ReadOnlyInline, admin.TabularInline):
    model = ReferralEvent
    verbose_name = "event"
    verbose_name_plural = "Timeline"
    fields = ["happened", "kind", "change", "actor_name", "note_and_reason", "recorded"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor").order_by("occurred_at", "id")

    @admin.display(description="When")
    def happened(self, event):
        return _moment(event.occurred_at)

    @admin.display(description="Recorded")
    def recorded(self, event):
        return _moment(event.recorded_at)

    @admin.display(description="Change")
    def change(self, event):
        # A record's status change names the record: a checklist's rows change one by one.
        return event_details(event)

    @admin.display(description="Note")
    def note_and_reason(self, event):
        reason = REASON_LABELS.get(event.reason_code, event.reason_code)
        return " — ".join(part for part in (reason, event.note) if part)

    @admin.display(description="By")
    def actor_name(self, event):
        return _person(event.actor) if event.actor_id else "System"
