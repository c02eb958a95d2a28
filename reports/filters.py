"""The report filters: period (on the submission date), receiving center and cancer site."""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone

from accounts.models import CancerSite
from core.limits import limit

# Dates a report period may name: later ones would overflow the day after `to`.
EARLIEST_REPORT_DATE = datetime.date(1900, 1, 1)
LATEST_REPORT_DATE = datetime.date(2999, 12, 31)


@dataclass(frozen=True)
class ReportFilters:
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None
    center_uuid: str | None = None
    cancer_site: str | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters (for links to the exports)."""
        values = {
            "from": self.submitted_from.isoformat() if self.submitted_from else "",
            "to": self.submitted_to.isoformat() if self.submitted_to else "",
            "center": self.center_uuid or "",
            "cancer_site": self.cancer_site or "",
        }
        return {name: value for name, value in values.items() if value}


class ReportFilterForm(forms.Form):
    """Reads `from`, `to`, `center` and `cancer_site` from a query string."""

    # `from` is a Python keyword: the form field is named submitted_from and mapped below.
    submitted_from = forms.DateField(required=False, label="Submitted from")
    submitted_to = forms.DateField(required=False, label="Submitted to")
    center = forms.UUIDField(required=False, label="Cancer center")
    cancer_site = forms.ChoiceField(
        required=False, choices=[("", "All sites"), *CancerSite.choices], label="Cancer site"
    )

    PARAMETERS = {"from": "submitted_from", "to": "submitted_to"}

    @classmethod
    def from_query(cls, query) -> "ReportFilterForm":
        data = {cls.PARAMETERS.get(name, name): query.get(name) for name in query}
        return cls(data=data)

    def clean(self):
        cleaned = super().clean()
        for name in ("submitted_from", "submitted_to"):
            day = cleaned.get(name)
            if day and not EARLIEST_REPORT_DATE <= day <= LATEST_REPORT_DATE:
                self.add_error(
                    name,
                    f"Give a date from {EARLIEST_REPORT_DATE.isoformat()} "
                    f"to {LATEST_REPORT_DATE.isoformat()}.",
                )
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", "The end of the period is before its start.")
        elif start and self.is_bound and not self.errors:
            # A period is at most INPUT_LIMITS["report_period_days"] long (ten years): its
            # weekly series and percentiles stay bounded.
            days = limit("report_period_days")
            if ((end or timezone.localdate()) - start).days >= days:
                self.add_error("submitted_from", f"A report covers at most {days // 365} years.")
        return cleaned

    def query_errors(self) -> dict[str, list[str]]:
        """Errors keyed by the URL parameter names the client sent."""
        names = {field: parameter for parameter, field in self.PARAMETERS.items()}
        return {names.get(field, field): list(errors) for field, errors in self.errors.items()}

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            center_uuid=str(data["center"]) if data.get("center") else None,
            cancer_site=data.get("cancer_site") or None,
        )


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight of `day` in the site's time zone (periods are local calendar days)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
