"""The admin home page's work queue (the admin index template asks for it)."""

from django import template

from audit.services import audit_listed
from referrals.admin.common import masked_patient
from referrals.admin.queries import work_queue

register = template.Library()


@register.simple_tag(takes_context=True)
def coordinator_work_queue(context):
    """The queue, with the referrals its lists show audited as listed (they name patients)."""
    user = context["request"].user
    queue = work_queue(user=user)
    shown = {
        referral.pk: referral
        for referral in queue["late"] + queue["late_elsewhere"] + queue["due_this_week"]
    }
    audit_listed(actor=user, objects=shown.values(), detail="admin home work queue")
    return queue


register.simple_tag(masked_patient, name="masked_patient")
