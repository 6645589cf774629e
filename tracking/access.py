"""Who may see and change what: the one place that decides it. Services and selectors ask
``scope_of(by)``; the API, the admin and the commands never check an area themselves.

A user holds roles (viewer, editor, approver; each includes the ones before it) on units, through
``RoleGrant`` rows; a role on a unit covers the unit and everything placed under it, as DHIS2's
data-capture and data-view units do. Superusers (and ``SYSTEM``, the actor of imports) see and
change everything.

A role covers what was under its unit **at the time**:

- a *record* (a unit, a village, a cell, an organisation, a map change) is visible when any of
  its placements, at any time, lies under the granted unit, so a committee keeps reading the
  history of a village that moved away;
- *period data* (a unit's figures, blank villages and quarter approvals, its reported figures
  and goals, a village's reports) is visible only for the periods when the unit (the village)
  lay in the area on the period's last day (a goal: on some day from its baseline to its
  deadline). A district whose commune moved away in 2020 reads the commune's 2019 figures, not
  its 2021 ones;
- a record is *changeable* on a day when its placement **on that day** lies under a path of an
  editor's grant: the committee that had the village in 2019 corrects its 2019 reports, the
  committee that has it now writes today's.

Nothing is copied when the map changes: a unit moved to another parent is in its new parent's
area at once, and a role on a moved or renamed unit follows it. Out of the visible area a record
does not exist (``errors.NotFound``, the same answer as a wrong id); visible but not changeable
is ``errors.NotPermitted`` with the reason.
"""
from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import NotPermitted
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


class SystemActor:
    """Who acts for imports, fixtures and data migrations: changes everything, audited as no user."""

    is_active = is_authenticated = is_superuser = is_staff = True
    pk = None

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def _month_index(field: str):
    """``year * 12 + month - 1`` of a date column (no division: PostgreSQL's EXTRACT is numeric)."""
    return ExtractYear(field) * 12 + ExtractMonth(field) - 1


