"""The record checklist: marking items sent, received and returned; attaching and reading files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from audit.denials import note_if_hidden
from audit.services import audit_record
from referrals import selectors
from referrals.models import RecordAttachment, RecordItem
from referrals.portal.errors import handles_domain_errors
from referrals.portal.forms.referral import AttachmentForm, RecordShipmentForm
from referrals.portal.views.common import form_saved, posted, render_form, visible_referral
from referrals.rules.capabilities import Capabilities
from referrals.services.records import attachment_add, record_item_change

Status = RecordItem.Status
# The status changes the portal offers; waiving is the coordinators' work in the admin.
ACTION_LABELS = {
    Status.SENT: "Mark sent",
    Status.RECEIVED: "Mark received",
    Status.RETURNED: "Mark returned",
}


def record_actions(item: RecordItem, capabilities: Capabilities) -> list[dict]:
    """The status changes this user may make to this item now, as the rulebook grants them."""
    return [
        {"status": target, "label": ACTION_LABELS[target]}
        for target in capabilities.record_status_changes(item)
        if target in ACTION_LABELS
    ]


@login_required
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def record_status(request, uuid, item_uuid, status):
    """Mark an item sent, received or returned, with carrier and tracking number."""
    if status not in ACTION_LABELS:
        raise Http404("No such change.")
    referral = visible_referral(request, uuid)
    item = referral.record_items.get(uuid=item_uuid)
    form = RecordShipmentForm(posted(request), initial=_shipment_initial(item))

    def save():
        record_item_change(actor=request.user, item=item, data=form.service_data(status))

    if form_saved(request, form, save):
        messages.success(request, f"{item.get_kind_display()}: {Status(status).label.lower()}.")
        return redirect("portal:referral-detail", uuid=uuid)
    context = {
        "referral": referral,
        "item": item,
        "form": form,
        "status": status,
        "label": ACTION_LABELS[status],
    }
    return render_form(request, "portal/record_status.html", context)


def _shipment_initial(item: RecordItem) -> dict:
    return {"specimen_identifiers": item.specimen_identifiers}


@login_required
@require_POST
@handles_domain_errors
def record_attach(request, uuid, item_uuid):
    referral = visible_referral(request, uuid)
    item = referral.record_items.get(uuid=item_uuid)
    form = AttachmentForm(request.POST, request.FILES)

    def save():
        attachment_add(actor=request.user, item=item, uploaded_file=form.cleaned_data["file"])

    if form_saved(request, form, save):
        messages.success(request, f"File attached to {item.get_kind_display().lower()}.")
        return redirect("portal:referral-detail", uuid=uuid)
    context = {"referral": referral, "item": item, "form": form}
    return render_form(request, "portal/record_attach.html", context)


@login_required
@handles_domain_errors
def attachment_download(request, uuid):
    """Serve a file only to someone who may see its referral, and audit the read."""
    attachment = (
        RecordAttachment.objects.filter(
            record_item__referral__in=selectors.referrals_visible_to(user=request.user)
        )
        .select_related("record_item")
        .filter(uuid=uuid)
        .first()
    )
    if attachment is None:
        note_if_hidden(request, RecordAttachment, uuid)
        raise Http404("Not found.")
    audit_record(
        actor=request.user,
        action="view",
        obj=attachment,
        referral_id=attachment.record_item.referral_id,
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
