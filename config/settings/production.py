"""Production settings (``make serve``: gunicorn, several workers): PostgreSQL, the secret key and
the host names come from the environment, or nothing starts.

Several worker processes answer requests, so what they must agree on lives in the database: the
sign-in limit counts in the database cache (its table is made by ``migrate``), and each worker
keeps its database connection between requests (``CONN_MAX_AGE`` of ``base``, checked before reuse).
"""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES

REQUIRED = {
    "SECRET_KEY": "a long random string, e.g. the output of "
                  "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
    "DATABASE_URL": "the PostgreSQL database, e.g. postgres://user:password@127.0.0.1:5432/tracker",
    "ALLOWED_HOSTS": "the host names the site answers to, comma-separated, e.g. tracker.example.org",
}
_missing = [name for name in REQUIRED if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured("\n".join(
        f"Set the {name} environment variable to run in production: {REQUIRED[name]}." for name in _missing))
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL names a {} database: production runs on PostgreSQL (several workers write at once), "
        "e.g. postgres://user:password@127.0.0.1:5432/tracker.".format(DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]))

SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = [host.strip() for host in os.environ["ALLOWED_HOSTS"].split(",") if host.strip()]
DEBUG = False

# One cache for every worker: the sign-in limit (10 a minute from one address) would otherwise
# be counted by each process apart, N workers letting N × 10 attempts through.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tracking_cache"}}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
# A load balancer asks the workers themselves, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "3600"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Errors (a 500's traceback) to the standard error, which gunicorn keeps in its log: Django's
# default sends them only to the ADMINS by mail when DEBUG is off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