def placed_at_quarter_end(placements, quarter_ref):
    """``placements`` (unit or village placements) valid on the last day of the quarter
    ``quarter_ref`` (an integer quarter index, or an ``OuterRef`` to one): the quarter's last
    month is ``3 * index + 2``, a placement starts in or before it and ends after it."""
    last_month = quarter_ref * 3 + 2
    return placements.annotate(
        _from_month=_month_index("valid_from"), _to_month=_month_index("valid_to"),
    ).filter(
        Q(valid_from__isnull=True) | Q(_from_month__lte=last_month),
        Q(valid_to__isnull=True) | Q(_to_month__gt=last_month),
    )


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
            # At the time: the village lay in the area on the quarter's last day.
            placed = placed_at_quarter_end(
                VillagePlacement.objects.under_any(self.prefixes(role)).filter(village_id=OuterRef("village_id")),
                OuterRef("quarter"))
            return queryset.filter(Exists(placed))
        if model is QuarterApproval:
            placed = placed_at_quarter_end(
                UnitPlacement.objects.under_any(self.prefixes(role)).filter(unit_id=OuterRef("unit_id")),
                OuterRef("quarter"))
            return queryset.filter(Exists(placed))
        if model in (ReportedFigure, Goal):
            return queryset.filter(pk__in=self._dated_in_area(model, role))
        if model is PartyCell:
            covered = CellCoverage.objects.filter(village_id__in=villages).values("cell_id")
            return queryset.filter(Q(pk__in=covered) | Q(organisation__unit_id__in=units))
        if model in (RoleGrant, GrassrootsOrganisation):
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

    def _dated_in_area(self, model, role: str) -> list[int]:
        """The ids of the reported figures or goals whose unit lay in the area during their
        periods (one query; these are few: cited documents and committees' goals)."""
        under = Q(pk__in=[])
        for prefix in self.prefixes(role):
            under |= Q(unit__placements__path__startswith=prefix)
        fields = ("period",) if model is ReportedFigure else ("baseline_period", "deadline")
        keep = set()
        for row in model.objects.filter(under).values("pk", *fields, "unit__placements__valid_from",
                                                       "unit__placements__valid_to"):
            start, end = _span(model, row)
            if _overlaps(row["unit__placements__valid_from"], row["unit__placements__valid_to"], start, end):
                keep.add(row["pk"])
        return sorted(keep)

    def days_in_area(self, unit: AdministrativeUnit, spans: list[tuple[datetime.date, datetime.date]],
                     role: str = Role.VIEWER) -> list[bool]:
        """For each ``(start, end)`` of ``spans``, whether ``unit`` lay in the area on some day of
        it (one query; none for a superuser)."""
        if self.everything:
            return [True] * len(spans)
        placements = [(p.valid_from, p.valid_to) for p in unit.placements.under_any(self.prefixes(role))]
        return [any(_overlaps(valid_from, valid_to, start, end) for valid_from, valid_to in placements)
                for start, end in spans]

    def sees_unit_during(self, unit: AdministrativeUnit, start: datetime.date, end: datetime.date,
                         role: str = Role.VIEWER) -> bool:
        """Whether ``unit`` lay in the area on some day of [start, end]."""
        return self.days_in_area(unit, [(start, end)], role)[0]

    def villages_placed_on(self, queryset, day: datetime.date, role: str = Role.VIEWER):
        """The villages of ``queryset`` that lay in the area on ``day`` (their data of a period
        ending then is the user's)."""
        if self.everything:
            return queryset
        placed = VillagePlacement.objects.under_any(self.prefixes(role)).active_on(day).values("village_id")
        return queryset.filter(pk__in=placed)

    def last_days_in_area(self, unit_ids, role: str = Role.VIEWER) -> dict[int, datetime.date | None]:
        """``unit id → the last day it lay in the area`` (None: it still does), for units that
        ever did (one query; none for a superuser, for whom every unit still does)."""
        if self.everything:
            return {unit_id: None for unit_id in unit_ids}
        last: dict[int, datetime.date | None] = {}
        for row in UnitPlacement.objects.under_any(self.prefixes(role)).filter(unit_id__in=list(unit_ids)).values(
                "unit_id", "valid_to"):
            day = None if row["valid_to"] is None else row["valid_to"] - datetime.timedelta(days=1)
            known = last.get(row["unit_id"], datetime.date.min)
            last[row["unit_id"]] = None if day is None or known is None else max(day, known)
        return last

    def villages_in_area_on(self, village_ids, days: list[datetime.date], role: str = Role.VIEWER) -> dict:
        """``day → the villages of village_ids that lay in the area on that day`` (one query)."""
        spans: dict[int, list[tuple]] = {}
        for row in VillagePlacement.objects.under_any(self.prefixes(role)).filter(village_id__in=village_ids).values(
                "village_id", "valid_from", "valid_to"):
            spans.setdefault(row["village_id"], []).append((row["valid_from"], row["valid_to"]))
        return {day: {village_id for village_id, rows in spans.items()
                      if any(_overlaps(start, end, day, day) for start, end in rows)} for day in days}

    def sees_unit_on(self, unit: AdministrativeUnit, day: datetime.date, role: str = Role.VIEWER) -> bool:
        """Whether ``unit`` lay in the area on ``day``: may the user read its data of a period ending then."""
        return self.sees_unit_during(unit, day, day, role)

    def sees_period_of(self, record, role: str = Role.VIEWER) -> bool:
        """Whether the period data ``record`` (a reported figure, a goal) lay in the area at its time."""
        start, end = _span(type(record), record)
        return self.sees_unit_during(record.unit, start, end, role)

    def require_period_of(self, record, role: str = Role.EDITOR) -> None:
        """NotPermitted with the reason unless the unit of ``record`` (a reported figure, a goal)
        lay in the user's ``role`` area during its period."""
        if not self.sees_period_of(record, role):
            start, end = _span(type(record), record)
            raise NotPermitted(self.refusal(record.unit, role, end if start == end else None))

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
            raise NotPermitted(self.refusal(unit, role, day, strictly_below))

    def require_village(self, village: Village, day: datetime.date | None, role: str = Role.EDITOR) -> None:
        """403 with the reason unless ``village`` sits in the user's ``role`` area on ``day``."""
        if self.everything:
            return
        placements = village.placements.all() if day is None else village.placements.active_on(day)
        if not any(self.covers(placement.path, role) for placement in placements):
            where = _(" (map of %(day)s)") % {"day": day} if day else ""
            raise NotPermitted(
                _("Village “%(village)s” is not in the area of your %(role)s roles%(where)s.")
                % {"village": village, "role": Role(role).label, "where": where}
            )

    def require_coverage(self, village: Village, valid_from: datetime.date | None,
                         valid_to: datetime.date | None) -> None:
        """A cell serving ``village`` over [valid_from, valid_to): an editor of the village on its
        first day (today, without one) and, when it reaches today, today."""
        today = timezone.localdate()
        self.require_village(village, valid_from or today)
        if valid_to is None or valid_to > today:
            self.require_village(village, today)

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
            # The villages it serves today, by an editor of each today; a cell that serves none
            # any more (dissolved, its villages closed) by an editor of those it served.
            today = timezone.localdate()
            coverage = list(record.coverage.select_related("village"))
            current = [row for row in coverage if row.is_active_on(today)]
            for row in current or coverage:
                self.require_village(row.village, today if current else None)
            if record.organisation_id:
                self.require_unit(record.organisation.unit, None)
        elif isinstance(record, CellCoverage):
            self.require_coverage(record.village, record.valid_from, record.valid_to)
        elif isinstance(record, (ReportedFigure, Goal)):
            self.require_period_of(record)
        elif isinstance(record, GrassrootsOrganisation):
            self.require_unit(record.unit, None)
        else:
            raise NotPermitted(_("Only a superuser changes this."))

    def may_change(self, record) -> bool:
        try:
            self.require_change(record)
        except NotPermitted:
            return False
        return True

    def refusal(self, unit, role: str, day=None, strictly_below: bool = False) -> str:
        if not strictly_below and not self.has_role(role):
            return _("You hold no %(role)s role: this needs one on %(unit)s or a unit above it.") % {
                "role": Role(role).label, "unit": unit}
        where = _(" (map of %(day)s)") % {"day": day} if day else ""
        if strictly_below:
            return _("Only someone with the %(role)s role on a unit above %(unit)s may do this%(where)s.") % {
                "role": Role(role).label, "unit": unit, "where": where}
        return _("%(unit)s is not in the area of your %(role)s roles%(where)s.") % {
            "unit": unit, "role": Role(role).label, "where": where}


def _span(model, row) -> tuple[datetime.date, datetime.date]:
    """The days a reported figure (its period's last day) or a goal (baseline to deadline) is about."""
    from .periods import Period

    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    if model is ReportedFigure:
        end = Period.parse(str(get("period"))).end
        return end, end
    baseline, deadline = get("baseline_period"), get("deadline")
    # Note: a goal without a deadline goes on: every day from its baseline on.
    return (Period.parse(str(baseline)).start if baseline else datetime.date.min,
            Period.parse(str(deadline)).end if deadline else datetime.date.max)


def _overlaps(valid_from, valid_to, start: datetime.date, end: datetime.date) -> bool:
    """Whether [valid_from, valid_to) and the days [start, end] share a day."""
    return (valid_from is None or valid_from <= end) and (valid_to is None or valid_to > start)


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
