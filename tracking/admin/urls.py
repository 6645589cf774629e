"""The committees' screens beside the record pages, each behind the admin's sign-in
(``site.admin_view``) and named in the ``admin`` namespace."""
from django.urls import path

from . import completeness


def screen_urls(site) -> list:
    return [
        path("completeness/", site.admin_view(completeness.CompletenessScreen.as_view(admin_site=site)), name="completeness"),
    ]
