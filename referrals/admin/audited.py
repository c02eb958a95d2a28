"""Configuration edited directly in the admin (no domain service) is still audited."""

from django.contrib import admin

from audit.services import audit_record, field_changes


def _form_changes(form) -> dict:
    before = {name: form.initial.get(name) for name in form.changed_data}
    after = {name: form.cleaned_data.get(name) for name in form.changed_data}
    return field_changes(before, after)


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit entry for every add, change and inline change made on the page."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="update" if change else "create",
            obj=obj,
            changes=_form_changes(form),
        )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for item in formset.new_objects:
            audit_record(actor=request.user, action="create", obj=item)
        for item, changed in formset.changed_objects:
            audit_record(actor=request.user, action="update", obj=item, detail=", ".join(changed))
        for item in formset.deleted_objects:
            audit_record(actor=request.user, action="update", obj=item, detail="deleted")
