from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = _("Party member coverage")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (connects the audit trail's signal)
