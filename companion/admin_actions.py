"""Admin actions on the referral change list: give the patient a link (shown once, in the
message), optionally e-mailed, or revoke it. The services check who may, in which states."""

from django.contrib import admin, messages

from companion import services
from referrals.errors import DomainError


def _issue(modeladmin, request, queryset, *, email: bool) -> None:
    for referral in queryset:
        try:
            issued = services.patient_link_issue(actor=request.user, referral=referral, email=email)
        except DomainError as error:
            modeladmin.message_user(
                request, f"{referral.reference}: {error.detail}", messages.ERROR
            )
            continue
        sent = " It was e-mailed to the patient." if email else ""
        modeladmin.message_user(
            request,
            f"{referral.reference}: the patient's link, shown only this once: {issued.url}{sent}",
            messages.SUCCESS,
        )


@admin.action(description="Give the patient a link to their page", permissions=["view"])
def issue_patient_link(modeladmin, request, queryset):
    _issue(modeladmin, request, queryset, email=False)


@admin.action(description="Give the patient a link and e-mail it", permissions=["view"])
def issue_and_email_patient_link(modeladmin, request, queryset):
    _issue(modeladmin, request, queryset, email=True)


@admin.action(description="Revoke the patient's link", permissions=["view"])
def revoke_patient_link(modeladmin, request, queryset):
    for referral in queryset:
        try:
            revoked = services.patient_link_revoke(actor=request.user, referral=referral)
        except DomainError as error:
            modeladmin.message_user(
                request, f"{referral.reference}: {error.detail}", messages.ERROR
            )
            continue
        said = "link revoked" if revoked else "the patient had no link"
        modeladmin.message_user(request, f"{referral.reference}: {said}.", messages.SUCCESS)
