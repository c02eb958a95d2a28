"""The benchmarks' own databases: created when missing (as bench/api_list.py does)."""

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
