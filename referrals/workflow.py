"""The referral workflow of DESIGN §2: states, actions, who may act and what each needs.

Every interface (API, admin buttons, portal) asks this table what is allowed; the service in
`referrals.services.workflow` is the only code that moves a referral from one state to another.
"""

from dataclasses import dataclass

from referrals import roles
from referrals.models import Referral

S = Referral.Status


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    milestone: str
    # Data the action needs from the user, beyond the referral's own state.
    needs: tuple[str, ...] = ()
    # A button label that warns the user the action cannot be undone.
    destructive: bool = False


OPEN_STATES = frozenset(
    {
        S.DRAFT,
        S.SUBMITTED,
        S.ACCEPTED,
        S.UNDER_REVIEW,
        S.RECOMMENDATION_ISSUED,
        S.RETURNED,
        S.MONITORING,
    }
)

ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            "submit",
            "Submit",
            frozenset({S.DRAFT}),
            S.SUBMITTED,
            frozenset({roles.REFERRING_ONCOLOGIST, roles.REFERRING_COORDINATOR}),
            "submitted_at",
        ),
        Action(
            "accept",
            "Accept",
            frozenset({S.SUBMITTED}),
            S.ACCEPTED,
            frozenset({roles.CENTER_COORDINATOR}),
            "accepted_at",
            needs=("specialist",),
        ),
        Action(
            "decline",
            "Decline",
            frozenset({S.SUBMITTED}),
            S.DECLINED,
            frozenset({roles.CENTER_COORDINATOR}),
            "declined_at",
            needs=("reason",),
            destructive=True,
        ),
        Action(
            "start_review",
            "Start review",
            frozenset({S.ACCEPTED}),
            S.UNDER_REVIEW,
            frozenset({roles.CENTER_COORDINATOR}),
            "review_started_at",
        ),
        Action(
            "issue_recommendation",
            "Issue recommendation",
            frozenset({S.UNDER_REVIEW}),
            S.RECOMMENDATION_ISSUED,
            frozenset({roles.ASSIGNED_SPECIALIST}),
            "recommendation_issued_at",
        ),
        Action(
            "acknowledge_return",
            "Acknowledge return",
            frozenset({S.RECOMMENDATION_ISSUED}),
            S.RETURNED,
            frozenset({roles.REFERRING_ONCOLOGIST, roles.REFERRING_COORDINATOR}),
            "returned_at",
        ),
        Action(
            "start_monitoring",
            "Start monitoring",
            frozenset({S.RETURNED}),
            S.MONITORING,
            frozenset({roles.ASSIGNED_SPECIALIST, roles.CENTER_COORDINATOR}),
            "monitoring_started_at",
        ),
        Action(
            "close",
            "Close",
            frozenset({S.RETURNED, S.MONITORING}),
            S.CLOSED,
            frozenset({roles.REFERRING_COORDINATOR, roles.CENTER_COORDINATOR}),
            "closed_at",
        ),
        Action(
            "cancel",
            "Cancel",
            OPEN_STATES,
            S.CANCELLED,
            frozenset(
                {roles.REFERRING_COORDINATOR, roles.CENTER_COORDINATOR, roles.REFERRING_ONCOLOGIST}
            ),
            "cancelled_at",
            needs=("reason",),
            destructive=True,
        ),
    ]
}


def get_action(name: str) -> Action | None:
    return ACTIONS.get(name)


def may_perform(user_roles: set[str], action: Action) -> bool:
    return bool(user_roles & action.actors)


def actions_available(user, referral, *, user_roles: set[str] | None = None) -> list[Action]:
    """The actions this user may take on this referral in its current state."""
    if user_roles is None:
        user_roles = roles.roles_on(user, referral)
    return [
        action
        for action in ACTIONS.values()
        if referral.status in action.sources and may_perform(user_roles, action)
    ]
