"""What the benchmarks share: their own databases (created when missing) and the people in them."""

from urllib.parse import urlparse


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of `url` unless it exists."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            print(f"creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def bench_people(*, practices: int, centers: int) -> dict:
    """Organizations and users, made with the ORM (a few dozen rows); run after django.setup().

    Practice i has oncologist i; center i has specialist i and pathologist i; the coordinator
    (staff, for the admin) works at center 0; "admin" is a superuser."""
    from accounts.models import Membership, Organization, User

    practice_rows = [
        Organization.objects.get_or_create(
            name=f"Bench Practice {i}", defaults={"kind": Organization.Kind.COMMUNITY}
        )[0]
        for i in range(practices)
    ]
    center_rows = [
        Organization.objects.get_or_create(
            name=f"Bench Center {i}",
            defaults={"kind": Organization.Kind.CANCER_CENTER, "nci_designation": "comprehensive"},
        )[0]
        for i in range(centers)
    ]

    def user(email: str, organization, role: str, **extra):
        person, _ = User.objects.get_or_create(email=email, defaults=extra)
        Membership.objects.get_or_create(user=person, organization=organization, role=role)
        return person

    return {
        "practices": [p.pk for p in practice_rows],
        "centers": [c.pk for c in center_rows],
        "oncologists": [
            user(f"onc{i}@bench.example", p, "referring_oncologist").pk
            for i, p in enumerate(practice_rows)
        ],
        "specialists": [
            user(f"spec{i}@bench.example", c, "specialist").pk for i, c in enumerate(center_rows)
        ],
        "pathologists": [
            user(f"path{i}@bench.example", c, "pathologist").pk for i, c in enumerate(center_rows)
        ],
        "coordinator": user(
            "coordinator@bench.example", center_rows[0], "coordinator", is_staff=True
        ),
        "admin": User.objects.get_or_create(
            email="admin@bench.example", defaults={"is_superuser": True, "is_staff": True}
        )[0],
    }


BENCH_TABLES = [
    "referrals_patient",
    "referrals_referral",
    "referrals_referralevent",
    "referrals_recommendation",
    "referrals_pathologyreview",
    "referrals_consultation",
    "referrals_consultationappointment",
    "referrals_recorditem",
]
# Indexes other than those of constraints (primary keys, unique constraints): built after the
# load in one pass each, instead of row by row.
SECONDARY_INDEXES = """
SELECT index.indexname, index.indexdef FROM pg_indexes AS index
JOIN pg_class AS class ON class.relname = index.indexname
WHERE index.schemaname = 'public' AND index.tablename = ANY(%s)
  AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = class.oid)
ORDER BY index.indexname
"""


def bulk_load(cursor, statements: list[str], params: dict) -> None:
    """Run the benchmark's INSERT ... SELECT statements as a bulk load: without triggers
    (session_replication_role = replica: neither the rollup triggers nor the foreign key
    checks; the statements build consistent rows) and with the secondary indexes built
    afterwards; then the report rollups rebuilt from the rows in one pass each
    (reports.rollups.rebuild_rollups: the tests prove it equal to the triggers) and fresh
    statistics, as autovacuum would in time."""
    import time

    from django.db import transaction

    from reports.rollups import rebuild_rollups

    cursor.execute(SECONDARY_INDEXES, [BENCH_TABLES])
    indexes = cursor.fetchall()
    with transaction.atomic():  # all or nothing: no table left without its indexes
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for statement in statements:
            started = time.perf_counter()
            cursor.execute(statement, params)
            print(f"  {time.perf_counter() - started:6.1f} s  {' '.join(statement.split())[:70]}")
        started = time.perf_counter()
        for _, definition in indexes:
            cursor.execute(definition)
        print(f"  {time.perf_counter() - started:6.1f} s  {len(indexes)} secondary indexes built")
    started = time.perf_counter()
    rebuild_rollups()
    print(f"  {time.perf_counter() - started:6.1f} s  report rollups rebuilt")
    cursor.execute("VACUUM ANALYZE")
