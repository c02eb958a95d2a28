"""Two-factor authentication: required for staff and clinicians when the setting says so."""

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership
from audit.models import AuditEntry
from tests.factories import CancerCenterFactory, Cast, UserFactory, member, referral_in_state

pytestmark = pytest.mark.django_db

SETUP_URL = "/accounts/2fa/setup/"
VERIFY_URL = "/accounts/2fa/verify/"


@pytest.fixture
def two_factor_required(settings):
    settings.REQUIRE_TWO_FACTOR = True


@pytest.fixture
def staff(client):
    """A staff member who has just typed the right password."""
    user = UserFactory(is_staff=True)
    client.force_login(user)
    return user


def current_code(device: TOTPDevice) -> str:
    """What the user's authenticator app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


@pytest.mark.usefixtures("two_factor_required")
def test_staff_without_an_app_are_sent_to_set_one_up_and_get_in_after_the_first_code(client, staff):

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP_URL}?next=%2Fadmin%2F"

    # The password again first: no secret is shown before it.
    password_page = client.get(response["Location"])
    assert "Confirm your password" in password_page.text
    assert "security-secret" not in password_page.text
    again = client.post(SETUP_URL, {"password": "correct horse battery", "next": "/admin/"})
    assert again["Location"] == f"{SETUP_URL}?next=%2Fadmin%2F"

    setup_page = client.get(again["Location"])
    assert setup_page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in setup_page.text
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert "Type this key into the app" in setup_page.text

    confirmed = client.post(SETUP_URL, {"token": current_code(device), "next": "/admin/"})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(actor=staff, detail="Two-factor app enrolled.").exists()


@pytest.mark.usefixtures("two_factor_required")
def test_a_clinician_with_an_app_confirms_a_code_in_each_new_session(client):
    specialist = member(CancerCenterFactory(), Membership.Role.SPECIALIST, is_staff=True)
    device = confirmed_device(specialist)
    client.force_login(specialist)

    response = client.get("/admin/")
    assert response["Location"] == f"{VERIFY_URL}?next=%2Fadmin%2F"

    wrong = client.post(VERIFY_URL, {"token": "000000", "next": "/admin/"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.text
    assert client.get("/admin/").status_code == 302

    # django-otp slows guessing down after a wrong code; a real user tries again a bit later.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    right = client.post(VERIFY_URL, {"token": current_code(device), "next": "/admin/"})
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    audited = AuditEntry.objects.filter(actor=specialist).values_list("action", "detail")
    assert list(audited.order_by("id")) == [
        (AuditEntry.Action.LOGIN, ""),  # the password step
        (AuditEntry.Action.LOGIN_FAILED, "Wrong two-factor code."),
        (AuditEntry.Action.LOGIN, "Two-factor code confirmed."),
    ]


@pytest.mark.usefixtures("two_factor_required")
def test_a_member_without_staff_rights_must_verify_too_and_api_calls_get_a_403(client):
    coordinator = member(CancerCenterFactory(), Membership.Role.COORDINATOR)
    client.force_login(coordinator)

    assert client.get("/some/portal/page/")["Location"].startswith(SETUP_URL)
    api = client.get("/api/docs/")
    assert api.status_code == 403
    assert api.json() == {"detail": "Confirm the code from your authenticator app first."}


@pytest.mark.usefixtures("two_factor_required")
def test_a_password_alone_cannot_enrol_a_second_app(client, staff):
    confirmed_device(staff)

    response = client.get(SETUP_URL)

    assert response["Location"].startswith(VERIFY_URL)
    assert TOTPDevice.objects.filter(user=staff).count() == 1


@pytest.mark.usefixtures("two_factor_required")
def test_the_first_app_needs_the_password_again_and_a_secret_seen_before_it_is_void(client, staff):
    # Someone at a computer left signed in, who does not know the password.
    assert "Confirm your password" in client.get(SETUP_URL).text
    wrong = client.post(SETUP_URL, {"password": "not the password at all"})
    assert "That is not your password." in wrong.text
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGIN_FAILED, actor_label=staff.email
    ).exists()
    # Posting a code straight away skips nothing: the password page comes back.
    assert "Confirm your password" in client.post(SETUP_URL, {"token": "123456"}).text

    client.post(SETUP_URL, {"password": "correct horse battery"})
    assert "Set up two-factor authentication" in client.get(SETUP_URL).text
    first_secret = TOTPDevice.objects.get(user=staff, confirmed=False).key

    # Ten minutes later the password is asked again, and a new secret drawn: the one shown
    # before (perhaps over the user's shoulder) can never be confirmed.
    session = client.session
    session["two_factor_reauthenticated_at"] -= 11 * 60
    session.save()
    assert "Confirm your password" in client.get(SETUP_URL).text
    client.post(SETUP_URL, {"password": "correct horse battery"})
    client.get(SETUP_URL)
    assert TOTPDevice.objects.get(user=staff, confirmed=False).key != first_secret


@pytest.mark.usefixtures("two_factor_required")
def test_logging_out_needs_no_code(client, staff):

    response = client.post("/admin/logout/")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("two_factor_required")
def test_users_without_membership_or_staff_rights_are_not_asked(client):
    client.force_login(UserFactory())

    assert client.get("/api/docs/").status_code == 200


def test_in_development_two_factor_is_optional(client, settings):
    settings.REQUIRE_TWO_FACTOR = False
    client.force_login(UserFactory(is_staff=True))

    assert client.get("/admin/").status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_administrator_enrols_an_app_in_the_browser_and_reaches_the_admin(
    page, screenshot, settings
):
    settings.REQUIRE_TWO_FACTOR = True
    admin = UserFactory(is_staff=True, is_superuser=True)

    page.goto("/admin/login/")
    page.fill("#id_username", admin.email)
    page.fill("#id_password", "correct horse battery")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Confirm your password").wait_for()
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Set up two-factor authentication").wait_for()
    # What the user types into their app, and the code the app then shows.
    typed_key = page.locator(".security-secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=admin)
    assert base64.b32decode(typed_key) == device.bin_key
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    screenshot(page, "security-two-factor-code-typed")
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    page.get_by_role("heading", name="Coordinator workspace").wait_for()
    device.refresh_from_db()
    assert device.confirmed


@pytest.mark.django_db
def test_an_api_token_needs_the_second_factor_too(client, settings):
    settings.REQUIRE_TWO_FACTOR = True
    referral = referral_in_state("submitted")
    coordinator = Cast(referral).center_coordinator
    url = "/api/v1/auth/token/"
    credentials = {"email": coordinator.email, "password": "correct horse battery"}

    not_enrolled = client.post(url, credentials, content_type="application/json")
    assert not_enrolled.status_code == 403

    device = confirmed_device(coordinator)
    missing = client.post(url, credentials, content_type="application/json")
    assert missing.status_code == 400 and "otp_token" in missing.json()["fields"]
    code = current_code(device)
    good = client.post(url, {**credentials, "otp_token": code}, content_type="application/json")
    assert good.status_code == 200 and good.json()["token"]
    # A code works once: a replayed one is refused.
    replayed = client.post(url, {**credentials, "otp_token": code}, content_type="application/json")
    assert replayed.status_code == 400
