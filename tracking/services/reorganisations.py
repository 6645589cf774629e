"""Services for changes of the map: establish, rename, split, merge, transfer, abolish a level.

Each is one transaction that closes the placements the change ends on its effective day, opens
new ones from that day, and records a :class:`~tracking.models.Reorganisation` linking the units
before to the units after. The past is never edited: figures for an earlier quarter still see
the map of that quarter. Villages and their reports never move between rows; only the dated
placement of a village changes, so nothing is copied or lost.

Events must be recorded in date order for the units they touch: a change dated before a
placement that already starts later is refused.

**Changes at the same moment take turns.** Each change first locks the provinces where the units
and villages it changes are placed, then their rows (``locks.lock_map``), and reads what it
changes under those locks. Changes of one unit sent at once therefore chain, as if sent one
after the other: a rename's former name is the name the rename before it gave, a transfer moves
the unit from the parent the transfer before it gave, a split or a merge sees the units as the
change before it left them. A change that no longer fits the map it then finds (its unit merged
away meanwhile, a later change recorded) is refused with the reason it would get if sent
afterwards, and changes nothing. No kind is refused merely for having waited: each event
describes the map as it was when it was recorded, which is what its readers need.

**Approved quarters.** A change dated D that moves villages is refused (``errors.Locked``, 409
``locked`` in the API) while a quarter whose figures it would change is approved: every quarter
whose last day is on or after D while the changed placement held, approved for a unit that loses
or gains villages or for any unit above it on that quarter's map (``locks.map_change_lock``):

* a transfer: the unit's former parent and its new parent (the unit's own figures do not change);
* a split: the unit split (the new units are new: nothing of theirs is approved);
* a merge: each unit merged, and the unit they merge into (or the new unit's parent);
* the abolition of a level: each unit abolished;
* a village moved: its unit before and after.

A rename and the establishment of a unit change no figure and are never refused for this. The
approval is reopened first (``services.approvals.quarter_reopen``), as for a report.
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .. import locks, readmodel
from ..access import scope_of
from ..errors import NotPermitted
from ..text import nfc
from ..models import (
    AdministrativeUnit,
    Level,
    Reorganisation,
    ReorganisationKind,
    Role,
    UnitPlacement,
    Village,
    VillagePlacement,
    forget_names,
)
from . import records as services


def _placement(unit: AdministrativeUnit, on: datetime.date, field: str = "unit") -> UnitPlacement:
    services.check_day("on", on)
    placement = unit.placements.active_on(on).first()
    if placement is None:
        raise ValidationError({field: _("%(unit)s is not on the map on %(day)s.") % {"unit": unit, "day": on}})
    return placement


def _owner(row) -> dict:
    return {"unit_id": row.unit_id} if isinstance(row, UnitPlacement) else {"village_id": row.village_id}


def _check_date_order(row, on: datetime.date) -> None:
    later = type(row).objects.filter(valid_from__gt=on, **_owner(row)).order_by("valid_from").first()
    if later is not None:
        raise ValidationError(
            _("%(row)s already changes on %(later)s, after %(day)s: record changes in date order.")
            % {"row": later, "later": later.valid_from, "day": on}
        )


def _reopen(rows, on: datetime.date, **changes) -> None:
    """Close each placement at ``on`` and open its successor with ``changes`` from ``on``.

    A row that starts on ``on`` itself (an earlier change of the same day) is changed in place:
    an empty range is no row.
    """
    for row in rows:
        _check_date_order(row, on)
        new_values = {name: (value(row) if callable(value) else value) for name, value in changes.items()}
        if row.valid_from == on:
            for name, value in new_values.items():
                setattr(row, name, value)
            row.save()
            continue
        end = row.valid_to
        row.valid_to = on
        row.save(update_fields=["valid_to"])
        row.pk = None
        row._state.adding = True
        row.valid_from, row.valid_to = on, end
        for name, value in new_values.items():
            setattr(row, name, value)
        row.save()


def _repath(old_path: str, new_path: str, on: datetime.date) -> int:
    """Move everything placed at or below ``old_path`` on ``on`` to ``new_path``; returns villages moved."""
    for model in (UnitPlacement, VillagePlacement):
        # A row below the moving unit that starts later would keep the old path: refuse.
        later = model.objects.under(old_path).filter(valid_from__gt=on).order_by("valid_from").first()
        if later is not None:
            raise ValidationError(
                _("%(row)s already changes on %(later)s, after %(day)s: record changes in date order.")
                % {"row": later, "later": later.valid_from, "day": on}
            )
    renamed = lambda row: new_path + row.path[len(old_path):]  # noqa: E731
    units = list(UnitPlacement.objects.active_on(on).under(old_path))
    villages = list(VillagePlacement.objects.active_on(on).under(old_path))
    _reopen(units, on, path=renamed)
    _reopen(villages, on, path=renamed)
    return len(villages)


def event_row(kind: str, on: datetime.date, description, *, villages_moved: int = 0, **fields) -> Reorganisation:
    """A new event, checked but not saved: ``description`` is its text or a function giving it;
    ``fields`` its subject (or ``subject_id``) and sources. The units it links are the caller's."""
    # Note: the description is stored in the installation's language (settings.LANGUAGE_CODE),
    # whatever the language of the request that records the event: the services pass it as a
    # function, called here under that language.
    with translation.override(settings.LANGUAGE_CODE):
        text = description() if callable(description) else description
    event = Reorganisation(kind=kind, effective_on=on, description=text, villages_moved=villages_moved, **fields)
    event.full_clean(exclude=["subject"])  # the subject is a unit the caller holds
    return event


