"""An API token lives as long as the credentials it was given for: a new password, or a user
deactivated, ends every token of the user, whichever path changed them (the admin's password
form, ``changepassword``, the user page, a script). Sessions end the same way by Django's own
session hash; tokens have no such hash, so they are deleted."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from rest_framework.authtoken.models import Token

CREDENTIALS = ("password", "is_active")


def _before(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None or (update_fields is not None and not set(CREDENTIALS) & set(update_fields)):
        instance._credentials_before = None
        return
    instance._credentials_before = sender.objects.filter(pk=instance.pk).values(*CREDENTIALS).first()


def _after(sender, instance, created=False, **kwargs) -> None:
    before = getattr(instance, "_credentials_before", None)
    if created or before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        Token.objects.filter(user=instance).delete()


def connect() -> None:
    """Called once by the app's ``ready``."""
    user = get_user_model()
    pre_save.connect(_before, sender=user, dispatch_uid="tracking.tokens.before")
    post_save.connect(_after, sender=user, dispatch_uid="tracking.tokens.after")
