"""What the companion page says, in plain words the patient can read on a phone.

Where the request stands comes from the referral's state; what happens next and when, from the
rulebook's steps table (the step the referral waits on now and its due date).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from companion.models import PatientLink, PatientQuestion
from referrals.models import Recommendation, RecordItem, Referral
from referrals.rules import steps
from referrals.rules.capabilities import capabilities_for
from referrals.rules.states import ACTIVE_STATES
from referrals.rules.steps import StepName
from referrals.rules.visibility import patient_sees_opinion
from referrals.rules.workflow import recommendation_in_force, required_records_missing

Status = Referral.Status
Kind = RecordItem.Kind

WHERE_IT_STANDS = {
    Status.DRAFT: _("Your doctor is getting your request for a second opinion ready."),
    Status.SUBMITTED: _("Your request has been sent to the cancer center. They are looking at it."),
    Status.ACCEPTED: _(
        "The cancer center has agreed to give you a second opinion. "
        "Your medical records are being gathered."
    ),
    Status.UNDER_REVIEW: _("A specialist at the cancer center is studying your case."),
    Status.RECOMMENDATION_ISSUED: _(
        "The specialist has written their opinion and sent it to your doctor."
    ),
    Status.RETURNED: _("Your doctor has the specialist's opinion. Talk it over with your doctor."),
    Status.MONITORING: _(
        "Your doctor has the specialist's opinion. The specialist keeps following your care."
    ),
    Status.CLOSED: _("Your second opinion is complete."),
    Status.DECLINED: _(
        "The cancer center could not take this request. "
        "Your doctor will talk with you about other options."
    ),
    Status.CANCELLED: _("This request was stopped. Ask your doctor if you have questions."),
}

WHAT_HAPPENS_NEXT = {
    StepName.TRIAGE: _("The cancer center decides whether it can take your request."),
    StepName.RECORDS: _("Your medical records arrive at the cancer center."),
    StepName.REVIEW: _("The specialist starts studying your records."),
    StepName.RECOMMENDATION: _("The specialist writes their opinion."),
    StepName.RETURN: _("Your doctor reads the opinion and goes over it with you."),
    StepName.PROGRESS_UPDATE: _("Your doctor tells the specialist how your treatment is going."),
    StepName.INFORMATION: _(
        "The cancer center asked your doctor's office for some information; "
        "your doctor's team is sending it."
    ),
}

RECORD_NAMES = {
    Kind.CLINICAL_NOTES: _("Notes from your doctors"),
    Kind.IMAGING_REPORT: _("Reports of your scans"),
    Kind.IMAGING_IMAGES: _("The pictures from your scans"),
    Kind.LAB_RESULTS: _("Blood and lab test results"),
    Kind.PATHOLOGY_REPORT: _("The report on your biopsy or surgery tissue"),
    Kind.PATHOLOGY_SLIDES: _("Glass slides of your tissue"),
    Kind.TISSUE_BLOCKS: _("Tissue samples (blocks)"),
    Kind.MOLECULAR_REPORT: _("Results of genetic tests on the tumor"),
    Kind.TREATMENT_HISTORY: _("The list of treatments you have had"),
    Kind.OTHER: _("Other records"),
}


@dataclass(frozen=True)
class Appointment:
    modality: str
    scheduled_for: object
    place: str


def _appointment(referral: Referral) -> Appointment | None:
    consultation = getattr(referral, "consultation", None)
    if consultation is None or consultation.scheduled_for is None:
        return None
    # Only an appointment still to come (not one attended, missed or cancelled).
    if consultation.attendance != consultation.Attendance.SCHEDULED:
        return None
    return Appointment(
        modality=consultation.modality,
        scheduled_for=consultation.scheduled_for,
        place=consultation.place or referral.receiving_center.name,
    )


def _summary_for_patient(referral: Referral) -> str:
    """The plain-language summary, once the opinion is back with the patient's doctor."""
    if not patient_sees_opinion(referral):
        return ""
    recommendation: Recommendation | None = recommendation_in_force(referral)
    return recommendation.patient_summary if recommendation else ""


def page_context(link: PatientLink) -> dict:
    """Everything the page shows. Only the fields named here leave the database: no staff
    notes, no clinical details beyond what the patient is told in plain words."""
    referral = (
        Referral.objects.select_related(
            "patient", "referring_oncologist", "referring_organization", "receiving_center"
        )
        .prefetch_related("record_items", "recommendations")
        .get(pk=link.referral_id)
    )
    step = steps.current_step(referral)
    granted = capabilities_for(None, referral, relations=frozenset({"patient"}))
    questions = list(PatientQuestion.objects.filter(referral=referral))
    answers_shown = patient_sees_opinion(referral)
    before = [q for q in questions if q.kind == PatientQuestion.Kind.BEFORE_VISIT]
    follow_up = [q for q in questions if q.kind == PatientQuestion.Kind.FOLLOW_UP]
    from companion.services import MAX_FOLLOW_UP_QUESTIONS, MAX_QUESTIONS

    if "ask_patient_question" in granted:
        questions_left = MAX_QUESTIONS - len(before)
    elif "ask_follow_up_question" in granted:
        questions_left = MAX_FOLLOW_UP_QUESTIONS - len(follow_up)
    else:
        questions_left = 0
    missing = required_records_missing(referral) if referral.status in ACTIVE_STATES else []
    return {
        "referral": referral,
        "patient": referral.patient,
        "center": referral.receiving_center,
        "oncologist": referral.referring_oncologist,
        "practice": referral.referring_organization,
        "where_it_stands": WHERE_IT_STANDS[referral.status],
        "next_step": WHAT_HAPPENS_NEXT.get(step.name) if step else None,
        "next_step_due": steps.due_date(referral) if step else None,
        "appointment": _appointment(referral),
        "records_gathered": [RECORD_NAMES[item.kind] for item in missing],
        "questions": questions,
        "answers_shown": answers_shown,
        "questions_left": max(questions_left, 0),
        "asking_follow_up": "ask_follow_up_question" in granted,
        "prepares_visit": "prepare_visit" in granted,
        "patient_summary": _summary_for_patient(referral),
    }
