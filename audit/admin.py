from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Searchable, never editable."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "interface"]
    list_filter = ["action", "interface", "object_type"]
    search_fields = ["actor_label", "object_id", "detail"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
