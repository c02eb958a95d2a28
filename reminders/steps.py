"""Which step a referral waits on, and who must act on it (the issue's recipients table)."""

from django.db.models import Min, QuerySet

from accounts.models import Membership, User
from referrals.models import Referral
from referrals.rules import steps as rulebook_steps
from reminders.models import Reminder

Step = Reminder.Step

# The steps, their states, whose turn and what is late: the rulebook's table, read here.
LATE_STATUSES = sorted(rulebook_steps.LATE_STATES)

EVERY_STEP = (*rulebook_steps.STEPS, *rulebook_steps.PARALLEL_STEPS)
RECIPIENT_ROLE = {step.name: rulebook_steps.TURN_LABELS[step.turn] for step in EVERY_STEP}
ESCALATION_ROLE = "lead coordinator of the receiving center"

WHAT_IS_LATE = {step.name: step.what_is_late for step in EVERY_STEP}
PARALLEL_STEPS = rulebook_steps.PARALLEL_STEPS
PARALLEL_STEP_NAMES = frozenset(step.name for step in PARALLEL_STEPS)


def waiting_on_parallel_step(
    step: rulebook_steps.ParallelStep, queryset: QuerySet, *, due_before=None
) -> QuerySet:
    """The referrals of `queryset` waiting on `step` (due before `due_before`, if given),
    annotated with the step's earliest due date, `step_due`.

    The due date and the waiting condition are one filter, so both apply to the same rows (a
    referral's received slides, not any of its items), and so does the annotation after it.
    """
    conditions = {**step.waiting, f"{step.due_lookup}__isnull": False}
    if due_before is not None:
        conditions[f"{step.due_lookup}__lt"] = due_before
    return queryset.filter(status__in=step.states, **conditions).annotate(
        step_due=Min(step.due_lookup)
    )


def parallel_step_due(referral: Referral, name: str):
    """The due date of a parallel step this referral still waits on; None when it does not."""
    step = rulebook_steps.PARALLEL_STEP_NAMED[name]
    found = waiting_on_parallel_step(step, Referral.objects.filter(pk=referral.pk))
    return found.values_list("step_due", flat=True).first()


def with_records_outstanding(queryset: QuerySet, *, referral: str = "pk") -> QuerySet:
    """Annotate whether a required record item is still missing (records vs review step).

    `referral` is the path from the queryset's rows to the referral ("referral" for reminders).
    """
    return queryset.annotate(records_outstanding=rulebook_steps.records_outstanding(referral))


def current_step(referral: Referral, *, records_outstanding: bool | None = None) -> str | None:
    """The step one referral waits on now.

    One query for an accepted referral, unless `records_outstanding` is given (annotated by
    `with_records_outstanding`).
    """
    if referral.awaiting_information or referral.status != Referral.Status.ACCEPTED:
        records_outstanding = False
    elif records_outstanding is None:
        records_outstanding = (
            Referral.objects.filter(pk=referral.pk)
            .filter(rulebook_steps.records_outstanding())
            .exists()
        )
    return step_waited_on(
        status=referral.status,
        records_outstanding=records_outstanding,
        awaiting_information=referral.awaiting_information,
    )


def step_waited_on(
    *, status: str, records_outstanding: bool, awaiting_information: bool = False
) -> str | None:
    """The step the referral waits on now: an open information request's answer, else
    records until they are in, then the review."""
    step = rulebook_steps.step_waited_on(
        status=status,
        records_outstanding=records_outstanding,
        awaiting_information=awaiting_information,
    )
    return step.name if step else None


def _responsible(step: str, **ids) -> tuple[str, int | None]:
    return rulebook_steps.responsible(rulebook_steps.STEP_NAMED[step], **ids)


def responsible_organization(step: str, *, referring_id: int, center_id: int) -> int | None:
    """The organization whose coordinators must act, for the coordinators' steps."""
    kind, found = _responsible(
        step, referring_id=referring_id, center_id=center_id, specialist_id=None, oncologist_id=None
    )
    return found if kind == "organization" else None


def responsible_person(step: str, *, specialist_id: int | None, oncologist_id: int) -> int | None:
    """The one person who must act, for the steps that belong to a person."""
    kind, found = _responsible(
        step,
        referring_id=None,
        center_id=None,
        specialist_id=specialist_id,
        oncologist_id=oncologist_id,
    )
    return found if kind == "person" else None


def coordinators_by_organization(organization_ids: set[int]) -> dict[int, list[int]]:
    """Active coordinators' user ids per organization, in one query."""
    found: dict[int, list[int]] = {}
    rows = Membership.objects.filter(
        organization_id__in=organization_ids,
        role=Membership.Role.COORDINATOR,
        user__is_active=True,
    ).values_list("organization_id", "user_id")
    for organization_id, user_id in rows:
        found.setdefault(organization_id, []).append(user_id)
    return found


def active_user_ids(user_ids: set[int]) -> set[int]:
    return set(User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))
