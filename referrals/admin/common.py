"""Pieces every admin page of the coordinator workspace shares.

- objects are addressed by their UUID in admin URLs, never by the sequential primary key;
- a page that saves through the services shows a service's refusal (a DomainError) as an
  error on the form it belongs to, with the user's input kept;
- patients are shown masked where the page needs no more than initials and MRN.
"""

import uuid as uuid_module

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.views.main import ChangeList
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from audit.denials import note_denied, note_if_hidden, remember_subject
from audit.services import audit_listed
from referrals.errors import DomainError, NotPermitted
from referrals.rules.capabilities import Capabilities, capabilities_for


def page_capabilities(request, referral) -> Capabilities:
    """What the user may do on this referral, asked of the rulebook once per request."""
    cache = request.__dict__.setdefault("_referral_capabilities", {})
    if referral.pk not in cache:
        cache[referral.pk] = capabilities_for(request.user, referral)
    return cache[referral.pk]


def masked_patient(patient) -> str:
    """Initials and MRN, e.g. "J.D. · MRN123": enough to match a chart, no more."""
    initials = "".join(f"{name[:1].upper()}." for name in (patient.given_name, patient.family_name))
    return f"{initials} · {patient.mrn}"


def status_badge(referral) -> str:
    return format_html(
        '<span class="status-badge status-{}">{}</span>',
        referral.status,
        referral.get_status_display(),
    )


def admin_change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(obj.uuid,))


class UUIDChangeList(ChangeList):
    def url_for_result(self, result):
        return admin_change_url(result)

    def get_results(self, request):
        super().get_results(request)
        if self.model_admin.audit_listing and request.method == "GET":
            detail = f"{self.opts.verbose_name} list, page {self.page_num}"
            audit_listed(actor=request.user, objects=self.result_list, detail=detail)


class UUIDAddressedAdmin(admin.ModelAdmin):
    """Change pages at /admin/<app>/<model>/<uuid>/change/; anything not visible is a 404.

    `audit_listing`: the change list names patients, so each row shown is audited as listed.
    """

    audit_listing = False

    def get_changelist(self, request, **kwargs):
        return UUIDChangeList

    def get_object(self, request, object_id, from_field=None):
        try:
            key = uuid_module.UUID(str(object_id))
        except ValueError:
            return None
        found = self.get_queryset(request).filter(uuid=key).first()
        if found is None:
            # Refused, not missing: audited (written after the page's transaction ended).
            note_if_hidden(request, self.model, key)
        else:
            remember_subject(request, found)
        return found

    def response_action(self, request, queryset):
        """Bulk actions: selected rows the user may not see are left out, and audited."""
        selected = _integers(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
        if selected and request.POST.get("select_across") != "1":
            visible = self.get_queryset(request).filter(pk__in=selected).values("pk")
            for hidden in self.model._default_manager.filter(pk__in=selected).exclude(
                pk__in=visible
            ):
                note_denied(request, reason="not visible", obj=hidden)
        return super().response_action(request, queryset)

    def response_add(self, request, obj, post_url_continue=None):
        # Django's message links to the new object by primary key; this one by UUID.
        if IS_POPUP_VAR in request.POST:
            return super().response_add(request, obj, post_url_continue)
        url = admin_change_url(obj)
        message = format_html(
            'The {} “<a href="{}">{}</a>” was added.', self.opts.verbose_name, url, obj
        )
        self.message_user(request, message, messages.SUCCESS)
        if "_continue" in request.POST:
            return redirect(url)
        if "_addanother" in request.POST:
            return redirect(request.path)
        return self.response_post_save_add(request, obj)

    # Django's default redirects to the index with "perhaps it was deleted": for objects of
    # other organizations that would hint they exist. A plain 404 says nothing (DESIGN §3).
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404("No such object.")


def _integers(values) -> list[int]:
    return [int(value) for value in values if str(value).isdigit()]


class ServiceFormError(Exception):
    """A service refused to save one form of an admin page (`prefix` None: the main form)."""

    def __init__(self, error: DomainError, prefix: str | None):
        super().__init__(error.detail)
        self.error = error
        self.prefix = prefix


def add_domain_error(form, error: DomainError) -> None:
    """Put a service's error on the form: on the fields it names, else above the form."""
    placed = False
    for field, field_messages in error.fields.items():
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.detail)


class ServiceErrorFormMixin:
    """A form that shows the error a service raised for it on the previous attempt."""

    pending_service_error: ServiceFormError | None = None

    def __init__(self, *args, pending_service_error=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pending_service_error is not None:
            self.pending_service_error = pending_service_error

    def clean(self):
        cleaned_data = super().clean()
        failure = self.pending_service_error
        if failure is not None and failure.prefix == self.prefix:
            add_domain_error(self, failure.error)
        return cleaned_data


class ServiceBackedAdmin(UUIDAddressedAdmin):
    """Saves go through the services; a refusal re-shows the submitted page with the error.

    The admin saves the main form and its inlines inside one transaction. When a service
    raises, `save_model`/`save_formset` raise ServiceFormError, the transaction rolls back
    (nothing half-saved), and the same POST is rendered again with the error attached to
    the form that caused it.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceFormError as failure:
            if isinstance(failure.error, NotPermitted):
                note_denied(request, reason=failure.error.detail)
            request.pending_service_error = failure
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        failure = getattr(request, "pending_service_error", None)
        if failure is None:
            return form
        return type(form.__name__, (form,), {"pending_service_error": failure})

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        failure = getattr(request, "pending_service_error", None)
        if failure is not None and issubclass(inline.form, ServiceErrorFormMixin):
            kwargs["form_kwargs"] = {"pending_service_error": failure}
        return kwargs


class NoChanges:
    """Rows that only the services write: shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoChanges, admin.ModelAdmin):
    pass


class ReadOnlyInline(NoChanges):
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        # Each row's title (its __str__) names the referral: one join, not a query per row.
        return super().get_queryset(request).select_related("referral")


def occurred_at_field() -> forms.DateTimeField:
    """When a recorded step actually happened; empty means now."""
    return forms.DateTimeField(
        required=False,
        label="Happened at",
        help_text="Leave empty for now. Earlier than an hour ago needs a reason.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


def backdate_reason_field() -> forms.CharField:
    return forms.CharField(required=False, label="Why recorded late")
