"""Reading referrals: the one visibility layer of DESIGN §3, and the queries built on it."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.memberships import organizations_where
from accounts.models import Membership, Organization, User
from referrals.models import (
    PathologyReview,
    Patient,
    ProgressUpdate,
    Recommendation,
    RecordItem,
    Referral,
)
from referrals.rules.states import OPEN_STATES
from referrals.rules.steps import LATE_STATES, work_annotations
from referrals.rules.visibility import referral_visibility_filter

Role = Membership.Role


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


def with_work_status(queryset: QuerySet[Referral], *, user: User) -> QuerySet[Referral]:
    """Each row annotated with the step it waits on and whose turn it is, for this viewer
    (the rulebook's steps table in SQL: `waiting_step`, `step_rank`, `whose_turn`, `ours`)."""
    return queryset.annotate(**work_annotations(user))


def work_list(*, user: User) -> QuerySet[Referral]:
    """A work list's rows: visible referrals, their parties, their step and whose turn."""
    return with_work_status(referral_list(user=user), user=user)


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


def information_requests_of(*, referral: Referral):
    """The referral's information requests, oldest first: a thread both sides read (everyone
    who sees the referral, rules.visibility), like the timeline."""
    return referral.information_requests.select_related(
        "referral", "asked_by", "answered_by"
    ).order_by("asked_at", "id")


def referral_documents(*, user: User) -> QuerySet[Referral]:
    """Visible referrals with what their consult letter and FHIR export read."""
    return (
        referral_list(user=user)
        .select_related("patient__organization", "previous_referral")
        .prefetch_related(
            "recommendations__author",
            "pathology_reviews__signed_by",
            "external_identifiers",
        )
    )


def referral_events(*, referral: Referral):
    return referral.events.select_related("actor").order_by("occurred_at", "id")


def overdue_condition(today=None) -> Q:
    """The one definition of overdue: the step the referral waits on now was due before today."""
    return Q(status__in=LATE_STATES, next_due__lt=today or timezone.localdate())


def is_overdue(referral: Referral, today=None) -> bool:
    """The same, for one referral already read."""
    today = today or timezone.localdate()
    return referral.status in LATE_STATES and bool(referral.next_due) and referral.next_due < today


def referrals_overdue(queryset: QuerySet[Referral], today=None) -> QuerySet[Referral]:
    return queryset.filter(overdue_condition(today))


def overdue_ours(queryset: QuerySet[Referral], today=None) -> QuerySet[Referral]:
    """Overdue steps that the viewer or their organization must do (`with_work_status` rows)."""
    return queryset.filter(overdue_condition(today), ours=True)


def late_elsewhere(queryset: QuerySet[Referral], today=None) -> QuerySet[Referral]:
    """Overdue steps that others must do: shown apart, never flagged as the viewer's."""
    return queryset.filter(overdue_condition(today), ours=False)


def patients_visible_to(*, user: User) -> QuerySet[Patient]:
    """Patients of the practices where the user coordinates or refers."""
    if user.is_superuser:
        return Patient.objects.all()
    organizations = organizations_where(user, Role.COORDINATOR, Role.REFERRING_ONCOLOGIST)
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


def specialists_for_assignment(center: Organization) -> QuerySet[User]:
    """The center's specialists, each with `subspecialties` (at this center) and
    `open_referrals` (open referrals assigned to them anywhere): one query for them all."""
    at_center = Membership.objects.filter(
        user=OuterRef("pk"), organization=center, role=Role.SPECIALIST
    )
    open_assigned = (
        Referral.objects.filter(specialist=OuterRef("pk"), status__in=OPEN_STATES)
        .order_by()
        .values("specialist")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        User.objects.filter(Exists(at_center), is_active=True)
        .annotate(
            subspecialties=Subquery(at_center.values("subspecialties")[:1]),
            open_referrals=Coalesce(Subquery(open_assigned, output_field=IntegerField()), 0),
        )
        .order_by("full_name", "pk")
    )


def pathologists_of(center: Organization) -> QuerySet[User]:
    return User.objects.filter(
        memberships__organization=center, memberships__role=Role.PATHOLOGIST, is_active=True
    ).distinct()


def destination_centers() -> QuerySet[Organization]:
    """Cancer centers that see patients (basic laboratory centers never do)."""
    return Organization.objects.filter(
        kind=Organization.Kind.CANCER_CENTER, is_active=True
    ).exclude(nci_designation=Organization.NCIDesignation.BASIC)


def forwarded_to(referral: Referral) -> Referral | None:
    """The referral a forwarded one became at the other center (it points back to it)."""
    if referral.status != Referral.Status.FORWARDED:
        return None
    return (
        Referral.objects.filter(previous_referral=referral, opinion_number=referral.opinion_number)
        .select_related("receiving_center")
        .order_by("created_at")
        .first()
    )


def forward_destinations(referral: Referral) -> QuerySet[Organization]:
    """The centers a referral may be forwarded to: those that see patients and take its
    cancer site (the intake rules), other than its own."""
    from referrals.services.intake import centers_accepting

    return centers_accepting(cancer_site=referral.cancer_site).exclude(
        pk=referral.receiving_center_id
    )


def destination_centers_platform_first() -> QuerySet[Organization]:
    """Destination centers, those on the platform (with members) first, each group by name;
    `on_platform` says which."""
    members = Membership.objects.filter(organization=OuterRef("pk"))
    return (
        destination_centers().annotate(on_platform=Exists(members)).order_by("-on_platform", "name")
    )
