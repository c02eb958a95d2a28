"""The referral's states, and the one set each of open, final and late states (DESIGN §2)."""

from referrals.models import Referral

Status = Referral.Status

OPEN_STATES = frozenset(
    {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.UNDER_REVIEW,
        Status.RECOMMENDATION_ISSUED,
        Status.RETURNED,
        Status.MONITORING,
    }
)
FINAL_STATES = frozenset({Status.CLOSED, Status.DECLINED, Status.CANCELLED, Status.FORWARDED})
# The center works on the case: records come in, pathology is re-reviewed, the consult held.
ACTIVE_STATES = frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.UNDER_REVIEW})
REVIEW_STATES = frozenset({Status.ACCEPTED, Status.UNDER_REVIEW})
# The recommendation is out; the case goes on (physical material goes back, updates come).
AFTER_RECOMMENDATION = frozenset({Status.RECOMMENDATION_ISSUED, Status.RETURNED, Status.MONITORING})
AFTER_RETURN = frozenset({Status.RETURNED, Status.MONITORING})

assert OPEN_STATES.isdisjoint(FINAL_STATES)
assert set(Status.values) == OPEN_STATES | FINAL_STATES, "every state is open or final"
