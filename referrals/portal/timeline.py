"""The referral's timeline (ReferralEvent rows) told in plain words."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from referrals.models import (
    Consultation,
    InformationRequest,
    PathologyReview,
    RecordItem,
    Referral,
    ReferralEvent,
)

Kind = ReferralEvent.Kind
# An entry recorded this long after it happened is shown as recorded later.
LATE_ENTRY = timedelta(hours=1)
STATUS_LABELS = {**dict(Referral.Status.choices), **dict(RecordItem.Status.choices)}
ATTENDANCE_LABELS = dict(Consultation.Attendance.choices)
REASON_LABELS = {
    Kind.DECLINE: dict(Referral.DeclineReasonCode.choices),
    Kind.CANCEL: dict(Referral.CancelReasonCode.choices),
}


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    recorded_at: datetime | None
    actor: str
    title: str
    details: str
    note: str


def _status_change(event: ReferralEvent) -> str:
    if not (event.from_status and event.to_status):
        return ""
    before = STATUS_LABELS.get(event.from_status, event.from_status)
    after = STATUS_LABELS.get(event.to_status, event.to_status)
    return f"{before} → {after}"


def _record_name(data: dict) -> str:
    """Which record an event is about: its kind, and its description when it has one."""
    name = RecordItem.Kind(data["kind"]).label if data.get("kind") else "Record"
    return f"{name} ({data['description']})" if data.get("description") else name


def event_details(event: ReferralEvent) -> str:
    """What the event changed, in a few words (the portal's and the admin's timelines)."""
    data = event.data or {}
    if event.kind == Kind.RECORD_STATUS:
        return f"{_record_name(data)}: {_status_change(event)}"
    if event.kind == Kind.RECORD_ADDED and data.get("kind"):
        required = "required" if data.get("required") else "if available"
        return f"{_record_name(data)}, {required}"
    if event.kind == Kind.PATHOLOGY_SIGNED and data.get("discrepancy"):
        label = PathologyReview.Discrepancy(data["discrepancy"]).label
        return f"Discrepancy: {label}"
    if event.kind in (Kind.RECOMMENDATION_SIGNED, Kind.RECOMMENDATION_AMENDED):
        parts = [f"Version {data.get('version', 1)}"]
        if data.get("clinical_trials"):
            parts.append("trials " + ", ".join(data["clinical_trials"]))
        return "; ".join(parts)
    if event.kind == Kind.REQUEST_INFORMATION and data.get("reason"):
        return InformationRequest.Reason(data["reason"]).label
    if event.kind == Kind.PROVIDE_INFORMATION:
        waited = data.get("business_days_waited", 0)
        parts = [f"waited {waited} business day{'s' if waited != 1 else ''}"]
        if data.get("record_items"):
            parts.append(f"{len(data['record_items'])} new record item(s)")
        return "; ".join(parts)
    if event.kind == Kind.CONSULT_UPDATED and data.get("completed"):
        return "Consultation completed"
    if event.kind == Kind.CONSULT_ATTENDANCE:
        return _attendance(data)
    if event.kind in REASON_LABELS and event.reason_code:
        reason = REASON_LABELS[event.kind].get(event.reason_code, event.reason_code)
        return f"{_status_change(event)}; reason: {reason}"
    if event.kind == Kind.FORWARD and data.get("forwarded_to"):
        return f"{_status_change(event)}; it goes on as a new referral at the other center"
    if event.kind == Kind.FORWARDED_IN and data.get("reference"):
        return f"Forwarded from {data['reference']}; now submitted here"
    return _status_change(event)


def _attendance(data: dict) -> str:
    now = ATTENDANCE_LABELS.get(data.get("attendance"), data.get("attendance", ""))
    earlier = data.get("earlier_attendance")
    if earlier:
        kept = ATTENDANCE_LABELS.get(earlier, earlier).lower()
        return f"Earlier appointment kept as {kept}; the new one is {now.lower()}"
    return now


def timeline(events) -> list[TimelineEntry]:
    entries = []
    for event in events:
        late = event.recorded_at - event.occurred_at > LATE_ENTRY
        entries.append(
            TimelineEntry(
                occurred_at=event.occurred_at,
                recorded_at=event.recorded_at if late else None,
                actor=event.actor.display_name if event.actor else "Second Opinion Tracker",
                title=event.get_kind_display(),
                details=event_details(event),
                note=event.note,
            )
        )
    return entries
