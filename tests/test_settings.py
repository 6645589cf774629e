import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def check(settings: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, capture_output=True, text=True, env={**clean, "DJANGO_SETTINGS_MODULE": settings, **env},
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = check("config.settings.production", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_starts_with_its_secrets():
    result = check("config.settings.production", SECRET_KEY="x" * 50, DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr


def test_sqlite_write_transactions_wait_for_the_lock():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    # Concurrent writes (runserver answers each request in its own thread) wait for each other
    # rather than fail with "database is locked".
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_an_application_server_loads_the_production_settings_and_manage_py_development():
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    served = subprocess.run([sys.executable, "-c", "import config.wsgi"], cwd=ROOT, capture_output=True, text=True,
                            env=clean)
    assert served.returncode != 0 and "Set the SECRET_KEY environment variable" in served.stderr
    served = subprocess.run(
        [sys.executable, "-c", "import config.wsgi; from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT, capture_output=True, text=True, env={**clean, "SECRET_KEY": "x" * 50, "DATABASE_URL": "sqlite:///:memory:"},
    )
    assert served.stdout.strip() == "False", served.stderr
    developed = subprocess.run([sys.executable, "manage.py", "diffsettings"], cwd=ROOT, capture_output=True, text=True,
                               env=clean)
    assert developed.returncode == 0 and "DEBUG = True" in developed.stdout, developed.stderr
