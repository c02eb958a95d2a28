"""The referral change list and change page of the coordinator workspace."""

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR
from django.db.models import F
from django.urls import path, reverse

from audit.services import audit_record
from companion import admin_actions as companion_actions
from referrals.admin import bulk_actions
from referrals.admin.common import (
    ServiceBackedAdmin,
    ServiceFormError,
    masked_patient,
    page_capabilities,
    status_badge,
)
from referrals.admin.filters import (
    AwaitingInformationFilter,
    DirectoryFilter,
    DueFilter,
    ForwardingFilter,
    OpinionFilter,
)
from referrals.admin.inlines import (
    ConsultationInline,
    InformationRequestInline,
    PathologyReviewInline,
    ProgressUpdateInline,
    RecommendationInline,
    RecordItemInline,
    ReferralEventInline,
)
from referrals.admin.paging import (
    EstimatedCountPaginator,
    UrgencyOrderPaginator,
    referral_search,
)
from referrals.admin.queries import referrals_for_workspace
from referrals.admin.referral_add import ReferralAddMixin
from referrals.admin.work_columns import StepFilter, WhoseTurnFilter, WorkColumns
from referrals.admin.workflow_views import (
    pathology_review_request_view,
    workflow_action_urls,
    workflow_action_view,
)
from referrals.errors import DomainError
from referrals.models import Referral
from referrals.rules import workflow
from referrals.rules.visibility import consult_letter_issued
from referrals.selectors import forwarded_to, with_work_status
from referrals.services.referrals import referral_update

# Fields a coordinator may edit on the page, when the referral's state allows it
# (`referral_update` decides); the rest of the referral is shown, not edited, here.
ADMIN_EDITABLE = (
    "urgency",
    "modality",
    "stage",
    "clinical_question",
    "local_treatment_plan",
    "no_local_plan_yet",
)

FIELDSETS = [
    (
        None,
        {
            "fields": [
                ("reference", "status_display", "overdue_display"),
                ("urgency", "modality", "opinion_number"),
            ]
        },
    ),
    (
        "Patient and parties",
        {
            "fields": [
                "patient_display",
                ("referring_organization_name", "referring_oncologist_name"),
                ("receiving_center_name", "specialist_name"),
            ]
        },
    ),
    (
        "Clinical question",
        {
            "fields": [
                ("cancer_site", "stage", "diagnosis_date"),
                "diagnosis",
                "reasons_display",
                "clinical_question",
                ("local_treatment_plan", "no_local_plan_yet"),
                "concordance_display",
            ]
        },
    ),
    (
        "Due dates",
        {
            "fields": [
                ("next_due", "triage_due", "records_due", "recommendation_due", "return_due"),
                ("awaiting_information", "information_due"),
            ]
        },
    ),
    (
        "Milestones",
        {
            "classes": ["collapse"],
            "fields": [
                ("submitted_at", "accepted_at", "review_started_at"),
                ("recommendation_issued_at", "returned_at", "monitoring_started_at"),
                ("closed_at", "declined_at", "cancelled_at", "forwarded_at"),
                ("decline_reason_code", "decline_reason"),
                ("cancel_reason_code", "cancel_reason"),
                ("forward_reason", "forwarding_display"),
            ],
        },
    ),
]
SHOWN_FIELDS = [
    name
    for _title, options in FIELDSETS
    for row in options["fields"]
    for name in (row if isinstance(row, tuple) else (row,))
]


