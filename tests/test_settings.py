import os
import subprocess
import sys
from pathlib import Path

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
