"""The workflow buttons of a referral's change page and the admin view each one runs.

The buttons come from `workflow.actions_available` (what this user may do now); the view
runs the one workflow service and maps its errors to form errors or messages.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from referrals import workflow
from referrals.admin.common import (
    add_domain_error,
    admin_change_url,
    backdate_reason_field,
    occurred_at_field,
)
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.selectors import specialists_of
from referrals.services.workflow import referral_transition


class WorkflowActionForm(forms.Form):
    """The data one workflow action needs, plus an optional note and back-dating."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    occurred_at = occurred_at_field()
    backdate_reason = backdate_reason_field()

    def __init__(self, *args, action: workflow.Action, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        if "specialist" in action.needs:
            self.fields["specialist"] = forms.ModelChoiceField(
                queryset=specialists_of(referral.receiving_center).order_by("full_name"),
                empty_label="Choose the specialist…",
                help_text="Specialists of the receiving center.",
            )
        if "reason" in action.needs:
            self.fields["reason"] = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
        # The action's own data first.
        self.order_fields([*action.needs, "note", "occurred_at", "backdate_reason"])

    def transition_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}


def workflow_action_urls(referral, actions) -> list[dict]:
    return [
        {
            "name": action.name,
            "label": action.label,
            "needs_form": bool(action.needs),
            "destructive": action.destructive,
            "url": reverse("admin:referrals_referral_workflow", args=(referral.uuid, action.name)),
        }
        for action in actions
    ]


def workflow_action_view(model_admin, request, uuid, action):
    referral = get_object_or_404(model_admin.get_queryset(request), uuid=uuid)
    change_url = admin_change_url(referral)
    allowed = {spec.name: spec for spec in workflow.actions_available(request.user, referral)}
    spec = allowed.get(action)
    if spec is None:
        messages.error(request, f"That action is not available for {referral.reference} now.")
        return redirect(change_url)
    form = WorkflowActionForm(
        request.POST if request.method == "POST" else None, action=spec, referral=referral
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = referral_transition(
                referral=referral,
                actor=request.user,
                action=spec.name,
                data=form.transition_data(),
            )
        except (NotPermitted, Conflict) as error:
            messages.error(request, error.detail)
            return redirect(change_url)
        except InvalidData as error:
            add_domain_error(form, error)
        else:
            state = referral.get_status_display().lower()
            done = f"{referral.reference}: {spec.label.lower()} done. Now {state}"
            if referral.specialist_id and "specialist" in spec.needs:
                done += f", assigned to {referral.specialist.display_name}"
            messages.success(request, f"{done}.")
            return redirect(change_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{spec.label} {referral.reference}",
        "referral": referral,
        "action": spec,
        "form": form,
        "change_url": change_url,
    }
    return TemplateResponse(request, "admin/referrals/referral/workflow_action.html", context)
