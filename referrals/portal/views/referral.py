"""The referral page, its workflow buttons, and asking for another opinion."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from referrals import roles, selectors, workflow
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import Referral
from referrals.portal.errors import add_errors_to_form, handles_domain_errors
from referrals.portal.forms.referral import NextOpinionForm, TransitionForm
from referrals.portal.timeline import timeline
from referrals.portal.views.common import (
    form_saved,
    posted,
    recommendation_versions,
    render_form,
    roles_on,
    visible_referral,
)
from referrals.portal.views.records import attach_allowed, record_actions
from referrals.services import clinical
from referrals.services.records import REFERRING_SIDE
from referrals.services.referrals import EDITABLE_FIELDS, referral_request_next_opinion
from referrals.services.workflow import referral_transition

S = Referral.Status
AFTER_RETURN = {S.RETURNED, S.MONITORING, S.CLOSED}
NEXT_OPINION_FIELDS = ("clinical_question", "urgency", "modality")


def may_request_next_opinion(referral: Referral, user_roles: set[str]) -> bool:
    return bool(user_roles & REFERRING_SIDE) and referral.recommendation_issued_at is not None


@login_required
@handles_domain_errors
def referral_detail(request, uuid):
    referral = visible_referral(request, uuid)
    user_roles = roles_on(request, referral)
    in_force, draft, signed_versions = recommendation_versions(referral)
    items = list(referral.record_items.all())
    attachable = attach_allowed(referral, user_roles)
    for item in items:
        item.portal_actions = record_actions(item, referral, user_roles)
        item.attachable = attachable
    actions = workflow.actions_available(request.user, referral, user_roles=user_roles)
    is_specialist = roles.ASSIGNED_SPECIALIST in user_roles
    updates = list(referral.progress_updates.all())
    context = {
        "referral": referral,
        "actions": actions,
        "items": items,
        "reviews": list(referral.pathology_reviews.all()),
        "consultation": getattr(referral, "consultation", None),
        "recommendation": in_force,
        "recommendation_draft": draft if is_specialist else None,
        "previous_versions": signed_versions[1:] if in_force else signed_versions,
        "updates": updates,
        "timeline": timeline(selectors.referral_events(referral=referral)),
        "is_specialist": is_specialist,
        "is_referring": bool(user_roles & REFERRING_SIDE),
        "next_opinion_allowed": may_request_next_opinion(referral, user_roles),
        "can_edit": bool(user_roles & REFERRING_SIDE) and referral.status in EDITABLE_FIELDS,
        "next_opinions": list(referral.next_opinions.all()),
        # What the clinical sections offer; the services check the same states again.
        "consult_editable": is_specialist and referral.status in clinical.REVIEW_STATES,
        "recommendation_writable": is_specialist and referral.status == S.UNDER_REVIEW,
        "recommendation_amendable": is_specialist and referral.status in clinical.AMENDABLE_STATES,
        "updates_shown": referral.status in AFTER_RETURN or bool(updates),
        "updates_open": referral.status in {S.RETURNED, S.MONITORING},
    }
    return render(request, "portal/referral_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def referral_action(request, uuid, action):
    """Perform a workflow action. Actions that need data (a reason) show a form first."""
    referral = visible_referral(request, uuid)
    spec = workflow.get_action(action)
    if spec is None:
        raise Http404("No such action.")
    available = workflow.actions_available(
        request.user, referral, user_roles=roles_on(request, referral)
    )
    if spec not in available and request.method == "GET":
        # Not offered on the referral page now: say so there. A POST goes to the service,
        # which answers exactly why (not permitted, or not from this state).
        raise Conflict(f"You cannot {spec.label.lower()} this referral now.")
    form = TransitionForm(posted(request), action=spec, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            referral_transition(
                referral=referral, actor=request.user, action=action, data=form.service_data()
            )
        except InvalidData as error:
            if not spec.needs:
                # A guard of a one-click action: say what is missing on the referral page.
                messages.error(request, _guard_message(error))
                return redirect("portal:referral-detail", uuid=uuid)
            add_errors_to_form(form, error)
        else:
            messages.success(request, f"{referral.reference}: {spec.label} done.")
            return redirect("portal:referral-detail", uuid=uuid)
    context = {"referral": referral, "action": spec, "form": form}
    return render_form(request, "portal/referral_action.html", context)


def _guard_message(error: InvalidData) -> str:
    problems = [message for messages_ in error.fields.values() for message in messages_]
    if not problems or problems == [error.detail]:
        return error.detail
    return f"{error.detail} {' '.join(problems)}"


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def next_opinion(request, uuid):
    """Ask another center for a third (or later) opinion on a finished referral."""
    referral = visible_referral(request, uuid)
    if not may_request_next_opinion(referral, roles_on(request, referral)):
        raise NotPermitted(
            "Another opinion is requested by the referring side once the recommendation is issued."
        )
    form = NextOpinionForm(posted(request), previous=referral)
    created = []

    def save():
        data = {name: form.cleaned_data[name] for name in NEXT_OPINION_FIELDS}
        created.append(
            referral_request_next_opinion(
                actor=request.user,
                previous=referral,
                receiving_center=form.cleaned_data["receiving_center"],
                data=data,
            )
        )

    if form_saved(request, form, save):
        new = created[0]
        messages.success(
            request,
            f"Draft {new.reference} created for opinion {new.opinion_number}. "
            "Check it and submit it.",
        )
        return redirect("portal:referral-detail", uuid=new.uuid)
    return render_form(request, "portal/next_opinion.html", {"referral": referral, "form": form})
