# Two commands: `make run` (the whole platform on SQLite: database and Celery broker) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
export PORT
# Links in emails, calendar files and certificate QR codes point at the port `make run`
# serves on; an explicit SITE_URL always wins.
SITE_URL ?= http://127.0.0.1:$(PORT)
export SITE_URL
# The embedded default's state; settings.py reads the same variable.
VAR_DIR ?= $(CURDIR)/var
export VAR_DIR
DB_FILE := $(VAR_DIR)/db.sqlite3
# Stamps, so that a second `make run` with nothing changed skips the slow steps.
DEMO_STAMP := $(VAR_DIR)/demo-loaded
STATIC_STAMP := staticfiles/.collected

.PHONY: install install-dev var static messages makemessages run serve migrate demo test faults lint format bench soak docs lock clean FORCE

$(VENV)/.base: requirements/base.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.base requirements/dev.txt
	$(PY) -m pip install --quiet -r requirements/dev.txt
	@touch $@

install: $(VENV)/.base
install-dev: $(VENV)/.dev

# Folders the embedded default writes to (SQLite database and broker, mail copies, media):
# created here, not when settings are imported.
var:
	mkdir -p $(VAR_DIR)/mail $(VAR_DIR)/media staticfiles

# The translations: locale/<lang>/LC_MESSAGES/django.po compiled to .mo by Babel's
# pybabel (pure Python; Django's compilemessages would need GNU gettext's msgfmt). The .mo
# files are build output, never committed. Fuzzy entries are left out.
messages: install
	$(VENV)/bin/pybabel -q compile -d locale -D django

# Refresh locale/es/LC_MESSAGES/django.po from the code and templates (needs GNU gettext's
# xgettext), then translate the new entries; tests/test_translations.py names any left.
makemessages: install
	$(PY) manage.py makemessages -l es --no-obsolete --ignore=.venv --ignore=var \
	  --ignore=staticfiles --ignore=tests --ignore=bench

migrate: install var
	$(PY) manage.py migrate --noinput

# Load (or refresh) the demo data; idempotent.
demo: migrate
	$(PY) manage.py load_demo_data
	@touch $(DEMO_STAMP)

# `make run` loads the demo into a new database only: the stamp is out of date when the
# database file is missing (a first run, or after `make clean`), checked before migrate
# creates it. An existing database keeps what it holds.
$(DEMO_STAMP): $(if $(wildcard $(DB_FILE)),,FORCE) | migrate
	$(PY) manage.py load_demo_data
	@touch $@

# The static files with their gzip and brotli copies, which `make run` serves. Collected
# again only when a file (or folder) under static/ or the installed packages changed:
# compressing every file takes most of a minute.
static: $(STATIC_STAMP)
$(STATIC_STAMP): $(shell find static/) $(VENV)/.base | var
	$(PY) manage.py collectstatic --noinput --clear -v 0
	@touch $@

FORCE:

# Web (gunicorn), Celery worker and beat together; Ctrl-C stops all three, and a crashed
# one is started again (bin/respawn). The shell outlives the Ctrl-C (trap), so honcho's
# exit status 130 after a clean stop is not reported as make's "Error 130". honcho's own
# time stamps are in UTC, as every log line is (trafficking_training/logs.py).
run: export STATIC_FINDERS = False
run: migrate $(DEMO_STAMP) static messages
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C stops web, worker and beat)"
	@trap 'true' INT; TZ=UTC $(VENV)/bin/honcho start -f Procfile -p $(PORT) || [ $$? -eq 130 ]

test: install-dev var messages
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The fault drills (issue 25, tests/faults), which `make test` leaves out: the production
# stack (gunicorn, worker, beat) on a redis-server and a PostgreSQL cluster of their own,
# started on spare ports, while Redis, PostgreSQL and the mail relay fail. A few minutes;
# needs redis-server and PostgreSQL's initdb and pg_ctl.
faults: install-dev var messages
	$(VENV)/bin/pytest tests/faults -v $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install-dev
	@command -v wrk >/dev/null || { echo "make bench needs wrk (Debian: apt-get install wrk)"; exit 1; }
	$(PY) bench/run.py

# The embedded default (make run's processes) under a stream of registrations for
# SOAK_MINUTES (10) minutes, beat scanning every 3 s; its state lives in a temporary
# folder on a free port, never in var/ (.ci/soak_embedded.py says what it checks).
soak: install messages
	$(PY) .ci/soak_embedded.py

# docs/configuration.md, generated from the one list of variables
# (trafficking_training/configuration.py); tests/test_configuration_docs.py compares them.
docs: install
	$(PY) -m trafficking_training.configuration > docs/configuration.md

# Re-resolve the lock files after editing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml -o requirements/base.txt --python-version 3.11
	uv pip compile pyproject.toml --group dev -o requirements/dev.txt --python-version 3.11

clean:
	rm -rf $(VENV) var staticfiles
