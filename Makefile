# `make run` sets everything up and serves on http://127.0.0.1:8000; `make test` runs the suite.
# Both install what is missing into .venv first and are safe to run again.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run test superuser clean

$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(INSTALLED)

install: $(INSTALLED)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest -p no:cacheprovider tests $(PYTEST_ARGS)

superuser: install
	$(BIN)/python manage.py createsuperuser

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
