"""The consult (DESIGN §1): its appointment, attendance and the earlier appointments kept."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record, field_changes
from referrals.errors import InvalidData
from referrals.models import Consultation, ConsultationAppointment, Referral
from referrals.models.clinical import MISSED_ATTENDANCE
from referrals.rules.capabilities import ensure_can
from referrals.services.common import record_event
from referrals.services.validation import apply, reject_unknown, validate_model
from referrals.validation.dates import referral_day_errors, step_time_errors
from reminders import sla

# In the order a reader meets them (the admin shows them so).
CONSULTATION_FIELDS = (
    "modality",
    "scheduled_for",
    "join_link",
    "place",
    "attendance",
    "completed_at",
    "support_person_present",
    "recording_consented",
    "notes",
)


def _lock(referral: Referral) -> Referral:
    return Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)


# Consultation


@transaction.atomic
def consultation_save(*, actor: User, referral: Referral, data: dict) -> Consultation:
    """Schedule the consult, record its attendance, or make a new appointment.

    A new time for an appointment that did not take place keeps the earlier one as history
    (a ConsultationAppointment row: `no_show`, `cancelled_by_patient` or `rescheduled`); a
    no-show starts the no-show step (the center coordinator reschedules). Raises
    NotPermitted, Conflict, InvalidData.
    """
    reject_unknown(data, CONSULTATION_FIELDS, why="Unknown field.")
    referral = _lock(referral)
    ensure_can(user=actor, capability="arrange_consult", referral=referral)
    consultation = Consultation.objects.filter(referral=referral).first()
    created = consultation is None
    if created:
        consultation = Consultation(referral=referral, modality=referral.modality)
    earlier = _appointment_of(consultation)
    before = apply(consultation, data, CONSULTATION_FIELDS)
    replaced = _attendance_apply(consultation, earlier, data, before)
    created_at = referral.created_at
    problems = referral_day_errors(
        consultation.scheduled_for,
        referral_created=created_at,
        field="scheduled_for",
        future_allowed=True,
    )
    if consultation.completed_at:
        problems |= step_time_errors(
            consultation.completed_at, referral_created=created_at, field="completed_at"
        )
    problems |= _appointment_problems(consultation, changed=set(before))
    if problems:
        raise InvalidData.for_fields(problems)
    if consultation.recording_consented and not referral.patient.consent_to_record_consult:
        raise InvalidData.for_fields(
            {"recording_consented": "The patient has not consented to recording the consult."}
        )
    validate_model(consultation, exclude=["referral"])
    consultation.save()
    if replaced:
        ConsultationAppointment.objects.create(
            consultation=consultation, recorded_by=actor, **replaced
        )
    changes = field_changes(before, {name: getattr(consultation, name) for name in before})
    if changes or created:
        record_event(
            referral=referral,
            actor=actor,
            kind="consult_updated",
            data={"fields": sorted(changes), "completed": consultation.completed_at is not None},
            occurred_at=None,
        )
        audit_record(
            actor=actor, action="create" if created else "update", obj=consultation, changes=changes
        )
    if replaced or consultation.attendance != earlier["attendance"]:
        record_event(
            referral=referral,
            actor=actor,
            kind="consult_attendance",
            from_status=(replaced or earlier)["attendance"],
            to_status=consultation.attendance,
            data=_attendance_event_data(consultation, replaced),
        )
    return consultation


Attendance = Consultation.Attendance


def _appointment_of(consultation: Consultation) -> dict:
    return {
        "modality": consultation.modality,
        "scheduled_for": consultation.scheduled_for,
        "join_link": consultation.join_link,
        "place": consultation.place,
        "attendance": consultation.attendance,
    }


def _attendance_apply(consultation: Consultation, earlier: dict, data: dict, before: dict):
    """Apply the attendance rules; return the earlier appointment when it becomes history.

    - a completed consult was attended (completed_at alone marks it attended);
    - a new time for an appointment that did not take place: the earlier one is kept, as
      it was marked (no-show, cancelled by the patient) or else as rescheduled;
    - a no-show is due to be rescheduled (the no-show step), until a new time is set.
    """
    if consultation.completed_at and "attendance" not in data:
        consultation.attendance = Attendance.ATTENDED
    replaced = None
    new_time = "scheduled_for" in before and earlier["scheduled_for"] is not None
    if new_time and consultation.scheduled_for is not None:
        if earlier["attendance"] == Attendance.ATTENDED:
            raise InvalidData.for_fields(
                {"scheduled_for": "The consult took place; its appointment cannot move."}
            )
        replaced = dict(earlier)
        if replaced["attendance"] not in MISSED_ATTENDANCE:
            replaced["attendance"] = Attendance.RESCHEDULED
        if consultation.attendance in (*MISSED_ATTENDANCE, Attendance.SCHEDULED) and data.get(
            "attendance"
        ) in (None, Attendance.RESCHEDULED, earlier["attendance"]):
            consultation.attendance = Attendance.SCHEDULED
    if consultation.attendance == Attendance.RESCHEDULED:
        raise InvalidData.for_fields(
            {"scheduled_for": "Give the new time of the rescheduled consult."}
        )
    if consultation.attendance != Attendance.ATTENDED:
        consultation.completed_at = None
    elif consultation.completed_at is None:
        consultation.completed_at = timezone.now()
    if consultation.attendance != Attendance.NO_SHOW:
        consultation.reschedule_due = None
    elif consultation.reschedule_due is None:
        consultation.reschedule_due = sla.add_business_days(
            timezone.localdate(), sla.NO_SHOW_RESCHEDULE_DAYS
        )
    return replaced


def _appointment_problems(consultation: Consultation, *, changed: set[str]) -> dict[str, str]:
    """A scheduled appointment says how to join (virtual) or where to come (in person); only
    an appointment whose time has come is marked attended or missed."""
    problems = {}
    attendance = consultation.attendance
    if attendance in MISSED_ATTENDANCE and consultation.scheduled_for is None:
        problems["scheduled_for"] = "Give the time of the appointment first."
    elif (
        attendance in (Attendance.ATTENDED, Attendance.NO_SHOW)
        and consultation.scheduled_for is not None
        and timezone.localdate(consultation.scheduled_for) > timezone.localdate()
    ):
        problems["attendance"] = "The appointment has not come yet."
    where = {"scheduled_for", "modality", "join_link", "place"}
    if attendance == Attendance.SCHEDULED and consultation.scheduled_for and changed & where:
        if consultation.modality == Referral.Modality.VIRTUAL and not consultation.join_link:
            problems["join_link"] = "Give the link the patient joins the virtual consult with."
        if consultation.modality == Referral.Modality.IN_PERSON and not consultation.place.strip():
            problems["place"] = "Say where the patient comes for the consult."
    return problems


def _attendance_event_data(consultation: Consultation, replaced: dict | None) -> dict:
    """The timeline's record of it: times and attendance, never the notes."""
    data = {"attendance": consultation.attendance}
    if consultation.scheduled_for:
        data["scheduled_for"] = consultation.scheduled_for.isoformat()
    if replaced:
        data["earlier_attendance"] = replaced["attendance"]
        if replaced["scheduled_for"]:
            data["earlier_scheduled_for"] = replaced["scheduled_for"].isoformat()
    return data
