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
