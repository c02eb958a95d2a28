"""The application connects as a role that can write rows but cannot erase the audit trail.

The outside test found the application's role owning the tables (and superuser in
docker-compose.yml): it could TRUNCATE the audit table, disable its trigger or replay as a
replica and delete rows. Here the suite creates the application's role in the test database
with `manage.py grant_app_role` (as the owner does after migrate), connects Django as that
role, and shows both halves: each way around the trail fails, and the whole product works.
"""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from audit.models import AuditEntry
from tests.api import test_workflow
from tests.api.conftest import client_for
from tests.factories import CancerCenterFactory, UserFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"


@pytest.fixture
def as_application_role(transactional_db):
    """Django connected as the application's role (created and granted by the owner)."""
    owner = connection.settings_dict["USER"]
    # Roles are shared by the whole server: one per test database.
    role = f"{connection.settings_dict['NAME']}_app"[:63]
    call_command("grant_app_role", role=role, verbosity=0)
    connection.close()
    connection.settings_dict["USER"] = role
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role
        yield role
    finally:
        connection.close()
        connection.settings_dict["USER"] = owner


def refused(statement: str) -> str:
    """Run `statement` as the application; returns the database's refusal."""
    with (
        pytest.raises(DatabaseError) as refusal,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    return str(refusal.value)


def test_the_application_role_cannot_erase_rewrite_or_silence_the_audit_trail(
    as_application_role,
):
    user = UserFactory()
    AuditEntry.objects.create(actor=user, action="view", interface="api")

    assert "permission denied" in refused("TRUNCATE audit_auditentry")
    assert "permission denied" in refused("DELETE FROM audit_auditentry")
    assert "permission denied" in refused("UPDATE audit_auditentry SET detail = 'edited'")
    assert "must be owner" in refused(
        "ALTER TABLE audit_auditentry DISABLE TRIGGER auditentry_append_only"
    )
    assert "must be owner" in refused("DROP TABLE audit_auditentry")
    assert "permission denied" in refused("SET session_replication_role = replica")
    # Nor around the retention rules of clinical data.
    assert "permission denied" in refused("TRUNCATE referrals_referral")
    assert "permission denied" in refused("DELETE FROM referrals_referralevent")
    assert "must be owner" in refused("ALTER TABLE referrals_referral DISABLE TRIGGER ALL")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles"
            " WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner ="
            " current_user"
        )
        assert cursor.fetchone()[0] == 0
    assert AuditEntry.objects.count() == 1


def test_the_whole_workflow_runs_as_the_application_role(as_application_role):
    # The API story of tests/api, draft to closed: patients, referral, records and files,
    # pathology review, consult, recommendation, progress update, timeline, audit.
    test_workflow.test_a_referral_runs_from_draft_to_closed_over_the_api(client_for, Client())

    # Web log-in and log-out (sessions are replaced and deleted), an API token's log-out.
    coordinator = member(CancerCenterFactory(), "coordinator")
    browser = Client()
    logged_in = browser.post("/admin/login/", {"username": coordinator.email, "password": PASSWORD})
    assert logged_in.status_code == 302
    assert browser.get("/admin/").status_code == 200
    assert browser.post("/admin/logout/").status_code == 200
    token = Client().post(
        "/api/v1/auth/token/",
        {"email": coordinator.email, "password": PASSWORD},
        content_type="application/json",
    )
    api = client_for(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert api.get("/api/v1/referrals/").status_code == 401
    # The coordinator's dashboard and exports (raw SQL over the trigger-kept rollups), and the
    # reminder scan (advisory lock, reminders inserted and sent) as beat would run it.
    reports = client_for(coordinator)
    assert reports.get("/api/v1/reports/summary/").status_code == 200
    browser.force_login(coordinator)
    assert browser.get("/reports/").status_code == 200
    assert browser.get("/reports/export/referrals.csv").status_code == 200
    call_command("scan_reminders", "--digests", stdout=io.StringIO())
    # A wrong password and the lockout's bookkeeping, then a successful log-in resets it.
    Client().post("/admin/login/", {"username": coordinator.email, "password": "wrong one!"})
    again = Client().post("/admin/login/", {"username": coordinator.email, "password": PASSWORD})
    assert again.status_code == 302
