"""Writes of the records: units, villages, organisations, cells and their coverage, reported
figures, goals; deletions. Each takes the acting user (``by``) and asks ``access`` whether they
may, then applies the model's rules (``full_clean``) in one transaction.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import locks, periods, readmodel
from ..access import scope_of
from ..errors import Invalid, NotFound, NotPermitted
from ..models import (
    COUNT_FIELDS,
    NATION_CODE,
    NATION_NAME,
    AdministrativeUnit,
    CellCoverage,
    Goal,
    GrassrootsOrganisation,
    Level,
    PartyCell,
    QuarterReport,
    ReportedFigure,
    UnitKind,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from ..periods import Period

SOURCE_FIELDS = ("source_url", "source_location", "note")
REPORT_FIELDS = (*COUNT_FIELDS, "status", "cell", *SOURCE_FIELDS)


def _set_sources(obj, sources: dict) -> None:
    """Copy the citation fields; anything else is a programming error, not user input."""
    unknown = set(sources) - set(SOURCE_FIELDS)
    if unknown:
        raise TypeError(f"not a source field: {', '.join(sorted(unknown))}")
    for field, value in sources.items():
        setattr(obj, field, value)


def _placement_covering(unit: AdministrativeUnit, start: datetime.date | None, end: datetime.date | None) -> UnitPlacement:
    """The one placement of ``unit`` that covers all of [start, end), or a ValidationError."""
    for placement in unit.placements.all():
        if placement.covers_range(start, end):
            return placement
    raise ValidationError(
        _("%(unit)s is not on the map for the whole of %(range)s: choose dates when it is.")
        % {"unit": unit, "range": f"[{start or '…'}, {end or '…'})"}
    )


def _check_closing_day(field: str, day: datetime.date, starts) -> None:
    """A record is closed after it starts, and after each open row that closing ends starts.

    Note: checked before those rows are updated, so that a wrong day is a reason given on
    ``field`` rather than the database's refusal of a row.
    """
    latest = max((start for start in starts if start is not None), default=None)
    if latest is not None and day <= latest:
        raise ValidationError(
            {field: _("%(day)s is not after %(start)s, when the record or its current placement begins.")
             % {"day": day, "start": latest}}
        )


def check_day(field: str, day: datetime.date | None) -> None:
    """``periods.check_day`` (years 1945 to 2100, as periods), its error on ``field``: for days
    that a service takes as arguments rather than on a model."""
    try:
        periods.check_day(day)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from None


def _check_not_reopened(field: str, current: datetime.date | None, new: datetime.date) -> None:
    """A closing date, once set, is history: moving it would leave placements behind."""
    if current is not None and new != current:
        raise ValidationError(
            {field: _("Already closed on %(day)s: a closing date is not moved; record a change of the map instead.")
             % {"day": current}}
        )


def _check_code_free(code: str, start: datetime.date | None, end: datetime.date | None, exclude_pk=None) -> None:
    clashes = AdministrativeUnit.objects.with_code(code).overlapping(start, end).exclude(pk=exclude_pk)
    if clashes.exists():
        raise ValidationError(
            {"code": _("Another unit has code %(code)s during these dates: %(unit)s.") % {"code": code, "unit": clashes.first()}}
        )


def require_change(*, by, record) -> None:
    """NotPermitted, with the reason, unless ``by`` may change or delete ``record`` (the rule of
    every update and delete here, for the edges that ask before they write)."""
    scope_of(by).require_change(record)


def lock_for_change(*, by, record):
    """``record`` read again under a row lock held until the caller's transaction ends, once
    ``by`` may change it: a version the caller compares then is the one its write replaces (two
    writers of one record wait for each other instead of both writing over the same version)."""
    require_change(by=by, record=record)
    if isinstance(record, AdministrativeUnit | Village):
        # Their provinces first, as every change of the map takes them (``locks.lock_map``).
        locks.lock_map(units=[record] if isinstance(record, AdministrativeUnit) else [],
                       villages=[record] if isinstance(record, Village) else [])
    locked = type(record)._default_manager.select_for_update().filter(pk=record.pk).first()
    if locked is None:  # deleted by a writer that held the lock first
        raise NotFound(_("%(what)s “%(record)s” no longer exists: it was deleted.")
                       % {"what": record._meta.verbose_name, "record": record})
    return locked


def may_change(*, by, record) -> bool:
    """Whether ``by`` may change or delete ``record``."""
    return scope_of(by).may_change(record)


# The nation as it is recorded when it is missing (the data migration 0008 copies these values).
NATION = {
    "code": NATION_CODE, "name": NATION_NAME, "kind": UnitKind.NATION, "level": Level.NATION,
    "source_url": "https://www.iso.org/obp/ui/#iso:code:3166:VN",
    "note": "The country, root of the map. The statistics office numbers no country: its code is that of ISO 3166-1.",
}


@transaction.atomic
def nation_ensure(*, by) -> AdministrativeUnit:
    """The nation, the root of every map; recorded first if it is missing (only a superuser may:
    it is the area above every province)."""
    nation = AdministrativeUnit.objects.nation().first()
    if nation is not None:
        return nation
    if not scope_of(by).everything:
        raise NotPermitted(_("Only a superuser records the nation."))
    return _unit_create(**NATION, parent=None)


def parent_for(*, by, level: int, parent: AdministrativeUnit | None) -> AdministrativeUnit | None:
    """The parent a new unit of ``level`` takes: ``parent``, or for a province given none, the
    nation (recorded first if missing)."""
    if parent is None and level == Level.PROVINCE:
        return nation_ensure(by=by)
    return parent


def check_parent(level: int, parent: AdministrativeUnit | None, field: str = "parent") -> None:
    """The shape of the tree: the nation is the root, the provinces sit directly under it and
    every other unit under a province or a unit below one, of a higher level than its own."""
    if level == Level.NATION:
        if parent is not None:
            raise ValidationError({field: _("The nation is the root of the map: it has no parent unit.")})
        return
    if parent is None:
        raise ValidationError({field: _("Only the nation has no parent unit.")})
    if level == Level.PROVINCE and parent.level != Level.NATION:
        raise ValidationError({field: _("A province sits directly under the nation, under no other unit.")})
    if level != Level.PROVINCE and parent.level == Level.NATION:
        raise ValidationError({field: _("Only provinces sit directly under the nation.")})
    if parent.level >= level:
        raise ValidationError({field: _("The parent must be a unit of a higher level.")})


@transaction.atomic
def unit_create(
    *,
    by,
    code: str,
    name: str,
    kind: str,
    level: int,
    parent: AdministrativeUnit | None = None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    source_url: str = "",
    source_location: str = "",
    note: str = "",
) -> AdministrativeUnit:
    """Create a unit and place it under ``parent`` for its whole validity range: an editor of
    ``parent``'s area on the unit's first day (or today). A province goes under the nation (an
    editor of the nation's area); the nation itself, only a superuser."""
    scope = scope_of(by)
    parent = parent_for(by=by, level=level, parent=parent)
    if parent is None:
        if not scope.everything:
            raise NotPermitted(_("Only a superuser records the nation."))
    else:
        locks.lock_map(units=[parent])  # as a change of the map: a parent closed meanwhile is seen
        scope.require_unit(parent, valid_from or timezone.localdate())
    return _unit_create(code=code, name=name, kind=kind, level=level, parent=parent, valid_from=valid_from,
                        valid_to=valid_to, source_url=source_url, source_location=source_location, note=note)


def _unit_create(*, code, name, kind, level, parent, valid_from=None, valid_to=None, source_url="",
                 source_location="", note="") -> AdministrativeUnit:
    """``unit_create`` once the user's rights are checked (a map change checks them for its day)."""
    check_day("valid_from", valid_from)
    check_day("valid_to", valid_to)
    unit = AdministrativeUnit(
        code=code,
        name=name,
        kind=kind,
        level=level,
        valid_from=valid_from,
        valid_to=valid_to,
        source_url=source_url,
        source_location=source_location,
        note=note,
    )
    unit.full_clean()
    _check_code_free(code, valid_from, valid_to)
    check_parent(level, parent)
    if parent is None:
        path = "/"  # the nation's: every path starts with it
    else:
        try:
            path = _placement_covering(parent, valid_from, valid_to).path + f"{unit.path_segment()}/"
        except ValidationError as error:
            raise ValidationError({"parent": error.messages}) from error
    unit.save()
    UnitPlacement.objects.create(unit=unit, parent=parent, path=path, valid_from=valid_from, valid_to=valid_to)
    return unit


@transaction.atomic
def unit_update(*, by, unit: AdministrativeUnit, name: str | None = None, kind: str | None = None,
                valid_to: datetime.date | None = None, **sources) -> AdministrativeUnit:
    """Rename a unit, change its kind or close it; its code and place change only by events.
    A committee above the unit does it. Closing changes no figure (nothing may be left under the
    unit): an approved quarter does not stop it."""
    locks.lock_map(units=[unit])  # read under the lock: a change that moved something into it first is seen
    scope_of(by).require_change(unit)
    return _unit_update(unit=unit, name=name, kind=kind, valid_to=valid_to, **sources)


def check_unit_closing(unit: AdministrativeUnit) -> None:
    """Whether ``unit`` may be closed: any unit but the nation."""
    if unit.level == Level.NATION:
        raise ValidationError({"valid_to": _("The nation is the root of every map: it is not closed.")})


def _unit_update(*, unit, name=None, kind=None, valid_to=None, **sources) -> AdministrativeUnit:
    """``unit_update`` once the user's rights are checked (a rename checks them for its day)."""
    if name is not None:
        unit.name = name
    if kind is not None:
        unit.kind = kind
    _set_sources(unit, sources)
    closing = valid_to is not None and valid_to != unit.valid_to
    if closing:
        check_unit_closing(unit)
        check_day("valid_to", valid_to)
        _check_not_reopened("valid_to", unit.valid_to, valid_to)
        unit.valid_to = valid_to
        _check_code_free(unit.code, unit.valid_from, valid_to, exclude_pk=unit.pk)
        still_open = Village.objects.within(unit, valid_to)
        if still_open.exists():
            raise ValidationError(
                {"valid_to": _("%(count)s villages still belong to this unit on %(day)s: move them first.")
                 % {"count": still_open.count(), "day": valid_to}}
            )
        open_children = AdministrativeUnit.objects.children_of(unit, valid_to)
        if open_children.exists():
            raise ValidationError(
                {"valid_to": _("%(count)s units still sit under this unit on %(day)s: close or move them first.")
                 % {"count": open_children.count(), "day": valid_to}}
            )
        open_placements = unit.placements.filter(valid_to__isnull=True)
        _check_closing_day("valid_to", valid_to, [unit.valid_from, *open_placements.values_list("valid_from", flat=True)])
        open_placements.update(valid_to=valid_to)
    unit.full_clean()
    unit.save()
    if closing:
        readmodel.map_changed(units=[unit])
    return unit


@transaction.atomic
def village_create(
    *,
    by,
    name: str,
    unit: AdministrativeUnit,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    source_url: str = "",
    source_location: str = "",
    note: str = "",
) -> Village:
    """Create a village and place it in ``unit`` for its whole validity range: an editor of the
    unit's area on the village's first day (or today). Refused (``errors.Locked``) if the unit or
    one above it has approved a quarter of the village's life: the village would change its figures."""
    locks.lock_map(units=[unit])
    scope_of(by).require_unit(unit, valid_from or timezone.localdate())
    village = Village(
        name=name, valid_from=valid_from, valid_to=valid_to,
        source_url=source_url, source_location=source_location, note=note,
    )
    check_new_village(village, unit)
    locks.require_map_unlocked([(unit, valid_from, valid_to)])
    village.key = _next_village_key(unit)
    village.save()
    VillagePlacement.objects.bulk_create(village_placements(village, unit, unit.placements.all()))
    readmodel.refresh([village.pk], map_changed=True)
    return village


def check_new_village(village: Village, unit: AdministrativeUnit) -> None:
    """Every rule a new village in ``unit`` keeps (no query but the model's own checks)."""
    check_day("valid_from", village.valid_from)
    check_day("valid_to", village.valid_to)
    village.full_clean(exclude=["key"], validate_unique=False)
    if not unit.covers_range(village.valid_from, village.valid_to):
        raise ValidationError({"unit": _("%(unit)s does not exist for the whole life of the village.") % {"unit": unit}})
    if unit.level in (Level.NATION, Level.PROVINCE):
        raise ValidationError({"unit": _("A village belongs to a commune, or to a district where no commune is known.")})


def village_placements(village: Village, unit: AdministrativeUnit, unit_placements) -> list[VillagePlacement]:
    """The village follows its unit: one placement per placement of the unit over its life (a
    commune moved in 2020 puts a village created in it under each district in turn)."""
    rows = sorted((row for row in unit_placements if row.overlaps(village.valid_from, village.valid_to)),
                  key=lambda p: p.valid_from or datetime.date.min)
    return [
        VillagePlacement(village=village, unit=unit, path=row.path,
                         valid_from=max(filter(None, [row.valid_from, village.valid_from]), default=None),
                         valid_to=min(filter(None, [row.valid_to, village.valid_to]), default=None))
        for row in rows
    ]


def _next_village_key(unit: AdministrativeUnit) -> str:
    """The next key of a village recorded in ``unit``: its code and the next number after the
    villages recorded in a unit with that code (the unit's row is locked until the write ends)."""
    AdministrativeUnit.objects.select_for_update().filter(pk=unit.pk).first()
    prefix = f"{unit.code}-"
    # Note: the keys of deleted villages too (their audit trail keeps them): an old file naming
    # one must not write into another village.
    taken = [*Village.objects.filter(key__startswith=prefix).values_list("key", flat=True),
             *Village.history.filter(key__startswith=prefix).values_list("key", flat=True)]
    number = max((int(key[len(prefix):]) for key in taken if key[len(prefix):].isdigit()), default=0) + 1
    return f"{prefix}{number:04d}"


@transaction.atomic
def village_update(*, by, village: Village, name: str | None = None, valid_to: datetime.date | None = None,
                   **sources) -> Village:
    """Rename or close a village. Closing keeps its history: reports after the date are refused,
    and so is a day inside an approved quarter of its units (``errors.Locked``: the village would
    leave its figures). An editor of the village's unit today does it."""
    locks.lock_map(villages=[village])
    scope_of(by).require_change(village)
    if name is not None:
        village.name = name
    _set_sources(village, sources)
    closing = valid_to is not None and valid_to != village.valid_to
    if closing:
        check_day("valid_to", valid_to)
        _check_not_reopened("valid_to", village.valid_to, valid_to)
        later = village.reports.filter(quarter__gte=Period.quarter_of(valid_to))
        if later.exists() and any(report.quarter.end >= valid_to for report in later):
            raise ValidationError({"valid_to": _("The village has reports after this date.")})
        open_placements = village.placements.filter(valid_to__isnull=True)
        open_coverage = village.cell_coverage.filter(valid_to__isnull=True)
        _check_closing_day("valid_to", valid_to, [
            village.valid_from,
            *open_placements.values_list("valid_from", flat=True),
            *open_coverage.values_list("valid_from", flat=True),
        ])
        locks.require_map_unlocked([(placement.unit, valid_to, None) for placement in open_placements.select_related("unit")])
        village.valid_to = valid_to
        open_placements.update(valid_to=valid_to)
        open_coverage.update(valid_to=valid_to)
    village.full_clean()
    village.save()
    if closing:
        cells = set(village.cell_coverage.values_list("cell_id", flat=True))
        readmodel.refresh(readmodel.villages_of_cells(cells) | {village.pk}, cells=cells, map_changed=True)
    return village


@transaction.atomic
def organisation_create(*, by, name: str, unit: AdministrativeUnit, founded_on=None, dissolved_on=None,
                        **sources) -> GrassrootsOrganisation:
    """Record a grassroots organisation of ``unit``: an editor of the unit's area."""
    scope_of(by).require_unit(unit, None)
    organisation = GrassrootsOrganisation(name=name, unit=unit, founded_on=founded_on, dissolved_on=dissolved_on, **sources)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def cell_create(
    *,
    by,
    name: str,
    organisation: GrassrootsOrganisation | None = None,
    founded_on: datetime.date | None = None,
    villages: list[Village] = (),
    **sources,
) -> PartyCell:
    """Create a cell serving ``villages`` from its founding (none: an agency cell of
    ``organisation``): an editor of each village on the founding day (or today) and of the
    organisation's unit. A cell with neither would lie outside every area: only a superuser
    records one."""
    scope = scope_of(by)
    if not villages and organisation is None and not scope.everything:
        raise Invalid({"villages": Invalid(
            _("Name the villages the cell serves, or its organisation: a cell with neither would lie "
              "outside your areas."), code="required")})
    if organisation is not None:
        scope.require_unit(organisation.unit, founded_on)
    for village in villages:
        scope.require_coverage(village, founded_on, None)
    locks.lock_map(villages=villages)  # every province at once, in their order (each coverage locks its own again)
    cell = PartyCell(name=name, organisation=organisation, founded_on=founded_on, **sources)
    cell.full_clean()
    cell.save()
    for index, village in enumerate(villages):
        try:
            cell_coverage_add(by=by, cell=cell, village=village, valid_from=founded_on)
        except ValidationError as error:
            # Name the entry in error (``villages.1``), as the quarterly submission does.
            raise ValidationError({f"villages.{index}": error.messages}) from error
    return cell


@transaction.atomic
def cell_coverage_add(*, by, cell: PartyCell, village: Village, valid_from: datetime.date | None = None,
                      valid_to: datetime.date | None = None) -> CellCoverage:
    """Let ``cell`` serve ``village`` over [valid_from, valid_to): an editor of the village then
    (and today, if it reaches today)."""
    scope_of(by).require_coverage(village, valid_from, valid_to)
    coverage = CellCoverage(cell=cell, village=village, valid_from=valid_from, valid_to=valid_to)
    coverage.full_clean()
    if cell.founded_on and (valid_from is None or valid_from < cell.founded_on):
        raise ValidationError({"valid_from": _("The cell was founded on %(day)s.") % {"day": cell.founded_on}})
    if cell.dissolved_on and (valid_to is None or valid_to > cell.dissolved_on):
        raise ValidationError({"valid_to": _("The cell was dissolved on %(day)s.") % {"day": cell.dissolved_on}})
    if not village.covers_range(valid_from, valid_to):
        raise ValidationError({"village": _("%(village)s does not exist over these dates.") % {"village": village}})
    if CellCoverage.objects.filter(cell=cell, village=village).overlapping(valid_from, valid_to).exists():
        raise ValidationError({"village": _("The cell already serves this village during these dates.")})
    locks.require_cell_unlocked(cell, valid_from, valid_to, villages=[village])
    coverage.save()
    readmodel.refresh(readmodel.villages_of_cells([cell.pk]), cells={cell.pk})
    return coverage


@transaction.atomic
def reported_figure_save(*, by, figure: ReportedFigure, combined_with: list[AdministrativeUnit] | None = None) -> ReportedFigure:
    """Create or update a cited figure: an editor of its unit (before and after the change)."""
    _require_unit_record(by, figure)
    figure.full_clean()
    figure.save()
    if combined_with is not None:
        if figure.unit in combined_with:
            raise ValidationError({"combined_with": _("A unit is not combined with itself.")})
        figure.combined_with.set(combined_with)
    return figure


@transaction.atomic
def goal_save(*, by, goal: Goal) -> Goal:
    """Create or update a goal: an editor of its unit (before and after the change)."""
    _require_unit_record(by, goal)
    goal.full_clean()
    goal.save()
    return goal


def _require_unit_record(by, record) -> None:
    """An editor of the unit of ``record`` (a figure, a goal) during its period, as saved and as
    it will be."""
    scope = scope_of(by)
    if record.pk is not None:
        saved = type(record).objects.select_related("unit").filter(pk=record.pk).first()
        if saved is not None:
            scope.require_change(saved)
    if record.unit_id is not None:
        try:
            scope.require_change(record)
        except ValidationError:
            pass  # a period in error: full_clean names it


@transaction.atomic
def cell_update(*, by, cell: PartyCell, name: str | None = None, dissolved_on: datetime.date | None = None) -> PartyCell:
    """Rename a cell or dissolve it: it stops serving its villages on that day. An editor of
    every village it serves or served."""
    scope_of(by).require_change(cell)
    if name is not None:
        cell.name = name
    if dissolved_on is not None and dissolved_on != cell.dissolved_on:
        check_day("dissolved_on", dissolved_on)
        _check_not_reopened("dissolved_on", cell.dissolved_on, dissolved_on)
        # A report describes the last day of its quarter: the cell must still exist then.
        later = cell.reports.filter(quarter__gte=Period.quarter_of(dissolved_on)).order_by("quarter").first()
        if later and later.quarter.end >= dissolved_on:
            raise ValidationError({"dissolved_on": _("Reports of %(quarter)s still name this cell.") % {"quarter": later.quarter}})
        open_coverage = cell.coverage.filter(valid_to__isnull=True)
        _check_closing_day("dissolved_on", dissolved_on, [cell.founded_on, *open_coverage.values_list("valid_from", flat=True)])
        cell.dissolved_on = dissolved_on
        open_coverage.update(valid_to=dissolved_on)
        readmodel.refresh(readmodel.villages_of_cells([cell.pk]), cells={cell.pk})
    cell.full_clean()
    cell.save()
    return cell


@transaction.atomic
def record_delete(*, by, record) -> None:
    """Delete a unit, village, cell, report, figure or goal that nothing refers to, for a user
    who may change it (``access.Scope.require_change``).

    Anything still referred to raises ProtectedError: such a record is closed with a date.
    """
    scope_of(by).require_change(record)
    if isinstance(record, AdministrativeUnit):
        # Note: a many-to-many link would vanish silently with the unit; refuse like a foreign key.
        figures = set(record.combined_reported_figures.all())
        if figures:
            raise ProtectedError("reported together with other units", figures)
    if isinstance(record, QuarterReport):
        locks.require_unlocked(record.village, record.quarter)
    if isinstance(record, CellCoverage):
        locks.require_cell_unlocked(record.cell, record.valid_from, record.valid_to)
    touched = _figures_touched(record)
    record.delete()
    if touched is not None:
        villages, cells = touched
        readmodel.refresh(villages, cells=cells)


def _figures_touched(record) -> tuple | None:
    """The villages (and cells) whose stored figures deleting ``record`` changes."""
    if isinstance(record, QuarterReport):
        return {record.village_id: record.quarter.index}, {record.cell_id} - {None}
    if isinstance(record, Village):
        cells = set(record.cell_coverage.values_list("cell_id", flat=True))
        return readmodel.villages_of_cells(cells) | {record.pk}, cells
    if isinstance(record, PartyCell):
        return readmodel.villages_of_cells([record.pk]), {record.pk}
    if isinstance(record, CellCoverage):
        return readmodel.villages_of_cells([record.cell_id]), {record.cell_id}
    return None
