"""The workflow buttons of a referral's change page and the admin view each one runs.

The buttons come from `workflow.actions_available` (what this user may do now); the view
runs the one workflow service and maps its errors to form errors or messages.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from audit.denials import note_denied
from referrals.action_fields import action_need_fields
from referrals.admin.common import (
    add_domain_error,
    admin_change_url,
    backdate_reason_field,
    occurred_at_field,
    page_capabilities,
)
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.rules import workflow
from referrals.selectors import pathologists_of
from referrals.services.clinical import pathology_review_request
from referrals.services.workflow import referral_transition


class WorkflowActionForm(forms.Form):
    """The data one workflow action needs, plus an optional note and back-dating."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    occurred_at = occurred_at_field()
    backdate_reason = backdate_reason_field()

    def __init__(self, *args, action: workflow.Action, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields.update(action_need_fields(action, referral))
        # The action's own data first.
        self.order_fields(
            list(dict.fromkeys([*action.needs, "note"])) + ["occurred_at", "backdate_reason"]
        )

    def transition_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}


def workflow_action_urls(referral, options: list[workflow.ActionOption]) -> list[dict]:
    """Each action of the user in this state: a button, or what it still waits for."""
    return [
        {
            "name": option.name,
            "label": option.label,
            "waiting_for": option.waiting_for,
            "needs_form": bool(option.action.needs),
            "destructive": option.action.destructive,
            # Asked on a page of its own first (as destructive ones are), never in one click.
            "confirm": option.action.confirm,
            "url": reverse("admin:referrals_referral_workflow", args=(referral.uuid, option.name)),
        }
        for option in options
    ]


def _form_page(model_admin, request, referral, *, label: str, form, perform, question=""):
    """Show `form`; on a valid POST run `perform(form)` (one service call) and go back.

    `perform` returns the success message. The service's refusals: missing or invalid data
    stays on the form; "not yours" or "not from this state" goes back with a message.
    """
    change_url = admin_change_url(referral)
    if request.method == "POST" and form.is_valid():
        try:
            done = perform(form)
        except (NotPermitted, Conflict) as error:
            if isinstance(error, NotPermitted):
                note_denied(request, reason=error.detail)
            messages.error(request, error.detail)
            return redirect(change_url)
        except InvalidData as error:
            add_domain_error(form, error)
        else:
            messages.success(request, done)
            return redirect(change_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{label} {referral.reference}",
        "referral": referral,
        "label": label,
        "question": question,
        "form": form,
        "change_url": change_url,
    }
    return TemplateResponse(request, "admin/referrals/referral/workflow_action.html", context)


def visible_referral(model_admin, request, uuid):
    """The referral if the user may see it (a hidden one's refusal is audited), else 404."""
    referral = model_admin.get_object(request, uuid)
    if referral is None:
        raise Http404("No such referral.")
    return referral


def _posted(request):
    return request.POST if request.method == "POST" else None


def workflow_action_view(model_admin, request, uuid, action):
    referral = visible_referral(model_admin, request, uuid)
    relations = page_capabilities(request, referral).relations
    options = workflow.actions_available(request.user, referral, relations=relations)
    allowed = {option.name: option.action for option in options}
    spec = allowed.get(action)
    if spec is None:
        requested = workflow.get_action(action)
        if requested and not workflow.may_perform(relations, requested):
            note_denied(request, reason=f"action {action} not permitted")
        messages.error(request, f"That action is not available for {referral.reference} now.")
        return redirect(admin_change_url(referral))

    def perform(form) -> str:
        moved = referral_transition(
            referral=referral, actor=request.user, action=spec.name, data=form.transition_data()
        )
        done = f"{moved.reference}: {spec.done}"
        if moved.specialist_id and "specialist" in spec.needs:
            done += f" Assigned to {moved.specialist.display_name}."
        return done

    form = WorkflowActionForm(_posted(request), action=spec, referral=referral)
    return _form_page(
        model_admin,
        request,
        referral,
        label=spec.label,
        form=form,
        perform=perform,
        question=spec.confirm,
    )


class PathologyReviewRequestForm(forms.Form):
    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pathologist"] = forms.ModelChoiceField(
            queryset=pathologists_of(referral.receiving_center).order_by("full_name"),
            empty_label="Choose the pathologist…",
            help_text="Pathologists of the receiving center.",
        )


def pathology_review_request_view(model_admin, request, uuid):
    referral = visible_referral(model_admin, request, uuid)
    if "request_pathology_review" not in page_capabilities(request, referral):
        messages.error(request, f"A pathology review cannot be requested for {referral} now.")
        return redirect(admin_change_url(referral))

    def perform(form) -> str:
        review = pathology_review_request(
            actor=request.user, referral=referral, pathologist=form.cleaned_data["pathologist"]
        )
        return f"{referral.reference}: pathology review requested from {review.pathologist}."

    form = PathologyReviewRequestForm(_posted(request), referral=referral)
    label = "Request pathology review"
    return _form_page(model_admin, request, referral, label=label, form=form, perform=perform)
