"""What an open referral waits on now, whose turn it is, and when that step is due.

One row per step. The reminder engine (scan and e-mails), the manual "send a reminder now",
`next_due`, the reports' overdue figures and the work lists read this table. A referral's
late step is the step of its state whose due date (`next_due`, copied from `due_field`) has
passed. An open information request is a step of its own (`information`, the referring side's
turn) and pauses the state's step. Beside them, PARALLEL_STEPS wait on a part of the referral
with a date of its own (a missed consult, slides and blocks to return). Adding a step is adding
a row.

The table is read two ways, from the same rows: `step_waited_on` for one referral already
read, and `step_condition` / `work_annotations` as SQL for the work lists (one query per page,
filtered and sorted on the step and whose turn it is). The first step of the table that
matches wins, in both. A step with a new kind of condition (a field of `Step` beyond `state`
and `records_outstanding`) is taught to both here; tests/rules/test_steps_in_sql.py checks
that they agree in every state.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)

from referrals.models import RecordItem, Referral
from referrals.rules import relations as rel

Status = Referral.Status


class StepName(models.TextChoices):
    """The steps a referral waits on; a Reminder names one (reminders.models)."""

    TRIAGE = "triage", "Triage"
    RECORDS = "records", "Records"
    REVIEW = "review", "Start of review"
    RECOMMENDATION = "recommendation", "Recommendation"
    RETURN = "return", "Return acknowledgement"
    PROGRESS_UPDATE = "progress_update", "Progress update"
    INFORMATION = "information", "Information request"
    NO_SHOW = "no_show", "Rescheduling after a missed consult"
    SLIDE_RETURN = "slide_return", "Return of slides and blocks"


@dataclass(frozen=True)
class Step:
    name: str
    state: str
    # Whose turn it is: the relation to the referral that must act (its people are reminded).
    turn: str
    # The referral's date field holding this step's due date.
    due_field: str
    what_is_late: str
    # Within `state`, the step applies only when the required records are still missing
    # (True), only when they are all in (False), or either way (None).
    records_outstanding: bool | None = None
    # The step of a referral awaiting information (an open InformationRequest): it replaces
    # the state's own step, whose clock is paused meanwhile (DESIGN §5).
    awaiting_information: bool = False


STEPS: tuple[Step, ...] = (
    Step(
        StepName.TRIAGE,
        Status.SUBMITTED,
        rel.CENTER_COORDINATOR,
        "triage_due",
        "The referral is waiting to be accepted or declined.",
    ),
    Step(
        StepName.RECORDS,
        Status.ACCEPTED,
        rel.REFERRING_COORDINATOR,
        "records_due",
        "Required records have not all arrived at the cancer center.",
        records_outstanding=True,
    ),
    Step(
        StepName.REVIEW,
        Status.ACCEPTED,
        rel.CENTER_COORDINATOR,
        "records_due",
        "The records are complete; the expert review has not started.",
        records_outstanding=False,
    ),
    Step(
        StepName.RECOMMENDATION,
        Status.UNDER_REVIEW,
        rel.ASSIGNED_SPECIALIST,
        "recommendation_due",
        "The expert recommendation has not been issued.",
    ),
    Step(
        StepName.RETURN,
        Status.RECOMMENDATION_ISSUED,
        rel.REFERRING_ONCOLOGIST,
        "return_due",
        "The referring side has not acknowledged the recommendation.",
    ),
    Step(
        StepName.PROGRESS_UPDATE,
        Status.MONITORING,
        rel.REFERRING_ONCOLOGIST,
        "next_update_due",
        "A progress update from the referring side is due.",
    ),
    # While an information request is open it is the practice's turn, in either state where
    # the center may ask (one row per state, the same step): reminded 3 business days after
    # the question (its due date `information_due`, services.information).
    *(
        Step(
            StepName.INFORMATION,
            state,
            rel.REFERRING_ONCOLOGIST,
            "information_due",
            "The cancer center asked the referring side for information; no answer yet.",
            awaiting_information=True,
        )
        for state in (Status.ACCEPTED, Status.UNDER_REVIEW)
    ),
)


@dataclass(frozen=True)
class ParallelStep:
    """A step waited on beside the referral's main one, with a due date of its own on a part
    of the referral (a missed consult to reschedule, slides to send back): its reminders do
    not depend on the referral's state moving on."""

    name: str
    # The referral states in which the step can be waited on.
    states: frozenset[str]
    turn: str
    # The lookup from the referral to the step's due date (the earliest, if several rows),
    # and the condition, on the same rows, under which the step is still waited on.
    due_lookup: str
    waiting: dict
    what_is_late: str


