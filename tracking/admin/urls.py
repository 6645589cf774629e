"""The committees' screens beside the record pages, each behind the admin's sign-in
(``site.admin_view``) and named in the ``admin`` namespace."""
from django.urls import path  # noqa: F401


def screen_urls(site) -> list:
    return []
