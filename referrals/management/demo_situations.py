"""The demo's referrals in the situations real ones meet (seed_demo): coded decline and cancel
reasons, local plans (or none yet), forwarding to another center, missed consults, slides and
blocks on their way back. Every change goes through the services, as a user's would."""

import datetime

from django.utils import timezone

from referrals.models import RecordItem, Referral
from referrals.selectors import forward_destinations
from referrals.services import clinical, records

LOCAL_PLANS = [
    "Surgery first, then adjuvant therapy per the tumor board.",
    "Six cycles of the standard first-line regimen, then re-image.",
    "Definitive chemoradiation.",
    "Active surveillance with imaging every three months.",
]
DECLINE_REASONS = [
    ("outside_expertise", ""),
    ("no_capacity", "No clinic slots within the requested window."),
    ("insufficient_information", "No pathology report with the referral."),
    ("other", "Patient better served by the regional sarcoma network."),
]
CANCEL_REASONS = [
    ("patient_withdrew", "Patient chose to continue treatment locally."),
    ("treated_elsewhere", ""),
    ("duplicate", ""),
    ("other", "Insurance declined the out-of-network consult."),
]
FORWARD_REASON = "Our waiting time is over six weeks; this center can see the patient sooner."


def local_plan(rng) -> dict:
    """A local plan, or (one referral in five) that nothing is proposed yet."""
    if rng.random() < 0.2:
        return {"no_local_plan_yet": True}
    return {"local_treatment_plan": rng.choice(LOCAL_PLANS)}


def decline_data(rng) -> dict:
    code, text = rng.choice(DECLINE_REASONS)
    return {"reason_code": code, "reason": text}


def cancel_data(rng) -> dict:
    code, text = rng.choice(CANCEL_REASONS)
    return {"reason_code": code, "reason": text}


def forward_data(referral: Referral):
    """The forward's data, or None when no other center takes the site."""
    center = forward_destinations(referral).first()
    if center is None:
        return None
    return {"receiving_center": center, "reason": FORWARD_REASON}


def where(modality: str, number: int) -> dict:
    if modality == Referral.Modality.VIRTUAL:
        return {"join_link": f"https://video.example.org/consult/demo-{number:04d}"}
    return {"place": "Outpatient clinic, building B, 3rd floor"}


def hold_consult(rng, *, referral, specialist, number, scheduled, attended, missed) -> None:
    """The consult: attended; or, when `missed`, first a no-show (kept in the history) and a
    new appointment, attended only when `attended`."""
    modality = referral.modality
    clinical.consultation_save(
        actor=specialist,
        referral=referral,
        data={"scheduled_for": scheduled, **where(modality, number)},
    )
    if missed:
        clinical.consultation_save(
            actor=specialist, referral=referral, data={"attendance": "no_show"}
        )
        if not attended:
            return  # waits on the center coordinator to reschedule (the no-show step)
        # Two days later, never in the future (the demo's referrals are back-dated).
        latest = timezone.now() - datetime.timedelta(hours=2)
        scheduled = max(min(scheduled + datetime.timedelta(days=2), latest), scheduled)
        scheduled += datetime.timedelta(minutes=1)
        clinical.consultation_save(
            actor=specialist, referral=referral, data={"scheduled_for": scheduled}
        )
    clinical.consultation_save(
        actor=specialist,
        referral=referral,
        data={
            "attendance": "attended",
            "completed_at": scheduled + datetime.timedelta(minutes=45),
            "support_person_present": rng.random() < 0.5,
        },
    )


def return_slides(rng, *, referral, actor, when) -> None:
    """Slides and blocks go back to the originating lab, some late (chain of custody); a
    few stay at the center, past their date (the slide return step)."""
    if rng.random() < 0.25:
        return
    for item in referral.record_items.filter(
        kind__in=RecordItem.PHYSICAL_KINDS, status=RecordItem.Status.RECEIVED
    ):
        records.record_item_change(
            actor=actor,
            item=item,
            data={
                "status": "returned",
                "carrier": "FedEx",
                "tracking_number": f"8{rng.randrange(10**11):011d}",
                "occurred_at": when,
                "backdate_reason": "Entered from the demo data set.",
            },
        )


def progress_updates(rng, *, referral, oncologist, specialist, day) -> None:
    """One or two updates from the local side while the specialist follows, most answered."""
    for _ in range(rng.randrange(1, 3)):
        update = clinical.progress_update_create(
            actor=oncologist,
            referral=referral,
            data={
                "update_date": timezone.localdate(day),
                "current_treatment": "Cycle 3 of the recommended regimen",
                "response": rng.choice(["responding", "stable", "progressing"]),
                **_followed(rng),
                "question": "Should we continue at the current dose?",
            },
        )
        if rng.random() < 0.7:
            clinical.progress_update_reply(
                actor=specialist, update=update, advice="Continue; re-image after cycle 4."
            )


# Whether the local team follows the recommendation (about 6 in 10 do, as in Meyer et al.).
FOLLOWED_REASONS = {
    "partly": "The patient chose to skip the maintenance phase.",
    "no": "The patient preferred to stay on the local regimen.",
    "not_yet": "Waiting for the insurer's approval.",
}


def _followed(rng) -> dict:
    followed = rng.choices(["yes", "partly", "no", "not_yet"], weights=[6, 2, 1, 1])[0]
    return {
        "recommendation_followed": followed,
        "recommendation_followed_reason": FOLLOWED_REASONS.get(followed, ""),
    }
