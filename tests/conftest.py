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
