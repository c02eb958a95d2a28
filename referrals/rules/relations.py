"""What a user is to one referral: its relations (DESIGN §3).

A relation is a membership (Membership.Role in an organization) narrowed by the referral:
the referring oncologist is an oncologist of the referring practice *who referred it*, the
assigned specialist a specialist of the center *it is assigned to*. The rulebook's tables
(workflow, capabilities, visibility, steps) are written in these names.

Adding a relation (e.g. "patient") is adding a row to RELATIONS.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from accounts.memberships import memberships_of
from accounts.models import Membership

REFERRING_ONCOLOGIST = "referring_oncologist"
REFERRING_COORDINATOR = "referring_coordinator"
CENTER_COORDINATOR = "center_coordinator"
ASSIGNED_SPECIALIST = "assigned_specialist"
ASSIGNED_PATHOLOGIST = "assigned_pathologist"
# The patient, through their companion page's link (companion app): no account and no
# membership, so no row of RELATIONS; the page acts with exactly this relation.
PATIENT = "patient"

REFERRING_SIDE = frozenset({REFERRING_ONCOLOGIST, REFERRING_COORDINATOR})
CENTER_SIDE = frozenset({CENTER_COORDINATOR, ASSIGNED_SPECIALIST, ASSIGNED_PATHOLOGIST})
COORDINATORS = frozenset({REFERRING_COORDINATOR, CENTER_COORDINATOR})
# Superusers administer everything: they act as both sides' coordinators.
SUPERUSER_RELATIONS = COORDINATORS


def _pathology_review_assigned(user) -> Q:
    from referrals.models import PathologyReview

    return Q(
        Exists(PathologyReview.objects.filter(referral=OuterRef("pk"), pathologist_id=user.pk))
    )


@dataclass(frozen=True)
class Relation:
    name: str
    side: str  # "referring" (the practice) or "center" (the receiving cancer center)
    membership_role: str
    # The narrowing beyond the membership, as a query condition on referrals and as a test
    # of one referral (`pathologist_ids`: the ids of the pathologists with a review on it).
    narrowing: Callable[..., Q]
    holds: Callable[..., bool]


Role = Membership.Role

RELATIONS: dict[str, Relation] = {
    relation.name: relation
    for relation in [
        Relation(
            REFERRING_COORDINATOR,
            "referring",
            Role.COORDINATOR,
            narrowing=lambda user: Q(),
            holds=lambda user, referral, pathologist_ids: True,
        ),
        Relation(
            REFERRING_ONCOLOGIST,
            "referring",
            Role.REFERRING_ONCOLOGIST,
            narrowing=lambda user: Q(referring_oncologist_id=user.pk),
            holds=lambda user, referral, pathologist_ids: (
                referral.referring_oncologist_id == user.pk
            ),
        ),
        Relation(
            CENTER_COORDINATOR,
            "center",
            Role.COORDINATOR,
            narrowing=lambda user: Q(),
            holds=lambda user, referral, pathologist_ids: True,
        ),
        Relation(
            ASSIGNED_SPECIALIST,
            "center",
            Role.SPECIALIST,
            narrowing=lambda user: Q(specialist_id=user.pk),
            holds=lambda user, referral, pathologist_ids: referral.specialist_id == user.pk,
        ),
        Relation(
            ASSIGNED_PATHOLOGIST,
            "center",
            Role.PATHOLOGIST,
            narrowing=_pathology_review_assigned,
            holds=lambda user, referral, pathologist_ids: user.pk in pathologist_ids(),
        ),
    ]
}


def organization_field(relation: Relation) -> str:
    return "referring_organization_id" if relation.side == "referring" else "receiving_center_id"


def holds_condition(user, relation_name: str) -> Q | None:
    """The referrals on which `user` holds the relation, as a query condition (None: all of
    them, for a superuser's coordinator relations). The query twin of `relations_to`."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None if relation_name in SUPERUSER_RELATIONS else Q(pk__in=[])
    relation = RELATIONS.get(relation_name)
    condition = Q(pk__in=[])
    if relation is None:
        return condition
    for membership in memberships_of(user):
        if membership.role == relation.membership_role:
            organization = Q(**{organization_field(relation): membership.organization_id})
            condition |= organization & relation.narrowing(user)
    return condition


def relations_to(user, referral, *, pathologist_ids: set[int] | None = None) -> frozenset[str]:
    """What the user is to this referral, e.g. {"center_coordinator"}; empty: nothing.

    `pathologist_ids` may be passed when already known; otherwise the pathology reviews are
    read from the prefetched rows when there are some, else with one query, only when the
    user is a pathologist of the center.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return SUPERUSER_RELATIONS

    def reviewers() -> set[int]:
        if pathologist_ids is not None:
            return pathologist_ids
        prefetched = getattr(referral, "_prefetched_objects_cache", {})
        if "pathology_reviews" in prefetched:
            return {review.pathologist_id for review in prefetched["pathology_reviews"]}
        return set(referral.pathology_reviews.values_list("pathologist_id", flat=True))

    found = set()
    for membership in memberships_of(user):
        for relation in RELATIONS.values():
            if (
                relation.membership_role == membership.role
                and getattr(referral, organization_field(relation)) == membership.organization_id
                and relation.holds(user, referral, reviewers)
            ):
                found.add(relation.name)
    return frozenset(found)
