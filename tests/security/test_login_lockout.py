"""Log-ins through the admin's login form: lockout after repeated wrong passwords, all audited."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
LOGIN_URL = "/admin/login/"
PASSWORD = "correct horse battery"
WRONG_PASSWORD = "wrong-Password-7731"


def log_in(client, email, password, address="127.0.0.1"):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=address)


def test_repeated_wrong_passwords_lock_the_account_out_and_the_lockout_is_audited(client):
    staff = UserFactory(is_staff=True, email="dana.staff@example.org")

    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, staff.email, WRONG_PASSWORD)
        assert response.status_code == 200
        assert "Please enter the correct e-mail address and password" in response.text
    locking = log_in(client, staff.email, WRONG_PASSWORD)
    assert locking.status_code == 429
    assert "Account locked: too many login attempts" in locking.text

    # Even the right password is refused now, and nobody is logged in.
    refused = log_in(client, staff.email, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302

    failed = AuditEntry.objects.filter(action=Action.LOGIN_FAILED, actor_label=staff.email)
    assert failed.count() == settings.AXES_FAILURE_LIMIT + 1
    assert failed.filter(detail="Refused: locked out.").count() == 1
    # The refused attempt restarted the cool-off: a second lockout entry.
    lockouts = AuditEntry.objects.filter(action=Action.LOCKED_OUT).order_by("id")
    assert lockouts.count() == 2
    lockout = lockouts.first()
    assert lockout.actor_label == staff.email
    assert lockout.interface == AuditEntry.Interface.ADMIN
    assert lockout.client_address == "127.0.0.1"
    assert "5 failed log-ins: locked for 15 minutes" in lockout.detail
    assert not AuditEntry.objects.filter(action=Action.LOGIN).exists()


def test_the_attempted_password_is_stored_nowhere(client):
    staff = UserFactory(is_staff=True)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, staff.email, WRONG_PASSWORD)

    # The audit trail, and axes' counters (which keep the form data with the password masked).
    stored = [repr(row) for row in AuditEntry.objects.values()]
    stored += [repr(row) for row in AccessAttempt.objects.values()]
    assert len(stored) > settings.AXES_FAILURE_LIMIT
    assert not [row for row in stored if WRONG_PASSWORD in row]


def test_the_lockout_is_per_address_so_the_user_can_still_log_in_from_elsewhere(client):
    staff = UserFactory(is_staff=True)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, staff.email, WRONG_PASSWORD, address="203.0.113.9")

    response = log_in(client, staff.email, PASSWORD, address="198.51.100.20")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_log_in_and_log_out_are_audited(client):
    staff = UserFactory(is_staff=True)

    assert log_in(client, staff.email, PASSWORD).status_code == 302
    client.post("/admin/logout/", REMOTE_ADDR="127.0.0.1")

    entries = list(AuditEntry.objects.filter(actor=staff).order_by("id"))
    assert [entry.action for entry in entries] == [Action.LOGIN, Action.LOGOUT]
    assert {entry.interface for entry in entries} == {AuditEntry.Interface.ADMIN}
    assert entries[0].actor_label == staff.email
    assert entries[0].client_address == "127.0.0.1"


@pytest.mark.parametrize(
    "password, problem",
    [
        ("Tr0ub4dor&3", "at least 12 characters"),
        ("password1234", "too common"),
        ("734901285563", "entirely numeric"),
        ("ada.lovelace.example", "too similar"),
    ],
)
def test_weak_passwords_are_refused(password, problem):
    user = UserFactory.build(email="ada.lovelace@example.org", full_name="Ada Lovelace")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=user)
    assert problem in " ".join(refused.value.messages)


def test_a_long_passphrase_is_accepted():
    validate_password("correct horse battery staple")


def test_an_idle_session_expires_after_fifteen_minutes(client):
    staff = UserFactory(is_staff=True)
    log_in(client, staff.email, PASSWORD)
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    session = Session.objects.get()
    # No expiry date on the cookie: it goes when the browser closes.
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""

    # Each request moves the expiry on: 15 minutes from the last activity.
    before = timezone.now()
    assert client.get("/admin/").status_code == 200
    session.refresh_from_db()
    remaining = session.expire_date - before
    assert datetime.timedelta(minutes=14) < remaining <= datetime.timedelta(minutes=15, seconds=5)

    # Sixteen minutes without a request: the session is gone, the user logs in again.
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_behind_the_proxy_the_client_address_counts_and_a_forged_one_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    staff = UserFactory(is_staff=True)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.77, 203.0.113.50"}
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN_URL, {"username": staff.email, "password": WRONG_PASSWORD}, **attacker)

    lockout = AuditEntry.objects.filter(action=Action.LOCKED_OUT).get()
    assert lockout.client_address == "203.0.113.50"
    # The same user, through the same proxy, from their own desk: not locked out.
    colleague = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.51"}
    response = client.post(LOGIN_URL, {"username": staff.email, "password": PASSWORD}, **colleague)
    assert response.status_code == 302
    assert AuditEntry.objects.get(action=Action.LOGIN).client_address == "203.0.113.51"


# The same rules on every log-in: the admin's form, the portal's form and the API's token.
def admin_log_in(client, email, password, address):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=address)


def portal_log_in(client, email, password, address):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address
    )


def api_log_in(client, email, password, address):
    return client.post(
        "/api/v1/auth/token/",
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


LOG_INS = {"admin": admin_log_in, "portal": portal_log_in, "api": api_log_in}


def logged_in(interface: str, response) -> bool:
    if interface == "api":
        return response.status_code == 200 and bool(response.json()["token"])
    return response.status_code == 302


@pytest.mark.parametrize("interface", LOG_INS)
def test_a_locked_out_account_stays_locked_whatever_the_case_of_its_e_mail(client, interface):
    log_in_with = LOG_INS[interface]
    user = UserFactory(is_staff=True, email="specialist1@center.example")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in_with(client, "specialist1@center.example", WRONG_PASSWORD, "203.0.113.7")

    for variant in ["Specialist1@center.example", " SPECIALIST1@Center.Example "]:
        refused = log_in_with(client, variant, PASSWORD, "203.0.113.7")
        assert refused.status_code == 429, variant
        assert int(refused["Retry-After"]) == 15 * 60

    assert AccessAttempt.objects.get().username == user.email
    assert not AuditEntry.objects.filter(action__in=[Action.LOGIN, Action.TOKEN_ISSUED]).exists()


def test_the_api_lockout_is_429_in_the_api_error_shape_with_retry_after(client):
    user = UserFactory(email="oncologist@practice.example")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = api_log_in(client, user.email, WRONG_PASSWORD, "203.0.113.8")
        assert wrong.status_code == 400

    locking = api_log_in(client, user.email, WRONG_PASSWORD, "203.0.113.8")
    refused = api_log_in(client, user.email, PASSWORD, "203.0.113.8")

    for response in (locking, refused):
        assert response.status_code == 429
        assert response.json() == {
            "detail": "Too many failed log-ins: try again later.",
            "code": "throttled",
            "fields": {},
        }
        assert int(response["Retry-After"]) == 15 * 60
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT, actor_label=user.email).exists()


@pytest.mark.parametrize("interface", LOG_INS)
def test_a_burst_against_one_account_does_not_stop_a_colleague_at_the_same_address(
    client, interface
):
    log_in_with = LOG_INS[interface]
    attacked = UserFactory(is_staff=True)
    colleague = UserFactory(is_staff=True)
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 2):
        log_in_with(client, attacked.email, WRONG_PASSWORD, "198.51.100.30")

    response = log_in_with(client, colleague.email, PASSWORD, "198.51.100.30")

    assert logged_in(interface, response)


@pytest.mark.parametrize("interface", LOG_INS)
def test_one_address_guessing_many_accounts_is_stopped_and_only_that_address(
    client, settings, interface
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    log_in_with = LOG_INS[interface]
    users = UserFactory.create_batch(3, is_staff=True)
    # Two wrong passwords for each of three accounts: none of them reaches its own limit.
    for user in users:
        for _attempt in range(2):
            log_in_with(client, user.email, WRONG_PASSWORD, "192.0.2.66")

    refused = log_in_with(client, UserFactory(is_staff=True).email, PASSWORD, "192.0.2.66")
    assert refused.status_code == 429
    assert "Retry-After" in refused

    # The same people from their own desks are not affected.
    assert logged_in(interface, log_in_with(client, users[0].email, PASSWORD, "192.0.2.10"))


def test_a_busy_session_still_ends_twelve_hours_after_log_in(client):
    staff = UserFactory(is_staff=True)
    assert log_in(client, staff.email, PASSWORD).status_code == 302
    assert settings.SESSION_ABSOLUTE_HOURS == 12
    assert client.get("/admin/").status_code == 200

    # Twelve hours and a minute later, after requests all day long.
    session = client.session
    session["session_started_at"] -= 12 * 3600 + 60
    session.save()
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert client.get("/admin/").status_code == 302
    assert AuditEntry.objects.filter(
        actor=staff, action=Action.LOGOUT, detail="Session ended: absolute lifetime reached."
    ).exists()


def test_an_api_log_in_resets_the_accounts_failures_like_a_web_log_in(client):
    user = UserFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        api_log_in(client, user.email, WRONG_PASSWORD, "203.0.113.12")
    assert api_log_in(client, user.email, PASSWORD, "203.0.113.12").status_code == 200

    # A typo later the same morning is one failure, not the fifth.
    assert api_log_in(client, user.email, WRONG_PASSWORD, "203.0.113.12").status_code == 400
    assert api_log_in(client, user.email, PASSWORD, "203.0.113.12").status_code == 200