def _record(kind: str, on: datetime.date, description, *, subject=None, before=(), after=(),
            villages_moved: int = 0, **sources) -> Reorganisation:
    event = event_row(kind, on, description, subject=subject, villages_moved=villages_moved, **sources)
    event.save()
    event.predecessors.set(before)
    event.successors.set(after)
    return event


def _parents(*units: AdministrativeUnit) -> list[AdministrativeUnit]:
    """The units ``units`` have sat under at any date (their rows are locked with theirs)."""
    return list(AdministrativeUnit.objects.filter(
        pk__in=UnitPlacement.objects.filter(unit__in=[unit for unit in units if unit is not None]).values("parent_id")))


def _span(unit: AdministrativeUnit | None, on: datetime.date, until: AdministrativeUnit | Village | None = None) -> tuple:
    """``(unit, on, end)`` for ``locks.map_change_lock``: ``unit`` changes from ``on`` while the
    placement of ``until`` (default: the unit itself) on that day holds."""
    holder = until if until is not None else unit
    placement = holder.placements.active_on(on).first() if holder is not None else None
    return (unit, on, placement.valid_to) if placement is not None else (None, on, None)


def _refuse_if_locked(approval) -> None:
    """Refuse the change (``locks.map_locked``) if ``map_change_lock`` found an approval it goes
    against. Called once the change has passed its own checks, so that a change that is wrong
    in itself says why first; nothing is saved either way."""
    if approval is not None:
        raise locks.map_locked(approval)


# What a change of the map says when asked to reshape the nation, the root of every map (called
# when needed, in the language of the request).
NATION_STAYS = {
    ReorganisationKind.TRANSFER: lambda: _("The nation is the root of the map: it does not move."),
    ReorganisationKind.MERGE: lambda: _("The nation is the root of the map: it is not merged."),
    ReorganisationKind.SPLIT: lambda: _("The nation is the root of the map: it is not split."),
    ReorganisationKind.ABOLISH_LEVEL: lambda: _("The nation is the root of the map: it is not abolished."),
}


def _refuse_nation(kind: str, field: str, *units: AdministrativeUnit | None) -> None:
    """A ValidationError on ``field`` if one of ``units`` is the nation: no event of ``kind``
    (transfer, merge, split, abolition) reshapes it."""
    if any(unit is not None and unit.level == Level.NATION for unit in units):
        raise ValidationError({field: NATION_STAYS[kind]()})


