import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


# Production's environment: a PostgreSQL server nobody listens for (port 9). Settings and checks
# load without connecting; a request that needs the database finds it does not answer.
PRODUCTION = {"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://app:app@127.0.0.1:9/tracker", "ALLOWED_HOSTS": "testserver"}
OUTSIDE = ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT")


def check(settings: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OUTSIDE}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, capture_output=True, text=True, env={**clean, "DJANGO_SETTINGS_MODULE": settings, **env},
    )


def production(code: str, **env) -> subprocess.CompletedProcess:
    """Runs ``code`` with the production settings loaded (``env`` added to PRODUCTION's)."""
    clean = {k: v for k, v in os.environ.items() if k not in OUTSIDE}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code], cwd=ROOT, capture_output=True, text=True,
        env={**clean, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = check("config.settings.production", DATABASE_URL=PRODUCTION["DATABASE_URL"], ALLOWED_HOSTS="testserver")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable to run in production: a long random string" in result.stderr
    assert "DATABASE_URL" not in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_production_names_each_variable_it_misses(missing):
    result = check("config.settings.production", **{**PRODUCTION, missing: ""})
    assert result.returncode != 0
    assert f"Set the {missing} environment variable to run in production: " in result.stderr
    assert result.stderr.count("environment variable to run in production") == 1


def test_production_runs_on_postgresql_only():
    result = check("config.settings.production", **{**PRODUCTION, "DATABASE_URL": "sqlite:///db.sqlite3"})
    assert result.returncode != 0
    assert "DATABASE_URL names a sqlite3 database: production runs on PostgreSQL" in result.stderr


def test_production_starts_with_its_secrets():
    result = check("config.settings.production", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_production_keeps_connections_and_counts_sign_ins_in_the_database():
    result = production(
        "from django.conf import settings; from django.core.cache import caches; database = settings.DATABASES['default']\n"
        "print(database['CONN_MAX_AGE'], database['CONN_HEALTH_CHECKS'], type(caches['default']).__name__, settings.DEBUG, "
        "settings.ALLOWED_HOSTS)"
    )
    assert result.returncode == 0, result.stderr
    max_age, health_checks, cache, debug, hosts = result.stdout.split(" ", 4)
    # Each worker keeps its connection between requests (a new one costs 20–35 ms), checked before reuse.
    assert int(max_age) > 0 and health_checks == "True"
    # Every worker counts sign-in attempts in the one cache.
    assert cache == "DatabaseCache"
    assert debug == "False" and hosts.strip() == "['testserver']"


def test_production_answers_503_on_health_when_the_database_does_not_answer():
    result = production(
        "from django.test import Client; response = Client().get('/health/')\n"
        "print(response.status_code, response.content.decode())"
    )
    # Over plain HTTP (a load balancer's probe): no redirect to HTTPS, no sign-in.
    assert result.stdout.strip() == '503 {"status": "unavailable", "database": "unavailable"}', result.stderr
    assert "Health check: the database does not answer" in result.stderr


def test_sqlite_write_transactions_wait_for_the_lock():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    # Concurrent writes (runserver answers each request in its own thread) wait for each other
    # rather than fail with "database is locked".
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_an_application_server_loads_the_production_settings_and_manage_py_development():
    clean = {k: v for k, v in os.environ.items() if k not in OUTSIDE}
    served = subprocess.run([sys.executable, "-c", "import config.wsgi"], cwd=ROOT, capture_output=True, text=True,
                            env=clean)
    assert served.returncode != 0 and "Set the SECRET_KEY environment variable" in served.stderr
    served = subprocess.run(
        [sys.executable, "-c", "import config.wsgi; from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT, capture_output=True, text=True, env={**clean, **PRODUCTION},
    )
    assert served.stdout.strip() == "False", served.stderr
    developed = subprocess.run([sys.executable, "manage.py", "diffsettings"], cwd=ROOT, capture_output=True, text=True,
                               env=clean)
    assert developed.returncode == 0 and "DEBUG = True" in developed.stdout, developed.stderr


def test_health_answers_without_sign_in_when_the_database_answers(db, client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/health/").status_code == 405


def test_migrate_makes_the_table_of_the_database_cache(transactional_db, settings):
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "test_cache"}}
    assert "test_cache" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    try:
        assert "test_cache" in connection.introspection.table_names()
        caches["default"].set("attempts", [1.0, 2.0], 60)
        assert caches["default"].get("attempts") == [1.0, 2.0]
    finally:
        with connection.schema_editor() as editor:
            editor.execute(editor.sql_delete_table % {"table": editor.quote_name("test_cache")})
