"""The expert side's forms: pathology re-review, consult, recommendation; progress updates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from referrals.errors import InvalidData, NotPermitted
from referrals.portal.errors import handles_domain_errors
from referrals.portal.forms.clinical import (
    ConsultationForm,
    PathologyReviewForm,
    ProgressUpdateForm,
    RecommendationForm,
    ReplyForm,
)
from referrals.portal.views.common import (
    form_saved,
    page_capabilities,
    posted,
    recommendation_versions,
    render_form,
    require_capability,
    visible_referral,
)
from referrals.services import clinical


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def pathology_review(request, uuid, review_uuid):
    """The named pathologist fills in the re-review, saves it, and signs it off."""
    referral = visible_referral(request, uuid)
    review = referral.pathology_reviews.get(uuid=review_uuid)
    editable = (
        review.pathologist_id == request.user.pk
        and not review.is_signed
        and "fill_pathology_review" in page_capabilities(request, referral)
    )
    if request.method == "POST" and not editable:
        raise NotPermitted("Only the pathologist named on the review fills it in.")
    form = PathologyReviewForm(posted(request), initial=PathologyReviewForm.initial_from(review))
    sign = "sign" in request.POST

    def save():
        clinical.pathology_review_update(
            actor=request.user, review=review, data=form.cleaned_data, sign=sign
        )

    if form_saved(request, form, save):
        messages.success(request, "Pathology review signed." if sign else "Pathology review saved.")
        return redirect("portal:referral-detail", uuid=uuid)
    context = {"referral": referral, "review": review, "form": form, "editable": editable}
    return render_form(request, "portal/pathology_review.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def consultation(request, uuid):
    """The assigned specialist schedules or records the consult."""
    referral = visible_referral(request, uuid)
    require_capability(request, referral, "arrange_consult")
    current = getattr(referral, "consultation", None)
    initial = {"modality": referral.modality}
    if current is not None:
        initial = {name: getattr(current, name) for name in ConsultationForm.base_fields}
    form = ConsultationForm(posted(request), initial=initial)

    def save():
        clinical.consultation_save(actor=request.user, referral=referral, data=form.cleaned_data)

    if form_saved(request, form, save):
        messages.success(request, "Consultation saved.")
        return redirect("portal:referral-detail", uuid=uuid)
    return render_form(request, "portal/consultation.html", {"referral": referral, "form": form})


def _specialist_versions(request, referral):
    """(in force, draft) recommendation versions, for the assigned specialist only."""
    require_capability(request, referral, "write_recommendation", "amend_recommendation")
    in_force, draft, _signed = recommendation_versions(request, referral)
    return in_force, draft


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def recommendation_edit(request, uuid):
    """Write the recommendation (or an amendment of the signed one), then preview it."""
    referral = visible_referral(request, uuid)
    in_force, draft = _specialist_versions(request, referral)
    amending = in_force is not None
    form = RecommendationForm(
        posted(request),
        initial=RecommendationForm.initial_from(draft or in_force),
        amending=amending,
    )

    def save():
        clinical.recommendation_save(
            actor=request.user, referral=referral, data=form.service_data()
        )

    if form_saved(request, form, save):
        return redirect("portal:recommendation-preview", uuid=uuid)
    context = {"referral": referral, "form": form, "amending": amending, "in_force": in_force}
    return render_form(request, "portal/recommendation_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def recommendation_preview(request, uuid):
    """Show the saved draft as the referring oncologist will read it; sign it from here."""
    referral = visible_referral(request, uuid)
    in_force, draft = _specialist_versions(request, referral)
    if draft is None:
        messages.info(request, "There is no draft recommendation to sign.")
        return redirect("portal:referral-detail", uuid=uuid)
    if request.method == "POST":
        try:
            clinical.recommendation_save(actor=request.user, referral=referral, data={}, sign=True)
        except InvalidData as error:
            messages.error(request, error.detail)
            return redirect("portal:recommendation-edit", uuid=uuid)
        messages.success(request, f"Recommendation version {draft.version} signed.")
        return redirect("portal:referral-detail", uuid=uuid)
    return render(
        request,
        "portal/recommendation_preview.html",
        {"referral": referral, "recommendation": draft, "in_force": in_force},
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def progress_update_new(request, uuid):
    referral = visible_referral(request, uuid)
    require_capability(request, referral, "post_progress_update")
    form = ProgressUpdateForm(posted(request))

    def save():
        clinical.progress_update_create(
            actor=request.user, referral=referral, data=form.cleaned_data
        )

    if form_saved(request, form, save):
        messages.success(request, "Progress update posted.")
        return redirect("portal:referral-detail", uuid=uuid)
    context = {"referral": referral, "form": form}
    return render_form(request, "portal/progress_update_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def progress_update_reply(request, uuid, update_uuid):
    referral = visible_referral(request, uuid)
    require_capability(request, referral, "reply_to_update")
    update = referral.progress_updates.get(uuid=update_uuid)
    form = ReplyForm(posted(request))

    def save():
        clinical.progress_update_reply(
            actor=request.user, update=update, advice=form.cleaned_data["advice"]
        )

    if form_saved(request, form, save):
        messages.success(request, "Reply sent.")
        return redirect("portal:referral-detail", uuid=uuid)
    context = {"referral": referral, "update": update, "form": form}
    return render_form(request, "portal/progress_update_reply.html", context)
