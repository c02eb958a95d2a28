"""API tokens: issued by log-in, checked on every request, ending when they should.

Each test starts from what the outside security test found: a token issued before two-factor
authentication was required kept working, tokens never expired, and log-out or a password
change left them valid (a new log-in even handed back the same key).
"""

import datetime

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient, APIRequestFactory

from accounts.memberships import memberships_of
from accounts.models import Membership
from audit.models import AuditEntry
from security.models import ApiToken
from security.tokens import ApiTokenAuthentication
from tests.factories import CancerCenterFactory, CommunityPracticeFactory, UserFactory, member
from tests.queries import assert_queries

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
PROTECTED_URL = "/api/v1/referrals/"
PASSWORD = "correct horse battery"


@pytest.fixture
def coordinator():
    return member(CancerCenterFactory(), Membership.Role.COORDINATOR)


def log_in(user, **extra) -> str:
    response = APIClient().post(
        TOKEN_URL, {"email": user.email, "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["expiry"]
    return body["token"]


def call(token: str, path: str = PROTECTED_URL, method: str = "get"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return getattr(client, method)(path)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_a_token_issued_before_two_factor_was_required_is_refused_once_it_is(coordinator, settings):
    settings.REQUIRE_TWO_FACTOR = False
    old_token = log_in(coordinator)
    assert call(old_token).status_code == 200

    settings.REQUIRE_TWO_FACTOR = True
    refused = call(old_token)
    assert refused.status_code == 401
    assert refused.json()["code"] == "two_factor_required"
    # Enrolling an app later does not make the old token good: it never saw a code.
    device = TOTPDevice.objects.create(user=coordinator, name="Phone", confirmed=True)
    assert call(old_token).status_code == 401

    new_token = log_in(coordinator, otp_token=current_code(device))
    assert call(new_token).status_code == 200
    refusal = AuditEntry.objects.filter(action=Action.TOKEN_REFUSED, actor_label=coordinator.email)
    assert refusal.count() == 2
    assert refusal.first().interface == AuditEntry.Interface.API


def test_a_token_stops_working_when_its_users_app_is_removed(coordinator, settings):
    settings.REQUIRE_TWO_FACTOR = True
    device = TOTPDevice.objects.create(user=coordinator, name="Phone", confirmed=True)
    token = log_in(coordinator, otp_token=current_code(device))
    assert call(token).status_code == 200

    device.delete()

    assert call(token).status_code == 401


def test_the_memberships_read_with_the_token_are_those_the_user_has_now(coordinator):
    """The token's query also reads the caller's memberships (for the visibility filter and the
    two-factor rule): the same rows, fields and order as reading them on their own, and a
    membership given or taken away shows at the next request."""
    center = Membership.objects.get(user=coordinator).organization
    center.designation_as_of = datetime.date(2025, 4, 1)
    center.lead_coordinator = coordinator
    center.save()
    practice = CommunityPracticeFactory(name="A practice, first by name")
    Membership.objects.create(user=coordinator, organization=practice, role=Membership.Role.ANALYST)
    Membership.objects.create(user=coordinator, organization=center, role=Membership.Role.ANALYST)
    token = log_in(coordinator)

    def read_with_the_token():
        request = APIRequestFactory().get(PROTECTED_URL, HTTP_AUTHORIZATION=f"Token {token}")
        user, _token = ApiTokenAuthentication().authenticate(request)
        with assert_queries(exactly=0):
            return [_fields(m) + _fields(m.organization) for m in memberships_of(user)]

    expected = [
        _fields(m) + _fields(m.organization)
        for m in Membership.objects.filter(user=coordinator).select_related("organization")
    ]
    assert [row[3] for row in expected] == ["analyst", "analyst", "coordinator"]
    assert read_with_the_token() == expected

    Membership.objects.filter(user=coordinator, organization=practice).delete()
    assert len(read_with_the_token()) == 2


def _fields(instance) -> tuple:
    return tuple(getattr(instance, f.attname) for f in instance._meta.concrete_fields)


def test_only_a_digest_of_the_token_is_stored(coordinator):
    token = log_in(coordinator)

    stored = ApiToken.objects.get(user=coordinator)
    assert token not in repr(list(ApiToken.objects.values()))
    assert stored.digest != token and len(stored.digest) == 128


def test_each_log_in_gets_a_new_token_and_log_out_ends_only_that_one(coordinator):
    laptop, phone = log_in(coordinator), log_in(coordinator)
    assert laptop != phone

    assert call(laptop, LOGOUT_URL, "post").status_code == 204

    assert call(laptop).status_code == 401
    assert call(phone).status_code == 200
    assert AuditEntry.objects.filter(
        actor=coordinator, action=Action.TOKEN_REVOKED, detail="Logged out of the API."
    ).exists()


def test_a_password_change_ends_every_token_and_the_next_one_differs(coordinator):
    before = log_in(coordinator)

    coordinator.set_password("a new passphrase for spring")
    coordinator.save()

    assert call(before).status_code == 401
    response = APIClient().post(
        TOKEN_URL,
        {"email": coordinator.email, "password": "a new passphrase for spring"},
        format="json",
    )
    after = response.json()["token"]
    assert after != before
    assert call(after).status_code == 200


def test_a_password_change_in_the_portal_ends_the_tokens(client, coordinator):
    token = log_in(coordinator)
    client.force_login(coordinator)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a new passphrase for spring",
            "new_password2": "a new passphrase for spring",
        },
    )

    assert response.status_code == 302
    assert call(token).status_code == 401


def test_a_deactivated_users_tokens_end(coordinator):
    token = log_in(coordinator)

    coordinator.is_active = False
    coordinator.save()

    assert call(token).status_code == 401
    assert not ApiToken.objects.filter(user=coordinator).exists()


def test_an_idle_token_expires(coordinator, settings):
    token = log_in(coordinator)
    stored = ApiToken.objects.get(user=coordinator)
    # Ten hours without a request (the default idle time).
    lifetime = stored.expiry - stored.created
    assert abs(lifetime - datetime.timedelta(hours=10)) < datetime.timedelta(seconds=1)
    ApiToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - datetime.timedelta(1))

    refused = call(token)

    assert refused.status_code == 401
    assert refused.json()["code"] == "token_expired"
    assert not ApiToken.objects.filter(user=coordinator).exists()


