"""Throughput of the referral list endpoint against a bare-Django baseline, in the same run.

    .venv/bin/python bench/api_list.py            # database so_bench_api (created, migrated)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python bench/api_list.py

Loads 100,000 referrals once (later runs reuse them), then sends the same number of requests to
  - the API:      GET /api/v1/referrals/?page_size=50 as a center coordinator (token auth,
                  visibility, filters, cursor pagination, serializer), and
  - the baseline: a bare Django view that fetches the same 50 rows with `values()` and dumps
                  them with json.dumps,
both through Django's full middleware stack in this process (test client, no network), and
prints requests per second of each (medians of alternating rounds) and the median ratio of
the rounds. Target: the API within 1.25x of the baseline (issue 18).
"""

import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import ensure_database  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/so_bench_api")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

REFERRALS = int(os.environ.get("BENCH_REFERRALS", "100000"))
PAGE_SIZE = 50
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
ROUNDS = 10
WARM_UP = 5
BATCH = 5_000
CENTER_NAME = "Bench Comprehensive Cancer Center"


def baseline_view(request):
    from django.http import HttpResponse

    from referrals.api.serializers.referrals import LIST_FIELDS, LIST_RELATED
    from referrals.models import Referral

    # What a list row of the API shows, related objects joined for their UUIDs.
    columns = [
        f"{name}__uuid" if name in LIST_RELATED else name
        for name in ["uuid", *LIST_FIELDS]
        if name not in ("id", "is_overdue")
    ]
    rows = list(
        Referral.objects.filter(receiving_center__name=CENTER_NAME)
        .order_by("-created_at", "-id")
        .values(*columns)[:PAGE_SIZE]
    )
    from django.core.serializers.json import DjangoJSONEncoder

    return HttpResponse(
        json.dumps({"results": rows}, cls=DjangoJSONEncoder), content_type="application/json"
    )


def _urlpatterns():
    from django.urls import path

    from config.urls import urlpatterns

    return [*urlpatterns, path("bench/baseline/", baseline_view)]


def load(referral_count: int):
    """The bench organizations and people, and `referral_count` referrals to the center."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Membership, Organization, User
    from referrals.models import Patient, Referral

    Role = Membership.Role
    center, _ = Organization.objects.get_or_create(
        name=CENTER_NAME,
        defaults={"kind": "cancer_center", "nci_designation": "comprehensive", "city": "Bench"},
    )
    practice, _ = Organization.objects.get_or_create(
        name="Bench Community Oncology", defaults={"kind": "community", "city": "Bench"}
    )

    def person(email, organization, role):
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": email})
        Membership.objects.get_or_create(user=user, organization=organization, role=role)
        return user

    coordinator = person("bench-coordinator@example.org", center, Role.COORDINATOR)
    oncologist = person("bench-oncologist@example.org", practice, Role.REFERRING_ONCOLOGIST)
    specialist = person("bench-specialist@example.org", center, Role.SPECIALIST)

    have = Referral.objects.filter(receiving_center=center).count()
    if have >= referral_count:
        print(f"{have} referrals already loaded")
        return coordinator
    print(f"loading {referral_count - have} referrals ...", flush=True)
    started = time.perf_counter()
    now = timezone.now()
    statuses = ["submitted", "accepted", "under_review", "recommendation_issued", "monitoring"]
    sites = ["breast", "lung", "colorectal", "prostate", "pancreas", "melanoma"]
    for start in range(have, referral_count, BATCH):
        numbers = range(start, min(start + BATCH, referral_count))
        with transaction.atomic():
            patients = Patient.objects.bulk_create(
                Patient(
                    organization=practice,
                    mrn=f"B{number:07d}",
                    given_name="Bench",
                    family_name=f"Patient{number}",
                    date_of_birth=datetime.date(1960, 1, 1)
                    + datetime.timedelta(days=number % 9000),
                    consent_to_share_records=True,
                )
                for number in numbers
            )
            Referral.objects.bulk_create(
                Referral(
                    reference=f"SO-BENCH-{number:07d}",
                    patient=patient,
                    referring_oncologist=oncologist,
                    referring_organization=practice,
                    receiving_center=center,
                    specialist=specialist if number % 3 else None,
                    cancer_site=sites[number % len(sites)],
                    diagnosis="Bench diagnosis",
                    reasons=["complex_diagnosis"],
                    clinical_question="Bench question",
                    status=statuses[number % len(statuses)],
                    created_by=oncologist,
                    created_at=now - datetime.timedelta(minutes=number),
                    submitted_at=now - datetime.timedelta(minutes=number),
                    next_due=(now - datetime.timedelta(days=number % 20 - 10)).date(),
                )
                for number, patient in zip(numbers, patients, strict=True)
            )
        print(f"  {numbers.stop} referrals", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would gather them soon after a bulk load.
        cursor.execute("ANALYZE")
    print(f"loaded in {time.perf_counter() - started:.0f} s")
    return coordinator


def measure(client, path: str, headers: dict, count: int) -> float:
    for _ in range(WARM_UP):
        assert client.get(path, headers=headers).status_code == 200
    started = time.perf_counter()
    for _ in range(count):
        response = client.get(path, headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    return count / elapsed


def main() -> None:
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    call_command("migrate", verbosity=0)
    coordinator = load(REFERRALS)
    from security.models import ApiToken

    _token, secret = ApiToken.objects.create(user=coordinator, second_factor_verified=True)
    setup_test_environment()
    client = Client()
    api_path = f"/api/v1/referrals/?page_size={PAGE_SIZE}"
    api_headers = {"Authorization": f"Token {secret}"}

    urlpatterns.extend(_urlpatterns())
    with override_settings(ROOT_URLCONF=__name__):
        api_rows = client.get(api_path, headers=api_headers).json()["results"]
        base_rows = client.get("/bench/baseline/").json()["results"]
        assert [r["id"] for r in api_rows] == [str(r["uuid"]) for r in base_rows], "same rows"
        # Alternate the two in short rounds so that neither profits from a quieter machine
        # (other work shares it); the ratio is the median of the rounds' ratios.
        api_rates, base_rates = [], []
        for _round in range(ROUNDS):
            base_rates.append(measure(client, "/bench/baseline/", {}, REQUESTS // ROUNDS))
            api_rates.append(measure(client, api_path, api_headers, REQUESTS // ROUNDS))
    api_rate, base_rate = statistics.median(api_rates), statistics.median(base_rates)
    print(
        f"referrals in the database: {REFERRALS}; page size {PAGE_SIZE}; {REQUESTS} requests each"
    )
    print(f"medians of {ROUNDS} alternating rounds")
    print(f"baseline (values() + json.dumps): {base_rate:8.1f} requests/s")
    print(f"API /api/v1/referrals/:           {api_rate:8.1f} requests/s")
    ratio = statistics.median(b / a for b, a in zip(base_rates, api_rates, strict=True))
    verdict = "met" if ratio <= 1.25 else "NOT met"
    print(f"ratio baseline/API: {ratio:.2f}x (target: within 1.25x: {verdict})")


# This module is the URLconf of the run: the project's URLs plus the baseline view.
urlpatterns: list = []

if __name__ == "__main__":
    main()
