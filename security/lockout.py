"""Log-in lockouts, the same for the admin, the portal and the API.

Two limits, both over the cool-off window (AXES_COOLOFF_TIME):

- per account and client address (django-axes, AXES_FAILURE_LIMIT): the account is the
  e-mail as log-in matches it, trimmed and lower-cased, so `Specialist1@…` counts with
  `specialist1@…`. Another account, or the same account from another address, is not stopped;
- per client address over all accounts (LOGIN_ADDRESS_FAILURE_LIMIT, much higher): one
  address guessing many accounts' passwords is stopped without locking anyone out elsewhere.

A refusal is HTTP 429 with Retry-After; the API answers in its error shape (DESIGN §4).
"""

import datetime

from axes.helpers import get_cool_off, get_lockout_message
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.exceptions import Throttled

REFUSED_FLAG = "refused_while_locked_out"
LOCKED_OUT_DETAIL = "Too many failed log-ins: try again later."


def normalised_email(value) -> str:
    return str(value or "").strip().lower()


def normalised_username(request: HttpRequest, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the account an attempt is for, as log-in matches it.

    The web forms send the e-mail as "username"; the API passes it as "email"."""
    if credentials:
        return normalised_email(credentials.get("username") or credentials.get("email"))
    data = getattr(request, "data", None) or request.POST
    return normalised_email(data.get("username") or data.get("email"))


def retry_after_seconds() -> int:
    cool_off = get_cool_off() or datetime.timedelta(0)
    return max(1, int(cool_off.total_seconds()))


def address_over_limit(client_address: str | None) -> bool:
    """Has this address failed LOGIN_ADDRESS_FAILURE_LIMIT log-ins (all accounts together)
    within the cool-off window?"""
    from axes.models import AccessAttempt

    if not client_address:
        return False
    since = timezone.now() - (get_cool_off() or datetime.timedelta(0))
    failures = AccessAttempt.objects.filter(
        ip_address=client_address, attempt_time__gte=since
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return (failures or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def was_refused_while_locked_out(request: HttpRequest) -> bool:
    return bool(getattr(request, REFUSED_FLAG, False) or getattr(request, "axes_locked_out", False))


class LockedOut(Throttled):
    """The API's 429 for a locked-out log-in (the error handler gives it DESIGN §4's shape)."""

    default_detail = LOCKED_OUT_DETAIL

    def __init__(self):
        super().__init__(wait=retry_after_seconds(), detail=LOCKED_OUT_DETAIL)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After; JSON in the API's error shape there."""
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            {"detail": LOCKED_OUT_DETAIL, "code": "throttled", "fields": {}}, status=429
        )
    else:
        response = HttpResponse(get_lockout_message(), status=429)
    response["Retry-After"] = str(retry_after_seconds())
    return response


def failures_reset(*, request: HttpRequest, email: str) -> None:
    """After a successful log-in that is not a session (an API token): the account's failures
    from this address start again from zero, as django-axes does at a session log-in."""
    from axes.utils import reset

    from audit.middleware import client_address

    reset(ip=client_address(request), username=normalised_email(email))
