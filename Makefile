# `make run` sets everything up and serves on http://127.0.0.1:8000; `make test` runs the suite;
# `make serve` runs the production server (README, "Serving in production").
# All install what is missing into .venv first and are safe to run again.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run serve test screenshots bench bench-run superuser fixtures clean

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

# Production: gunicorn with WORKERS processes on config.settings.production, which needs SECRET_KEY,
# ALLOWED_HOSTS and a PostgreSQL DATABASE_URL in the environment. migrate also makes the table of
# the database cache (the sign-in limit every worker shares). Extra gunicorn options: GUNICORN_CMD_ARGS.
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))
BIND ?= 127.0.0.1:8000
serve: export DJANGO_SETTINGS_MODULE = config.settings.production
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	exec $(BIN)/gunicorn config.wsgi --workers $(WORKERS) --bind $(BIND) --no-control-socket \
		--access-logfile - --access-logformat '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s'

test: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest -p no:cacheprovider tests $(PYTEST_ARGS)

# The README's pictures (docs/screenshots), taken by the browser tests (tests/browser; they need
# Debian's chromium: apt-get install chromium).
screenshots: install
	SCREENSHOT_DIR=docs/screenshots DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest -p no:cacheprovider tests/browser -q

# The benchmark (README, "Performance"): the whole country on a private PostgreSQL cluster that
# .ci/bench starts (as root), or on the empty database BENCH_DATABASE_URL. BENCH_ARGS go to
# `manage.py bench`, e.g. BENCH_ARGS="--province 11 --first 2024Q1 --last 2025Q4" for a small size.
BENCH_ARGS ?=
bench: install
	bash .ci/bench $(BENCH_ARGS)

bench-run: install
	@test -n "$(BENCH_DATABASE_URL)" || { echo "Set BENCH_DATABASE_URL to an empty PostgreSQL database, or run make bench."; exit 2; }
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput --verbosity 0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench $(BENCH_ARGS)

# fixtures/dien_bien.json = the article's facts (fixtures/dien_bien_article.json, written by hand)
# + the official map of Điện Biên, its earlier changes and the 2025 reform (import_units).
# Seed data only: not the history rows, nor the stored figures (loaddata derives them).
fixtures: install
	rm -f build/fixtures.sqlite3 && mkdir -p build
	DATABASE_URL=sqlite:///build/fixtures.sqlite3 $(BIN)/python manage.py migrate --noinput --verbosity 0
	DATABASE_URL=sqlite:///build/fixtures.sqlite3 $(BIN)/python manage.py loaddata dien_bien_article --verbosity 0
	DATABASE_URL=sqlite:///build/fixtures.sqlite3 $(BIN)/python manage.py createsuperuser --noinput --username importer --email importer@example.org
	DATABASE_URL=sqlite:///build/fixtures.sqlite3 $(BIN)/python manage.py import_units --province 11 --user importer
	DATABASE_URL=sqlite:///build/fixtures.sqlite3 $(BIN)/python manage.py dumpdata tracking --indent 1 --output fixtures/dien_bien.json \
		$(foreach m,AdministrativeUnit Village GrassrootsOrganisation PartyCell QuarterReport ReportedFigure Goal RoleGrant QuarterApproval,--exclude tracking.Historical$(m)) \
		$(foreach m,VillageFigureSpan CellFigureSpan UnitFigureDelta FigureState,--exclude tracking.$(m))

superuser: install
	$(BIN)/python manage.py superuser

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
