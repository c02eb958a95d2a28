"""Every benchmark under bench/ still runs end to end, at a size that takes seconds: each in
a database of its own, created and migrated by the benchmark itself, loading its rows as it
does at full size (raw SQL that names the columns it fills: a NOT NULL column without a
database default broke three of them once), and ending on the line with its ratio. The
timings mean nothing at this size; the benchmarks' figures are in the README."""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# (script, arguments, pattern of its last line)
BENCHMARKS = {
    "dashboard": (
        ["--referrals", "300", "--repeat", "1"],
        r"^ratio endpoint / baseline: \d+\.\d+ \(target <= 0\.12, same figures: (met|NOT met)\)$",
    ),
    "reminder_scan": (
        ["--total", "400", "--small", "200", "--late", "20", "--repeat", "1"],
        r"^ratio 400 / 200: \d+\.\d+ \(target < 1\.5: (OK|ABOVE TARGET)\)$",
    ),
    "admin_pages": (
        ["--small", "100", "--large", "200", "--repeat", "1"],
        r"^worst ratio: \d+\.\d+ \(.+; target at most 1\.5: (met|NOT met)\)$",
    ),
    "api_list": ([], r"^ratio baseline/API: \d+\.\d+x \(target: within 1\.25x: .+\)$"),
}


def _server_url(name: str) -> str:
    database = settings.DATABASES["default"]
    user, host = database.get("USER") or "postgres", database.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{database.get('PORT') or 5432}/{name}"


def _drop(name: str) -> None:
    """Drop the benchmark's database, or its two (admin_pages: NAME_small, NAME_large)."""
    with psycopg.connect(_server_url("postgres"), autocommit=True) as connection:
        for database in (name, f"{name}_small", f"{name}_large"):
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.mark.parametrize("script", list(BENCHMARKS))
def test_the_benchmark_runs_and_ends_on_its_ratio(script):
    arguments, last_line = BENCHMARKS[script]
    name = f"so_test_bench_{script}"
    _drop(name)  # created and migrated by the benchmark, as on a first run
    environment = {
        **os.environ,
        "DATABASE_URL": _server_url(name),
        "BENCH_REFERRALS": "300",
        "BENCH_REQUESTS": "20",
    }
    try:
        finished = subprocess.run(
            [sys.executable, f"bench/{script}.py", *arguments],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        _drop(name)
    assert finished.returncode == 0, finished.stderr[-3000:]
    lines = [line for line in finished.stdout.splitlines() if line.strip()]
    assert lines[0].startswith(f"creating database {name}"), finished.stdout[-2000:]
    assert re.match(last_line, lines[-1]), lines[-1]
    if script == "dashboard":
        assert "figures identical: yes" in lines, finished.stdout[-2000:]
