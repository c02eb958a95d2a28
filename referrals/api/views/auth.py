from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from referrals.api.serializers.common import StrictInputSerializer
from referrals.api.views.base import ApiView, input_data
from referrals.errors import InvalidData, NotPermitted
from security.two_factor import confirmed_device, two_factor_required


class TokenRequestSerializer(StrictInputSerializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=200)
    otp_token = serializers.CharField(
        required=False,
        max_length=10,
        help_text="The authenticator app's current code, where two-factor authentication is on.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(ApiView):
    """Exchange an e-mail and password for an API token (`Authorization: Token <token>`)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        data = input_data(TokenRequestSerializer, request)
        user = authenticate(request, email=data["email"], password=data["password"])
        if user is None or not user.is_active:
            raise InvalidData("Unable to log in with this e-mail and password.")
        _check_second_factor(user, data.get("otp_token", ""))
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


def _check_second_factor(user, code: str) -> None:
    """A token is as strong as a web session: where two factors are required, ask for both."""
    if not two_factor_required(user):
        return
    device = confirmed_device(user)
    if device is None:
        raise NotPermitted("Set up two-factor authentication in the web application first.")
    if not code:
        raise InvalidData.for_fields({"otp_token": "Enter the code from your authenticator app."})
    if not device.verify_token(code.strip()):
        raise InvalidData.for_fields({"otp_token": "This code is not valid (or has been used)."})