# What each kind of event says happened (called under the installation's language, see event_row).


def established_text(unit: AdministrativeUnit) -> str:
    return _("%(unit)s established") % {"unit": unit}


def renamed_text(former: str, name: str) -> str:
    return _("%(former)s renamed %(name)s") % {"former": former, "name": name}


def moved_text(unit: AdministrativeUnit, former: AdministrativeUnit | None, parent: AdministrativeUnit) -> str:
    return _("%(unit)s moved from %(former)s to %(parent)s") % {"unit": unit, "former": former, "parent": parent}


def merged_text(units: list[AdministrativeUnit], into: AdministrativeUnit) -> str:
    return _("%(units)s merged into %(into)s") % {"units": ", ".join(str(u) for u in units), "into": into}


def level_abolished_text(level: int, province: AdministrativeUnit, stranded: int) -> str:
    text = _("Level %(level)s abolished in %(unit)s") % {"level": Level(level).label, "unit": province}
    if stranded:
        text += _("; %(n)s villages whose commune is not known now sit directly in %(unit)s") % {
            "n": stranded, "unit": province}
    return text


def check_rename(unit: AdministrativeUnit, name: str, on: datetime.date, latest: Reorganisation | None) -> None:
    """Whether ``unit`` may take ``name`` from ``on``, ``latest`` being its latest renaming on or
    after that day (None if none): a renaming gives the unit a name for days it is on the map,
    one a day, in date order, and a name other than its own."""
    if not unit.is_active_on(on):
        raise ValidationError({"on": _("%(unit)s is not on the map on %(day)s (valid %(range)s): it takes no name then.")
                               % {"unit": unit, "day": on, "range": unit.validity_text()}})
    if latest is not None and latest.effective_on == on:
        raise ValidationError({"on": _("%(unit)s was already renamed on %(day)s: a unit takes one new name a day "
                                       "(to correct its spelling, change the unit's name instead).") % {"unit": unit, "day": on}})
    if latest is not None:
        raise ValidationError({"on": _("%(event)s comes later: record changes in date order.") % {"event": latest}})
    if nfc(name) == unit.name:
        raise ValidationError({"name": _("%(unit)s already bears this name.") % {"unit": unit}})


def check_transfer(unit: AdministrativeUnit, placement: UnitPlacement, parent: AdministrativeUnit, parent_path: str,
                   on: datetime.date) -> None:
    """Whether ``unit``, placed by ``placement`` on ``on``, may move under ``parent`` (at ``parent_path``)."""
    _refuse_nation(ReorganisationKind.TRANSFER, "unit", unit)
    services.check_parent(unit.level, parent)
    if parent_path.startswith(placement.path):
        raise ValidationError({"parent": _("A unit cannot move under itself.")})
    if placement.parent_id == parent.pk:
        raise ValidationError({"parent": _("%(unit)s already sits under %(parent)s.") % {"unit": unit, "parent": parent}})
    if not parent.covers_range(on, unit.valid_to):
        raise ValidationError({"parent": _("%(parent)s ends before %(unit)s does.") % {"parent": parent, "unit": unit}})


def check_place_holds(place, moving, on: datetime.date, describe=str) -> None:
    """Whether ``place`` (the placement, on ``on``, of the unit something moves into) holds as
    long as ``moving`` (the placement that moves) does: else the path copied from it would be
    stale once that unit moves in its turn, so a change dated before a later change of the unit
    it moves into is refused, as one dated before a later change of what moves."""
    if place.valid_to is not None and (moving.valid_to is None or moving.valid_to > place.valid_to):
        raise ValidationError(
            _("%(row)s already changes on %(later)s, after %(day)s: record changes in date order.")
            % {"row": describe(place), "later": place.valid_to, "day": on}
        )


