import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from security.db_roles import DELETABLE_MODELS, application_role_grant


class Command(BaseCommand):
    help = (
        "Run by the database owner after migrate: create or update the application's role "
        "with only SELECT, INSERT, UPDATE (SELECT, INSERT on the audit trail; DELETE only on "
        "the tables that need it); default privileges cover tables created later."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role",
            default=os.environ.get("DATABASE_APP_ROLE", "second_opinion_app"),
            help="the application's role (default: $DATABASE_APP_ROLE or second_opinion_app)",
        )
        parser.add_argument(
            "--password-env",
            default="DATABASE_APP_PASSWORD",
            help="environment variable holding the role's password (unset: left unchanged)",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, role, password_env, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles need PostgreSQL.")
        try:
            statements = application_role_grant(
                connection=connection, role=role, password=os.environ.get(password_env) or None
            )
        except (ValueError, DatabaseError) as error:
            raise CommandError(f"Could not grant {role}: {error}") from error
        if options["verbosity"] > 1:
            self.stdout.write("\n".join(statements))
        self.stdout.write(
            f"{role}: SELECT, INSERT, UPDATE on the tables; no UPDATE on the append-only ones; "
            f"DELETE on {len(DELETABLE_MODELS)} kinds of row only."
        )
