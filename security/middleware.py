import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from security import two_factor
from security.views import step_url

# Reachable before the code is confirmed: the two-factor pages themselves and logging out
# (any URL named "logout": the admin's, the portal's).
OPEN_URL_NAME = "logout"
OPEN_NAMESPACE = "two_factor"


class TwoFactorMiddleware:
    """Sends users who must use two-factor authentication to enrol or enter a code first.

    Needs django-otp's OTPMiddleware before it. Requests authenticated by an API token do not
    carry a session user at this point; DRF authenticates those in the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_TWO_FACTOR and self._must_confirm_code(request):
            return self._ask_for_code(request)
        return self.get_response(request)

    def _must_confirm_code(self, request) -> bool:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return False
        if request.path_info.startswith(settings.STATIC_URL) or self._is_open(request):
            return False
        return two_factor.two_factor_required(user)

    @staticmethod
    def _is_open(request) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.url_name == OPEN_URL_NAME or OPEN_NAMESPACE in match.namespaces

    @staticmethod
    def _ask_for_code(request):
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": "Confirm the code from your authenticator app first."}, status=403
            )
        step = "verify" if two_factor.confirmed_device(request.user) else "setup"
        return redirect(step_url(step, request.get_full_path()))


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response the application renders (PHI in
    API details, exports, attachments, admin and portal pages), unless the view chose its own.

    Placed after WhiteNoise, so static files (served before this runs) stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and not request.path_info.startswith(
            settings.STATIC_URL
        ):
            response["Cache-Control"] = "no-store, private"
        return response


SESSION_STARTED_AT = "session_started_at"


def session_started(request) -> None:
    """Stamp the session's start (at log-in): it ends SESSION_ABSOLUTE_HOURS later."""
    if hasattr(request, "session"):
        request.session[SESSION_STARTED_AT] = time.time()


class SessionLifetimeMiddleware:
    """Ends a session SESSION_ABSOLUTE_HOURS after its log-in, however active it was (the
    idle limit, SESSION_COOKIE_AGE, is moved on by every request; this one is not).

    After AuthenticationMiddleware: the request then goes on as anonymous (sent to log in).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            started = request.session.get(SESSION_STARTED_AT)
            if started is None:
                # A session from before this rule: its lifetime starts counting now.
                session_started(request)
            elif time.time() - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                request.logout_reason = "Session ended: absolute lifetime reached."
                logout(request)
        return self.get_response(request)