def _transfer(unit: AdministrativeUnit, parent: AdministrativeUnit, on: datetime.date) -> int:
    placement = _placement(unit, on)
    parent_placement = _placement(parent, on, field="parent")
    parent_path = parent_placement.path
    check_transfer(unit, placement, parent, parent_path, on)
    check_place_holds(parent_placement, placement, on)
    new_path = parent_path + f"{unit.path_segment()}/"
    moved = _repath(placement.path, new_path, on)
    UnitPlacement.objects.filter(unit=unit, valid_from=on).update(parent=parent)
    return moved


def check_village_destination(unit: AdministrativeUnit, allow_province: bool = False) -> None:
    """Whether a village may be moved into ``unit``: a commune or a district, or a province when
    ``allow_province`` (its district abolished, its commune unknown); never the nation."""
    if unit.level == Level.NATION or (unit.level == Level.PROVINCE and not allow_province):
        raise ValidationError({"villages": _("A village belongs to a commune, or to a district where no commune is known.")})


def _move_village(village: Village, unit: AdministrativeUnit, on: datetime.date, allow_province: bool = False) -> None:
    placement = village.placements.active_on(on).first()
    if placement is None:
        raise ValidationError({"villages": _("%(village)s is not on the map on %(day)s.") % {"village": village, "day": on}})
    check_village_destination(unit, allow_province)
    place = _placement(unit, on)
    check_place_holds(place, placement, on)
    _reopen([placement], on, unit=unit, path=place.path)


def _close(unit: AdministrativeUnit, on: datetime.date) -> None:
    """Close a unit that nothing is placed under any more."""
    path = _placement(unit, on).path
    left = VillagePlacement.objects.active_on(on).under(path)
    if left.exists():
        raise ValidationError(
            _("%(unit)s still has %(n)s villages on %(day)s (e.g. %(village)s): say where they go.")
            % {"unit": unit, "n": left.count(), "day": on, "village": left.first().village}
        )
    children = UnitPlacement.objects.active_on(on).under(path).exclude(unit=unit)
    if children.exists():
        raise ValidationError(
            _("%(unit)s still has %(n)s units under it on %(day)s (e.g. %(child)s): say where they go.")
            % {"unit": unit, "n": children.count(), "day": on, "child": children.first().unit}
        )
    if unit.valid_from is not None and unit.valid_from >= on:
        raise ValidationError(_("%(unit)s begins on %(start)s, not before %(day)s.") % {"unit": unit, "start": unit.valid_from, "day": on})
    for placement in unit.placements.filter(valid_to__isnull=True):
        _check_date_order(placement, on)
    # A placement opened on the same day (an earlier change of that day) ends empty: drop it.
    unit.placements.filter(valid_from=on).delete()
    unit.placements.filter(valid_to__isnull=True).update(valid_to=on)
    unit.valid_to = on
    unit.save(update_fields=["valid_to"])


# ---------------------------------------------------------------------------------------
# One service per kind of event


def reshape_refusal(*, by, units: list[AdministrativeUnit], kind: str | None = None) -> str | None:
    """Why ``by`` may change the map of none of ``units`` at any date (they hold no editor role
    above one of them; or, for an event of ``kind`` that the nation does not take, one of them is
    the nation), or None. Each event checks the map of its own date again."""
    if kind in NATION_STAYS and any(unit.level == Level.NATION for unit in units):
        return str(NATION_STAYS[kind]())
    scope = scope_of(by)
    for unit in units:
        if not scope.may_change_unit_area(unit, None, Role.EDITOR, strictly_below=True):
            return scope.refusal(unit, Role.EDITOR, strictly_below=True)
    return None