@admin.register(Referral)
class ReferralAdmin(WorkColumns, ReferralAddMixin, ServiceBackedAdmin):
    audit_listing = True
    list_display = [
        "reference",
        "patient_masked",
        "cancer_site",
        "receiving_center",
        "specialist",
        "status_display",
        "waiting_on",
        "due_display",
        "urgency_display",
        "overdue_display",
    ]
    list_display_links = ["reference"]
    list_filter = [
        DueFilter,
        AwaitingInformationFilter,
        WhoseTurnFilter,
        StepFilter,
        "status",
        ("receiving_center", DirectoryFilter),
        "cancer_site",
        "urgency",
        ("specialist", DirectoryFilter),
        OpinionFilter,
        ForwardingFilter,
        # Not date_hierarchy: its year links read every visible referral on every page.
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["patient", "receiving_center", "specialist"]
    search_fields = ["reference", "patient__mrn", "patient__family_name", "patient__given_name"]
    search_help_text = "Reference, MRN or patient name."
    list_per_page = 100
    # No exact COUNT of every visible referral on each page (paging.py).
    show_full_result_count = False
    actions = [
        bulk_actions.mark_records_received,
        bulk_actions.send_reminder_now,
        bulk_actions.export_csv,
        companion_actions.issue_patient_link,
        companion_actions.issue_and_email_patient_link,
        companion_actions.revoke_patient_link,
    ]
    fieldsets = FIELDSETS
    inlines = [
        InformationRequestInline,
        RecordItemInline,
        PathologyReviewInline,
        ConsultationInline,
        RecommendationInline,
        ProgressUpdateInline,
        ReferralEventInline,
    ]

    # Visibility: every query starts from the visibility layer (DESIGN §3).

    def get_queryset(self, request):
        # Each row's step and whose turn it is, for this user (columns and filters).
        return with_work_status(referrals_for_workspace(user=request.user), user=request.user)

    def get_search_results(self, request, queryset, search_term):
        return referral_search(queryset, search_term), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # The default order is read slice by slice; a column the user sorts on, in SQL.
        if ORDER_VAR in request.GET:
            return EstimatedCountPaginator(queryset, per_page, orphans, allow_empty_first_page)
        paginator = UrgencyOrderPaginator(queryset, per_page, orphans, allow_empty_first_page)
        if request.GET.get("status__exact") in Referral.Status.values:
            paginator.statuses = [request.GET["status__exact"]]
        return paginator

    def get_ordering(self, request):
        # Most urgent first: overdue, then urgent, then the soonest due.
        return ["-overdue_now", "urgency_rank", F("next_due").asc(nulls_last=True), "-created_at"]

    def has_delete_permission(self, request, obj=None):
        # Never deleted: a referral that should not go on is cancelled, with a reason.
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return bool(page_capabilities(request, obj).relations)

    # Change list columns

    @admin.display(description="Patient", ordering="patient__mrn")
    def patient_masked(self, referral):
        return masked_patient(referral.patient)

    @admin.display(description="Status", ordering="status")
    def status_display(self, referral):
        return status_badge(referral)

    # Change page

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = set(self._editable_fields(request, obj))
        return [name for name in SHOWN_FIELDS if name not in editable]

    def _editable_fields(self, request, obj) -> list[str]:
        # The rulebook's edit_referral fields for this user and state (the service decides
        # again on save).
        if obj is None or not super().has_change_permission(request, obj):
            return []
        editable = page_capabilities(request, obj).editable_fields
        return [name for name in ADMIN_EDITABLE if name in editable]

    @admin.display(description="Patient")
    def patient_display(self, referral):
        patient = referral.patient
        consent = "consents to share records" if patient.consent_to_share_records else "NO consent"
        return (
            f"{patient.given_name} {patient.family_name} · MRN {patient.mrn} · "
            f"born {patient.date_of_birth:%Y-%m-%d} · {consent}"
        )

    @admin.display(description="Referring practice")
    def referring_organization_name(self, referral):
        return referral.referring_organization.name

    @admin.display(description="Referring oncologist")
    def referring_oncologist_name(self, referral):
        return referral.referring_oncologist.display_name

    @admin.display(description="Receiving center")
    def receiving_center_name(self, referral):
        return referral.receiving_center.name

    @admin.display(description="Specialist")
    def specialist_name(self, referral):
        return referral.specialist.display_name if referral.specialist else "Not assigned"

    @admin.display(description="Concordance with the local plan")
    def concordance_display(self, referral):
        recommendation = workflow.recommendation_in_force(referral)
        if recommendation is None:
            return "No recommendation signed yet"
        return recommendation.get_concordance_display()

    @admin.display(description="Forwarding")
    def forwarding_display(self, referral):
        """Where a forwarded referral went, or where this one came from."""
        went = forwarded_to(referral)
        if went is not None:
            return f"Forwarded to {went.receiving_center.name} as {went.reference}"
        previous = referral.previous_referral
        if previous is not None and previous.status == Referral.Status.FORWARDED:
            return f"Forwarded here from {previous.receiving_center.name} ({previous.reference})"
        return "—"

    @admin.display(description="Reasons")
    def reasons_display(self, referral):
        return ", ".join(referral.get_reasons_display())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            if request.method == "GET":
                audit_record(actor=request.user, action="view", obj=obj)
            capabilities = page_capabilities(request, obj)
            options = workflow.actions_available(
                request.user, obj, relations=capabilities.relations
            )
            context["workflow_actions"] = workflow_action_urls(obj, options)
            if "request_pathology_review" in capabilities:
                context["pathology_review_url"] = reverse(
                    "admin:referrals_referral_pathology_review", args=(obj.uuid,)
                )
            context["history_url"] = reverse("admin:referrals_referral_history", args=(obj.uuid,))
            if consult_letter_issued(obj):
                context["letter_url"] = reverse("api:referral-letter", args=(obj.uuid,))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            self.create_referral(request, obj, form)
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if not data:
            return
        try:
            referral_update(actor=request.user, referral=obj, data=data)
        except DomainError as error:
            raise ServiceFormError(error, None) from error

    def save_formset(self, request, form, formset, change):
        # The admin's change message reads these; only the services save rows here.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not hasattr(formset.form, "save_through_service"):
            return
        for row in formset.forms:
            data = row.service_data() if row.has_changed() else {}
            if not data:
                continue
            try:
                saved = row.save_through_service(
                    actor=request.user, referral=formset.instance, data=data
                )
            except DomainError as error:
                raise ServiceFormError(error, row.prefix) from error
            formset.changed_objects.append((saved, sorted(data)))

    def workflow_action(self, request, uuid, action):
        return workflow_action_view(self, request, uuid, action)

    def pathology_review_request(self, request, uuid):
        return pathology_review_request_view(self, request, uuid)

    def get_urls(self):
        workflow_url = path(
            "<uuid:uuid>/workflow/<str:action>/",
            self.admin_site.admin_view(self.workflow_action),
            name="referrals_referral_workflow",
        )
        pathology_url = path(
            "<uuid:uuid>/pathology-review/",
            self.admin_site.admin_view(self.pathology_review_request),
            name="referrals_referral_pathology_review",
        )
        return [workflow_url, pathology_url, *super().get_urls()]
