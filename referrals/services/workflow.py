"""The one service that moves referrals through the workflow of DESIGN §2."""

import datetime

from django.db import transaction

from accounts.models import Membership, Organization, User
from audit.services import audit_record
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import RecordItem, Referral
from referrals.rules import steps, workflow
from referrals.rules.relations import relations_to
from referrals.services import forwarding, information
from referrals.services.common import occurred_at_from, parse_uuid, record_event
from reminders import sla

# What the guard of each action waits for, said as the reason the action is refused.
GUARD_MESSAGES = {
    "submit": "The referral is not ready to submit.",
    "start_review": "The review cannot start yet.",
    "issue_recommendation": "The recommendation cannot be issued yet.",
    "start_monitoring": "The recommendation does not say the specialist follows up.",
}


# Why an action that exists in this state does not apply now (a conflict, 409).
NOT_APPLICABLE_MESSAGES = {
    "request_information": "The center already awaits an answer to its information request.",
    "provide_information": "No information request is open on this referral.",
}


def _unmet_message(reason: str) -> str:
    return f"Waiting for {reason}."


def _latest_milestone(referral: Referral) -> datetime.datetime | None:
    moments = [getattr(referral, name) for name in workflow.MILESTONES if getattr(referral, name)]
    return max(moments, default=None)


