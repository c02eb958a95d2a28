"""The referral page, its workflow buttons, and asking for another opinion."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from referrals import selectors
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.portal.errors import add_errors_to_form, handles_domain_errors
from referrals.portal.forms.referral import NextOpinionForm, TransitionForm
from referrals.portal.timeline import timeline
from referrals.portal.views.common import (
    form_saved,
    page_capabilities,
    posted,
    recommendation_versions,
    render_form,
    require_capability,
    visible_referral,
)
from referrals.portal.views.records import record_actions
from referrals.rules import relations as rel
from referrals.rules import workflow
from referrals.rules.states import AFTER_RETURN, OPEN_STATES
from referrals.rules.visibility import consult_letter_issued
from referrals.selectors import is_overdue
from referrals.services import information
from referrals.services.referrals import referral_request_next_opinion
from referrals.services.workflow import referral_transition

NEXT_OPINION_FIELDS = ("clinical_question", "urgency", "modality")


@login_required
@handles_domain_errors
def referral_detail(request, uuid):
    referral = visible_referral(request, uuid)
    capabilities = page_capabilities(request, referral)
    can = {name: True for name in capabilities.names}
    in_force, draft, signed_versions = recommendation_versions(request, referral)
    items = list(referral.record_items.all())
    for item in items:
        item.portal_actions = record_actions(item, capabilities)
        item.attachable = "attach_file" in capabilities
    options = workflow.actions_available(request.user, referral, relations=capabilities.relations)
    updates = list(referral.progress_updates.all())
    writes = "write_recommendation" in capabilities or "amend_recommendation" in capabilities
    next_opinions = list(referral.next_opinions.select_related("receiving_center"))
    context = {
        "referral": referral,
        "is_open": referral.status in OPEN_STATES,
        "is_overdue": is_overdue(referral),
        "actions": options,
        "can": can,
        "items": items,
        "reviews": list(referral.pathology_reviews.all()),
        "consultation": getattr(referral, "consultation", None),
        "recommendation": in_force,
        "recommendation_draft": draft,
        "previous_versions": signed_versions[1:] if in_force else signed_versions,
        "updates": updates,
        "timeline": timeline(selectors.referral_events(referral=referral)),
        "information_requests": list(selectors.information_requests_of(referral=referral)),
        "writes_recommendation": writes or draft is not None,
        "next_opinions": next_opinions,
        # The first center of a forwarded referral does not see the one it became.
        "forwarded_copy_visible": bool(next_opinions)
        and selectors.referrals_visible_to(user=request.user)
        .filter(pk=next_opinions[0].pk)
        .exists(),
        "updates_shown": referral.status in AFTER_RETURN or bool(updates),
        "letter_url": reverse("api:referral-letter", args=(referral.uuid,))
        if consult_letter_issued(referral)
        else "",
        # What the referring oncologist came back for: the opinion, at the top of the page.
        "recommendation_first": in_force is not None
        and rel.REFERRING_ONCOLOGIST in capabilities.relations,
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
    relations = page_capabilities(request, referral).relations
    available = workflow.actions_offered(request.user, referral, relations=relations)
    if spec not in available and request.method == "GET":
        # Not offered on the referral page now: say so there. A POST goes to the service,
        # which answers exactly why (not permitted, or not from this state).
        raise Conflict(f"“{spec.label}” is not possible on this referral now.")
    if not workflow.may_perform(relations, spec):
        # Not yours: refused before any data is read (a form error would say more).
        raise NotPermitted(f"“{spec.label}” is not an action you may take on this referral.")
    files = request.FILES if request.method == "POST" else None
    form = TransitionForm(posted(request), files, action=spec, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            if action == "provide_information":
                # The answer, with a new record item and its file when given, in one step.
                data = form.cleaned_data
                information.information_provide(
                    referral=referral,
                    actor=request.user,
                    note=data["note"],
                    record_kind=data["record_kind"],
                    record_description=data["record_description"],
                    uploaded_file=data["file"],
                )
            else:
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
            messages.success(request, f"{referral.reference}: {spec.done}")
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
    require_capability(request, referral, "request_next_opinion")
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
