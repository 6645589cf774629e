"""Who reaches the API at all: signed-in users; writes, users holding an editor role somewhere.
Which records a user reaches, and what they may do to them, is the services' and selectors'
to decide (``tracking.access``)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import permissions

from .. import selectors
from ..models import Role


class InScope(permissions.BasePermission):
    """Signed-in users only; writes only for users who hold an editor role somewhere (an
    approver's steps: a viewer reaches them so that the service says which role is missing)."""

    message = gettext_lazy("Your roles do not allow changes.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return selectors.holds_role(by=user, role=Role.EDITOR) or getattr(view, "approver_action", False)
