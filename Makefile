# Cakupan: the two commands are `make demo` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG15 := /usr/lib/postgresql/15/bin
# Tests run in one process per core (pytest-xdist), each with its own throwaway PostgreSQL; a whole
# test file stays on one worker so its module fixtures are built once. PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: demo test lint types check-migrations pytest pytest-pg15 bench install browser clean-data

# The demo's own output is Indonesian: make does not echo the commands it runs.
$(STAMP): pyproject.toml
	@echo "Memasang Cakupan ke $(VENV) (sekali saja) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	@$(BIN)/cakupan demo
	@$(BIN)/cakupan serve

test: install browser lint types check-migrations pytest pytest-pg15

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy cakupan

check-migrations: install
	DJANGO_SETTINGS_MODULE=cakupan.config.settings.test $(BIN)/cakupan makemigrations --check --dry-run

pytest: install
	$(PYTEST)

# Debian's PostgreSQL 15 (the oldest server we support) where it is installed, as on CI machines.
pytest-pg15: install
	@if [ -x $(PG15)/initdb ]; then \
		echo "== again on PostgreSQL 15 ($(PG15)) =="; \
		CAKUPAN_TEST_PG_BIN=$(PG15) $(PYTEST); \
	else \
		echo "PostgreSQL 15 not installed at $(PG15): second pass skipped"; \
	fi

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
# Where it is missing and we may install system packages (root with apt-get, as on CI), install it;
# otherwise the browser tests skip and say why.
browser:
	@if [ -x /usr/bin/chromium ]; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== installing Debian chromium for the browser tests =="; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
			|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
			|| echo "chromium could not be installed: browser tests will be skipped"; \
	else \
		echo "Debian chromium not installed (/usr/bin/chromium): browser tests will be skipped"; \
	fi

bench: install
	$(BIN)/python -m cakupan.bench $(BENCH)

# Known vulnerabilities in the installed dependencies (pip-audit, cakupan/common/depaudit.py): fails
# on findings; where the vulnerability database cannot be reached it prints NOT AUDITED and exits 0.
# Not part of `make test`, which must pass offline. AUDIT_ARGS="--service osv" asks OSV instead.
.PHONY: audit
audit: install
	@$(BIN)/python -m cakupan.common.depaudit $(AUDIT_ARGS)

clean-data:
	-$(BIN)/cakupan db stop
	rm -rf .data
