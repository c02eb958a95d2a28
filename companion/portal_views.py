"""The clinicians' side of the companion page, in the portal: give or revoke the patient's
link; the assigned specialist answers the patient's questions. The services check the rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from companion import services
from companion.models import PatientQuestion
from referrals.portal.errors import handles_domain_errors
from referrals.portal.views.common import visible_referral


@never_cache
@login_required
@require_POST
@handles_domain_errors
def link_issue(request, uuid):
    """Issue the link and show it once (it is not stored: this page is the only copy)."""
    referral = visible_referral(request, uuid)
    emailed = request.POST.get("email") == "1"
    issued = services.patient_link_issue(actor=request.user, referral=referral, email=emailed)
    context = {
        "referral": referral,
        "url": issued.url,
        "expires_at": issued.expires_at,
        "emailed": emailed,
    }
    return render(request, "companion/portal_link_issued.html", context)


@login_required
@require_POST
@handles_domain_errors
def link_revoke(request, uuid):
    referral = visible_referral(request, uuid)
    revoked = services.patient_link_revoke(actor=request.user, referral=referral)
    if revoked:
        messages.success(request, "The patient's link is revoked: it shows nothing any more.")
    else:
        messages.info(request, "The patient had no link to revoke.")
    return redirect("portal:referral-detail", uuid=uuid)


@login_required
@require_POST
@handles_domain_errors
def question_answer(request, uuid, question_uuid):
    referral = visible_referral(request, uuid)
    question = get_object_or_404(PatientQuestion, referral=referral, uuid=question_uuid)
    services.patient_question_answer(
        actor=request.user, question=question, answer=request.POST.get("answer", "")
    )
    messages.success(request, "Answer saved. The patient sees it once the opinion is returned.")
    return redirect("portal:referral-detail", uuid=uuid)
