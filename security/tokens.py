"""API tokens (django-rest-knox, `security.ApiToken`): issue, check on every request, revoke.

A token is as strong as a web session: it expires when idle (REST_KNOX TOKEN_TTL, moved on by
each use) and at its absolute lifetime (AUTO_REFRESH_MAX_TTL from issue); it ends at log-out,
on a password change and when the user is deactivated; and where two-factor authentication
is required it must have been issued against a confirmed code, checked on every request (not
only when issued: the requirement or the device may change afterwards).
"""

import binascii
import json

from django.db import connections
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import knox_settings
from rest_framework import exceptions

from accounts.memberships import membership_records_sql, remember_memberships
from accounts.models import User
from audit.models import AuditEntry
from audit.services import audit_record
from core.expressions import column, quoted
from security.models import ApiToken
from security.two_factor import confirmed_device, confirmed_device_sql, two_factor_required

Action = AuditEntry.Action


def token_issue(*, user, second_factor_verified: bool) -> tuple[ApiToken, str]:
    """A new token for `user` (one per client); returns the row and the secret, shown once.

    Expired tokens of the user are purged on the way."""
    ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    token, secret = ApiToken.objects.create(
        user=user, expiry=knox_settings.TOKEN_TTL, second_factor_verified=second_factor_verified
    )
    audit_record(
        actor=user,
        action=Action.TOKEN_ISSUED,
        obj=user,
        detail="API token issued"
        + (" (password and two-factor code)." if second_factor_verified else " (password)."),
    )
    return token, secret


def token_revoke(*, token: ApiToken, reason: str) -> None:
    """End one token (log-out of one client)."""
    user = token.user
    ApiToken.objects.filter(digest=token.digest).delete()
    audit_record(actor=user, action=Action.TOKEN_REVOKED, obj=user, detail=reason)


def tokens_revoke_all(*, user, reason: str) -> int:
    """End every token of `user` (password changed, deactivated); returns how many ended."""
    deleted, _by_model = ApiToken.objects.filter(user=user).delete()
    if deleted:
        audit_record(
            actor=None,
            action=Action.TOKEN_REVOKED,
            obj=user,
            actor_label=user.email,
            detail=f"{deleted} API token(s) revoked: {reason}",
        )
    return deleted


def _refuse(user, detail: str, code: str = "authentication_failed"):
    audit_record(
        actor=None,
        action=Action.TOKEN_REFUSED,
        obj=user,
        actor_label=user.email if user is not None else "",
        detail=detail,
    )
    return exceptions.AuthenticationFailed(detail, code=code)


_TOKEN_FIELDS = [field.attname for field in ApiToken._meta.concrete_fields]
_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
# The token, its user, the user's memberships (the two-factor requirement, then the
# visibility of everything the request reads) and whether they have a confirmed app: one
# statement, one round trip. Written once here: the ORM would build and compile it again on
# every request, which costs more than PostgreSQL takes to run it.
_TOKEN_LOOKUP = (
    "SELECT "
    + ", ".join(
        [f"t.{quoted(field.column)}" for field in ApiToken._meta.concrete_fields]
        + [f"u.{quoted(field.column)}" for field in User._meta.concrete_fields]
        + [membership_records_sql(f"u.{column(User, 'id')}")]
        + [confirmed_device_sql(f"u.{column(User, 'id')}")]
    )
    + f" FROM {quoted(ApiToken._meta.db_table)} t JOIN {quoted(User._meta.db_table)} u"
    + f" ON u.{column(User, 'id')} = t.{column(ApiToken, 'user')}"
    + f" WHERE t.{column(ApiToken, 'digest')} = %s"
)


def _token_by_digest(digest: str) -> ApiToken | None:
    """The token with this digest, with its user (their memberships remembered on them) and
    `has_confirmed_device`; None when there is none."""
    using = ApiToken.objects.db
    if connections[using].vendor != "postgresql":
        return _token_by_digest_portable(digest)
    with connections[using].cursor() as cursor:
        cursor.execute(_TOKEN_LOOKUP, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    user_starts, user_ends = len(_TOKEN_FIELDS), len(_TOKEN_FIELDS) + len(_USER_FIELDS)
    token = ApiToken.from_db(using, _TOKEN_FIELDS, row[:user_starts])
    token.user = User.from_db(using, _USER_FIELDS, row[user_starts:user_ends])
    memberships, token.has_confirmed_device = row[user_ends:]
    if isinstance(memberships, str):  # jsonb arrives as text from Django's connections
        memberships = json.loads(memberships)
    remember_memberships(token.user, memberships)
    return token


def _token_by_digest_portable(digest: str) -> ApiToken | None:
    """The same through the ORM, for the embedded SQLite default of `make run` (the single
    statement above needs PostgreSQL's JSON functions)."""
    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if token is not None:
        token.has_confirmed_device = confirmed_device(token.user) is not None
    return token


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <secret>`: one query by the secret's digest (the primary key),
    which also reads what every request asks of the user next (memberships, second factor)."""

    def authenticate_credentials(self, token: bytes):
        try:
            digest = hash_token(token.decode("utf-8"))
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise _refuse(None, "Invalid API token.") from None
        found = _token_by_digest(digest)
        if found is None:
            raise _refuse(None, "Invalid API token.")
        user = found.user
        if found.expiry is not None and found.expiry <= timezone.now():
            ApiToken.objects.filter(digest=found.digest).delete()
            raise _refuse(user, "Expired API token: ask for a new one.", "token_expired")
        if not user.is_active:
            raise _refuse(user, "Invalid API token.")
        if two_factor_required(user) and not (
            found.second_factor_verified and found.has_confirmed_device
        ):
            raise _refuse(
                user,
                "This token was issued without a two-factor code, which is now required: "
                "ask for a new token with the code from your authenticator app.",
                "two_factor_required",
            )
        if knox_settings.AUTO_REFRESH and found.expiry:
            self.renew_token(found)
        return user, found


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema, named as DRF's token authentication was."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'An API token, prefixed with "Token " (POST /api/v1/auth/token/).',
        }
