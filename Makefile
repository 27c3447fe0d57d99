# Heedful — the two commands a newcomer runs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export HEEDFUL_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test install install-dev lint types migrations-check test-sqlite test-postgres \
        test-browser services mail-servers browser bench bench-smoke clean

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
test: install-dev services mail-servers browser lint types migrations-check test-sqlite test-postgres test-browser \
      bench-smoke

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

# Debian's Dovecot for the end-to-end email test (tests/mail/test_dovecot_e2e.py starts
# its own instance; the package's system service is not used).
mail-servers:
	@command -v dovecot >/dev/null || test -x /usr/sbin/dovecot || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null)

# Debian's Chromium for the Playwright tests; Playwright never downloads a browser here.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# Benchmarks (docs/performance.md). BENCH_DIR holds one folder per data set.
BENCH_TICKETS ?= 1000000
BENCH_PEER_TICKETS ?= 100000
BENCH_DIR ?= $(CURDIR)/var/bench

## make bench-smoke: 20k tickets in a temporary folder, each benchmark a few times (CI);
## fails when a benchmark breaks or a page sends more queries than its budget.
bench-smoke: install-dev
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && set -e && \
	export HEEDFUL_VAR_DIR="$$dir" && unset DATABASE_URL && \
	$(BIN)/heedful migrate >/dev/null && \
	$(BIN)/heedful bench generate --tickets 20000 --quiet && \
	$(BIN)/heedful bench run --smoke

## make bench: the full run: BENCH_TICKETS (1M) on a fresh SQLite database and, when
## DATABASE_URL points at PostgreSQL (use a database of its own: its tickets are added
## to), there too; then django-helpdesk against Heedful on BENCH_PEER_TICKETS (100k).
## JSON lines go to $(BENCH_DIR)/results.jsonl.
bench: install-dev
	@set -e; mkdir -p "$(BENCH_DIR)"; out="$(BENCH_DIR)/results.jsonl"; \
	fresh() { rm -rf "$(BENCH_DIR)/$$1"; mkdir -p "$(BENCH_DIR)/$$1"; \
	  export HEEDFUL_VAR_DIR="$(BENCH_DIR)/$$1"; }; \
	suite() { uptime; $(BIN)/heedful migrate >/dev/null; \
	  $(BIN)/heedful bench generate --tickets $$1; uptime; \
	  $(BIN)/heedful bench run --out "$$out"; uptime; }; \
	pg="$${DATABASE_URL:-}"; \
	(fresh sqlite; unset DATABASE_URL; suite $(BENCH_TICKETS)); \
	case "$$pg" in postgres*) (fresh postgresql; export DATABASE_URL="$$pg"; \
	  suite $(BENCH_TICKETS));; esac; \
	(fresh peer; unset DATABASE_URL; $(BIN)/heedful migrate >/dev/null; \
	  $(BIN)/heedful bench generate --tickets $(BENCH_PEER_TICKETS); \
	  $(BIN)/heedful bench peer --out "$$out"); \
	echo "results: $$out"

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
