#!/bin/sh
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d), as the
# server's superuser. Creates the two roles of the application's database:
#   - the owner (DATABASE_OWNER_ROLE), which runs migrations and owns every table: not superuser;
#   - the application (DATABASE_APP_ROLE), which web, worker and beat connect as: it gets its
#     privileges from `manage.py grant_app_role`, which the owner runs after each migrate.
# The same statements run by hand set up a server outside Docker (README: Security and privacy).
set -eu

: "${DATABASE_NAME:=second_opinion}"
: "${DATABASE_OWNER_ROLE:=second_opinion}"
: "${DATABASE_APP_ROLE:=second_opinion_app}"
: "${DATABASE_OWNER_PASSWORD:?set DATABASE_OWNER_PASSWORD}"
: "${DATABASE_APP_PASSWORD:?set DATABASE_APP_PASSWORD}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v database="$DATABASE_NAME" -v owner="$DATABASE_OWNER_ROLE" -v app="$DATABASE_APP_ROLE" \
  -v owner_password="$DATABASE_OWNER_PASSWORD" -v app_password="$DATABASE_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
  PASSWORD :'app_password';
CREATE DATABASE :"database" OWNER :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
SQL

# Only the owner creates objects in the schema (PostgreSQL 15+ already refuses PUBLIC).
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" \
  --dbname "$DATABASE_NAME" -v owner="$DATABASE_OWNER_ROLE" <<'SQL'
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
