"""Bulk actions on the referral change list. Each goes through a service and says what it did."""

import csv

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone

from audit.services import audit_record
from referrals.admin.common import masked_patient
from referrals.errors import DomainError
from referrals.models import RecordItem
from referrals.selectors import is_overdue
from referrals.services.records import record_items_mark_received
from reminders.manual import referral_remind_now

# Enough detail to act on; a long list of failures is summarised.
MAX_ERRORS_SHOWN = 8


def _report_errors(modeladmin, request, errors: list[str]) -> None:
    for error in errors[:MAX_ERRORS_SHOWN]:
        modeladmin.message_user(request, error, messages.WARNING)
    if len(errors) > MAX_ERRORS_SHOWN:
        modeladmin.message_user(
            request, f"… and {len(errors) - MAX_ERRORS_SHOWN} more not done.", messages.WARNING
        )


@admin.action(description="Mark records received", permissions=["change"])
def mark_records_received(modeladmin, request, queryset):
    items = RecordItem.objects.filter(
        referral__in=queryset.values("pk"),
        status__in=[RecordItem.Status.REQUESTED, RecordItem.Status.SENT],
    ).select_related("referral")
    changed, errors = record_items_mark_received(actor=request.user, items=items)
    modeladmin.message_user(
        request, f"Marked {changed} record item{'s' if changed != 1 else ''} received."
    )
    _report_errors(modeladmin, request, errors)


@admin.action(description="Send a reminder now", permissions=["change"])
def send_reminder_now(modeladmin, request, queryset):
    reminded, errors = [], []
    for referral in queryset:
        try:
            referral_remind_now(referral=referral, actor=request.user)
            reminded.append(referral.reference)
        except DomainError as error:
            errors.append(error.detail)
    if reminded:
        modeladmin.message_user(request, f"Reminder sent for {', '.join(reminded)}.")
    _report_errors(modeladmin, request, errors)


CSV_COLUMNS = [
    "reference",
    "patient",
    "cancer site",
    "center",
    "specialist",
    "status",
    "urgency",
    "opinion",
    "next due",
    "overdue",
]


def _cell(value) -> str:
    """Spreadsheet-safe: a leading =, +, - or @ would be read as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


@admin.action(description="Export selected to CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    """The change list's columns only (patient masked): no more PHI than the list shows."""
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="referrals-{today:%Y%m%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for referral in queryset:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    referral.reference,
                    masked_patient(referral.patient),
                    referral.get_cancer_site_display(),
                    referral.receiving_center.name,
                    referral.specialist.display_name if referral.specialist else "",
                    referral.get_status_display(),
                    referral.get_urgency_display(),
                    referral.opinion_number,
                    referral.next_due or "",
                    "yes" if is_overdue(referral, today) else "no",
                )
            ]
        )
        audit_record(
            actor=request.user, action="export", obj=referral, detail="CSV export from the admin"
        )
    return response
