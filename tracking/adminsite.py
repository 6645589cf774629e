"""The admin site of the project: Django's, with the committees' screens
(``tracking.admin.urls.screen_urls``) under its own sign-in and header.

It lives outside ``tracking.admin``: Django builds the site while that package registers its
pages, and a class inside the package would be imported, and the site built, twice."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class TrackingAdminSite(admin.AdminSite):
    site_header = _("No village without a party member")
    site_title = _("Party member coverage")
    index_template = "admin/tracking/index.html"  # the screens above the record pages

    def index(self, request, extra_context=None):
        """The dashboard for everyone with a role; the list of records with ``?apps=1`` (and for
        staff without a role)."""
        from .admin.dashboard import has_dashboard, home

        if has_dashboard(request.user) and "apps" not in request.GET:
            return home(request, self)
        return super().index(request, extra_context)

    def get_urls(self):
        from .admin.urls import screen_urls

        return [*screen_urls(self), *super().get_urls()]