@transaction.atomic
def unit_establish(*, by, on: datetime.date, code: str, name: str, kind: str, level: int,
                   parent: AdministrativeUnit | None, **sources) -> AdministrativeUnit:
    """A new unit from ``on``, with nothing under it yet: an editor of ``parent``'s area on that
    day (a province goes under the nation: an editor of the nation's area); the nation, only a
    superuser."""
    scope = scope_of(by)
    parent = services.parent_for(by=by, level=level, parent=parent)
    if parent is None and not scope.everything:
        raise NotPermitted(_("Only a superuser records the nation."))
    locks.lock_map(units=[parent])
    scope.require_reshape(on, parent=parent)
    unit = services._unit_create(code=code, name=name, kind=kind, level=level, parent=parent, valid_from=on)
    readmodel.map_changed()
    _record(ReorganisationKind.CREATE, on, lambda: established_text(unit), subject=unit, after=[unit], **sources)
    return unit


@transaction.atomic
def unit_rename(*, by, unit: AdministrativeUnit, name: str, on: datetime.date, **sources) -> Reorganisation:
    """Rename a unit from ``on``; the event keeps the former name. A committee above the unit on
    that day does it.

    The event keeps the name the unit had until ``on`` (``former_name``): figures, lists and
    events of earlier days name the unit by it (``AdministrativeUnit.name_on``). Renamings are
    recorded in date order (one dated before a later one is refused), and the committee renaming
    the unit must also be above it today (a past committee cannot rename it now). A rename
    changes no figure: an approved quarter does not stop it."""
    scope = scope_of(by)
    locks.lock_map(units=[unit])  # the former name is the one the rename before this one gave
    scope.require_reshape(on, unit)
    scope.require_change(unit)
    services.check_day("on", on)
    check_rename(unit, name, on, Reorganisation.objects.filter(
        kind=ReorganisationKind.RENAME, subject=unit, effective_on__gte=on).order_by("-effective_on").first())
    former, former_name = str(unit), unit.name
    services._unit_update(unit=unit, name=name)
    forget_names(unit)
    return _record(ReorganisationKind.RENAME, on, lambda: renamed_text(former, name),
                   subject=unit, before=[unit], after=[unit], former_name=former_name, **sources)


@transaction.atomic
def unit_transfer(*, by, unit: AdministrativeUnit, parent: AdministrativeUnit, on: datetime.date,
                  **sources) -> Reorganisation:
    """Move a unit, with everything under it, to another parent from ``on``: a committee above
    the unit that also holds the new parent, on that day."""
    locks.lock_map(units=[unit, parent, *_parents(unit)])
    scope_of(by).require_reshape(on, unit, parent=parent)
    former = _placement(unit, on).parent
    approval = locks.map_change_lock([_span(former, on, until=unit), _span(parent, on, until=unit)])
    moved = _transfer(unit, parent, on)
    _refuse_if_locked(approval)
    readmodel.map_changed(units=[unit])
    return _record(
        ReorganisationKind.TRANSFER, on, lambda: moved_text(unit, former, parent),
        subject=unit, before=[former] if former else [], after=[parent], villages_moved=moved, **sources,
    )


@transaction.atomic
def unit_split(*, by, unit: AdministrativeUnit, on: datetime.date, parts: list[dict], close_original: bool = False,
               **sources) -> Reorganisation:
    """Split ``unit`` on ``on``: each part is a new unit (``code``, ``name``, ``kind``) taking the
    child ``units`` and the ``villages`` listed for it. The original unit goes on with the rest,
    or is closed (``close_original``) when nothing is left under it. A committee above the unit
    and every unit moved, and an editor of every village moved, on that day."""
    scope = scope_of(by)
    locks.lock_map(units=[unit, *_parents(unit), *(child for part in parts for child in part.get("units", []))],
                   villages=[village for part in parts for village in part.get("villages", [])])
    scope.require_reshape(on, unit)
    _refuse_nation(ReorganisationKind.SPLIT, "unit", unit)
    for part in parts:
        scope.require_reshape(on, *part.get("units", []))
        for village in part.get("villages", []):
            scope.require_village(village, on)
    parent = _placement(unit, on).parent
    approval = locks.map_change_lock([_span(unit, on)])
    created, moved = [], 0
    for part in parts:
        new = services._unit_create(code=part["code"], name=part["name"], kind=part["kind"], level=unit.level,
                                   parent=parent, valid_from=on)
        created.append(new)
        for child in part.get("units", []):
            if _placement(child, on).parent_id != unit.pk:
                raise ValidationError({"units": _("%(child)s is not under %(unit)s on %(day)s.") % {"child": child, "unit": unit, "day": on}})
            moved += _transfer(child, new, on)
        for village in part.get("villages", []):
            if village.placements.active_on(on).filter(unit=unit).count() != 1:
                raise ValidationError({"villages": _("%(village)s is not in %(unit)s on %(day)s.") % {"village": village, "unit": unit, "day": on}})
            _move_village(village, new, on)
            moved += 1
    if close_original:
        _close(unit, on)
    _refuse_if_locked(approval)
    after = created if close_original else [unit, *created]
    readmodel.map_changed(units=[unit, *created])
    return _record(
        ReorganisationKind.SPLIT, on,
        lambda: _("%(unit)s split into %(parts)s") % {"unit": unit, "parts": ", ".join(str(u) for u in after)},
        before=[unit], after=after, villages_moved=moved, **sources,
    )


