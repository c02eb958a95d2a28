"""`POST/DELETE /api/v1/referrals/{id}/patient-link/` (DESIGN §4): issue the patient's link
(shown once: `{"url", "expires_at"}`) or revoke it."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from companion import services
from referrals.api.schema import id_parameter
from referrals.api.serializers.common import StrictInputSerializer
from referrals.api.views.base import ApiView, input_data, visible_referral

REFERRAL_ID = id_parameter("id", "The referral's id.")


class PatientLinkInputSerializer(StrictInputSerializer):
    email = serializers.BooleanField(
        required=False, default=False, help_text="Also e-mail the link to the patient's address."
    )


class PatientLinkSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Shown once: only a hash of its secret is kept.")
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="30 days after the referral ends; null while it is open."
    )


class PatientLinkView(ApiView):
    """The referring side gives the patient a link to their companion page, or revokes it."""

    @extend_schema(
        parameters=[REFERRAL_ID],
        request=PatientLinkInputSerializer,
        responses={201: PatientLinkSerializer},
    )
    def post(self, request, id):
        referral = visible_referral(request, id)
        data = input_data(PatientLinkInputSerializer, request)
        issued = services.patient_link_issue(
            actor=request.user, referral=referral, email=data.get("email", False)
        )
        body = PatientLinkSerializer({"url": issued.url, "expires_at": issued.expires_at}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[REFERRAL_ID], request=None, responses={204: None})
    def delete(self, request, id):
        referral = visible_referral(request, id)
        services.patient_link_revoke(actor=request.user, referral=referral)
        return Response(status=status.HTTP_204_NO_CONTENT)
