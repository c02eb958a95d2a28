"""Reading referrals: the one visibility layer of DESIGN §3, and the queries built on it."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, Organization, User
from referrals import roles
from referrals.models import (
    PathologyReview,
    Patient,
    ProgressUpdate,
    Recommendation,
    RecordItem,
    Referral,
)

Role = Membership.Role


def referral_visibility_filter(user: User) -> Q | None:
    """The condition a referral meets to be visible to `user`; None means everything."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    condition = Q(pk__in=[])
    submitted = ~Q(status=Referral.Status.DRAFT)
    for membership in roles.memberships_of(user):
        org = membership.organization_id
        if membership.role == Role.COORDINATOR:
            condition |= Q(referring_organization_id=org)
            condition |= Q(receiving_center_id=org) & submitted
        elif membership.role == Role.REFERRING_ONCOLOGIST:
            condition |= Q(referring_organization_id=org, referring_oncologist_id=user.pk)
        elif membership.role == Role.SPECIALIST:
            condition |= Q(receiving_center_id=org, specialist_id=user.pk) & submitted
        elif membership.role == Role.PATHOLOGIST:
            has_review = Exists(
                PathologyReview.objects.filter(referral=OuterRef("pk"), pathologist_id=user.pk)
            )
            condition |= Q(has_review, receiving_center_id=org) & submitted
        # Analysts see aggregates only, never a referral.
    return condition


def referrals_visible_to(*, user: User) -> QuerySet[Referral]:
    """Every referral the user may open. Start every user-reachable query here."""
    condition = referral_visibility_filter(user)
    queryset = Referral.objects.all()
    return queryset if condition is None else queryset.filter(condition)


def referral_list(*, user: User) -> QuerySet[Referral]:
    """Visible referrals with what a list row shows, in a fixed number of queries."""
    return referrals_visible_to(user=user).select_related(
        "patient",
        "receiving_center",
        "referring_organization",
        "referring_oncologist",
        "specialist",
    )


def referral_detail(*, user: User, uuid) -> Referral:
    """One visible referral with its parts; raises Referral.DoesNotExist (answer 404)."""
    return (
        referral_list(user=user)
        .prefetch_related(
            "record_items__attachments",
            "pathology_reviews__pathologist",
            "recommendations__author",
            "progress_updates__author",
            "progress_updates__advice_by",
        )
        .get(uuid=uuid)
    )


def referral_events(*, referral: Referral):
    return referral.events.select_related("actor").order_by("occurred_at", "id")


def referrals_overdue(queryset: QuerySet[Referral], today=None) -> QuerySet[Referral]:
    today = today or timezone.localdate()
    return queryset.filter(status__in=Referral.OPEN_STATUSES, next_due__lt=today)


def patients_visible_to(*, user: User) -> QuerySet[Patient]:
    """Patients of the practices where the user coordinates or refers."""
    if user.is_superuser:
        return Patient.objects.all()
    organizations = roles.organizations_where(user, Role.COORDINATOR, Role.REFERRING_ONCOLOGIST)
    return Patient.objects.filter(organization_id__in=organizations)


def record_items_visible_to(*, user: User) -> QuerySet[RecordItem]:
    return RecordItem.objects.filter(referral__in=referrals_visible_to(user=user))


def pathology_reviews_visible_to(*, user: User) -> QuerySet[PathologyReview]:
    return PathologyReview.objects.filter(referral__in=referrals_visible_to(user=user))


def progress_updates_visible_to(*, user: User) -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.filter(referral__in=referrals_visible_to(user=user))


def recommendation_history(*, referral: Referral) -> QuerySet[Recommendation]:
    return referral.recommendations.select_related("author").order_by("-version")


def specialists_of(center: Organization) -> QuerySet[User]:
    return User.objects.filter(
        memberships__organization=center, memberships__role=Role.SPECIALIST, is_active=True
    ).distinct()


def pathologists_of(center: Organization) -> QuerySet[User]:
    return User.objects.filter(
        memberships__organization=center, memberships__role=Role.PATHOLOGIST, is_active=True
    ).distinct()


def destination_centers() -> QuerySet[Organization]:
    """Cancer centers that see patients (basic laboratory centers never do)."""
    return Organization.objects.filter(
        kind=Organization.Kind.CANCER_CENTER, is_active=True
    ).exclude(nci_designation=Organization.NCIDesignation.BASIC)
