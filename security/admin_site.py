"""The admin site: refusals of signed-in users who are not staff, and the patients an
autocomplete field offers, go into the audit trail."""

import functools

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.urls import reverse

from audit.denials import note_denied
from audit.services import audit_listed


class AuditedAutocompleteJsonView(AutocompleteJsonView):
    """Search results of an autocomplete field; rows that name patients are audited as listed
    (the admin of the searched model says so with `audit_listing`)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if getattr(self.model_admin, "audit_listing", False):
            rows = list(context["object_list"])
            context["object_list"] = rows
            audit_listed(actor=self.request.user, objects=rows, detail="admin autocomplete")
        return context


class AuditedAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        def audited(request, *args, **kwargs):
            # Django sends them to the admin's log-in page; a clinician who tries is recorded.
            logout = reverse("admin:logout", current_app=self.name)
            if (
                request.user.is_authenticated
                and request.path != logout
                and not self.has_permission(request)
            ):
                note_denied(request, reason="the admin is for staff members")
            return guarded(request, *args, **kwargs)

        return functools.update_wrapper(audited, guarded)

    def autocomplete_view(self, request):
        return AuditedAutocompleteJsonView.as_view(admin_site=self)(request)
