"""The workflow of DESIGN §2: actions, their source and target states, who may act, and each
guard as a pure condition that says what is still missing.

`referrals.services.workflow.referral_transition` is the only code that moves a referral; it
checks this table, and its effects (due dates, the specialist, reasons) live there, apart
from the guards. Interfaces ask `actions_available` and show each action with its unmet
reasons ("waiting for: pathology slides") instead of a button that fails.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from referrals.errors import InvalidData
from referrals.models import RecordItem, Referral
from referrals.rules import relations as rel
from referrals.rules.relations import relations_to
from referrals.rules.states import OPEN_STATES

Status = Referral.Status

# A guard looks at the referral and its parts (read through `.all()`, so prefetched rows are
# used) and returns {field: reason} for each condition not met; {} means it may go ahead.
Guard = Callable[[Referral], dict[str, str]]


def required_records_missing(referral: Referral) -> list[RecordItem]:
    return [item for item in referral.record_items.all() if item.required and not item.is_complete]


def recommendation_in_force(referral: Referral):
    return next((r for r in referral.recommendations.all() if r.in_force), None)


def ready_to_submit(referral: Referral) -> dict[str, str]:
    from referrals.services.intake import ensure_center_accepts

    unmet = {}
    if not referral.patient.consent_to_share_records:
        unmet["patient"] = "the patient's consent to share records"
    if not referral.reasons:
        unmet["reasons"] = "at least one reason for the second opinion"
    if not referral.clinical_question.strip():
        unmet["clinical_question"] = "the clinical question for the expert"
    if not referral.local_treatment_plan.strip() and not referral.no_local_plan_yet:
        unmet["local_treatment_plan"] = (
            "the local treatment plan (or saying that nothing is proposed yet)"
        )
    if not any(item.required for item in referral.record_items.all()):
        unmet["record_items"] = "at least one required record item"
    try:
        ensure_center_accepts(center=referral.receiving_center, cancer_site=referral.cancer_site)
    except InvalidData as error:
        for name, messages in error.fields.items():
            unmet[name] = "a center that accepts this cancer site (" + " ".join(messages) + ")"
    return unmet


def records_complete(referral: Referral) -> dict[str, str]:
    missing = [item.get_kind_display() for item in required_records_missing(referral)]
    return {"record_items": f"required records: {', '.join(missing)}"} if missing else {}


def ready_to_issue(referral: Referral) -> dict[str, str]:
    unmet = {}
    if recommendation_in_force(referral) is None:
        unmet["recommendation"] = "a signed recommendation"
    physical_required = any(
        item.required and item.is_physical and item.status != RecordItem.Status.WAIVED
        for item in referral.record_items.all()
    )
    if physical_required and not any(r.is_signed for r in referral.pathology_reviews.all()):
        unmet["pathology_review"] = "a signed pathology review (slides or blocks were required)"
    if referral.modality != Referral.Modality.RECORDS_ONLY:
        consultation = getattr(referral, "consultation", None)
        if consultation is None or not consultation.is_attended:
            unmet["consultation"] = "the consultation, attended by the patient"
    return unmet


def ready_to_sign_recommendation(referral: Referral, recommendation) -> dict[str, str]:
    """The guard on signing a recommendation (version 1 or an amendment): every question the
    patient asked on their companion page is answered, and when the patient has a link, the
    recommendation carries a plain-language summary for them."""
    from companion.selectors import has_active_patient_link, unanswered_patient_questions

    unmet = {}
    unanswered = unanswered_patient_questions(referral=referral)
    if unanswered:
        unmet["patient_questions"] = f"answers to the patient's questions ({unanswered} unanswered)"
    if has_active_patient_link(referral=referral) and not recommendation.patient_summary.strip():
        unmet["patient_summary"] = "a plain-language summary for the patient"
    return unmet


def no_open_information_request(referral: Referral) -> dict[str, str]:
    """While the center awaits information it is the practice's turn: the steps that move the
    review on (start_review, issue_recommendation) wait for the answer. Everything else
    (records, the consult, the recommendation's draft, cancel) goes on as usual."""
    if referral.awaiting_information:
        return {"information_request": "the referring side's answer to the information request"}
    return {}


def records_complete_and_answered(referral: Referral) -> dict[str, str]:
    return records_complete(referral) | no_open_information_request(referral)


def ready_to_issue_and_answered(referral: Referral) -> dict[str, str]:
    return ready_to_issue(referral) | no_open_information_request(referral)


def is_awaiting_information(referral: Referral) -> bool:
    return referral.awaiting_information


def is_not_awaiting_information(referral: Referral) -> bool:
    return not referral.awaiting_information


def always(referral: Referral) -> bool:
    return True


def specialist_follows(referral: Referral) -> dict[str, str]:
    recommendation = recommendation_in_force(referral)
    if recommendation is None or not recommendation.specialist_follows:
        return {"recommendation": "a recommendation that says the specialist follows up"}
    return {}


def no_guard(referral: Referral) -> dict[str, str]:
    return {}


# The data an action needs from the user, checked before its effects: each takes the
# referral and the data sent and returns {field: what is missing or wrong}; {} means enough.
DataGuard = Callable[[Referral, dict], dict[str, str]]

DECLINE_REASON_CODES = Referral.DeclineReasonCode
CANCEL_REASON_CODES = Referral.CancelReasonCode


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def _coded_reason(codes, data: dict, why: str) -> dict[str, str]:
    """A `reason_code` from `codes`, and `reason` text when the code is `other` (DESIGN §1)."""
    code = data.get("reason_code")
    if not code:
        return {"reason_code": f"Say why the referral is {why}: choose a reason."}
    if code not in codes.values:
        return {"reason_code": f"Unknown reason {code!r}. Choose from: {', '.join(codes.values)}."}
    if code == codes.OTHER and not _text(data, "reason"):
        return {"reason": f"Say in words why the referral is {why} (the reason is “Other”)."}
    return {}


def decline_reason_given(referral: Referral, data: dict) -> dict[str, str]:
    return _coded_reason(DECLINE_REASON_CODES, data, "declined")


def cancel_reason_given(referral: Referral, data: dict) -> dict[str, str]:
    return _coded_reason(CANCEL_REASON_CODES, data, "cancelled")


def forward_destination_given(referral: Referral, data: dict) -> dict[str, str]:
    """Another cancer center that takes the referral's cancer site (its intake rules; never a
    basic laboratory center), and the reason. `data["receiving_center"]` is an Organization
    (the service reads the id sent)."""
    from referrals.services.intake import ensure_center_accepts

    unmet = {}
    center = data.get("receiving_center")
    if center is None:
        unmet["receiving_center"] = "Choose the center to forward the referral to."
    elif center.pk in (referral.receiving_center_id, referral.referring_organization_id):
        unmet["receiving_center"] = "Choose another cancer center than this one."
    elif center.kind != center.Kind.CANCER_CENTER:
        unmet["receiving_center"] = "Choose a cancer center that sees patients."
    else:
        try:
            ensure_center_accepts(center=center, cancer_site=referral.cancer_site)
        except InvalidData as error:
            unmet["receiving_center"] = " ".join(error.fields["receiving_center"])
    if not _text(data, "reason"):
        unmet["reason"] = "Say why the referral is forwarded."
    return unmet


def no_data_needed(referral: Referral, data: dict) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    # The state it moves to; None when the state stays (the information requests).
    target: str | None
    actors: frozenset[str]
    # The referral's timestamp of this step; "" when it has none.
    milestone: str
    guard: Guard = no_guard
    # Part of the source: the action exists only where this holds (provide_information while
    # awaiting information, request_information while not). Elsewhere: a conflict (409).
    applies: Callable[[Referral], bool] = always
    # Data the action needs from the user, beyond the referral's own state, and its check.
    needs: tuple[str, ...] = ()
    data_guard: DataGuard = no_data_needed
    # A button label that warns the user the action cannot be undone.
    destructive: bool = False
    # What the user is told once it is done, in plain words (the name stays the API's).
    done: str = ""
    # A question asked before a one-click action that cannot be taken back.
    confirm: str = ""


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            "submit",
            "Submit",
            frozenset({Status.DRAFT}),
            Status.SUBMITTED,
            frozenset({rel.REFERRING_ONCOLOGIST, rel.REFERRING_COORDINATOR}),
            "submitted_at",
            guard=ready_to_submit,
            done="Submitted: the cancer center has the referral now.",
        ),
        Action(
            "accept",
            "Accept",
            frozenset({Status.SUBMITTED}),
            Status.ACCEPTED,
            frozenset({rel.CENTER_COORDINATOR}),
            "accepted_at",
            needs=("specialist",),
            done="Accepted: the records are requested from the referring side.",
        ),
        Action(
            "decline",
            "Decline",
            frozenset({Status.SUBMITTED}),
            Status.DECLINED,
            frozenset({rel.CENTER_COORDINATOR}),
            "declined_at",
            needs=("reason_code", "reason"),
            data_guard=decline_reason_given,
            destructive=True,
            done="Declined: the referring side is told why.",
        ),
        Action(
            "start_review",
            "Start the expert review",
            frozenset({Status.ACCEPTED}),
            Status.UNDER_REVIEW,
            frozenset({rel.CENTER_COORDINATOR}),
            "review_started_at",
            guard=records_complete_and_answered,
            done="The expert review has started.",
        ),
        Action(
            "issue_recommendation",
            "Issue recommendation",
            frozenset({Status.UNDER_REVIEW}),
            Status.RECOMMENDATION_ISSUED,
            frozenset({rel.ASSIGNED_SPECIALIST}),
            "recommendation_issued_at",
            guard=ready_to_issue_and_answered,
            done="Recommendation issued: the referring oncologist can read it now.",
            confirm="Issue the recommendation? The referring oncologist will read it, "
            "and it cannot be taken back (a correction is an amendment).",
        ),
        Action(
            "acknowledge_return",
            "Confirm you received the opinion",
            frozenset({Status.RECOMMENDATION_ISSUED}),
            Status.RETURNED,
            frozenset({rel.REFERRING_ONCOLOGIST, rel.REFERRING_COORDINATOR}),
            "returned_at",
            done="Thank you: you confirmed that you received the opinion.",
        ),
        Action(
            "start_monitoring",
            "Start follow-up",
            frozenset({Status.RETURNED}),
            Status.MONITORING,
            frozenset({rel.ASSIGNED_SPECIALIST, rel.CENTER_COORDINATOR}),
            "monitoring_started_at",
            guard=specialist_follows,
            done="Follow-up started: the referring side will send progress updates.",
        ),
        Action(
            "close",
            "Close",
            frozenset({Status.RETURNED, Status.MONITORING}),
            Status.CLOSED,
            frozenset({rel.REFERRING_COORDINATOR, rel.CENTER_COORDINATOR}),
            "closed_at",
            done="The referral is closed.",
        ),
        Action(
            "cancel",
            "Cancel",
            OPEN_STATES,
            Status.CANCELLED,
            frozenset(
                {rel.REFERRING_COORDINATOR, rel.CENTER_COORDINATOR, rel.REFERRING_ONCOLOGIST}
            ),
            "cancelled_at",
            needs=("reason_code", "reason"),
            data_guard=cancel_reason_given,
            destructive=True,
            done="The referral is cancelled.",
        ),
        Action(
            "forward",
            "Forward to another center",
            frozenset({Status.SUBMITTED, Status.ACCEPTED}),
            Status.FORWARDED,
            frozenset({rel.CENTER_COORDINATOR}),
            "forwarded_at",
            needs=("receiving_center", "reason"),
            data_guard=forward_destination_given,
            destructive=True,
            done="The referral is forwarded: the other center has it now, and this one keeps "
            "a read-only copy.",
        ),
        # The state stays; the referral is awaiting information until the answer
        # (referrals.services.information: the request, the flag and the paused clock). One
        # request is open at a time: a second one waits for the first answer.
        Action(
            "request_information",
            "Request information",
            frozenset({Status.ACCEPTED, Status.UNDER_REVIEW}),
            None,
            frozenset({rel.CENTER_COORDINATOR, rel.ASSIGNED_SPECIALIST}),
            "",
            applies=is_not_awaiting_information,
            needs=("reason", "note"),
            done="Your question is sent to the referring side; the step's clock is paused "
            "until they answer.",
        ),
        Action(
            "provide_information",
            "Provide information",
            frozenset({Status.ACCEPTED, Status.UNDER_REVIEW}),
            None,
            frozenset({rel.REFERRING_ONCOLOGIST, rel.REFERRING_COORDINATOR}),
            "",
            applies=is_awaiting_information,
            needs=("note",),
            done="Thank you: your answer is sent to the cancer center.",
        ),
    ]
}

