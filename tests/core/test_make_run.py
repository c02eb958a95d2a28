"""`make run PORT=...`: the server listens on that port and SITE_URL (the links printed and
e-mailed) follows it; without PORT, 8000. Read from make's dry run (-n), which prints the
commands without running them."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*arguments: str) -> list[str]:
    # SITE_URL from the calling shell would win over the default (`?=`): not in this test.
    environment = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(ROOT)}
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if "manage.py" in line]


def test_make_run_port_serves_there_and_links_follow_it():
    commands = dry_run("PORT=8123")
    assert commands[-1].endswith("manage.py runserver 127.0.0.1:8123")
    # migrate, collectstatic, seed_demo (which prints the links) and the server itself.
    assert len(commands) == 4
    for command in commands:
        assert "SITE_URL=http://127.0.0.1:8123 " in command
        assert "DJANGO_SETTINGS_MODULE=config.settings.local" in command


def test_make_run_defaults_to_port_8000():
    commands = dry_run()
    assert commands[-1].endswith("manage.py runserver 127.0.0.1:8000")
    assert all("SITE_URL=http://127.0.0.1:8000 " in command for command in commands)


def test_an_explicit_site_url_wins():
    commands = dry_run("PORT=8123", "SITE_URL=https://tracker.example.org")
    assert commands[-1].endswith("runserver 127.0.0.1:8123")
    assert all("SITE_URL=https://tracker.example.org " in command for command in commands)
