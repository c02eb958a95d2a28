"""Patients of the practices where the user coordinates or refers; changes go through services."""

from django import forms
from django.contrib import admin
from django.db.models import Count

from accounts.memberships import organizations_where
from accounts.models import Membership, Organization
from audit.services import audit_record
from referrals.admin.common import ServiceBackedAdmin, ServiceErrorFormMixin, ServiceFormError
from referrals.errors import DomainError
from referrals.models import Patient
from referrals.selectors import patients_visible_to
from referrals.services.referrals import PATIENT_FIELDS, patient_create, patient_update


class PatientForm(ServiceErrorFormMixin, forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["organization", *sorted(PATIENT_FIELDS)]


@admin.register(Patient)
class PatientAdmin(ServiceBackedAdmin):
    form = PatientForm
    audit_listing = True
    list_display = ["mrn", "family_name", "given_name", "organization", "referral_count"]
    search_fields = ["mrn", "family_name", "given_name"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organization"]
    ordering = ["family_name", "given_name", "mrn"]
    fieldsets = [
        (None, {"fields": ["organization", "mrn", ("given_name", "family_name")]}),
        (
            "Person",
            {"fields": [("date_of_birth", "sex", "preferred_language"), ("phone", "email")]},
        ),
        (
            "Consent and support",
            {
                "fields": [
                    ("consent_to_share_records", "consent_to_record_consult"),
                    ("support_person_name", "support_person_relation"),
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        patients = patients_visible_to(user=request.user)
        return patients.annotate(referral_total=Count("referrals")).order_by(*self.ordering)

    @admin.display(description="Referrals", ordering="referral_total")
    def referral_count(self, patient):
        return patient.referral_total

    def get_readonly_fields(self, request, obj=None):
        # The MRN's organization is fixed once the patient exists.
        return ["organization"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.is_superuser:
            kwargs["queryset"] = Organization.objects.filter(
                pk__in=organizations_where(
                    request.user,
                    Membership.Role.COORDINATOR,
                    Membership.Role.REFERRING_ONCOLOGIST,
                )
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # A patient with referrals is kept (the referrals protect it); the button is hidden.
        if obj is not None and obj.referrals.exists():
            return False
        return super().has_delete_permission(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            audit_record(actor=request.user, action="view", obj=obj)
            if obj.referrals.exists():
                context["delete_blocked_reason"] = (
                    "This patient has referrals and cannot be deleted."
                )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in (form.changed_data if change else form.cleaned_data)
            if name in PATIENT_FIELDS
        }
        try:
            if change:
                saved = patient_update(actor=request.user, patient=obj, data=data)
            else:
                saved = patient_create(
                    actor=request.user, organization=form.cleaned_data["organization"], data=data
                )
        except DomainError as error:
            raise ServiceFormError(error, None) from error
        # The admin's messages and log entry refer to the saved row.
        obj.pk, obj.uuid = saved.pk, saved.uuid
