"""The directory (IDs a client needs to send a referral and run it; no patient data).

- `GET centers/`: cancer centers that see patients for second opinions, with the sites they
  take, for `receiving_center`;
- `GET colleagues/`: active people in the caller's own organizations and their roles, for
  `specialist`, `pathologist` and `referring_oncologist`. Nobody sees another organization's
  staff here.
"""

import django_filters
from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts.memberships import memberships_of
from accounts.models import CancerSite, IntakeRule, Membership
from referrals.api.serializers.directory import CenterSerializer, ColleagueSerializer
from referrals.api.views.base import ApiView
from referrals.selectors import destination_centers
from referrals.services.intake import centers_accepting


class CenterFilter(django_filters.FilterSet):
    cancer_site = django_filters.ChoiceFilter(
        choices=CancerSite.choices,
        method="filter_cancer_site",
        help_text="Only centers that take this cancer site.",
    )

    def filter_cancer_site(self, queryset, name, value):
        return queryset.filter(pk__in=centers_accepting(cancer_site=value).values("pk"))


class ColleagueFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Membership.Role.choices)
    organization = django_filters.UUIDFilter(
        field_name="organization__uuid", help_text="One of the caller's organizations' id."
    )

    class Meta:
        model = Membership
        fields = ["role", "organization"]


class CenterListView(ApiView):
    """Cancer centers a referral can be sent to, by name."""

    serializer_class = CenterSerializer
    filter_backends = (DjangoFilterBackend,)
    filterset_class = CenterFilter

    def get_queryset(self):
        rules = Prefetch("intake_rules", queryset=IntakeRule.objects.order_by("cancer_site"))
        return destination_centers().prefetch_related(rules).order_by("name")

    @extend_schema(operation_id="centers_list", responses=CenterSerializer(many=True))
    def get(self, request):
        centers = self.filter_queryset(self.get_queryset())
        return Response(self.get_serializer(centers, many=True).data)


class ColleagueListView(ApiView):
    """Active people of the caller's organizations, one row per role they hold there."""

    serializer_class = ColleagueSerializer
    filter_backends = (DjangoFilterBackend,)
    filterset_class = ColleagueFilter

    def get_queryset(self):
        own = {membership.organization_id for membership in memberships_of(self.request.user)}
        return (
            Membership.objects.filter(organization_id__in=own, user__is_active=True)
            .select_related("user", "organization")
            .order_by("organization__name", "role", "user__full_name", "user__email")
        )

    @extend_schema(operation_id="colleagues_list", responses=ColleagueSerializer(many=True))
    def get(self, request):
        memberships = self.filter_queryset(self.get_queryset())
        return Response(self.get_serializer(memberships, many=True).data)
