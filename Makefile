# The two set-up commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install install-test migrate demo serve lint messages bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py demo_content

serve:
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) community.asgi:application

## make run: install, migrate, load demo content (idempotent) and serve with daphne.
run: demo serve

## make test: install the test extras and run the whole suite (pytest exit 5 = no tests = failure).
test: install-test
	@# Model changes without a migration fail the run; checked against the embedded database.
	DATABASE_URL= $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .

# Feature apps keep their own catalog (<app>/locale/ru) beside their own templates; the root
# catalog (locale/ru) covers the core and templates/.
APP_LOCALE_DIRS := reviews chat community/qa experts search
messages: install
	$(PY) manage.py makemessages -l ru --ignore=.venv --ignore=test-artifacts --ignore=tests \
		$(foreach d,$(APP_LOCALE_DIRS),--ignore=$(d)/*)
	for d in $(APP_LOCALE_DIRS); do [ -d $$d/locale ] && (cd $$d && DJANGO_SETTINGS_MODULE=community.settings \
		PYTHONPATH=$(CURDIR) $(CURDIR)/$(VENV)/bin/django-admin makemessages -l ru) || true; done
	$(PY) manage.py compilemessages --ignore=.venv

bench: install-test
	$(PY) -m bench

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache .ruff_cache
