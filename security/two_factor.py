"""Two-factor authentication (TOTP): who needs it, enrolling an app, checking a code."""

import base64
import time
from io import BytesIO

import django_otp
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from accounts.memberships import memberships_of
from audit.models import AuditEntry
from audit.services import audit_record
from core.expressions import column, quoted

Action = AuditEntry.Action
DEVICE_NAME = "Authenticator app"


def two_factor_required(user) -> bool:
    """Staff and everyone who works on referrals (any membership), when the setting asks."""
    if not settings.REQUIRE_TWO_FACTOR or not user.is_authenticated:
        return False
    # memberships_of caches on the user: the views of this request reuse it.
    return user.is_staff or bool(memberships_of(user))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def confirmed_device_sql(user_column: str) -> str:
    """A subquery: whether the user whose id is `user_column` (of the outer query) has a
    confirmed app, what `confirmed_device` finds."""
    return (
        f"EXISTS (SELECT 1 FROM {quoted(TOTPDevice._meta.db_table)} d"
        f" WHERE d.{column(TOTPDevice, 'user')} = {user_column}"
        f" AND d.{column(TOTPDevice, 'confirmed')})"
    )


# The password typed again before a first enrolment holds for this long in the session.
REAUTHENTICATED_AT = "two_factor_reauthenticated_at"
REAUTHENTICATION_SECONDS = 10 * 60


def recently_reauthenticated(request) -> bool:
    at = request.session.get(REAUTHENTICATED_AT)
    return at is not None and time.time() - at < REAUTHENTICATION_SECONDS


def enrolment_reauthenticate(*, request, password: str) -> bool:
    """Check the signed-in user's password again before a first enrolment (through the
    log-in lockout: a wrong one is a failed log-in, audited and counted).

    On success a fresh secret is drawn: one shown before this check is never confirmed."""
    user = request.user
    checked = authenticate(request, username=user.email, password=password)
    if checked is None or checked.pk != user.pk:
        return False
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    request.session[REAUTHENTICATED_AT] = time.time()
    return True


def enrolment_device(user) -> TOTPDevice:
    """The device being set up: its secret stays the same until a code confirms it."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code, drawn here (no outside service sees it)."""
    buffer = BytesIO()
    write_qrcode_image(device.config_url, buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for apps set up by typing it in."""
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def enrolment_confirm(*, request, device: TOTPDevice, token: str) -> bool:
    """Confirm the device with a first code and mark this session verified.

    Returns False (and audits the failed attempt) on a wrong or throttled code.
    """
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        accepted = device.verify_token(token)
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    return _session_verified(
        request, device if accepted else None, Action.UPDATE, "Two-factor app enrolled."
    )


def session_verify(*, request, token: str) -> bool:
    """Check a code from the user's app and mark this session verified.

    Returns False (and audits the failed attempt) on a wrong or throttled code.
    """
    user = request.user
    device = confirmed_device(user)
    verified = device and django_otp.verify_token(user, device.persistent_id, token)
    return _session_verified(request, verified or None, Action.LOGIN, "Two-factor code confirmed.")


def _session_verified(request, device: TOTPDevice | None, action: str, detail: str) -> bool:
    """Mark the session verified by `device`, or audit a wrong code when there is none."""
    user = request.user
    if device is None:
        audit_record(actor=user, action=Action.LOGIN_FAILED, detail="Wrong two-factor code.")
        return False
    django_otp.login(request, device)
    audit_record(actor=user, action=action, obj=user, detail=detail)
    return True
