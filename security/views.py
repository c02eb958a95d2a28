"""Two-factor pages: enrol an authenticator app, then confirm a code in each session."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from security import two_factor
from security.forms import PasswordAgainForm, TokenForm

WRONG_CODE = "That code is not right (or was used already). Try the newest one from your app."
WRONG_PASSWORD = "That is not your password."


def step_url(step: str, next_url: str) -> str:
    """The address of a two-factor page ("setup" or "verify") that returns to `next_url`."""
    return f"{reverse(f'two_factor:{step}')}?{urlencode({'next': next_url})}"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters("token", "password")
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    if two_factor.confirmed_device(user):
        if not user.is_verified():
            # Enrolling another app needs the one already enrolled: a password alone is not enough.
            return redirect(step_url("verify", _next_url(request)))
        return render(request, "security/two_factor_done.html", {"next": _next_url(request)})
    if not two_factor.recently_reauthenticated(request):
        # The first app: the password again, before any secret is shown.
        return _password_again(request)
    device = two_factor.enrolment_device(user)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        if two_factor.enrolment_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        ):
            return redirect(_next_url(request))
        form.add_error("token", WRONG_CODE)
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_code": two_factor.qr_code_data_uri(device),
        "secret": two_factor.secret_for_typing(device),
    }
    return render(request, "security/two_factor_setup.html", context)


@sensitive_post_parameters("token")
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    if not two_factor.confirmed_device(request.user):
        return redirect(step_url("setup", _next_url(request)))
    form = TokenForm(request.POST or None)
    if form.is_valid():
        if two_factor.session_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_next_url(request))
        form.add_error("token", WRONG_CODE)
    return render(
        request, "security/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


def _password_again(request):
    form = PasswordAgainForm(request.POST if "password" in request.POST else None)
    if form.is_valid():
        password = form.cleaned_data["password"]
        if two_factor.enrolment_reauthenticate(request=request, password=password):
            return redirect(step_url("setup", _next_url(request)))
        form.add_error("password", WRONG_PASSWORD)
    context = {"form": form, "next": _next_url(request)}
    return render(request, "security/two_factor_password.html", context)
