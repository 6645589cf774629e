"""The committees' screens beside the record pages, each behind the admin's sign-in
(``site.admin_view``) and named in the ``admin`` namespace."""
from django.urls import path

from . import completeness, dashboard, spreadsheets
from .entry import entry_urls


def screen_urls(site) -> list:
    return [
        path("dashboard/", site.admin_view(lambda request: dashboard.home(request, site)), name="dashboard_home"),
        path("dashboard/<str:code>/", site.admin_view(lambda request, code: dashboard.unit_page(request, site, code)),
             name="dashboard"),
        *entry_urls(site),  # admin:entry_picker, admin:entry_grid (the quarter entry grid)
        *spreadsheets.screen_urls(site),
        path("completeness/", site.admin_view(completeness.CompletenessScreen.as_view(admin_site=site)), name="completeness"),
    ]
