"""The admin home page's work queue (the admin index template asks for it)."""

from django import template

from referrals.admin.common import masked_patient
from referrals.admin.queries import work_queue

register = template.Library()


@register.simple_tag(takes_context=True)
def coordinator_work_queue(context):
    return work_queue(user=context["request"].user)


register.simple_tag(masked_patient, name="masked_patient")
