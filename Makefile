# SCIM Seat Gateway: `make run` serves the demo, `make test` runs the whole suite.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_MODULES := tests/e2e/oidc/node_modules/.package-lock.json
SECRETS := instance/secrets.env
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` catches alert mail on this loopback port and keeps it in MAILDIR.
MAIL_PORT ?= 8025
MAILDIR := instance/mail
# Two workers per core, as the README recommends.
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
PYTEST_WORKERS ?= $(shell nproc)

.PHONY: install run test lint bench clean browser xmlsec pgbouncer

install: $(INSTALLED)

$(INSTALLED): setup.cfg pyproject.toml | xmlsec
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,run]'
	touch $@

$(NODE_MODULES): tests/e2e/oidc/package-lock.json
	npm ci --prefix tests/e2e/oidc --no-audit --no-fund --loglevel=error

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

$(SECRETS): | $(INSTALLED)
	mkdir -p instance
	$(BIN)/python -c "import secrets; from cryptography.fernet import Fernet; \
	print('SCIM_GATEWAY_SECRET_KEY=' + secrets.token_urlsafe(32)); \
	print('SCIM_GATEWAY_ENCRYPTION_KEY=' + Fernet.generate_key().decode())" > $@
	chmod 600 $@

# Alert mail goes to a local catcher (aiosmtpd, loopback only) that writes each message to
# $(MAILDIR)/new/ as a file (a Maildir); SMTP or PUBLIC_URL set in $(SECRETS) take precedence.
run: $(INSTALLED) $(SECRETS)
	@$(BIN)/python -c "import socket; socket.create_server(('127.0.0.1', $(MAIL_PORT))).close()" \
	  2>/dev/null || { echo "Port $(MAIL_PORT) is taken: run 'make run MAIL_PORT=<free port>'" >&2; exit 1; }
	mkdir -p $(MAILDIR)/cur $(MAILDIR)/new $(MAILDIR)/tmp
	export SCIM_GATEWAY_PUBLIC_URL=http://$(HOST):$(PORT) && \
	export SCIM_GATEWAY_SMTP_HOST=127.0.0.1 SCIM_GATEWAY_SMTP_PORT=$(MAIL_PORT) && \
	set -a && . ./$(SECRETS) && set +a && \
	{ $(BIN)/python -m aiosmtpd --nosetuid --listen 127.0.0.1:$(MAIL_PORT) \
	    --class aiosmtpd.handlers.Mailbox $(MAILDIR) & } && \
	$(BIN)/scim-gateway db upgrade && \
	$(BIN)/scim-gateway demo && \
	if [ "$$SCIM_GATEWAY_SMTP_HOST:$$SCIM_GATEWAY_SMTP_PORT" = "127.0.0.1:$(MAIL_PORT)" ]; then \
	  echo "Alert mail is caught on 127.0.0.1:$(MAIL_PORT): one file per message in $(MAILDIR)/new/"; \
	else \
	  echo "Alert mail goes to $$SCIM_GATEWAY_SMTP_HOST:$$SCIM_GATEWAY_SMTP_PORT (set in $(SECRETS))"; \
	fi && \
	{ $(BIN)/scim-gateway alerts worker & } && \
	exec $(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) \
	  --access-logfile - wsgi:app

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(INSTALLED) $(NODE_MODULES) browser pgbouncer lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -p no:cacheprovider

bench: $(INSTALLED) pgbouncer
	$(BIN)/python -m pip install --quiet -e '.[bench]' && $(BIN)/python -m bench

clean:
	rm -rf $(VENV) tests/e2e/oidc/node_modules tests/artifacts