MILESTONES = tuple(action.milestone for action in ACTIONS.values() if action.milestone)


@dataclass(frozen=True)
class ActionOption:
    """An action of this user in the referral's state, and what its guard still waits for."""

    action: Action
    unmet: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.action.name

    @property
    def label(self) -> str:
        return self.action.label

    @property
    def offered(self) -> bool:
        return not self.unmet

    @property
    def waiting_for(self) -> str:
        return "; ".join(self.unmet.values())


# The reason codes an action's `reason_code` is chosen from (decline and cancel).
REASON_CODES = {"decline": DECLINE_REASON_CODES, "cancel": CANCEL_REASON_CODES}


def get_action(name: str) -> Action | None:
    return ACTIONS.get(name)


def may_perform(relations: frozenset[str] | set[str], action: Action) -> bool:
    return bool(set(relations) & action.actors)


def actions_available(
    user, referral: Referral, *, relations: frozenset[str] | None = None
) -> list[ActionOption]:
    """Every action this user may take in the referral's state, each with its unmet reasons.

    An option with no unmet reasons is offered: performing it succeeds (given the data it
    `needs`). Options that wait for something are for showing why a button is disabled.
    """
    if relations is None:
        relations = relations_to(user, referral)
    return [
        ActionOption(action, action.guard(referral))
        for action in ACTIONS.values()
        if referral.status in action.sources
        and action.applies(referral)
        and may_perform(relations, action)
    ]


def actions_offered(user, referral: Referral, *, relations=None) -> list[Action]:
    """The actions that would succeed now (their guards are met)."""
    return [
        option.action
        for option in actions_available(user, referral, relations=relations)
        if option.offered
    ]
