# SCIM Seat Gateway: `make run` serves the demo, `make test` runs the whole suite,
# `make test-fast` the unit and API tiers on SQLite.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run` installs what runs; `make test` adds the test tools to the same venv.
RUN_INSTALLED := $(VENV)/.installed-run
INSTALLED := $(VENV)/.installed
NODE_MODULES := tests/e2e/oidc/node_modules/.package-lock.json
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` catches alert mail on this loopback port (kept in instance/secrets.env).
MAIL_PORT ?= 8025
# Two workers per core, as the README recommends.
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
PYTEST_WORKERS ?= $(shell nproc)
# The end-to-end tests mostly wait on servers they start (gunicorn, PostgreSQL, Chromium,
# the OpenID provider), so they run beside the other tiers, on two workers per core, a
# module to a worker: their module-scoped servers start once. (xdist 3.8's loadgroup marks a
# group on Item._nodeid, which pytest 9 no longer reads, so xdist_group groups nothing.)
E2E_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
E2E_LOG := tests/artifacts/e2e-tests.log

# Every process the suite and the demo start (gunicorn, the command line, pytest's workers)
# imports the gateway; compiled once, its bytecode is read from __pycache__ after that. An
# environment that turns bytecode caches off would have each of them compile it again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test test-fast lint bench clean browser xmlsec pgbouncer messages catalogs

install: $(INSTALLED)

$(RUN_INSTALLED): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing the gateway into $(VENV)"
	@$(BIN)/python -m pip install --quiet -e '.[run]'
	@touch $@

$(INSTALLED): $(RUN_INSTALLED) | xmlsec
	$(BIN)/python -m pip install --quiet -e '.[test,run]'
	touch $@

$(NODE_MODULES): tests/e2e/oidc/package-lock.json
	npm ci --prefix tests/e2e/oidc --no-audit --no-fund --loglevel=error

# Translations: `make messages` extracts the texts people read (babel.cfg) and updates the
# Spanish catalog; `make catalogs` compiles it (compiled catalogs are never committed).
CATALOG_DIR := scim_gateway/translations
CATALOGS := $(patsubst %.po,%.mo,$(wildcard $(CATALOG_DIR)/*/LC_MESSAGES/messages.po))

messages: $(INSTALLED)
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --omit-header \
	  -k _l -k lazy_gettext -k said -o $(CATALOG_DIR)/messages.pot .
	$(BIN)/pybabel -q update -i $(CATALOG_DIR)/messages.pot -d $(CATALOG_DIR) \
	  --no-fuzzy-matching --ignore-obsolete

catalogs: $(CATALOGS)

$(CATALOG_DIR)/%/LC_MESSAGES/messages.mo: $(CATALOG_DIR)/%/LC_MESSAGES/messages.po | $(RUN_INSTALLED)
	$(BIN)/pybabel -q compile -l $* -i $< -o $@

# The end-to-end tests drive Debian's Chromium; Playwright never downloads a browser.
browser:
	@command -v chromium >/dev/null 2>&1 || test -x "$${SCIM_GATEWAY_TEST_CHROMIUM:-/usr/bin/chromium}" || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install chromium'" >&2; exit 1; \
	  fi; }

# SAML signatures are checked by xmlsec1, Debian's package of the same name.
xmlsec:
	@command -v xmlsec1 >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null; \
	  else \
	    echo "xmlsec1 is missing: run 'sudo apt-get install xmlsec1'" >&2; exit 1; \
	  fi; }

# The pooler tests start Debian's PgBouncer in transaction mode in front of PostgreSQL.
pgbouncer:
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; \
	  else \
	    echo "pgbouncer is missing: run 'sudo apt-get install pgbouncer'" >&2; exit 1; \
	  fi; }

# The demo, its alert worker and a local mail catcher (scripts/run_demo.py); settings and
# secrets are generated once into instance/secrets.env. NEW_TOKEN=1 replaces the SCIM token.
run: $(RUN_INSTALLED) catalogs
	@$(BIN)/python scripts/run_demo.py --host $(HOST) --port $(PORT) --workers $(WORKERS) \
	  $(if $(filter command line environment,$(origin MAIL_PORT)),--mail-port $(MAIL_PORT)) \
	  $(if $(NEW_TOKEN),--new-token)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The whole suite, then lint: findings are reported after the tests, and any failing fails
# the target. The end-to-end tier runs at the same time as the others; its report (with
# its 25 slowest tests, like theirs) is kept in $(E2E_LOG) and printed after theirs.
test: $(INSTALLED) catalogs $(NODE_MODULES) browser pgbouncer
	@mkdir -p $(dir $(E2E_LOG)); \
	  $(BIN)/python -m pytest tests/e2e -n $(E2E_WORKERS) --dist loadfile -p no:cacheprovider \
	  --durations=25 >$(E2E_LOG) 2>&1 & e2e=$$!; trap 'kill $$e2e 2>/dev/null; exit 130' INT TERM; \
	  $(BIN)/python -m pytest --ignore=tests/e2e -n $(PYTEST_WORKERS) --dist loadgroup \
	  -p no:cacheprovider --durations=25; others=$$?; \
	  wait $$e2e; e2e=$$?; echo; echo "End-to-end tests ($(E2E_LOG)):"; cat $(E2E_LOG); \
	  $(BIN)/ruff check .; check=$$?; $(BIN)/ruff format --check .; format=$$?; \
	  $(BIN)/mypy; types=$$?; \
	  test "$$others$$e2e$$check$$format$$types" = 00000

# The inner loop: the unit and API tiers on SQLite only (no browser, no PostgreSQL).
test-fast: $(INSTALLED) catalogs
	$(BIN)/python -m pytest tests/unit tests/api -m "not postgres" -n $(PYTEST_WORKERS) \
	  --dist loadgroup -p no:cacheprovider --durations=10

bench: $(INSTALLED) pgbouncer
	$(BIN)/python -m pip install --quiet -e '.[bench]' && $(BIN)/python -m bench

clean:
	rm -rf $(VENV) tests/e2e/oidc/node_modules tests/artifacts
