from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    default = True
    name = "tracking"
    verbose_name = _("Party member coverage")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import audit  # noqa: F401  (connects the audit trail's signal)
        from .api import tokens
        from .querysets import register_fold

        connection_created.connect(register_fold, dispatch_uid="tracking.fold")
        tokens.connect()  # a new password or a deactivation ends the user's API tokens
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="tracking.cache_table")


def create_cache_table(using: str, **kwargs) -> None:
    """``migrate`` makes the database cache's table (production's cache, shared by the workers)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class TrackingAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the project's site (``tracking.adminsite``), which adds the screens."""
    default = False
    default_site = "tracking.adminsite.TrackingAdminSite"