@transaction.atomic
def referral_transition(
    *, referral: Referral, actor: User, action: str, data: dict | None = None
) -> Referral:
    """Perform a workflow action on a referral, as `actor`.

    `data` carries what the action needs (`specialist`; `reason_code` and `reason`;
    `receiving_center` for a forward: rules.workflow's data guards; for the information
    requests the `reason` code and `note`, the answer's `note` and new `record_items`), an
    optional `note`, and
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
    if not workflow.may_perform(relations_to(actor, referral), spec):
        raise NotPermitted(f"“{spec.label}” is not an action you may take on this referral.")
    if referral.status not in spec.sources:
        raise Conflict(
            f"“{spec.label}” is not allowed while the referral is "
            f"{referral.get_status_display().lower()}.",
            status=referral.status,
        )
    if not spec.applies(referral):
        raise Conflict(NOT_APPLICABLE_MESSAGES[action], status=referral.status)
    unmet = spec.guard(referral)
    if unmet:
        messages = {name: _unmet_message(reason) for name, reason in unmet.items()}
        summary = GUARD_MESSAGES.get(action, f"“{spec.label}” is not possible yet.")
        raise InvalidData.for_fields(messages, " ".join([summary, *messages.values()]))
    data = _with_objects(data)
    missing = spec.data_guard(referral, data)
    if missing:
        raise InvalidData.for_fields(missing)
    occurred_at, backdate_reason = occurred_at_from(
        data, not_before=_latest_milestone(referral), referral_created=referral.created_at
    )
    from_status = referral.status
    if action in EFFECTS_WITH_ACTOR:
        event_data = EFFECTS_WITH_ACTOR[action](referral, data, occurred_at, actor=actor) or {}
    else:
        event_data = EFFECTS[action](referral, data, occurred_at) or {}
    reason_code = event_data.pop("reason_code", "")
    to_status = spec.target or from_status
    referral.status = to_status
    if spec.milestone:
        setattr(referral, spec.milestone, occurred_at)
    referral.next_due = steps.due_date(referral)
    referral.save()
    if action == "forward":
        # The referral it becomes at the other center (its own event says where it came from).
        new = forwarding.referral_forwarded_copy(
            referral=referral, actor=actor, center=data["receiving_center"], at=occurred_at
        )
        event_data |= {
            "forwarded_to": str(new.uuid),
            "receiving_center": str(new.receiving_center.uuid),
        }
    note = (data.get("note") or "").strip() if isinstance(data.get("note"), str) else ""
    if backdate_reason:
        note = f"{note}\nRecorded after the fact: {backdate_reason}".strip()
    record_event(
        referral=referral,
        actor=actor,
        kind=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        reason_code=reason_code,
        data=event_data,
        occurred_at=occurred_at,
    )
    audit_record(
        actor=actor,
        action="transition",
        obj=referral,
        changes={"status": [from_status, to_status]},
        detail=action,
    )
    return referral


def _with_objects(data: dict) -> dict:
    """The data with the objects its ids name (the forward's `receiving_center`)."""
    center = data.get("receiving_center")
    if center in (None, "") or isinstance(center, Organization):
        return {**data, "receiving_center": center or None}
    found = Organization.objects.filter(uuid=parse_uuid(center, "receiving_center")).first()
    if found is None:
        raise InvalidData.for_fields({"receiving_center": "No such center."})
    return {**data, "receiving_center": found}


def _due(referral: Referral, occurred_at: datetime.datetime, step: str) -> datetime.date:
    return sla.add_business_days(sla.local_date(occurred_at), sla.policy_days(referral)[step])


# Each action's effects (its guard, in referrals.rules.workflow, was checked before): check the
# data the action needs (raise InvalidData), apply the effects, return the event's data.


def _submit(referral: Referral, data: dict, occurred_at) -> dict:
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


def _reason_text(data: dict) -> str:
    return data["reason"].strip() if isinstance(data.get("reason"), str) else ""


def _decline(referral: Referral, data: dict, occurred_at) -> dict:
    # The rulebook's data guard checked the code (and the text for `other`).
    referral.decline_reason_code = data["reason_code"]
    referral.decline_reason = _reason_text(data)
    return {"reason_code": referral.decline_reason_code}


def _start_review(referral: Referral, data: dict, occurred_at) -> dict:
    referral.recommendation_due = _due(referral, occurred_at, "recommendation")
    return {}


def _issue_recommendation(referral: Referral, data: dict, occurred_at) -> dict:
    referral.return_due = _due(referral, occurred_at, "return")
    # Slides and blocks at the center go back to the originating lab (the slide return step).
    referral.record_items.filter(
        kind__in=RecordItem.PHYSICAL_KINDS, status=RecordItem.Status.RECEIVED
    ).update(return_due=sla.add_business_days(sla.local_date(occurred_at), sla.SLIDE_RETURN_DAYS))
    recommendation = workflow.recommendation_in_force(referral)
    return {"recommendation_version": recommendation.version}


def _nothing(referral: Referral, data: dict, occurred_at) -> dict:
    return {}


def _start_monitoring(referral: Referral, data: dict, occurred_at) -> dict:
    recommendation = workflow.recommendation_in_force(referral)
    referral.next_update_due = sla.local_date(occurred_at) + datetime.timedelta(
        days=recommendation.update_interval_days
    )
    return {}


def _cancel(referral: Referral, data: dict, occurred_at) -> dict:
    referral.cancel_reason_code = data["reason_code"]
    referral.cancel_reason = _reason_text(data)
    information.clear_on_cancel(referral)
    return {"reason_code": referral.cancel_reason_code}


def _forward(referral: Referral, data: dict, occurred_at) -> dict:
    referral.forward_reason = _reason_text(data)
    information.clear_on_cancel(referral)
    return {}


EFFECTS = {
    "submit": _submit,
    "accept": _accept,
    "decline": _decline,
    "start_review": _start_review,
    "issue_recommendation": _issue_recommendation,
    "acknowledge_return": _nothing,
    "start_monitoring": _start_monitoring,
    "close": _nothing,
    "cancel": _cancel,
    "forward": _forward,
}
# Effects that need to know who acts (who asked, who answered).
EFFECTS_WITH_ACTOR = {
    "request_information": information.request_information,
    "provide_information": information.provide_information,
}
assert set(EFFECTS) | set(EFFECTS_WITH_ACTOR) == set(workflow.ACTIONS), "every action's effects"
