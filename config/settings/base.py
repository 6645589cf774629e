"""Settings shared by every environment.

Values that differ between machines come from the environment: DATABASE_URL (default: a SQLite
file in the project folder), SECRET_KEY, DEBUG, ALLOWED_HOSTS and LANGUAGE_CODE.
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Note: this key only signs sessions of a local development server; production.py refuses
# to start without a SECRET_KEY from the environment.
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret-3f1c9a7e")
DEBUG = os.environ.get("DEBUG", "true").lower() in ("1", "true", "yes")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "tracking.apps.TrackingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "tracking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's own templates come before the apps' (the admin's among them), so that
        # tracking/templates/admin/base_site.html adds the choice of language to Django's header.
        "DIRS": [BASE_DIR / "tracking" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections, checked before reuse: a new PostgreSQL connection costs 20–35 ms.
        conn_max_age=60, conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Note: in SQLite's default (deferred) transactions, a write that meets another thread's write
    # fails at once with "database is locked" (a 500); an IMMEDIATE transaction waits for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The committees work in Vietnamese; English is offered to any browser or client that asks for it
# (Accept-Language, or the language chosen in the admin). LANGUAGE_CODE is the language of the
# rest: of a client that asks for no language offered, and of the management commands' questions
# and output (Vietnamese, unless the environment says LANGUAGE_CODE=en).
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "vi")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE is vi or en, not {LANGUAGE_CODE!r}.")
# The project's own messages (tracking/locale), then the Vietnamese of the other packages' messages
# that users meet and whose own catalogs lack it (Django REST framework, django-simple-history,
# django-filter, Django's admin): a catalog listed here takes precedence over the packages' own,
# the first one over the second. Kept apart so that `makemessages` on the project never drops them.
LOCALE_PATHS = [BASE_DIR / "tracking" / "locale", BASE_DIR / "tracking" / "locale_packages"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["config.formats"]  # short dates in Vietnamese (config/formats/vi)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# The audit trail is append-only: nobody reverts a record from its history.
SIMPLE_HISTORY_REVERT_DISABLED = True

REST_FRAMEWORK = {
    # JSON only: with form and multipart bodies in the schema, generated clients fail to import.
    "DEFAULT_PARSER_CLASSES": ["tracking.api.parsing.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Tokens for API clients (401 with a `WWW-Authenticate: Token` challenge), the session of an
    # admin login for the browsable pages.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in, and then only the area of the user's roles (tracking.access).
    "DEFAULT_PERMISSION_CLASSES": ["tracking.api.permissions.InScope"],
    # Password guessing: the token endpoint (and the admin login, tracking.admin) by client address.
    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
    # The client address is the connection's, never a client-sent X-Forwarded-For (which would
    # let anyone pass the limit); behind N reverse proxies that set the header, NUM_PROXIES=N.
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "tracking.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "tracking.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "tracking.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# A whole commune's quarter is a few hundred kilobytes at most.
API_MAX_BODY_BYTES = 1_000_000

SPECTACULAR_SETTINGS = {
    "TITLE": "Village party-member coverage API",
    "DESCRIPTION": (
        "Track, village by village and quarter by quarter, the goal that no village is left "
        "without a party member. Figures computed from village reports are always shown beside "
        "the reported figures of cited documents, never mixed with them.\n\n"
        "## Licence\n\n"
        "The figures are the party committees' internal data: no licence is granted to copy or "
        "publish them, or this API; all rights reserved."
    ),
    "VERSION": "1.0.0",
    # Note: the operations' paths start at the site's root (/api/v1/...), so "/" is the server that
    # serves the schema, wherever it runs.
    "SERVERS": [{"url": "/", "description": "The server that serves this schema."}],
    # Note: the terms are the section "Licence" of the description above; generators want an
    # absolute URL here (openapi-generator refuses a relative one), so it names what the terms mean.
    "LICENSE": {"name": "Proprietary: all rights reserved", "url": "https://en.wikipedia.org/wiki/All_rights_reserved"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracking.api.schema.postprocess_parameter_enums",
        "tracking.api.schema.postprocess_request_defaults",
        "tracking.api.schema.postprocess_closed_requests",
        "tracking.api.schema.postprocess_nullable_types",
        "tracking.api.schema.postprocess_security",
    ],
    "ENUM_NAME_OVERRIDES": {
        "UnitLevelEnum": "tracking.api.serializers.common.LEVEL_CHOICES",
        "UnitKindEnum": "tracking.models.UnitKind",
        "VillageStatusEnum": "tracking.models.VillageStatus",
        "GoalMetricEnum": "tracking.models.GoalMetric",
        "ReportedMetricEnum": "tracking.models.ReportedMetric",
        "GoalStatusEnum": "tracking.api.serializers.common.GOAL_STATUSES",
        "FigureSourceEnum": "tracking.api.serializers.common.FIGURE_SOURCES",
        "VillageSituationEnum": "tracking.api.serializers.common.SITUATIONS",
        "ReorganisationKindEnum": "tracking.models.ReorganisationKind",
        "BoundariesEnum": "tracking.api.serializers.common.BOUNDARY_CHOICES",
        "AuditPathEnum": "tracking.models.AuditPath",
        "AuditActionEnum": "tracking.api.serializers.history.AUDIT_ACTIONS",
        "RoleEnum": "tracking.models.Role",
        "ApprovalStateEnum": "tracking.models.ApprovalState",
        "SpreadsheetFormatEnum": "tracking.selectors.spreadsheets.FILE_FORMATS",
        "CompletenessReportedEnum": "tracking.selectors.completeness.REPORTED",
    },
    "TAGS": [
        {"name": "auth", "description": "API tokens, and the roles of the signed-in user. Every other operation "
         "needs a signed-in user (401 otherwise) and reaches only the areas of their roles (404 elsewhere)."},
        {"name": "units", "description": "Provinces, districts and communes, addressed by official code."},
        {"name": "villages", "description": "Villages and where they sit on the map."},
        {"name": "cells", "description": "Party cells and the villages they serve."},
        {"name": "reports", "description": "Quarterly village reports, one by one or a commune at once."},
        {"name": "figures", "description": "Figures computed from village reports, beside reported ones."},
        {"name": "reported-figures", "description": "Totals from cited documents."},
        {"name": "goals", "description": "Dated targets and their progress."},
        {"name": "reorganisations", "description": "Dated changes of the map: establish, rename, split, merge, transfer, abolish a level."},
        {"name": "approvals", "description": "A unit's quarter: draft → submitted → approved. Approval locks the quarter's "
                                             "reports until an approver of a unit above reopens it, with a reason."},
    ],
}
