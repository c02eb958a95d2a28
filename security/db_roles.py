"""The application's PostgreSQL role: it reads and writes rows, and owns nothing.

Two roles share the database. The owner (the role that runs `migrate`) owns every table,
trigger and function. The application (web, worker, beat) connects as a role with only:

- SELECT, INSERT, UPDATE on the ordinary tables, and USAGE on their sequences;
- SELECT, INSERT on the append-only tables (APPEND_ONLY_TABLES): no UPDATE, no DELETE;
- DELETE only where the product deletes rows (DELETABLE_MODELS);
- no TRUNCATE, REFERENCES or TRIGGER anywhere; not owner, so no ALTER, DROP or DISABLE
  TRIGGER; not superuser, so no `SET session_replication_role` (which would skip triggers).

`application_role_grant` is run by the owner after every migrate (`manage.py
grant_app_role`); default privileges give tables created later the same grants.
"""

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

# Written once, never changed or deleted (triggers refuse it too; this refuses it first).
APPEND_ONLY_MODELS = (
    "audit.AuditEntry",
    "referrals.ReferralEvent",
    "referrals.ConsultationAppointment",
)

# The rows the product itself deletes, and why.
DELETABLE_MODELS = {
    "sessions.Session": "log-out, a new session key at log-in, clearsessions",
    "security.ApiToken": "API log-out, expiry, password change, deactivation",
    "axes.AccessAttempt": "a successful log-in resets the failures; an admin releases a lockout",
    "axes.AccessAttemptExpiration": "goes with its access attempt",
    "axes.AccessFailureLog": "axes' own clean-up",
    "axes.AccessLog": "axes' own clean-up",
    "otp_totp.TOTPDevice": "an administrator removes a lost phone's authenticator",
    "accounts.Membership": "an administrator ends a membership",
    "accounts.IntakeRule": "a center stops taking a cancer site",
    "accounts.User_groups": "a coordinator membership ends (the Coordinators group)",
    "accounts.User_user_permissions": "an administrator edits a user's permissions",
    "auth.Group_permissions": "the Coordinators group's permissions are kept in step",
    "reminders.Holiday": "an administrator corrects the holiday calendar",
    "django_celery_beat.PeriodicTask": "beat keeps its schedule in step with the settings",
    "django_celery_beat.PeriodicTasks": "beat's change marker",
    "django_celery_beat.CrontabSchedule": "beat's schedules",
    "django_celery_beat.IntervalSchedule": "beat's schedules",
    "django_celery_beat.SolarSchedule": "beat's schedules",
    "django_celery_beat.ClockedSchedule": "beat's schedules",
}


def _tables(labels) -> list[str]:
    tables = []
    for label in labels:
        try:
            tables.append(apps.get_model(label)._meta.db_table)
        except LookupError:  # an app not installed in this deployment
            continue
    return tables


def application_role_grant(
    *, connection: BaseDatabaseWrapper, role: str, password: str | None = None
) -> list[str]:
    """Create the role if missing (or strip it of superuser and similar powers) and grant it
    exactly the privileges above, on the current database's `public` schema.

    Returns the statements run. Raises ValueError when `role` is the connected (owner) role,
    and the database's error when the owner may not create or alter roles.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        if role == owner:
            raise ValueError(f"{role} is the role running this command: the owner.")
        cursor.execute(
            "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls"
            " FROM pg_roles WHERE rolname = %s",
            [role],
        )
        found = cursor.fetchone()
        exists, too_powerful = found is not None, bool(found and found[0])
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
            [owner],
        )
        owned = {row[0] for row in cursor.fetchall()}

    name = quote(role)
    powers = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
    statements = []
    if not exists:
        statements.append(f"CREATE ROLE {name} LOGIN {powers}")
    elif too_powerful:
        statements.append(f"ALTER ROLE {name} {powers}")
    statements += [
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {name}",
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}",
        f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {name}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES "
        f"TO {name}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {name}",
    ]
    statements += [
        f"REVOKE UPDATE ON {quote(table)} FROM {name}"
        for table in _tables(APPEND_ONLY_MODELS)
        if table in owned
    ]
    statements += [
        f"GRANT DELETE ON {quote(table)} TO {name}"
        for table in _tables(DELETABLE_MODELS)
        if table in owned
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        if password:
            # Parameters are not allowed in ALTER ROLE: the literal is quoted by the server.
            cursor.execute("SELECT format('ALTER ROLE %%I PASSWORD %%L', %s, %s)", [role, password])
            cursor.execute(cursor.fetchone()[0])
    return statements
