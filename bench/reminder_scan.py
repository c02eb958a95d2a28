"""Benchmark: the reminder scan's cost follows the late steps, not all referrals.

Loads 1,000,000 referrals (1% late) into its own PostgreSQL database and times the scan, then
reloads 100,000 referrals with the same number late and times it again. Prints both times and
their ratio (target: under 1.5). Not run by the tests. From the repository root:

    .venv/bin/python bench/reminder_scan.py [--total 1000000] [--small 100000] [--late 10000]

It creates (when missing) and migrates its own database, so_bench_reminders (another with
DATABASE_URL=postgres://...). The database is emptied and reloaded on every run: never point
it at real data. The last line is the ratio.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/so_bench_reminders")

from bench.database import ensure_database  # noqa: E402

if os.environ["DATABASE_URL"].startswith("postgres"):
    ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organization, User  # noqa: E402
from reminders.models import Reminder  # noqa: E402
from reminders.scan import reminders_scan  # noqa: E402

Role = Membership.Role

# Late referrals wait on the recommendation (one reminder each, to the specialist); the others
# are open with a future due date (inside the partial index, but not late) or closed.
LOAD_REFERRALS = """
INSERT INTO referrals_referral (
    uuid, reference, opinion_number, cancer_site, diagnosis, stage, reasons, clinical_question,
    initiated_by, urgency, modality, status, decline_reason, cancel_reason, created_at,
    updated_at, submitted_at, recommendation_due, next_due, closed_at, created_by_id,
    patient_id, receiving_center_id, referring_oncologist_id, referring_organization_id,
    specialist_id)
SELECT
    gen_random_uuid(), 'SO-B-' || lpad(i::text, 9, '0'), 2, 'breast', 'Benchmark', '', '[]',
    '', 'physician', 'routine', 'virtual',
    CASE WHEN i <= %(late)s THEN 'under_review'
         ELSE (ARRAY['closed', 'under_review', 'monitoring', 'submitted'])[i %% 4 + 1] END,
    '', '', now(), now(), now() - interval '30 days', due, due,
    CASE WHEN i > %(late)s AND i %% 4 = 0 THEN now() END,
    %(oncologist)s, patient.id, %(center)s, %(oncologist)s, %(practice)s, %(specialist)s
FROM (
    SELECT i, CASE
        WHEN i <= %(late)s THEN %(today)s::date - (1 + i %% 20)
        WHEN i %% 4 = 0 THEN NULL
        ELSE %(today)s::date + (1 + i %% 30) END AS due
    FROM generate_series(1, %(total)s) AS i
) AS numbered
JOIN referrals_patient AS patient
  ON patient.organization_id = %(practice)s AND patient.mrn = 'B' || numbered.i
"""

LOAD_PATIENTS = """
INSERT INTO referrals_patient (
    uuid, mrn, given_name, family_name, date_of_birth, sex, phone, email, preferred_language,
    consent_to_share_records, consent_to_record_consult, support_person_name,
    support_person_relation, created_at, updated_at, organization_id)
SELECT gen_random_uuid(), 'B' || i, 'Given', 'Family', DATE '1960-01-01', 'unknown', '', '',
       'English', true, false, '', '', now(), now(), %(practice)s
FROM generate_series(1, %(total)s) AS i
"""


def people() -> dict[str, int]:
    practice, _ = Organization.objects.get_or_create(
        name="Benchmark Practice", defaults={"kind": Organization.Kind.COMMUNITY}
    )
    center, _ = Organization.objects.get_or_create(
        name="Benchmark Center", defaults={"kind": Organization.Kind.CANCER_CENTER}
    )
    ids = {"practice": practice.pk, "center": center.pk}
    for key, organization, role in [
        ("oncologist", practice, Role.REFERRING_ONCOLOGIST),
        ("specialist", center, Role.SPECIALIST),
        ("coordinator", center, Role.COORDINATOR),
    ]:
        user, _ = User.objects.get_or_create(email=f"bench-{key}@example.org")
        Membership.objects.get_or_create(user=user, organization=organization, role=role)
        ids[key] = user.pk
    return ids


def load(total: int, late: int, ids: dict[str, int]) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE referrals_reminder, referrals_referralevent, referrals_recorditem, "
            "referrals_referral, referrals_patient CASCADE"
        )
        cursor.execute(LOAD_PATIENTS, {"total": total, **ids})
        # Due dates count from the local date the scan uses, not the database's (UTC) one.
        today = timezone.localdate()
        cursor.execute(LOAD_REFERRALS, {"total": total, "late": late, "today": today, **ids})
        cursor.execute("VACUUM ANALYZE referrals_patient")
        cursor.execute("VACUUM ANALYZE referrals_referral")
    return time.perf_counter() - started


def time_scan(repeat: int, late: int) -> float:
    """The median of `repeat` scans, each from no reminders at all."""
    timings = []
    for _ in range(repeat):
        Reminder.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE referrals_reminder")
        started = time.perf_counter()
        result = reminders_scan(today=timezone.localdate())
        timings.append(time.perf_counter() - started)
        assert result.late_steps == late and result.created == late, result
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--late", type=int, default=10_000, help="late referrals in both runs")
    parser.add_argument("--repeat", type=int, default=3, help="scans per size (median)")
    options = parser.parse_args()
    if not options.late < options.small <= options.total:
        parser.error("need late < small <= total")
    if connection.vendor != "postgresql":
        parser.error("the benchmark needs PostgreSQL (DATABASE_URL)")
    print(f"database: {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    ids = people()
    timings = {}
    for total in (options.total, options.small):
        loaded = load(total, options.late, ids)
        timings[total] = time_scan(options.repeat, options.late)
        print(
            f"{total:>9,} referrals, {options.late:,} late: loaded in {loaded:.1f} s, "
            f"scan {timings[total] * 1000:.0f} ms (median of {options.repeat})"
        )
    ratio = timings[options.total] / timings[options.small]
    verdict = "OK" if ratio < 1.5 else "ABOVE TARGET"
    print(f"ratio {options.total:,} / {options.small:,}: {ratio:.2f} (target < 1.5: {verdict})")


if __name__ == "__main__":
    main()
