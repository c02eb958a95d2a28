"""The referral change list and change page of the coordinator workspace."""

import datetime

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR
from django.db.models import F, Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.memberships import organizations_where
from accounts.models import Membership, Organization, User
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
from referrals.admin.inlines import (
    ConsultationInline,
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
from referrals.admin.workflow_views import (
    pathology_review_request_view,
    workflow_action_urls,
    workflow_action_view,
)
from referrals.errors import DomainError
from referrals.models import Referral
from referrals.rules import workflow
from referrals.rules.steps import LATE_STATES
from referrals.selectors import destination_centers, referrals_overdue
from referrals.services.referrals import referral_update


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue"),
            ("this_week", "Due within 7 days"),
            ("on_time", "Not overdue"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return referrals_overdue(queryset, today)
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


# Fields a coordinator may edit on the page, when the referral's state allows it
# (`referral_update` decides); the rest of the referral is shown, not edited, here.
ADMIN_EDITABLE = ("urgency", "modality", "stage", "clinical_question")

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
            ]
        },
    ),
    (
        "Due dates",
        {"fields": [("next_due", "triage_due", "records_due", "recommendation_due", "return_due")]},
    ),
    (
        "Milestones",
        {
            "classes": ["collapse"],
            "fields": [
                ("submitted_at", "accepted_at", "review_started_at"),
                ("recommendation_issued_at", "returned_at", "monitoring_started_at"),
                ("closed_at", "declined_at", "cancelled_at"),
                ("decline_reason", "cancel_reason"),
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
class ReferralAdmin(ReferralAddMixin, ServiceBackedAdmin):
    audit_listing = True
    list_display = [
        "reference",
        "patient_masked",
        "cancer_site",
        "receiving_center",
        "specialist",
        "status_display",
        "next_due",
        "overdue_display",
    ]
    list_display_links = ["reference"]
    list_filter = [
        DueFilter,
        "status",
        ("receiving_center", DirectoryFilter),
        "cancer_site",
        "urgency",
        ("specialist", DirectoryFilter),
        OpinionFilter,
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
        RecordItemInline,
        PathologyReviewInline,
        ConsultationInline,
        RecommendationInline,
        ProgressUpdateInline,
        ReferralEventInline,
    ]

    # Visibility: every query starts from the visibility layer (DESIGN §3).

    def get_queryset(self, request):
        return referrals_for_workspace(user=request.user)

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

    @admin.display(description="Overdue", ordering="overdue_now")
    def overdue_display(self, referral):
        if not referral.overdue_now:
            return ""
        return format_html('<span class="overdue-flag">{}</span>', "Overdue")

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
