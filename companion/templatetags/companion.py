"""The referral page's "Patient's page" panel: the link (issue, revoke) and the patient's
questions (the assigned specialist answers them). Offers exactly what the rulebook grants."""

from django import template

from companion.selectors import active_patient_link, patient_link_expires_at, patient_questions
from referrals.portal.views.common import page_capabilities

register = template.Library()


@register.inclusion_tag("companion/portal_panel.html", takes_context=True)
def companion_panel(context, referral):
    request = context["request"]
    capabilities = page_capabilities(request, referral)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "referral": referral,
        "patient": referral.patient,
        "link": active_patient_link(referral=referral),
        "expires_at": patient_link_expires_at(referral),
        "questions": patient_questions(referral=referral),
        "can_issue": "issue_patient_link" in capabilities,
        "can_revoke": "revoke_patient_link" in capabilities,
        "can_answer": "answer_patient_question" in capabilities,
    }
