from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from referrals.api.serializers.common import StrictInputSerializer
from referrals.api.views.base import ApiView, input_data
from referrals.errors import InvalidData


class TokenRequestSerializer(StrictInputSerializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=200)


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
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