# The consult can be rescheduled while it can be arranged (capabilities: arrange_consult).
CONSULT_STATES = frozenset({Status.ACCEPTED, Status.UNDER_REVIEW})
# Physical material is returned in any state after the draft (capabilities: received →
# returned), and only received material has a return date (set when the recommendation is
# issued, referrals.services.workflow).
MATERIAL_STATES = frozenset(set(Status.values) - {Status.DRAFT})

PARALLEL_STEPS: tuple[ParallelStep, ...] = (
    ParallelStep(
        StepName.NO_SHOW,
        CONSULT_STATES,
        rel.CENTER_COORDINATOR,
        "consultation__reschedule_due",
        {"consultation__attendance": "no_show"},
        "The patient missed the consult; it has not been rescheduled.",
    ),
    ParallelStep(
        StepName.SLIDE_RETURN,
        MATERIAL_STATES,
        rel.CENTER_COORDINATOR,
        "record_items__return_due",
        {"record_items__status": "received"},
        "Physical slides or blocks have not been returned to the originating lab.",
    ),
)
PARALLEL_STEP_NAMED = {step.name: step for step in PARALLEL_STEPS}

STEP_NAMED = {step.name: step for step in (*STEPS, *PARALLEL_STEPS)}

# The states in which a center may wait on an information request (its step replaces theirs).
INFORMATION_STATES = frozenset(step.state for step in STEPS if step.awaiting_information)

# The states in which a referral waits on a step with a due date: the same list as the
# partial index `referral_open_next_due` (a test checks it), so the scan can use that index.
LATE_STATES = frozenset(step.state for step in STEPS)

# Why a recipient gets the e-mail, said in the e-mail itself.
TURN_LABELS = {
    rel.CENTER_COORDINATOR: "coordinator of the receiving center",
    rel.REFERRING_COORDINATOR: "coordinator of the sending organization",
    rel.ASSIGNED_SPECIALIST: "assigned specialist",
    rel.REFERRING_ONCOLOGIST: "referring oncologist",
}


def step_waited_on(
    *, status: str, records_outstanding: bool, awaiting_information: bool = False
) -> Step | None:
    """The step a referral in `status` waits on now: the answer to an open information
    request, else records until they are in, then review."""
    for step in STEPS:
        if (
            step.state == status
            and step.awaiting_information == awaiting_information
            and step.records_outstanding in (None, records_outstanding)
        ):
            return step
    if awaiting_information:  # asked in a state without an information step: its own step
        return step_waited_on(status=status, records_outstanding=records_outstanding)
    return None


def paused_due_field(status: str) -> str | None:
    """The due field of the state's own step: the clock an information request pauses."""
    fields = {
        step.due_field for step in STEPS if step.state == status and not step.awaiting_information
    }
    return fields.pop() if fields else None


def due_date(referral: Referral):
    """The due date of the step the referral waits on now (its `next_due`); None when none."""
    awaiting = getattr(referral, "awaiting_information", False)
    fields = {
        step.due_field
        for step in STEPS
        if step.state == referral.status and step.awaiting_information == awaiting
    }
    return getattr(referral, fields.pop()) if fields else None


def responsible(step: Step, *, referring_id, center_id, specialist_id, oncologist_id):
    """("organization", id) when a side's coordinators must act, ("person", id) for one person."""
    return {
        rel.CENTER_COORDINATOR: ("organization", center_id),
        rel.REFERRING_COORDINATOR: ("organization", referring_id),
        rel.ASSIGNED_SPECIALIST: ("person", specialist_id),
        rel.REFERRING_ONCOLOGIST: ("person", oncologist_id),
    }[step.turn]


def current_step(referral: Referral) -> Step | None:
    """The step one referral waits on now (reads its record items when it is accepted)."""
    from referrals.rules.workflow import required_records_missing

    outstanding = referral.status == Status.ACCEPTED and bool(required_records_missing(referral))
    return step_waited_on(
        status=referral.status,
        records_outstanding=outstanding,
        awaiting_information=referral.awaiting_information,
    )


