"""Who sees a referral, in which states, and which of its parts (DESIGN §3).

Every selector, the admin, the portal, the API and the FHIR export take it from here:
- `referral_visibility_filter(user)`: the query condition of the referrals a user may open;
- `sees(relations, referral)`: the same for one referral already read;
- `sees_part(...)`: the parts narrowed further (patient contact, draft recommendations).

Deny by default: a relation not in SEES sees nothing (analysts see aggregates only).
"""

from django.db.models import Q

from accounts.memberships import memberships_of
from referrals.models import Referral
from referrals.rules import relations as rel
from referrals.rules.states import AFTER_RETURN

# In which states a relation sees the referral. "always": every state. "once_submitted": the
# referral was submitted (submitted_at is set), whatever happened to it later: a draft that
# was cancelled before it was sent was never shared with the center.
ALWAYS = "always"
ONCE_SUBMITTED = "once_submitted"

SEES: dict[str, str] = {
    rel.REFERRING_COORDINATOR: ALWAYS,
    rel.REFERRING_ONCOLOGIST: ALWAYS,
    rel.CENTER_COORDINATOR: ONCE_SUBMITTED,
    rel.ASSIGNED_SPECIALIST: ONCE_SUBMITTED,
    rel.ASSIGNED_PATHOLOGIST: ONCE_SUBMITTED,
}

STATE_CONDITIONS = {
    ALWAYS: (Q(), lambda referral: True),
    ONCE_SUBMITTED: (Q(submitted_at__isnull=False), lambda referral: bool(referral.submitted_at)),
}

# Parts of a referral seen by fewer than all who see it. "author": only the part's author.
PATIENT_CONTACT = "patient_contact"  # phone, e-mail
# Who the patient is (name, MRN, date of birth): everyone who sees the referral, to match it
# with a chart; analysts see none of it (they see no referral). Lists search it only there.
PATIENT_IDENTITY = "patient_identity"
DRAFT_RECOMMENDATION = "draft_recommendation"
PART_SEEN_BY: dict[str, frozenset[str] | str] = {
    PATIENT_CONTACT: rel.REFERRING_SIDE,
    PATIENT_IDENTITY: frozenset(SEES),
    DRAFT_RECOMMENDATION: "author",
}


def referral_visibility_filter(user) -> Q | None:
    """The condition a referral meets to be visible to `user`; None means everything."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    condition = Q(pk__in=[])
    for membership in memberships_of(user):
        for relation in rel.RELATIONS.values():
            if relation.membership_role != membership.role or relation.name not in SEES:
                continue
            state_condition, _test = STATE_CONDITIONS[SEES[relation.name]]
            organization = Q(**{rel.organization_field(relation): membership.organization_id})
            condition |= organization & relation.narrowing(user) & state_condition
    return condition


def sees(relations, referral, *, user=None) -> bool:
    """Whether someone with these relations to the referral may open it."""
    if user is not None and user.is_superuser and user.is_active:
        return True
    return any(STATE_CONDITIONS[SEES[name]][1](referral) for name in relations if name in SEES)


def part_seen_filter(user, part: str) -> Q | None:
    """The referrals on which `user` sees `part` (one of the relations' parts, not "author"),
    as a query condition to add to a visible queryset; None: on every one of them."""
    condition = Q(pk__in=[])
    for name in PART_SEEN_BY[part]:
        holds = rel.holds_condition(user, name)
        if holds is None:
            return None
        condition |= holds
    return condition


def sees_patient_contact(relations) -> bool:
    return bool(set(relations) & PART_SEEN_BY[PATIENT_CONTACT])


# The patient's companion page shows the opinion (plain-language summary, answers to the
# patient's questions) once it is back with their own doctor, and after the case is closed.
PATIENT_SEES_OPINION = frozenset({*AFTER_RETURN, Referral.Status.CLOSED})


def patient_sees_opinion(referral) -> bool:
    return referral.status in PATIENT_SEES_OPINION


def sees_draft_recommendation(user, recommendation) -> bool:
    """A draft (unsigned) recommendation is its author's work in progress."""
    return recommendation.is_signed or recommendation.author_id == user.pk


def recommendations_seen(user, recommendations) -> list:
    return [r for r in recommendations if sees_draft_recommendation(user, r)]


def recommendations_seen_by(user) -> Q:
    """The same rule as a condition on Recommendation rows."""
    return Q(signed_at__isnull=False) | Q(author_id=user.pk)


def consult_letter_issued(referral) -> bool:
    """The consult letter (PDF, and its FHIR DocumentReference) exists once the recommendation
    is issued, for everyone who sees the referral, whatever happened to it later."""
    return referral.recommendation_issued_at is not None and any(
        recommendation.in_force for recommendation in referral.recommendations.all()
    )
