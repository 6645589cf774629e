"""Production settings: secrets and the database come from the environment, or nothing starts."""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

for _name in ("SECRET_KEY", "DATABASE_URL"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"Set the {_name} environment variable to run in production.")

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "3600"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