# Whose turn it is, as a work list says it to the person reading it: theirs, or the side that
# must act (the turn relation's side).
YOURS = "yours"
CENTER = "center"
PRACTICE = "practice"
WHOSE_TURN_LABELS = {
    YOURS: "Your action",
    CENTER: "Waiting on the center",
    PRACTICE: "Waiting on the practice",
}
SIDE_TURN = {"center": CENTER, "referring": PRACTICE}


def turn_side(step: Step) -> str:
    """CENTER or PRACTICE: the side whose people act on the step."""
    return SIDE_TURN[rel.RELATIONS[step.turn].side]


def records_outstanding(referral: str = "pk") -> Exists:
    """Whether a required record item of the referral is still missing (records vs review
    step), as SQL; `referral` is the path from the query's rows to the referral."""
    missing = RecordItem.objects.filter(referral=OuterRef(referral), required=True).exclude(
        status__in=[
            RecordItem.Status.RECEIVED,
            RecordItem.Status.RETURNED,
            RecordItem.Status.WAIVED,
        ]
    )
    return Exists(missing)


def step_condition(step: Step) -> Q:
    """The referral is in this row's state and meets its conditions, as a query condition.
    Alone it ignores the rows before it; the expressions below keep the table's order."""
    condition = Q(status=step.state)
    if step.state in INFORMATION_STATES:  # the information step, or the state's own
        condition &= Q(awaiting_information=step.awaiting_information)
    if step.records_outstanding is not None:
        outstanding = records_outstanding()
        condition &= Q(outstanding) if step.records_outstanding else Q(~outstanding)
    return condition


def _first_match(whens_per_step, output_field, default=None) -> Case:
    whens = [when for step in STEPS for when in whens_per_step(step)]
    return Case(*whens, default=Value(default), output_field=output_field)


def waiting_step_expression() -> Case:
    """The name of the step a referral waits on now (NULL: none), in SQL."""
    return _first_match(
        lambda step: [When(step_condition(step), then=Value(step.name))], CharField()
    )


def step_rank_expression() -> Case:
    """The step's place in the table (the workflow's order), to sort a list by step."""
    ranks = {step.name: rank for rank, step in enumerate(STEPS)}
    return _first_match(
        lambda step: [When(step_condition(step), then=Value(ranks[step.name]))],
        IntegerField(),
        default=len(STEPS),
    )


def _and(condition: Q, extra: Q | None) -> Q:
    return condition if extra is None else condition & extra


def whose_turn_expression(user) -> Case:
    """YOURS when `user` holds the step's turn relation, else CENTER or PRACTICE; NULL when
    the referral waits on no step."""
    return _first_match(
        lambda step: [
            When(_and(step_condition(step), rel.holds_condition(user, step.turn)), Value(YOURS)),
            When(step_condition(step), then=Value(turn_side(step))),
        ],
        CharField(),
    )


def _own_side(user, step: Step) -> Q | None:
    """The step is the user's or their organization's to do: the organization of the turn
    relation's side is one of the user's (None: always, for a superuser). Holding the turn
    relation implies it."""
    if user.is_superuser:
        return None
    organizations = {membership.organization_id for membership in rel.memberships_of(user)}
    field = rel.organization_field(rel.RELATIONS[step.turn])
    return Q(**{f"{field}__in": organizations})


def ours_expression(user) -> Case:
    """True when the step waited on is the user's or their organization's to do: only those
    are flagged "overdue" to them; others' late steps are shown apart, quietly."""
    return _first_match(
        lambda step: [
            When(_and(step_condition(step), _own_side(user, step)), then=Value(True)),
            When(step_condition(step), then=Value(False)),
        ],
        BooleanField(),
        default=False,
    )


def work_annotations(user) -> dict:
    """What a work list row shows of the step, for `queryset.annotate(**work_annotations(u))`:
    `waiting_step`, `step_rank`, `whose_turn` and `ours`."""
    return {
        "waiting_step": waiting_step_expression(),
        "step_rank": step_rank_expression(),
        "whose_turn": whose_turn_expression(user),
        "ours": ours_expression(user),
    }
