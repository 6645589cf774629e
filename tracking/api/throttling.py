"""The limit on sign-in attempts, for the API's token and the admin's login page alike."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework import throttling


class SignInThrottle(throttling.SimpleRateThrottle):
    """Sign-in attempts (API token and admin login) by client address: rate ``login`` of the
    settings, counted in the default cache."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttled_admin_login(request, extra_context=None):
    """The admin's login page, with the API's limit on attempts (429 and ``Retry-After``)."""
    if request.method == "POST":
        throttle = SignInThrottle()
        if not throttle.allow_request(request, None):
            seconds = int(throttle.wait() or 60) + 1
            return HttpResponse(
                _("Too many sign-in attempts from this address: try again in %(seconds)s seconds.") % {"seconds": seconds},
                status=429, content_type="text/plain; charset=utf-8", headers={"Retry-After": str(seconds)},
            )
    return admin.site.login(request, extra_context)
