"""GET/POST /api/v1/referrals/{id}/information-requests/ (DESIGN §4)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from referrals.api.schema import id_parameter
from referrals.api.serializers.information import (
    InformationRequestInputSerializer,
    InformationRequestSerializer,
)
from referrals.api.views.base import ApiView, input_data, visible_referral
from referrals.selectors import information_requests_of
from referrals.services.workflow import referral_transition

REFERRAL_ID = id_parameter("id", "The referral's id.")


class InformationRequestsView(ApiView):
    """The referral's information requests, open and answered, oldest first. POST asks a new
    one (the `request_information` transition); the referring side answers it with the
    `provide_information` transition (POST .../transitions/)."""

    @extend_schema(parameters=[REFERRAL_ID], responses=InformationRequestSerializer(many=True))
    def get(self, request, id):
        referral = visible_referral(request, id)
        requests = information_requests_of(referral=referral)
        return Response(InformationRequestSerializer(requests, many=True).data)

    @extend_schema(
        parameters=[REFERRAL_ID],
        request=InformationRequestInputSerializer,
        responses={201: InformationRequestSerializer},
    )
    def post(self, request, id):
        referral = visible_referral(request, id)
        data = input_data(InformationRequestInputSerializer, request)
        referral_transition(
            referral=referral, actor=request.user, action="request_information", data=data
        )
        created = information_requests_of(referral=referral).filter(answered_at__isnull=True)
        return Response(
            InformationRequestSerializer(created.get()).data, status=status.HTTP_201_CREATED
        )
