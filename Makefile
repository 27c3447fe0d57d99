# Heedful — the two commands a newcomer runs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export HEEDFUL_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test install install-dev lint types migrations-check test-sqlite test-postgres \
        test-browser services browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, migrate SQLite under var/, load demo data, start web app + worker.
run: install
	$(BIN)/heedful migrate
	$(BIN)/heedful demo
	$(BIN)/heedful serve --with-worker

## make test: every check, on SQLite and PostgreSQL, plus browser tests.
test: install-dev services browser lint types migrations-check test-sqlite test-postgres test-browser

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install-dev
	$(BIN)/mypy

migrations-check: install-dev
	HEEDFUL_VAR_DIR=$$(mktemp -d) $(BIN)/heedful manage makemigrations --check --dry-run

test-sqlite: install-dev
	$(BIN)/pytest -m "not browser" -q

test-postgres: install-dev services
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser" -q

test-browser: install-dev browser
	$(BIN)/pytest -m browser -q

# Start PostgreSQL and Redis if they are down (CI machines start them beforehand).
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done

# Debian's Chromium for the Playwright tests; Playwright never downloads a browser here.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