def check_merge(units: list[AdministrativeUnit], into: AdministrativeUnit | None, new: dict | None) -> None:
    """Whether ``units`` may merge into ``into`` or a ``new`` unit: none of them the nation, one
    of the two, each unit named once, all of one level (``into``'s too)."""
    _refuse_nation(ReorganisationKind.MERGE, "units", *units, into)
    if (into is None) == (new is None):
        raise ValidationError(_("Merge into an existing unit or a new one, not both or neither."))
    if not units:
        raise ValidationError({"units": _("Name the units to merge.")})
    if len(set(units)) != len(units) or (into is not None and set(units) == {into}):
        raise ValidationError({"units": _("Name each unit once, and at least one besides the unit they merge into.")})
    levels = {unit.level for unit in units}
    if len(levels) != 1:
        raise ValidationError({"units": _("Only units of one level merge.")})
    if into is not None and into.level not in levels:
        raise ValidationError({"into": _("Only units of one level merge.")})


@transaction.atomic
def units_merge(*, by, units: list[AdministrativeUnit], on: datetime.date, into: AdministrativeUnit | None = None,
                new: dict | None = None, **sources) -> Reorganisation:
    """Merge ``units`` on ``on`` into an existing unit ``into`` or a ``new`` one (``code``, ``name``,
    ``kind``, optional ``parent``); everything under them moves to it and they are closed. A
    committee above every unit merged (and ``into``), on that day."""
    new_parent = (new or {}).get("parent")
    locks.lock_map(units=[*units, into, new_parent, *_parents(*units)])
    scope_of(by).require_reshape(on, *units, *([into] if into else []))
    check_merge(units, into, new)
    approval = locks.map_change_lock([*(_span(unit, on) for unit in units), _span(into, on), _span(new_parent, on)])
    if into is None:
        parent = new.get("parent") or _placement(units[0], on).parent
        into = services._unit_create(code=new["code"], name=new["name"], kind=new["kind"], level=units[0].level,
                                    parent=parent, valid_from=on)
    moved = 0
    for unit in units:
        if unit == into:
            continue
        _placement(unit, on)
        for child in AdministrativeUnit.objects.children_of(unit, on):
            moved += _transfer(child, into, on)
        for placement in VillagePlacement.objects.active_on(on).filter(unit=unit).select_related("village"):
            _move_village(placement.village, into, on)
            moved += 1
        _close(unit, on)
    _refuse_if_locked(approval)
    readmodel.map_changed(units=[*units, into])
    return _record(
        ReorganisationKind.MERGE, on, lambda: merged_text(units, into),
        before=units, after=[into], villages_moved=moved, **sources,
    )