def test_use_keeps_a_token_alive_but_never_past_thirty_days(coordinator):
    token = log_in(coordinator)
    stored = ApiToken.objects.get(user=coordinator)
    now = timezone.now()

    # Used an hour ago, issued a day ago: each use moves the idle expiry on.
    ApiToken.objects.filter(pk=stored.pk).update(
        created=now - datetime.timedelta(days=1), expiry=now + datetime.timedelta(hours=9)
    )
    assert call(token).status_code == 200
    stored.refresh_from_db()
    assert stored.expiry > now + datetime.timedelta(hours=9, minutes=59)

    # In use every day for thirty days: it ends thirty days after it was issued.
    issued = now - datetime.timedelta(days=30) + datetime.timedelta(minutes=5)
    ApiToken.objects.filter(pk=stored.pk).update(
        created=issued, expiry=now + datetime.timedelta(minutes=4)
    )
    assert call(token).status_code == 200
    stored.refresh_from_db()
    assert stored.expiry <= issued + datetime.timedelta(days=30)


def test_token_issue_wrong_codes_and_unknown_tokens_are_audited(coordinator, settings):
    settings.REQUIRE_TWO_FACTOR = True
    device = TOTPDevice.objects.create(user=coordinator, name="Phone", confirmed=True)
    wrong = APIClient().post(
        TOKEN_URL,
        {"email": coordinator.email, "password": PASSWORD, "otp_token": "000000"},
        format="json",
    )
    assert wrong.status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    log_in(coordinator, otp_token=current_code(device))
    assert call("0" * 64).status_code == 401

    entries = AuditEntry.objects.order_by("id").values_list("action", "actor_label", "detail")
    assert list(entries) == [
        (Action.LOGIN_FAILED, coordinator.email, "Wrong two-factor code (API)."),
        (
            Action.TOKEN_ISSUED,
            coordinator.email,
            "API token issued (password and two-factor code).",
        ),
        (Action.TOKEN_REFUSED, "", "Invalid API token."),
    ]
    assert {entry.interface for entry in AuditEntry.objects.all()} == {AuditEntry.Interface.API}


def test_an_administrator_revokes_a_lost_clients_token_in_the_admin(client, coordinator):
    lost, kept = log_in(coordinator), log_in(coordinator)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    lost_row = ApiToken.objects.exclude(token_key=kept[:15]).get()

    listing = client.get("/admin/security/apitoken/")
    assert listing.status_code == 200
    # The secret itself is nowhere (the rows are named by its digest, which opens nothing).
    assert lost not in listing.text and kept not in listing.text
    response = client.post(
        "/admin/security/apitoken/",
        {"action": "revoke", "_selected_action": [lost_row.pk]},
    )

    assert response.status_code == 302
    assert call(lost).status_code == 401
    assert call(kept).status_code == 200
    assert AuditEntry.objects.filter(
        action=Action.TOKEN_REVOKED, detail=f"Revoked in the admin by {admin.email}."
    ).exists()


def test_coordinators_do_not_see_the_tokens_in_the_admin(client, coordinator):
    client.force_login(coordinator)

    assert client.get("/admin/security/apitoken/").status_code == 403
