"""Which step a referral waits on, and who must act on it (the issue's recipients table)."""

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Membership, User
from referrals.models import RecordItem, Referral, Reminder

S = Referral.Status
Step = Reminder.Step

# The states whose step has a due date: the same list as the partial index
# `referral_open_next_due`, so the scan's query can use that index.
LATE_STATUSES = [
    S.SUBMITTED,
    S.ACCEPTED,
    S.UNDER_REVIEW,
    S.RECOMMENDATION_ISSUED,
    S.MONITORING,
]

STEP_OF_STATUS = {
    S.SUBMITTED: Step.TRIAGE,
    S.ACCEPTED: Step.RECORDS,
    S.UNDER_REVIEW: Step.RECOMMENDATION,
    S.RECOMMENDATION_ISSUED: Step.RETURN,
    S.MONITORING: Step.PROGRESS_UPDATE,
}

# Why the recipient gets the e-mail, said in the e-mail itself.
RECIPIENT_ROLE = {
    Step.TRIAGE: "coordinator of the receiving center",
    Step.REVIEW: "coordinator of the receiving center",
    Step.RECORDS: "coordinator of the sending organization",
    Step.RECOMMENDATION: "assigned specialist",
    Step.RETURN: "referring oncologist",
    Step.PROGRESS_UPDATE: "referring oncologist",
}
ESCALATION_ROLE = "lead coordinator of the receiving center"

WHAT_IS_LATE = {
    Step.TRIAGE: "The referral is waiting to be accepted or declined.",
    Step.RECORDS: "Required records have not all arrived at the cancer center.",
    Step.REVIEW: "The records are complete; the expert review has not started.",
    Step.RECOMMENDATION: "The expert recommendation has not been issued.",
    Step.RETURN: "The referring side has not acknowledged the recommendation.",
    Step.PROGRESS_UPDATE: "A progress update from the referring side is due.",
}


def _required_records_missing() -> QuerySet[RecordItem]:
    return RecordItem.objects.filter(required=True).exclude(
        status__in=[
            RecordItem.Status.RECEIVED,
            RecordItem.Status.RETURNED,
            RecordItem.Status.WAIVED,
        ]
    )


def with_records_outstanding(queryset: QuerySet, *, referral: str = "pk") -> QuerySet:
    """Annotate whether a required record item is still missing (records vs review step).

    `referral` is the path from the queryset's rows to the referral ("referral" for reminders).
    """
    missing = _required_records_missing().filter(referral=OuterRef(referral))
    return queryset.annotate(records_outstanding=Exists(missing))


def current_step(referral: Referral, *, records_outstanding: bool | None = None) -> str | None:
    """The step one referral waits on now.

    One query for an accepted referral, unless `records_outstanding` is given (annotated by
    `with_records_outstanding`).
    """
    if referral.status != S.ACCEPTED:
        records_outstanding = False
    elif records_outstanding is None:
        records_outstanding = _required_records_missing().filter(referral=referral).exists()
    return step_waited_on(status=referral.status, records_outstanding=records_outstanding)


def step_waited_on(*, status: str, records_outstanding: bool) -> str | None:
    """The step the referral waits on now: records until they are in, then the review."""
    step = STEP_OF_STATUS.get(status)
    if step == Step.RECORDS and not records_outstanding:
        return Step.REVIEW
    return step


def responsible_organization(step: str, *, referring_id: int, center_id: int) -> int | None:
    """The organization whose coordinators must act, for the coordinators' steps."""
    if step in (Step.TRIAGE, Step.REVIEW):
        return center_id
    if step == Step.RECORDS:
        return referring_id
    return None


def responsible_person(step: str, *, specialist_id: int | None, oncologist_id: int) -> int | None:
    """The one person who must act, for the steps that belong to a person."""
    if step == Step.RECOMMENDATION:
        return specialist_id
    if step in (Step.RETURN, Step.PROGRESS_UPDATE):
        return oncologist_id
    return None


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
