# The two set-up commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Every install takes the versions in the lock file (make lock refreshes it), so a new upstream
# release never changes what a fresh clone installs. CONSTRAINTS=… swaps it (make test-lowest).
CONSTRAINTS ?= requirements.lock

.PHONY: run test test-lowest lock install install-test install-checkers migrate demo serve lint messages bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(VENV)/bin/python
	$(PIP) install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) $(VENV)/.installed
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## install-checkers: the test-only npm tools in package-lock.json (the W3C Nu HTML checker,
## vnu-jar, run with Debian's Java; axe-core). --ignore-scripts: vnu-jar's postinstall would
## download a Java runtime; the suite uses the system's. Skipped when npm is missing.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --ignore-scripts --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the HTML validity tests will be skipped"; fi

install-checkers: node_modules/.installed

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py demo_content

## serve: daphne and one background worker together; Ctrl-C stops both. The worker matches the
## task backend the settings chose (TASKS_BACKEND; README "Background workers"): `db_worker` for
## the database backend (the embedded default), `rqworker --with-scheduler` for rq (REDIS_URL).
serve:
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/), with a task worker"
	@# SITE_URL: the one canonical origin (canonicals, sitemaps, Open Graph, emails).
	@export SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"; \
	backend=$$($(PY) manage.py shell --no-imports -c 'from django.conf import settings; print(settings.TASKS_BACKEND)') || exit 1; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	if [ "$$backend" = rq ]; then $(PY) manage.py rqworker --with-scheduler default & worker=$$!; \
	else $(PY) manage.py db_worker --queue-name '*' & worker=$$!; fi; \
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) community.asgi:application

## make run: install, migrate, load demo content (idempotent) and serve with daphne.
run: demo serve

## make test: install the test extras and run the whole suite (pytest exit 5 = no tests = failure).
test: install-test install-checkers
	@# Model changes without a migration fail the run; checked against the embedded database.
	DATABASE_URL= $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

## make test-lowest: the suite with every direct dependency at the lower bound pyproject.toml
## states (its own venv), so the lower bounds are tested, not guessed. CI runs it.
test-lowest:
	mkdir -p test-artifacts
	$(PYTHON) .ci/lower_bounds.py > test-artifacts/constraints-lowest.txt
	$(MAKE) test VENV=.venv-lowest CONSTRAINTS=test-artifacts/constraints-lowest.txt

## make lock: re-resolve every dependency to the newest versions that pyproject.toml allows,
## then run make test before committing requirements.lock.
lock: $(VENV)/bin/python
	$(PIP) install --quiet 'uv>=0.9,<0.14'
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --python-version 3.11 --quiet -o requirements.lock

lint: install-test
	$(VENV)/bin/ruff check .

# Feature apps keep their own catalog (<app>/locale/ru) beside their own templates; the root
# catalog (locale/ru) covers the core and templates/. In the order of the README's map.
APP_LOCALE_DIRS := community/qa reviews experts chat search
messages: install
	$(PY) manage.py makemessages -l ru --ignore=.venv --ignore=test-artifacts --ignore=tests \
		$(foreach d,$(APP_LOCALE_DIRS),--ignore=$(d)/*)
	for d in $(APP_LOCALE_DIRS); do [ -d $$d/locale ] && (cd $$d && DJANGO_SETTINGS_MODULE=community.settings \
		PYTHONPATH=$(CURDIR) $(CURDIR)/$(VENV)/bin/django-admin makemessages -l ru) || true; done
	$(PY) manage.py compilemessages --ignore=.venv

bench: install-test
	$(PY) -m bench

clean:
	rm -rf $(VENV) .venv-lowest node_modules test-artifacts .pytest_cache .ruff_cache
