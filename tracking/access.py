"""Who may see and change what.

A user holds roles (viewer, editor, approver; each includes the ones before it) on units, through
``RoleGrant`` rows; a role on a unit covers the unit and everything placed under it, as DHIS2's
data-capture and data-view units do. Superusers see and change everything.

The area of a grant is the set of placement paths its unit ever had (``/11/100/``): a record is
*visible* when any of its placements, at any time, lies under one of them, so a committee keeps
reading the history of a village that moved away. A record is *changeable* on a day when its
placement **on that day** lies under a path of an editor's grant: the committee that had the
village in 2019 corrects its 2019 reports, the committee that has it now writes today's. Nothing
is copied when the map changes: a unit moved to another parent is in its new parent's area at
once, and a role on a moved or renamed unit follows it.

Out of the visible area a record does not exist (404, the same answer as a wrong id); visible but
not changeable is 403 with the reason.
"""
from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import permissions, throttling
from rest_framework.exceptions import PermissionDenied

from .models import (
    ROLE_RANK,
    AdministrativeUnit,
    CellCoverage,
    Goal,
    GrassrootsOrganisation,
    PartyCell,
    QuarterApproval,
    QuarterReport,
    Reorganisation,
    ReportedFigure,
    Role,
    RoleGrant,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from .querysets import minimal_prefixes

EVERYONE = object()  # the prefixes of a superuser: every path


class Scope:
    """The areas of one user's roles, read once (one query) and kept for the request."""

    def __init__(self, user):
        self.user = user
        self.everything = bool(user is not None and user.is_active and user.is_superuser)
        self._prefixes: dict[int, tuple[str, ...]] = {}
        if self.everything or user is None or not user.is_authenticated or not user.is_active:
            self.grants: list[tuple[str, str]] = []
            return
        # One query: every placement path of every unit the user holds a role on.
        self.grants = list(
            UnitPlacement.objects.filter(unit__role_grants__user=user).values_list("unit__role_grants__role", "path")
        )

    # ----- areas ---------------------------------------------------------------------------

    def prefixes(self, role: str = Role.VIEWER):
        """The paths covered by the user's roles of at least ``role`` (EVERYONE for a superuser)."""
        if self.everything:
            return EVERYONE
        rank = ROLE_RANK[role]
        if rank not in self._prefixes:
            self._prefixes[rank] = tuple(minimal_prefixes(path for held, path in self.grants if ROLE_RANK[held] >= rank))
        return self._prefixes[rank]

    def has_role(self, role: str = Role.VIEWER) -> bool:
        """Whether the user holds ``role`` (or more) anywhere."""
        return self.everything or bool(self.prefixes(role))

    def covers(self, path: str | None, role: str = Role.VIEWER, strictly_below: bool = False) -> bool:
        """Whether ``path`` lies in the area of the user's ``role`` (with ``strictly_below``: under
        the granted unit, not the unit itself)."""
        if path is None:
            return False
        prefixes = self.prefixes(role)
        if prefixes is EVERYONE:
            return True
        return any(path.startswith(prefix) and not (strictly_below and path == prefix) for prefix in prefixes)

    # ----- what the user may read ------------------------------------------------------------

    def _placed(self, model, key: str, role: str):
        return model.objects.under_any(self.prefixes(role)).values(key)

    def visible(self, queryset, role: str = Role.VIEWER):
        """``queryset`` (of any tracked model) narrowed to the user's area. A constant number of
        subqueries, whatever the size of the area."""
        if self.prefixes(role) is EVERYONE:
            return queryset
        model = queryset.model
        units = self._placed(UnitPlacement, "unit_id", role)
        villages = self._placed(VillagePlacement, "village_id", role)
        if model is AdministrativeUnit:
            return queryset.filter(pk__in=units)
        if model is Village:
            return queryset.filter(pk__in=villages)
        if model is QuarterReport:
            return queryset.filter(village_id__in=villages)
        if model is PartyCell:
            covered = CellCoverage.objects.filter(village_id__in=villages).values("cell_id")
            return queryset.filter(Q(pk__in=covered) | Q(organisation__unit_id__in=units))
        if model in (ReportedFigure, Goal, QuarterApproval, RoleGrant, GrassrootsOrganisation):
            return queryset.filter(unit_id__in=units)
        if model in (UnitPlacement, VillagePlacement):
            return queryset.under_any(self.prefixes(role))
        if model is CellCoverage:
            return queryset.filter(village_id__in=villages)
        if model is Reorganisation:
            return queryset.filter(
                Q(subject_id__in=units) | Q(predecessors__in=units) | Q(successors__in=units)
            ).distinct()
        raise TypeError(f"No area rule for {model.__name__}.")

    def sees(self, record, role: str = Role.VIEWER) -> bool:
        """Whether one record lies in the area of the user's ``role`` at some time (one query;
        none for a superuser)."""
        if self.everything:
            return True
        return self.visible(type(record).objects.filter(pk=record.pk), role).exists()

    # ----- what the user may change ----------------------------------------------------------

    def unit_paths(self, unit: AdministrativeUnit, day: datetime.date | None) -> list[str]:
        placements = unit.placements.all() if day is None else unit.placements.active_on(day)
        return [placement.path for placement in placements]

    def may_change_unit_area(self, unit: AdministrativeUnit, day: datetime.date | None = None,
                             role: str = Role.EDITOR, strictly_below: bool = False) -> bool:
        """Whether ``unit`` (its place on ``day``, or any place it had) is in the user's ``role`` area."""
        if self.everything:
            return True
        return any(self.covers(path, role, strictly_below) for path in self.unit_paths(unit, day))

    def require_unit(self, unit: AdministrativeUnit, day: datetime.date | None = None, role: str = Role.EDITOR,
                     strictly_below: bool = False) -> None:
        """403 with the reason unless ``unit`` is in the user's ``role`` area (on ``day``)."""
        if not self.may_change_unit_area(unit, day, role, strictly_below):
            raise PermissionDenied(self.refusal(unit, role, day, strictly_below))

    def require_village(self, village: Village, day: datetime.date | None, role: str = Role.EDITOR) -> None:
        """403 with the reason unless ``village`` sits in the user's ``role`` area on ``day``."""
        if self.everything:
            return
        placements = village.placements.all() if day is None else village.placements.active_on(day)
        if not any(self.covers(placement.path, role) for placement in placements):
            where = _(" (map of %(day)s)") % {"day": day} if day else ""
            raise PermissionDenied(
                _("Village “%(village)s” is not in the area of your %(role)s roles%(where)s.")
                % {"village": village, "role": Role(role).label, "where": where}
            )

    def require_reshape(self, on: datetime.date, *units: AdministrativeUnit, parent: AdministrativeUnit | None = None) -> None:
        """A change of the map is made by a committee above every unit it changes (and, for a unit
        placed under ``parent``, one whose editor area holds that parent): 403 otherwise."""
        for unit in units:
            self.require_unit(unit, on, Role.EDITOR, strictly_below=True)
        if parent is not None:
            self.require_unit(parent, on)

    def require_change(self, record) -> None:
        """403 with the reason unless the user may change or delete ``record``, by its kind:

        - a unit: a committee above it (a committee does not rename, close or delete its own unit);
        - a village: an editor of the unit it sits in today (or, once closed, at any time);
        - a report: an editor of the village's unit in the report's quarter;
        - a cell: an editor of every village it serves or served (and of its organisation's unit);
        - an organisation, a reported figure, a goal: an editor of its unit.
        """
        if self.everything:
            return
        if isinstance(record, AdministrativeUnit):
            self.require_unit(record, _day_on_map(record), Role.EDITOR, strictly_below=True)
        elif isinstance(record, Village):
            self.require_village(record, _day_on_map(record))
        elif isinstance(record, QuarterReport):
            self.require_village(record.village, record.quarter.end)
        elif isinstance(record, PartyCell):
            for coverage in record.coverage.select_related("village"):
                self.require_village(coverage.village, None)
            if record.organisation_id:
                self.require_unit(record.organisation.unit, None)
        elif isinstance(record, CellCoverage):
            self.require_village(record.village, None)
        elif isinstance(record, (GrassrootsOrganisation, ReportedFigure, Goal)):
            self.require_unit(record.unit, None)
        else:
            raise PermissionDenied(_("Only a superuser changes this."))

    def may_change(self, record) -> bool:
        try:
            self.require_change(record)
        except PermissionDenied:
            return False
        return True

    def refusal(self, unit, role: str, day=None, strictly_below: bool = False) -> str:
        where = _(" (map of %(day)s)") % {"day": day} if day else ""
        if strictly_below:
            return _("Only someone with the %(role)s role on a unit above %(unit)s may do this%(where)s.") % {
                "role": Role(role).label, "unit": unit, "where": where}
        return _("%(unit)s is not in the area of your %(role)s roles%(where)s.") % {
            "unit": unit, "role": Role(role).label, "where": where}


def _day_on_map(record) -> datetime.date | None:
    """Today if ``record`` (a unit or a village) is on today's map, else None (any day it was)."""
    today = timezone.localdate()
    return today if record.placements.active_on(today).exists() else None


def scope_of(user) -> Scope:
    """The user's scope, read once per user object (a request's user lives for the request)."""
    if user is None:
        return Scope(None)
    scope = getattr(user, "_tracking_scope", None)
    if scope is None:
        scope = Scope(user)
        try:
            user._tracking_scope = scope
        except AttributeError:  # AnonymousUser instances are shared; their scope is empty anyway
            pass
    return scope


class InScope(permissions.BasePermission):
    """Signed-in users only; writes only for users who hold an editor role somewhere. Which
    records a user reaches is decided by the views through ``Scope`` (404 out of the area,
    403 visible but not changeable)."""

    message = "Your roles do not allow changes."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return scope_of(user).has_role(Role.EDITOR) or getattr(view, "approver_action", False)


class SignInThrottle(throttling.SimpleRateThrottle):
    """Sign-in attempts (API token and admin login) by client address: rate ``login`` of the
    settings, counted in the default cache."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttled_admin_login(request, extra_context=None):
    """The admin's login page, with the API's limit on attempts (429 and ``Retry-After``)."""
    from django.contrib import admin
    from django.http import HttpResponse

    if request.method == "POST":
        throttle = SignInThrottle()
        if not throttle.allow_request(request, None):
            seconds = int(throttle.wait() or 60) + 1
            return HttpResponse(
                _("Too many sign-in attempts from this address: try again in %(seconds)s seconds.") % {"seconds": seconds},
                status=429, content_type="text/plain; charset=utf-8", headers={"Retry-After": str(seconds)},
            )
    return admin.site.login(request, extra_context)
