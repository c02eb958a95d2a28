"""Opening a referral from the admin, for the referring side, through `referral_create`.

A patient who already has an open referral to the center is refused by the service; the
form says so and links to the open referral.
"""

from django import forms
from django.urls import reverse
from django.utils.html import format_html

from accounts.memberships import organizations_where
from accounts.models import Membership, Organization, User
from referrals.admin.common import ServiceErrorFormMixin, ServiceFormError
from referrals.errors import DomainError
from referrals.form_fields import CenterChoiceField
from referrals.models import Referral
from referrals.selectors import destination_centers_platform_first, patients_visible_to
from referrals.services.referrals import CLINICAL_FIELDS, referral_create

Role = Membership.Role

PARTIES = ["patient", "receiving_center", "referring_oncologist"]
ADD_FIELDSETS = [
    ("Patient and destination", {"fields": PARTIES}),
    (
        "Clinical question",
        {
            "fields": [
                ("cancer_site", "stage", "diagnosis_date"),
                "diagnosis",
                "reasons",
                "clinical_question",
                ("local_treatment_plan", "no_local_plan_yet"),
                ("initiated_by", "urgency", "modality"),
            ]
        },
    ),
]


class ReferralAddForm(ServiceErrorFormMixin, forms.ModelForm):
    reasons = forms.MultipleChoiceField(
        choices=Referral.Reason.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Referral
        fields = [*PARTIES, *sorted(CLINICAL_FIELDS - {"reasons"})]

    def clean(self):
        failure = self.pending_service_error
        existing = failure.error.extra.get("existing_referral") if failure else None
        if not existing:
            return super().clean()
        # Shown here with a link to the open referral, instead of as plain text.
        self.pending_service_error = None
        cleaned_data = super().clean()
        url = reverse("admin:referrals_referral_change", args=(existing,))
        self.add_error(
            "patient",
            format_html(
                'This patient already has an open referral to this center: <a href="{}">{}</a>.',
                url,
                failure.error.extra.get("existing_reference", existing),
            ),
        )
        return cleaned_data


def referring_organizations(user: User) -> set[int]:
    return organizations_where(user, Role.COORDINATOR, Role.REFERRING_ONCOLOGIST) & set(
        Organization.objects.filter(kind=Organization.Kind.COMMUNITY).values_list("pk", flat=True)
    )


class ReferralAddMixin:
    """The add page of the referral admin: its own form, fields and service call.

    The patient is searched for (name or MRN), not picked from a list of every patient.
    """

    autocomplete_fields = ["patient"]

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        return request.user.is_superuser or bool(referring_organizations(request.user))

    def get_fieldsets(self, request, obj=None):
        return ADD_FIELDSETS if obj is None else super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ReferralAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_inline_instances(self, request, obj=None):
        # The service opens the default checklist; the parts come once the referral exists.
        return [] if obj is None else super().get_inline_instances(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "patient":
            kwargs["queryset"] = patients_visible_to(user=user).select_related("organization")
        elif db_field.name == "receiving_center":
            kwargs["queryset"] = destination_centers_platform_first()
            kwargs["form_class"] = CenterChoiceField
        elif db_field.name == "referring_oncologist":
            organizations = (
                Organization.objects.filter(kind=Organization.Kind.COMMUNITY).values("pk")
                if user.is_superuser
                else list(referring_organizations(user))
            )
            kwargs["queryset"] = User.objects.filter(
                memberships__role=Role.REFERRING_ONCOLOGIST,
                memberships__organization__in=organizations,
                is_active=True,
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def create_referral(self, request, obj, form) -> None:
        cleaned = form.cleaned_data
        try:
            created = referral_create(
                actor=request.user,
                patient=cleaned["patient"],
                receiving_center=cleaned["receiving_center"],
                referring_oncologist=cleaned["referring_oncologist"],
                data={name: cleaned[name] for name in CLINICAL_FIELDS},
            )
        except DomainError as error:
            raise ServiceFormError(error, None) from error
        # The admin's message, log entry and redirect refer to the saved referral.
        obj.pk, obj.uuid, obj.reference = created.pk, created.uuid, created.reference
