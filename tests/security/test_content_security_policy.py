"""The Content Security Policy allows nothing inline, and the admin and API docs still work."""

import pytest

from tests.factories import UserFactory

EXPECTED_POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/docs/?script="])
def test_every_page_carries_the_policy_without_unsafe_inline(client, path):
    policy = client.get(path)["Content-Security-Policy"]

    assert {directive.strip() for directive in policy.split(";")} == EXPECTED_POLICY
    assert "unsafe" not in policy


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_api_docs_and_two_factor_pages_work_under_the_policy(page, screenshot):
    admin = UserFactory(is_staff=True, is_superuser=True, email="admin@example.org")
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto("/admin/login/")
    page.fill("#id_username", admin.email)
    page.fill("#id_password", "correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Coordinator workspace").wait_for()
    page.goto("/admin/accounts/user/")
    page.get_by_role("link", name=admin.email).click()
    page.locator("#user_form").wait_for()
    # The admin's own scripts run: the permissions selector widget is built by JavaScript.
    page.locator(".selector-available").first.wait_for()
    screenshot(page, "security-admin-under-csp")

    page.goto("/api/docs/")
    page.get_by_text("Second Opinion Tracker API").first.wait_for()
    screenshot(page, "security-api-docs-under-csp")

    page.goto("/accounts/2fa/setup/")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Continue").click()
    qr_code = page.get_by_role("img", name="QR code for your authenticator app")
    qr_code.wait_for()
    assert qr_code.evaluate("image => image.naturalWidth") > 0
    # The page's own stylesheet applies (a file, not inline).
    card = page.locator(".security-card")
    assert card.evaluate("element => getComputedStyle(element).maxWidth") != "none"
    screenshot(page, "security-two-factor-setup")

    assert violations == []
