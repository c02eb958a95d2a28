"""The referring oncologist's guided form for a new referral, and editing it later."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from accounts.memberships import organizations_where
from accounts.models import Membership
from audit.services import audit_record
from referrals.errors import InvalidData, NotPermitted
from referrals.portal.errors import handles_domain_errors
from referrals.portal.forms.referral import ReferralCreateForm, ReferralEditForm
from referrals.portal.views.common import (
    form_saved,
    page_capabilities,
    posted,
    render_form,
    require_capability,
    visible_referral,
)
from referrals.rules import workflow
from referrals.services.referrals import (
    patient_create,
    patient_update,
    referral_create,
    referral_update,
)
from referrals.services.workflow import referral_transition

Role = Membership.Role


def _field_names(form: ReferralCreateForm, error: InvalidData) -> dict[str, str | None]:
    """Service field -> the form field that collects it."""
    names = {"record_items": None}
    if error.extra.get("duplicate"):
        # The patient already has an open referral to that center.
        new = form.cleaned_data["patient_choice"] == "new"
        names["patient"] = None if new else "existing_mrn"
    else:
        # The submit guard names the patient when consent to share records is missing.
        names["patient"] = "consent_to_share_records"
    return names


def _save(form: ReferralCreateForm, user, submit: bool):
    """Patient, draft and (when asked) submission in one transaction: when a later step
    fails, a new patient or the draft saved before it is undone too (the form keeps them)."""
    with transaction.atomic():
        if form.cleaned_data["patient_choice"] == "new":
            patient = patient_create(
                actor=user, organization=form.chosen_practice(), data=form.new_patient_data()
            )
        else:
            patient = form.cleaned_data["existing_patient"]
            audit_record(actor=user, action="view", obj=patient)
            if form.consent_data():
                patient = patient_update(actor=user, patient=patient, data=form.consent_data())
        referral = referral_create(
            actor=user,
            patient=patient,
            receiving_center=form.cleaned_data["receiving_center"],
            data=form.referral_data(),
            record_items=form.record_items(),
        )
        if submit:
            referral = referral_transition(referral=referral, actor=user, action="submit")
    return referral


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def referral_create_view(request):
    if not organizations_where(request.user, Role.REFERRING_ONCOLOGIST):
        raise NotPermitted("Referrals are created by referring oncologists.")
    form = ReferralCreateForm(posted(request), user=request.user)
    submit = "submit" in request.POST
    saved = []

    def save():
        saved.append(_save(form, request.user, submit))

    if form_saved(request, form, save, field_names=lambda error: _field_names(form, error)):
        state = "submitted" if submit else "saved as a draft"
        messages.success(request, f"Referral {saved[0].reference} {state}.")
        return redirect("portal:referral-detail", uuid=saved[0].uuid)
    return render_form(request, "portal/referral_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def referral_edit(request, uuid):
    """The referring side corrects a draft (or what a submitted referral still allows)."""
    referral = visible_referral(request, uuid)
    editable = require_capability(request, referral, "edit_referral").editable_fields
    form = ReferralEditForm(posted(request), referral=referral, editable=editable)
    # "Save and submit" where submitting is this user's action now (its guard may be met by
    # this very form, e.g. the consent ticked here).
    relations = page_capabilities(request, referral).relations
    submit = "submit" in request.POST and any(
        option.name == "submit"
        for option in workflow.actions_available(request.user, referral, relations=relations)
    )

    @transaction.atomic
    def save():
        if form.consent_data():
            patient_update(actor=request.user, patient=referral.patient, data=form.consent_data())
        if form.referral_changes():
            referral_update(actor=request.user, referral=referral, data=form.referral_changes())
        if submit:
            referral_transition(referral=referral, actor=request.user, action="submit")

    field_names = {"patient": "consent_to_share_records", "record_items": None}
    if form_saved(request, form, save, field_names=field_names):
        messages.success(request, "Referral submitted." if submit else "Changes saved.")
        return redirect("portal:referral-detail", uuid=uuid)
    return render_form(request, "portal/referral_edit.html", {"referral": referral, "form": form})
