"""`make run`'s embedded default: SQLite, no Redis. Every migration must apply there, and an
API client must get in with a token, although production and the rest of the suite run on
PostgreSQL (PostgreSQL-only indexes and SQL have broken this default before)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh process on local settings: this suite's own connection is PostgreSQL.
SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0, interactive=False)
from accounts.models import User
User.objects.create_user(email="embedded@example.org", password="a long pass phrase 42")
api = Client(HTTP_HOST="127.0.0.1")  # ALLOWED_HOSTS of the local settings
token = api.post(
    "/api/v1/auth/token/",
    {"email": "embedded@example.org", "password": "a long pass phrase 42"},
    content_type="application/json",
)
assert token.status_code == 200, token.content
listed = api.get(
    "/api/v1/referrals/", HTTP_AUTHORIZATION="Token " + token.json()["token"]
)
assert listed.status_code == 200, listed.content
print("embedded default: migrated, token", token.status_code, "list", listed.status_code)
"""


def test_the_embedded_sqlite_default_migrates_and_lets_a_token_in(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "embedded default: migrated, token 200 list 200" in result.stdout
