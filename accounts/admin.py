from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.memberships import memberships_of, organizations_where
from accounts.models import IntakeRule, Membership, Organization, User
from referrals.admin.audited import AuditedAdmin
from referrals.admin.common import UUIDAddressedAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_staff", "is_superuser", "is_active", "memberships__role"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "title", "reminder_delivery"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


def coordinators_of(organization: Organization):
    return User.objects.filter(
        memberships__organization=organization,
        memberships__role=Membership.Role.COORDINATOR,
        is_active=True,
    ).distinct()


class IntakeRuleInline(admin.TabularInline):
    """The cancer sites the center accepts; none listed means every site."""

    model = IntakeRule
    extra = 0
    verbose_name = "accepted cancer site"
    verbose_name_plural = "Intake rules: accepted cancer sites (none listed: every site)"


# Reference data from the NCI list: administrators keep it; coordinators keep their contact
# details, lead coordinator and intake rules.
DIRECTORY_FIELDS = [
    "name",
    "kind",
    "nci_designation",
    "parent_institution",
    "city",
    "state",
    "website",
    "designation_as_of",
    "designation_source",
    "is_active",
]


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organization
        # `website` is declared above (with the scheme Django 6 will assume).
        fields = [
            *(name for name in DIRECTORY_FIELDS if name != "website"),
            "contact_email",
            "contact_phone",
            "lead_coordinator",
        ]

    def clean_lead_coordinator(self):
        lead = self.cleaned_data.get("lead_coordinator")
        nothing_to_check = lead is None or not self.instance.pk
        if not nothing_to_check and not coordinators_of(self.instance).filter(pk=lead.pk).exists():
            raise forms.ValidationError("Choose a coordinator of this organization.")
        return lead


DIRECTORY_LIST_COLUMNS = ["name", "kind", "nci_designation", "city", "state"]


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin, UUIDAddressedAdmin):
    form = OrganizationForm
    list_display = [*DIRECTORY_LIST_COLUMNS, "lead_coordinator"]
    list_filter = ["kind", "nci_designation", "state"]
    search_fields = ["name", "parent_institution", "city"]
    list_select_related = ["lead_coordinator"]
    inlines = [IntakeRuleInline]
    fieldsets = [
        (None, {"fields": DIRECTORY_FIELDS}),
        ("Contact", {"fields": ["contact_email", "contact_phone", "lead_coordinator"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else DIRECTORY_FIELDS

    # Who leads another organization's coordination is that organization's business: the
    # directory shows it to administrators and to the organization's own members only.
    def get_list_display(self, request):
        user = request.user

        @admin.display(description="lead coordinator")
        def lead_coordinator(obj):
            if obj.lead_coordinator is None or not self._is_own(user, obj):
                return "—"
            return str(obj.lead_coordinator)

        return [*DIRECTORY_LIST_COLUMNS, lead_coordinator]

    @staticmethod
    def _is_own(user, obj) -> bool:
        own = {membership.organization_id for membership in memberships_of(user)}
        return user.is_superuser or obj.pk in own

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self._is_own(request.user, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "lead_coordinator"]})
            for name, options in fieldsets
        ]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or request.user.is_superuser or not allowed:
            return allowed
        return obj.pk in organizations_where(request.user, Membership.Role.COORDINATOR)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "lead_coordinator" in form.base_fields:
            candidates = coordinators_of(obj) if obj is not None else User.objects.none()
            form.base_fields["lead_coordinator"].queryset = candidates
        return form


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "subspecialties"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]
