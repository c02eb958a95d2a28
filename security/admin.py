from django.contrib import admin

from security.models import ApiToken
from security.tokens import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators see who holds API tokens (never the secrets) and revoke one (a lost
    laptop); nobody adds or edits them here."""

    list_display = ["token_key", "user", "created", "expiry", "second_factor_verified"]
    list_filter = ["second_factor_verified"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = ["token_key", "user", "created", "expiry", "second_factor_verified"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Revoking goes through the action: it is audited.
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        tokens = list(queryset.select_related("user"))
        for token in tokens:
            token_revoke(token=token, reason=f"Revoked in the admin by {request.user.email}.")
        self.message_user(request, f"{len(tokens)} token(s) revoked.")
