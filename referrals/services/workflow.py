"""The one service that moves referrals through the workflow of DESIGN §2."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from audit.services import audit_record
from referrals import roles, sla, workflow
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import PathologyReview, RecordItem, Referral
from referrals.services.common import occurred_at_from, parse_uuid, record_event, require_text
from referrals.services.intake import ensure_center_accepts

S = Referral.Status

MILESTONES = [action.milestone for action in workflow.ACTIONS.values()]


def _latest_milestone(referral: Referral) -> datetime.datetime | None:
    moments = [getattr(referral, name) for name in MILESTONES if getattr(referral, name)]
    return max(moments, default=None)


@transaction.atomic
def referral_transition(
    *, referral: Referral, actor: User, action: str, data: dict | None = None
) -> Referral:
    """Perform a workflow action on a referral, as `actor`.

    `data` carries what the action needs (`specialist`, `reason`), an optional `note`, and
    optionally `occurred_at` with `backdate_reason` for a step recorded after the fact.

    Raises InvalidData (unknown action, missing or invalid data, a guard not met),
    NotPermitted (the actor may not take this action) and Conflict (not allowed from the
    referral's current state, also when a concurrent request changed it first).
    """
    data = data or {}
    spec = workflow.get_action(action)
    if spec is None:
        choices = ", ".join(workflow.ACTIONS)
        raise InvalidData.for_fields({"action": f"Unknown action. Choose one of: {choices}."})
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("patient", "receiving_center")
        .get(pk=referral.pk)
    )
    if not workflow.may_perform(roles.roles_on(actor, referral), spec):
        raise NotPermitted(f"“{spec.label}” is not an action you may take on this referral.")
    if referral.status not in spec.sources:
        raise Conflict(
            f"“{spec.label}” is not allowed while the referral is "
            f"{referral.get_status_display().lower()}.",
            status=referral.status,
        )
    occurred_at, backdate_reason = occurred_at_from(
        data, not_before=_latest_milestone(referral), referral_created=referral.created_at
    )
    from_status = referral.status
    event_data = GUARDS_AND_EFFECTS[action](referral, data, occurred_at)
    referral.status = spec.target
    setattr(referral, spec.milestone, occurred_at)
    referral.next_due = _next_due(referral)
    referral.save()
    note = (data.get("note") or "").strip() if isinstance(data.get("note"), str) else ""
    if backdate_reason:
        note = f"{note}\nRecorded after the fact: {backdate_reason}".strip()
    record_event(
        referral=referral,
        actor=actor,
        kind=action,
        from_status=from_status,
        to_status=spec.target,
        note=note,
        data=event_data or {},
        occurred_at=occurred_at,
    )
    audit_record(
        actor=actor,
        action="transition",
        obj=referral,
        changes={"status": [from_status, spec.target]},
        detail=action,
    )
    return referral


def _next_due(referral: Referral) -> datetime.date | None:
    """The due date of the step the referral is waiting on now."""
    return {
        S.SUBMITTED: referral.triage_due,
        S.ACCEPTED: referral.records_due,
        S.UNDER_REVIEW: referral.recommendation_due,
        S.RECOMMENDATION_ISSUED: referral.return_due,
        S.MONITORING: referral.next_update_due,
    }.get(referral.status)


def _due(referral: Referral, occurred_at: datetime.datetime, step: str) -> datetime.date:
    return sla.add_business_days(sla.local_date(occurred_at), sla.policy_days(referral)[step])


# Each action: check its guard (raise InvalidData), apply its effects, return event data.


def _submit(referral: Referral, data: dict, occurred_at) -> dict:
    problems = {}
    if not referral.patient.consent_to_share_records:
        problems["patient"] = "The patient has not consented to share records."
    if not referral.reasons:
        problems["reasons"] = "Give at least one reason for the second opinion."
    if not referral.clinical_question.strip():
        problems["clinical_question"] = "Ask the expert a clinical question."
    if not referral.record_items.filter(required=True).exists():
        problems["record_items"] = "List at least one required record item."
    if problems:
        raise InvalidData.for_fields(problems, "The referral is not ready to submit.")
    ensure_center_accepts(center=referral.receiving_center, cancer_site=referral.cancer_site)
    referral.triage_due = _due(referral, occurred_at, "triage")
    return {}


def _accept(referral: Referral, data: dict, occurred_at) -> dict:
    value = data.get("specialist")
    if not value:
        raise InvalidData.for_fields({"specialist": "Choose the specialist who will review it."})
    specialist = value if isinstance(value, User) else None
    if specialist is None:
        specialist = User.objects.filter(uuid=parse_uuid(value, "specialist")).first()
    is_center_specialist = (
        specialist is not None
        and specialist.is_active
        and Membership.objects.filter(
            user=specialist,
            organization_id=referral.receiving_center_id,
            role=Membership.Role.SPECIALIST,
        ).exists()
    )
    if not is_center_specialist:
        raise InvalidData.for_fields({"specialist": "Choose a specialist of this center."})
    referral.specialist = specialist
    referral.record_items.filter(requested_at__isnull=True).update(requested_at=occurred_at)
    referral.records_due = _due(referral, occurred_at, "records")
    return {"specialist": str(specialist.uuid)}


def _decline(referral: Referral, data: dict, occurred_at) -> dict:
    referral.decline_reason = require_text(data, "reason", "Say why the referral is declined.")
    return {}


def _start_review(referral: Referral, data: dict, occurred_at) -> dict:
    missing = [
        item.get_kind_display()
        for item in referral.record_items.filter(required=True).exclude(
            status__in=[
                RecordItem.Status.RECEIVED,
                RecordItem.Status.RETURNED,
                RecordItem.Status.WAIVED,
            ]
        )
    ]
    if missing:
        raise InvalidData.for_fields(
            {"record_items": f"Still waiting for required records: {', '.join(missing)}."}
        )
    referral.recommendation_due = _due(referral, occurred_at, "recommendation")
    return {}


def _issue_recommendation(referral: Referral, data: dict, occurred_at) -> dict:
    problems = {}
    recommendation = referral.recommendations.filter(
        signed_at__isnull=False, superseded_at__isnull=True
    ).first()
    if recommendation is None:
        problems["recommendation"] = "Sign the recommendation first."
    needs_pathology = referral.record_items.filter(
        required=True, kind__in=RecordItem.PHYSICAL_KINDS
    ).exclude(status=RecordItem.Status.WAIVED)
    if (
        needs_pathology.exists()
        and not PathologyReview.objects.filter(referral=referral, signed_at__isnull=False).exists()
    ):
        problems["pathology_review"] = "Slides or blocks were required: a signed review is needed."
    if referral.modality != Referral.Modality.RECORDS_ONLY:
        consultation = getattr(referral, "consultation", None)
        if consultation is None or consultation.completed_at is None:
            problems["consultation"] = "Complete the consultation first."
    if problems:
        raise InvalidData.for_fields(problems, "The recommendation cannot be issued yet.")
    referral.return_due = _due(referral, occurred_at, "return")
    return {"recommendation_version": recommendation.version}


def _acknowledge_return(referral: Referral, data: dict, occurred_at) -> dict:
    return {}


def _start_monitoring(referral: Referral, data: dict, occurred_at) -> dict:
    recommendation = referral.recommendations.filter(
        signed_at__isnull=False, superseded_at__isnull=True
    ).first()
    if recommendation is None or not recommendation.specialist_follows:
        raise InvalidData.for_fields(
            {"recommendation": "The recommendation does not say the specialist follows up."}
        )
    referral.next_update_due = sla.local_date(occurred_at) + datetime.timedelta(
        days=recommendation.update_interval_days
    )
    return {}


def _close(referral: Referral, data: dict, occurred_at) -> dict:
    return {}


def _cancel(referral: Referral, data: dict, occurred_at) -> dict:
    referral.cancel_reason = require_text(data, "reason", "Say why the referral is cancelled.")
    return {}


GUARDS_AND_EFFECTS = {
    "submit": _submit,
    "accept": _accept,
    "decline": _decline,
    "start_review": _start_review,
    "issue_recommendation": _issue_recommendation,
    "acknowledge_return": _acknowledge_return,
    "start_monitoring": _start_monitoring,
    "close": _close,
    "cancel": _cancel,
}
assert set(GUARDS_AND_EFFECTS) == set(workflow.ACTIONS), "every action needs its guard"


def referral_backdated_today() -> datetime.date:
    return timezone.localdate()
