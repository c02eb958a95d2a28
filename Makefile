# Second Opinion Tracker: `make run` for a local server, `make test` for the whole suite.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# `make run`: the embedded defaults (SQLite, no Redis, Celery tasks in-process), whatever the shell has.
LOCAL_ENV := env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=config.settings.local
TEST_ENV := env DJANGO_SETTINGS_MODULE=config.settings.test
POSTGRES_URL := postgres://postgres@127.0.0.1:5432/second_opinion
# `make run PORT=8123`: the port it serves on; links it prints and e-mails follow it (SITE_URL).
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)
RUN_ENV := $(LOCAL_ENV) SITE_URL=$(SITE_URL)
PYTEST_ARGS ?=

.PHONY: help venv run services chromium lint format test

help: ## List the targets
	@echo "Second Opinion Tracker"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv and install requirements-dev.txt (again only when requirements change)

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: '$(PYTHON)' not found; install Python 3.11+ or run make PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "error: $(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); Python 3.11 or newer is needed (make PYTHON=python3.11 ...)"; \
		exit 1; }
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		echo "$(VENV) has an older or broken Python: recreating it"; rm -rf $(VENV); fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: venv ## Serve http://127.0.0.1:8000/ (PORT=8123 for another) on SQLite with demo data
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

services: ## Make sure PostgreSQL and Redis answer on 127.0.0.1, starting them if needed
	@if pg_isready -q -h 127.0.0.1 -p 5432; then echo "PostgreSQL: up"; else \
		echo "PostgreSQL: down, starting it"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true; fi
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
		echo "error: PostgreSQL does not answer on 127.0.0.1:5432"; exit 1
	@if [ "$$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ]; then echo "Redis: up"; else \
		echo "Redis: down, starting it"; \
		redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true; fi
	@for i in $$(seq 1 30); do [ "$$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ] && exit 0; sleep 1; done; \
		echo "error: Redis does not answer on 127.0.0.1:6379"; exit 1
	@# The application database; the tests create test_second_opinion beside it.
	@psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'second_opinion'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U postgres second_opinion

chromium: ## Install Debian's Chromium for the browser tests when /usr/bin/chromium is missing
	@if [ -x /usr/bin/chromium ]; then echo "Chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; else \
		$(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium; fi

lint: venv ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv ## Reformat and apply ruff's safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: venv services chromium lint ## The whole suite against PostgreSQL and Redis (PYTEST_ARGS=... to narrow)
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	env DJANGO_SETTINGS_MODULE=config.settings.production \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		ALLOWED_HOSTS=example.org DATABASE_URL=$(POSTGRES_URL) \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)
