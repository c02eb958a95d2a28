"""API log-in and log-out: a token per client, issued against the password (and, where
required, the authenticator code), revoked at log-out. Lockouts as for the web forms."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from audit.models import AuditEntry
from audit.services import audit_record
from referrals.api.serializers.common import StrictInputSerializer
from referrals.api.views.base import ApiView, input_data
from referrals.errors import InvalidData, NotPermitted
from security.lockout import LockedOut, failures_reset, was_refused_while_locked_out
from security.models import ApiToken
from security.tokens import ApiTokenAuthentication, token_issue, token_revoke
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
    expiry = serializers.DateTimeField(help_text="When the token ends unless used before.")


class TokenView(ApiView):
    """Exchange an e-mail and password for an API token (`Authorization: Token <token>`)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        data = input_data(TokenRequestSerializer, request)
        # The Django request: the lockout (django-axes) marks it, its middleware reads it.
        http_request = request._request
        user = authenticate(http_request, email=data["email"], password=data["password"])
        if was_refused_while_locked_out(http_request):
            raise LockedOut()
        if user is None or not user.is_active:
            raise InvalidData("Unable to log in with this e-mail and password.")
        second_factor = _check_second_factor(user, data.get("otp_token", ""))
        token, secret = token_issue(user=user, second_factor_verified=second_factor)
        failures_reset(request=http_request, email=data["email"])
        return Response({"token": secret, "expiry": token.expiry})


class LogoutView(ApiView):
    """End the token this request came with (other clients' tokens stay)."""

    authentication_classes = (ApiTokenAuthentication,)
    permission_classes = (IsAuthenticated,)

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            token_revoke(token=request.auth, reason="Logged out of the API.")
        return Response(status=status.HTTP_204_NO_CONTENT)


def _check_second_factor(user, code: str) -> bool:
    """A token is as strong as a web session: where two factors are required, ask for both.

    Returns whether a code was confirmed (False where none is required)."""
    if not two_factor_required(user):
        return False
    device = confirmed_device(user)
    if device is None:
        _audit_second_factor_failure(user, "API token refused: no two-factor app enrolled.")
        raise NotPermitted("Set up two-factor authentication in the web application first.")
    if not code:
        raise InvalidData.for_fields({"otp_token": "Enter the code from your authenticator app."})
    if not device.verify_token(code.strip()):
        _audit_second_factor_failure(user, "Wrong two-factor code (API).")
        raise InvalidData.for_fields({"otp_token": "This code is not valid (or has been used)."})
    return True


def _audit_second_factor_failure(user, detail: str) -> None:
    audit_record(actor=user, action=AuditEntry.Action.LOGIN_FAILED, obj=user, detail=detail)
