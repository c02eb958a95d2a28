"""Shared test configuration.

The report header names the database and broker the suite runs on, so the output of every run
shows that the tests talked to a real PostgreSQL and Redis.
"""

import contextlib
import warnings


def _database_unblocked(config):
    """pytest-django blocks database access outside tests; the header needs one connection."""
    try:
        from pytest_django.plugin import blocking_manager_key

        return config.stash[blocking_manager_key].unblock()
    except (ImportError, KeyError):
        return contextlib.nullcontext()


def _server_version(connection) -> str:
    try:
        connection.ensure_connection()
    except Exception:
        if connection.vendor != "postgresql":
            raise
        # The main database may not exist yet (the test database is created beside it);
        # ask the server through the maintenance database, as Django's test set-up does.
        with warnings.catch_warnings():
            # Django warns when even the maintenance database is unreachable; the error says it.
            warnings.simplefilter("ignore", RuntimeWarning)
            with connection._nodb_cursor() as cursor:
                cursor.execute("SHOW server_version")
                return cursor.fetchone()[0].split()[0]
    return ".".join(str(part) for part in connection.get_database_version())


def pytest_report_header(config) -> list[str]:
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    vendor = connection.vendor
    name = str(database.get("NAME") or "")
    test_name = (database.get("TEST") or {}).get("NAME")
    if vendor == "sqlite":
        location = "file"
        test_name = test_name or "an in-memory database"
    else:
        location = f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 'default'}"
        test_name = test_name or f"test_{name}"
    try:
        with _database_unblocked(config):
            try:
                version = _server_version(connection)
            finally:
                connection.close()
    except Exception as error:  # the header reports a dead database, it never stops the run
        message = (str(error).strip().splitlines() or [""])[0]
        version = f"(unreachable: {type(error).__name__}: {message})"
    broker = getattr(settings, "REDIS_URL", "") or "(none: Celery tasks run in-process)"
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", None)
    return [
        f"database: {vendor} {version} at {location}/{name} (tests use {test_name})",
        f"redis: {broker} (CELERY_TASK_ALWAYS_EAGER={eager})",
    ]


# Browser tests: real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

import os  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls that tests make
    # between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server):
    """A fresh browser tab (own cookies) whose relative URLs go to the live test server."""
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(request):
    """`screenshot(page, "name")` saves a PNG under test-artifacts/screenshots/."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(tab, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        request.config.stash.setdefault(_screenshots_key, []).append(path)
        return path

    return take


_screenshots_key = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    shots = config.stash.get(_screenshots_key, [])
    if shots:
        terminalreporter.write_sep("-", f"{len(shots)} screenshots written to {SCREENSHOT_DIR}")


def log_in(
    tab, email: str, password: str = "correct horse battery", path: str = "/accounts/login/"
):
    """Log in through a login form (the portal's or the admin's)."""
    tab.goto(path)
    tab.get_by_label("Email", exact=False).first.fill(email)
    tab.get_by_label("Password", exact=False).first.fill(password)
    tab.get_by_role("button", name="Log in").click()
