"""The referral list's filters and search (DESIGN §4)."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from accounts.models import CancerSite
from referrals.models import PathologyReview, Referral
from referrals.selectors import referrals_overdue


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Referral.Status.choices)
    center = django_filters.UUIDFilter(
        field_name="receiving_center__uuid", help_text="The receiving center's id."
    )
    cancer_site = django_filters.ChoiceFilter(choices=CancerSite.choices)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text="true: open referrals past their next due date."
    )
    assigned_to = django_filters.ChoiceFilter(
        choices=[("me", "me")],
        method="filter_assigned_to",
        help_text="me: assigned to the caller as specialist or reviewing pathologist.",
    )
    awaiting_information = django_filters.BooleanFilter(
        help_text="true: an information request is open (the referring side's turn)."
    )
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text="Reference, MRN or patient name."
    )

    class Meta:
        model = Referral
        fields = [
            "status",
            "center",
            "cancer_site",
            "overdue",
            "assigned_to",
            "awaiting_information",
            "search",
        ]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = referrals_overdue(queryset)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_assigned_to(self, queryset, name, value):
        user = self.request.user
        reviewing = PathologyReview.objects.filter(referral=OuterRef("pk"), pathologist_id=user.pk)
        return queryset.filter(Q(specialist_id=user.pk) | Q(Exists(reviewing)))

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            queryset = queryset.filter(
                Q(reference__icontains=term)
                | Q(patient__mrn__iexact=term)
                | Q(patient__family_name__icontains=term)
                | Q(patient__given_name__icontains=term)
            )
        return queryset
