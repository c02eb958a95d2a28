"""The coordinator's admin pages at 10,000 and at 1,000,000 referrals, in one run.

    .venv/bin/python bench/admin_pages.py [--repeat 5] [--small 10000] [--large 1000000]

Creates (once) and migrates its own two databases, bench_perf_admin_small and
bench_perf_admin_large (never the development or test one; DATABASE_URL=.../NAME makes them
NAME_small and NAME_large), loads each with INSERT ... SELECT
generate_series (patients and referrals over 20 practices and 10 centers, a realistic mix of
states, urgencies and due dates, none tied to the center; a few minutes for a million, as
bench.database.bulk_load does it; kept between runs; --reload loads again), then times each
page through Django's full request stack (test client) as the coordinator of one center, who
sees a tenth of the referrals, the two databases alternating request by request. Prints the
median of --repeat runs of each page in each database and the ratio large/small; the worst
ratio is on the last line. Target: every ratio at most 1.5 (cost follows the page, not the
table). Not run by the test suite.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_perf_admin")
BASE_NAME = urlparse(os.environ["DATABASE_URL"]).path.lstrip("/")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.database import bench_people, bulk_load, ensure_database  # noqa: E402
from referrals.models import Referral  # noqa: E402

PRACTICES, CENTERS = 20, 10
SITES = ["breast", "lung", "colorectal", "prostate", "pancreas", "melanoma", "lymphoma", "other"]
DATABASES = {label: f"{BASE_NAME}_{label}" for label in ("small", "large")}

LOAD_SQL = [
    """
    INSERT INTO referrals_patient (uuid, organization_id, mrn, given_name, family_name,
        date_of_birth, sex, phone, email, preferred_language, consent_to_share_records,
        consent_to_share_recorded_at, consent_to_record_consult, support_person_name,
        support_person_relation, created_at, updated_at)
    SELECT gen_random_uuid(), (%(practices)s::bigint[])[1 + i %% %(n_practices)s],
        'M' || lpad(i::text, 8, '0'), 'Given' || (i %% 977), 'Family' || (i %% 9973),
        DATE '1960-01-01' + (i %% 9000)::int, 'unknown', '', '', 'English', true, now(), true,
        '', '', now(), now()
    FROM generate_series(1, %(n)s) AS i
    """,
    """
    INSERT INTO referrals_referral (uuid, reference, patient_id, referring_oncologist_id,
        referring_organization_id, receiving_center_id, specialist_id, opinion_number,
        cancer_site, diagnosis, stage, reasons, clinical_question, initiated_by, urgency,
        modality, status, decline_reason, cancel_reason, decline_reason_code, cancel_reason_code,
        created_by_id, created_at, updated_at, submitted_at, next_due)
    SELECT gen_random_uuid(), 'SO-B-' || lpad(i::text, 9, '0'), p.id,
        (%(oncologists)s::bigint[])[1 + i %% %(n_practices)s], p.organization_id,
        (%(centers)s::bigint[])[1 + i %% %(n_centers)s],
        CASE WHEN i %% 3 > 0 THEN (%(specialists)s::bigint[])[1 + i %% %(n_centers)s] END, 2,
        (%(sites)s::text[])[1 + i %% %(n_sites)s], 'Carcinoma', '', '["complex_diagnosis"]',
        '', 'physician', CASE WHEN (i / 10) %% 10 = 0 THEN 'urgent' ELSE 'routine' END, 'virtual',
        status, CASE WHEN status = 'declined' THEN 'Outside our programme.' ELSE '' END,
        CASE WHEN status = 'cancelled' THEN 'Patient withdrew.' ELSE '' END,
        CASE WHEN status = 'declined' THEN 'no_capacity' ELSE '' END,
        CASE WHEN status = 'cancelled' THEN 'patient_withdrew' ELSE '' END,
        (%(oncologists)s::bigint[])[1 + i %% %(n_practices)s],
        now() - interval '1 minute' * i, now(), now() - interval '1 minute' * i,
        CASE WHEN status IN ('submitted', 'accepted', 'under_review', 'recommendation_issued',
                             'monitoring')
             THEN current_date - 30 + (i %% 365)::int END
    FROM (
        SELECT id, organization_id, row_number() OVER (ORDER BY id) AS i
        FROM referrals_patient
    ) AS p
    CROSS JOIN LATERAL (SELECT
        (ARRAY['submitted', 'accepted', 'accepted', 'under_review', 'under_review',
               'recommendation_issued', 'returned', 'returned', 'monitoring', 'monitoring',
               'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed',
               'declined', 'cancelled', 'closed'])[1 + (p.i / 10) %% 20] AS status) AS s
    """,
]


def use_database(name: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = name


def load(count: int, found: dict) -> None:
    params = {
        "n": count,
        "practices": found["practices"],
        "centers": found["centers"],
        "oncologists": found["oncologists"],
        "specialists": found["specialists"],
        "n_practices": PRACTICES,
        "n_centers": CENTERS,
        "sites": SITES,
        "n_sites": len(SITES),
    }
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE referrals_referral, referrals_patient CASCADE")
        bulk_load(cursor, LOAD_SQL, params)


def prepare(label: str, count: int, reload: bool = False) -> User:
    name = DATABASES[label]
    ensure_database(urlparse(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl())
    use_database(name)
    call_command("migrate", verbosity=0)
    found = bench_people(practices=PRACTICES, centers=CENTERS)
    loaded = Referral.objects.filter(reference__startswith="SO-B-").count()
    if reload or loaded != count:
        print(f"{name}: loading {count:,} referrals (found {loaded:,})", flush=True)
        load(count, found)
    return found["coordinator"]


def pages() -> dict:
    """Each page the issue names, with its query string."""
    changelist = "/admin/referrals/referral/"
    return {
        "home": "/admin/",
        "change list": changelist,
        "filtered by status": f"{changelist}?status__exact=under_review",
        "search by reference": f"{changelist}?q=SO-B-000004560",
        "search by MRN": f"{changelist}?q=M00004560",
    }


def measure(counts: dict, repeat: int) -> dict:
    """{label: {page: median seconds}}. The databases alternate request by request (each
    timed request after an untimed one on the same database), so that both see the same
    machine: other work shares it."""
    clients = {}
    for label, count in counts.items():
        coordinator = prepare(label, count)
        clients[label] = Client()
        clients[label].force_login(coordinator)
    durations = {label: {page: [] for page in pages()} for label in counts}
    for _ in range(repeat):
        for page, path in pages().items():
            for label, client in clients.items():
                use_database(DATABASES[label])
                assert client.get(path).status_code == 200
                started = time.perf_counter()
                response = client.get(path)
                durations[label][page].append(time.perf_counter() - started)
                assert response.status_code == 200, response.content[:300]
    return {
        label: {page: statistics.median(times) for page, times in by_page.items()}
        for label, by_page in durations.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--load-only", action="store_true", help="load, do not time")
    parser.add_argument("--reload", action="store_true", help="drop and load the data again")
    args = parser.parse_args()
    setup_test_environment()
    if args.load_only:
        prepare("small", args.small, args.reload)
        prepare("large", args.large, args.reload)
        return 0
    timings = measure({"small": args.small, "large": args.large}, args.repeat)
    small, large = timings["small"], timings["large"]
    print(f"as one center's coordinator; median of {args.repeat}; ratio large/small")
    print(f"{'page':22} {args.small:>10,} {args.large:>12,}   ratio")
    ratios = {}
    for page in pages():
        ratios[page] = large[page] / small[page]
        print(f"{page:22} {small[page]:9.3f}s {large[page]:11.3f}s   {ratios[page]:.2f}")
    worst = max(ratios, key=ratios.get)
    verdict = "met" if ratios[worst] <= 1.5 else "NOT met"
    print(f"worst ratio: {ratios[worst]:.2f} ({worst}; target at most 1.5: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