def check_level_abolish(level: int) -> None:
    """Whether ``level`` may be abolished: neither the nation's nor the provinces'."""
    if level in (Level.NATION, Level.PROVINCE):
        # Note: a province ends by a merger or a split, which says where its communes go.
        raise ValidationError({"level": NATION_STAYS[ReorganisationKind.ABOLISH_LEVEL]() if level == Level.NATION
                               else _("Provinces are not abolished as a level: merge or split them.")})


@transaction.atomic
def level_abolish(*, by, province: AdministrativeUnit, level: int, on: datetime.date, villages_up: bool = False,
                  **sources) -> Reorganisation:
    """Abolish one level under ``province`` on ``on``: the units below each abolished unit move
    up to its parent, and the abolished units are closed.

    A village placed directly in an abolished unit (its commune unknown) has no commune to go
    to: the event is refused, naming it, unless ``villages_up`` places such villages directly in
    the parent unit, which the event's description then says. An editor of the province's area."""

    def of_level():
        return list(AdministrativeUnit.objects.within(province, on).filter(level=level).order_by("code"))

    services.check_day("on", on)
    locks.lock_map(units=[province, *of_level()])
    scope_of(by).require_reshape(on, parent=province)
    check_level_abolish(level)
    _placement(province, on)
    abolished = of_level()
    if not abolished:
        raise ValidationError({"level": _("No unit of that level under %(unit)s on %(day)s.") % {"unit": province, "day": on}})
    stranded = list(VillagePlacement.objects.active_on(on).filter(unit__in=abolished).select_related("village", "unit"))
    if stranded and not villages_up:
        raise ValidationError(
            {"level": _("%(village)s belongs directly to %(unit)s: move it to a commune before abolishing the level.")
             % {"village": stranded[0].village, "unit": stranded[0].unit}}
        )
    approval = locks.map_change_lock([_span(unit, on) for unit in abolished])
    moved = 0
    for unit in abolished:
        parent = _placement(unit, on).parent
        for child in AdministrativeUnit.objects.children_of(unit, on):
            moved += _transfer(child, parent, on)
        for placement in [p for p in stranded if p.unit_id == unit.pk]:
            _move_village(placement.village, parent, on, allow_province=True)
            moved += 1
        _close(unit, on)
    _refuse_if_locked(approval)
    readmodel.map_changed(units=[province])
    return _record(
        ReorganisationKind.ABOLISH_LEVEL, on, lambda: level_abolished_text(level, province, len(stranded)),
        before=abolished, after=[province], villages_moved=moved, **sources,
    )


@transaction.atomic
def village_move(*, by, village: Village, unit: AdministrativeUnit, on: datetime.date) -> None:
    """Place a village in another unit from ``on`` (its reports stay with it): an editor of the
    village and of the unit, on that day."""
    scope = scope_of(by)
    locks.lock_map(units=[unit, *AdministrativeUnit.objects.filter(pk__in=village.placements.values("unit_id"))],
                   villages=[village])
    scope.require_village(village, on)
    scope.require_unit(unit, on)
    services.check_day("on", on)
    former = village.unit_on(on)
    approval = locks.map_change_lock([_span(former, on, until=village), _span(unit, on, until=village)])
    _move_village(village, unit, on)
    _refuse_if_locked(approval)
    readmodel.map_changed(villages=[village.pk])


@transaction.atomic
def lineage_record(*, by, kind: str, on: datetime.date, before: list[AdministrativeUnit],
                   after: list[AdministrativeUnit], description: str, **sources) -> Reorganisation:
    """Record a past change whose units are already on the map with their dates, when the
    placements it changed are not known (e.g. which communes a district gave up in 2012).

    Nothing moves; the event only tells readers the lineage of the units. A superuser records it."""
    if not scope_of(by).everything:
        raise NotPermitted(_("Only a superuser records the lineage of units."))
    for unit in after:
        if unit not in before and unit.valid_from != on:
            raise ValidationError(
                {"after": _("%(unit)s begins on %(start)s, not on %(day)s.") % {"unit": unit, "start": unit.valid_from, "day": on}}
            )
    return _record(kind, on, description, before=before, after=after, **sources)
