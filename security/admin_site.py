"""The admin site, with refusals of signed-in users who are not staff in the audit trail."""

import functools

from django.contrib import admin
from django.urls import reverse

from audit.denials import note_denied


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
