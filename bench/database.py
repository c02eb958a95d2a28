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
