"""Settings for the test suite: fast hashing, in-memory cache and mail, English messages."""
from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests assert on English messages unless they ask for Vietnamese with Accept-Language.
LANGUAGE_CODE = "en"
# The manifest needs collectstatic; tests render pages without running it.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the apps (as in development): the suite runs without collectstatic.
WHITENOISE_AUTOREFRESH = True
