from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response

from accounts.models import Organization, User
from referrals.api.filters import ReferralFilter
from referrals.api.pagination import NewestFirstCursorPagination
from referrals.api.renderers import FastJSONRenderer
from referrals.api.schema import id_parameter
from referrals.api.serializers.referrals import (
    EventSerializer,
    ReferralCreateSerializer,
    ReferralDetailSerializer,
    ReferralFieldsSerializer,
    ReferralListSerializer,
    TransitionSerializer,
    list_rows,
    list_values,
)
from referrals.api.views.base import ApiView, input_data, visible_referral
from referrals.errors import InvalidData
from referrals.selectors import (
    patients_visible_to,
    referral_events,
    referral_list,
    referrals_visible_to,
)
from referrals.services.referrals import (
    referral_create,
    referral_request_next_opinion,
    referral_update,
)
from referrals.services.workflow import referral_transition

REFERRAL_ID = id_parameter("id", "The referral's id.")
LIST_FILTERS = frozenset(ReferralFilter.base_filters)


class ReferralListView(ApiView):
    """Referrals visible to the caller, newest first (cursor pagination)."""

    serializer_class = ReferralListSerializer
    filter_backends = (DjangoFilterBackend,)
    filterset_class = ReferralFilter
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):
        return referrals_visible_to(user=self.request.user)

    renderer_classes = (FastJSONRenderer, BrowsableAPIRenderer)

    @extend_schema(operation_id="referrals_list", responses=ReferralListSerializer(many=True))
    def get(self, request):
        queryset = self.get_queryset()
        # The filter set (a form, its fields, validation) only when the query uses a filter.
        if LIST_FILTERS.intersection(request.query_params):
            queryset = self.filter_queryset(queryset)
        page = self.paginate_queryset(list_values(queryset))
        return self.get_paginated_response(list_rows(page))

    @extend_schema(
        operation_id="referrals_create",
        request=ReferralCreateSerializer,
        responses={201: ReferralDetailSerializer},
    )
    def post(self, request):
        data = input_data(ReferralCreateSerializer, request)
        user = request.user
        center = _referenced(Organization.objects, data.pop("receiving_center"), "receiving_center")
        if "previous_referral" in data:
            previous = _referenced(
                referrals_visible_to(user=user), data.pop("previous_referral"), "previous_referral"
            )
            referral = referral_request_next_opinion(
                actor=user, previous=previous, receiving_center=center, data=data
            )
        else:
            patient = _referenced(patients_visible_to(user=user), data.pop("patient"), "patient")
            oncologist = data.pop("referring_oncologist", None)
            referral = referral_create(
                actor=user,
                patient=patient,
                receiving_center=center,
                referring_oncologist=_referenced(User.objects, oncologist, "referring_oncologist"),
                record_items=data.pop("record_items", None),
                data=data,
            )
        return Response(_detail(request, referral.uuid), status=status.HTTP_201_CREATED)


def _referenced(queryset, object_id, field: str):
    """An object named in the request body (None when not named). One the caller may not see
    is "Not found." like one that does not exist: no hint that it exists."""
    if object_id is None:
        return None
    found = queryset.filter(uuid=object_id).first()
    if found is None:
        raise InvalidData.for_fields({field: "Not found."})
    return found


def _detail(request, referral_uuid) -> dict:
    referral = (
        referral_list(user=request.user)
        .select_related("previous_referral", "consultation")
        # What the rulebook's guards read, prefetched once.
        .prefetch_related("record_items__attachments", "recommendations", "pathology_reviews")
        .get(uuid=referral_uuid)
    )
    return ReferralDetailSerializer(referral, context={"request": request}).data


@extend_schema_view(
    get=extend_schema(parameters=[REFERRAL_ID]),
    patch=extend_schema(
        parameters=[REFERRAL_ID],
        request=ReferralFieldsSerializer,
        responses=ReferralDetailSerializer,
    ),
)
class ReferralDetailView(ApiView):
    """One referral; PATCH changes only the fields editable in its current state."""

    serializer_class = ReferralDetailSerializer

    def get(self, request, id):
        referral = visible_referral(request, id)
        return Response(_detail(request, referral.uuid))

    def patch(self, request, id):
        referral = visible_referral(request, id)
        data = input_data(ReferralFieldsSerializer, request)
        if "receiving_center" in data:
            data["receiving_center"] = _referenced(
                Organization.objects, data["receiving_center"], "receiving_center"
            )
        if "referring_oncologist" in data:
            data["referring_oncologist"] = _referenced(
                User.objects, data["referring_oncologist"], "referring_oncologist"
            )
        referral_update(actor=request.user, referral=referral, data=data)
        return Response(_detail(request, referral.uuid))


class TransitionView(ApiView):
    """Take a workflow action: 400 data missing, 403 not your action, 409 not from this state."""

    @extend_schema(
        parameters=[REFERRAL_ID],
        request=TransitionSerializer,
        responses={200: ReferralDetailSerializer},
    )
    def post(self, request, id):
        referral = visible_referral(request, id)
        data = input_data(TransitionSerializer, request)
        action = data.pop("action")
        for name in ("specialist", "receiving_center"):
            if name in data:
                data[name] = str(data[name])
        referral_transition(referral=referral, actor=request.user, action=action, data=data)
        return Response(_detail(request, referral.uuid))


class EventListView(ApiView):
    """The referral's timeline, oldest first."""

    serializer_class = EventSerializer

    @extend_schema(parameters=[REFERRAL_ID], responses=EventSerializer(many=True))
    def get(self, request, id):
        referral = visible_referral(request, id)
        return Response(EventSerializer(referral_events(referral=referral), many=True).data)
