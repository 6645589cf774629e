"""A part of the map held in memory, changed there by the rules of ``reorganisations``, then
written in a few statements: how the import of the official units writes tens of thousands of
units, placements and events (``services.official``).

The import reads every row its step can touch (the units it names by code, everything placed
under their provinces, the villages there and the events linking these units), applies the same
changes as the services of ``reorganisations`` and ``records`` would, in the same order, with
the same checks and messages, then writes what changed in bulk, history rows included. Ids are
drawn from each table's sequence in the order those services drew them, including the ids of
placements a later change of the same day deletes, so the rows and their ids are those the
services produce one by one (``tests/test_official_import.py`` compares the two).

Orders follow the database's: unit placements by unit (level, code), village placements by
village (name, id, in the database's collation, read once), children by level and code.

Like the services, a step holds the locks of the provinces it reads from before reading them
(``services.official``) and locks the rows of the units it changes before writing them; and it is
refused (``errors.Locked``) if it would change the figures of an approved quarter
(``spans``, checked by ``locks.map_change_lock`` as the services check theirs).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .. import audit, locks
from ..fields import with_derived
from ..models import (
    AdministrativeUnit,
    Level,
    Reorganisation,
    ReorganisationKind,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from . import reorganisations
from .records import (
    _check_closing_day,
    _check_not_reopened,
    check_day,
    check_parent,
    check_unit_closing,
)

BATCH = 1000  # rows an INSERT writes at once
CHUNK = 5000  # ids an UPDATE or DELETE names at once
UNIT_FIELDS = ("name", "kind", "valid_to")  # what the map's changes change on a unit


class _PathIndex:
    """Row ids by path, to find the rows at or below a path without reading them all."""

    def __init__(self):
        self.rows: dict[str, set[int]] = defaultdict(set)
        self.below: dict[str, set[str]] = defaultdict(set)  # a path -> the paths one step deeper

    def add(self, path: str, row_id: int) -> None:
        self.rows[path].add(row_id)
        while path.count("/") > 2:  # up to the province's path, "/11/"
            parent = path[:path.rstrip("/").rfind("/") + 1]
            if path in self.below[parent]:
                break
            self.below[parent].add(path)
            path = parent

    def discard(self, path: str, row_id: int) -> None:
        self.rows[path].discard(row_id)

    def under(self, path: str):
        """Ids of the rows at ``path`` or below it (``PlacementQuerySet.under``)."""
        pending = [path]
        while pending:
            path = pending.pop()
            yield from self.rows.get(path, ())
            pending.extend(self.below.get(path, ()))


class _Rows:
    """The placements of one model in memory: by id, by what they place (``owner``: the unit or
    village), by what they place it in (``link``: the parent unit, the village's unit), by path."""

    def __init__(self, model, owner: str, link: str):
        self.model, self.owner, self.link = model, owner, link
        self.fields = ("valid_from", "valid_to", "path", owner, link)
        self.by_id: dict[int, UnitPlacement | VillagePlacement] = {}
        self.of_owner: dict[int, set[int]] = defaultdict(set)
        self.of_link: dict[int, set[int]] = defaultdict(set)
        self.paths = _PathIndex()
        self.as_read: dict[int, tuple] = {}
        self.drawn = 0  # ids drawn for new rows, the deleted ones included
        self.deleted: dict[int, tuple] = {}  # rows read and deleted: their values as read

    def values(self, row) -> tuple:
        return tuple(getattr(row, name) for name in self.fields)

    def read(self, row) -> None:
        if row.pk not in self.by_id:
            self.as_read[row.pk] = self.values(row)
            self._index(row)

    def create(self, **values):
        self.drawn += 1
        row = self.model(id=-self.drawn, **values)  # its id once drawn from the table (``write``)
        self._index(row)
        return row

    def copy(self, row, **values):
        kept = {name: getattr(row, name) for name in self.fields}
        return self.create(**{**kept, **values})

    def change(self, row, **values) -> None:
        self._unindex(row)
        for name, value in values.items():
            setattr(row, name, value)
        self._index(row)

    def delete(self, row) -> None:
        self._unindex(row)
        if row.pk > 0:
            self.deleted[row.pk] = self.as_read[row.pk]

    def of(self, owner_id: int) -> list:
        return [self.by_id[pk] for pk in self.of_owner.get(owner_id, ())]

    def linked(self, link_id: int) -> list:
        return [self.by_id[pk] for pk in self.of_link.get(link_id, ())]

    def under(self, path: str) -> list:
        return [self.by_id[pk] for pk in self.paths.under(path)]

    def _index(self, row) -> None:
        self.by_id[row.pk] = row
        self.of_owner[getattr(row, self.owner)].add(row.pk)
        self.of_link[getattr(row, self.link)].add(row.pk)
        self.paths.add(row.path, row.pk)

    def _unindex(self, row) -> None:
        del self.by_id[row.pk]
        self.of_owner[getattr(row, self.owner)].discard(row.pk)
        self.of_link[getattr(row, self.link)].discard(row.pk)
        self.paths.discard(row.path, row.pk)

    def owners_changed(self) -> set[int]:
        """The owners (units, villages) of the rows read that were changed or deleted."""
        changed = {getattr(row, self.owner) for row in self.by_id.values()
                   if row.pk > 0 and self.values(row) != self.as_read[row.pk]}
        return changed | {values[3] for values in self.deleted.values()}

    def write(self, unit_id, unit_fields: tuple[str, ...]) -> set[int]:
        """Delete, update and create what changed (``unit_id`` gives a new unit's id); the owners
        of the rows written."""
        created = sorted((row for row in self.by_id.values() if row.pk < 0), key=lambda row: -row.pk)
        changed = [row for row in self.by_id.values() if row.pk > 0 and self.values(row) != self.as_read[row.pk]]
        ids = reserve_ids(self.model, self.drawn)
        touched = {values[3] for values in self.deleted.values()}
        deleted = list(self.deleted)
        for start in range(0, len(deleted), CHUNK):
            self.model.objects.filter(pk__in=deleted[start:start + CHUNK]).delete()
        for row in (*created, *changed):
            for name in unit_fields:
                setattr(row, name, unit_id(getattr(row, name)))
            touched.add(getattr(row, self.owner))
        for row in created:
            row.pk = ids[-row.pk - 1]
        update_by_change(self.model, changed, self.fields, self.as_read)
        self.model.objects.bulk_create(created, batch_size=BATCH)
        return touched


@dataclass
class _Event:
    """An event of the map: one read (``row`` as read) or recorded here (``row`` not saved yet)."""

    pk: int
    row: Reorganisation
    before: list[int]
    after: list[int]


def update_by_change(model, rows: list, fields: tuple[str, ...], as_read: dict[int, tuple]) -> None:
    """Save ``rows``' changes of ``fields`` since ``as_read``: one UPDATE per distinct change (the
    fields changed and their new values), so that closing thousands of rows on one day is one."""
    # Note: not QuerySet.bulk_update, which writes a CASE per row and field: for the 9,000 units
    # the reform closes it spent 20 s building them.
    groups: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        change = tuple((name, getattr(row, name)) for name, old in zip(fields, as_read[row.pk], strict=True)
                       if getattr(row, name) != old)
        groups[change].append(row.pk)
    for change, ids in groups.items():
        for start in range(0, len(ids), CHUNK):
            model.objects.filter(pk__in=ids[start:start + CHUNK]).update(**with_derived(model, dict(change)))


def reserve_ids(model, count: int) -> list[int]:
    """``count`` new ids of ``model``'s table, in increasing order, drawn as that many inserts
    would draw them (so that ids a deleted row took are not given again)."""
    if not count:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, column, count])
            return sorted(row[0] for row in cursor.fetchall())
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {quoted}")
        last = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            # Note: an AUTOINCREMENT table (as Django makes them) remembers the highest id ever
            # given in sqlite_sequence; the rows written here with explicit ids move it on only to
            # the highest of them, so it is set past the ids of rows deleted before the write.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            last = max(last, found[0] if found else 0)
            if found:
                cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last + count, table])
            else:
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last + count])
    return list(range(last + 1, last + count + 1))


def _unit_order(unit: AdministrativeUnit) -> tuple:
    return (unit.level, unit.code)


class MapInMemory:
    """The units, placements, villages' placements and events an import step reads and changes."""

    def __init__(self):
        self.units: dict[int, AdministrativeUnit] = {}
        self.by_code: dict[str, list[int]] = defaultdict(list)
        self.units_as_read: dict[int, tuple] = {}
        self.units_drawn = 0
        self.unit_rows = _Rows(UnitPlacement, "unit_id", "parent_id")
        self.village_rows = _Rows(VillagePlacement, "village_id", "unit_id")
        self.villages: dict[int, Village] = {}
        self.village_rank: dict[int, int] = {}
        self.events: list[_Event] = []
        self.events_drawn = 0
        # (unit, first day, end) of each unit that loses or gains villages (locks.map_change_lock).
        self.spans: list[tuple] = []

    # ----- reading ------------------------------------------------------------------------

    @classmethod
    def read(cls, codes) -> MapInMemory:
        """The units with one of ``codes`` and the nation, everything placed (ever) in their
        provinces, the villages placed there (with all their placements), and the events linking
        these units."""
        the_map = cls()
        the_map._read_units(AdministrativeUnit.objects.filter(Q(code__in=list(codes)) | Q(level=Level.NATION)))
        # Note: the nation's path, "/", is no province's: the provinces under it are not read.
        roots = {"/" + row.path.split("/")[1] + "/" for row in the_map.unit_rows.by_id.values() if row.path != "/"}
        if roots:  # else nothing of these provinces is placed yet
            the_map._read_provinces(roots)
        the_map._read_events()
        return the_map

    def _read_provinces(self, roots: set[str]) -> None:
        """Everything placed under ``roots`` (the provinces' paths), ever, and the villages placed
        there with all their placements."""
        in_provinces = Q(pk__in=[])
        for root in roots:
            in_provinces |= Q(path__startswith=root)
        self._read_units(AdministrativeUnit.objects.filter(placements__in=UnitPlacement.objects.filter(in_provinces)))
        villages = VillagePlacement.objects.filter(in_provinces | Q(unit_id__in=list(self.units)))
        village_ids = set(villages.values_list("village_id", flat=True))
        for rank, village in enumerate(Village.objects.filter(pk__in=list(village_ids)).order_by(*Village._meta.ordering)):
            self.villages[village.pk] = village
            self.village_rank[village.pk] = rank
        for row in VillagePlacement.objects.filter(village_id__in=list(village_ids)):
            self.village_rows.read(row)
        # The units the rows name but these provinces do not hold (a parent elsewhere, a village
        # moved away): read for their names and places.
        named = {pk for rows in (self.unit_rows, self.village_rows) for row in rows.by_id.values()
                 for pk in (row.unit_id, getattr(row, "parent_id", None)) if pk is not None}
        self._read_units(AdministrativeUnit.objects.filter(pk__in=list(named - set(self.units))))

    def _read_units(self, units) -> None:
        """Read ``units`` (those not read yet) and all their placements."""
        new = {}
        for unit in units:
            if unit.pk not in self.units and unit.pk not in new:
                new[unit.pk] = unit
        for unit in new.values():
            self.units[unit.pk] = unit
            self.by_code[unit.code].append(unit.pk)
            self.units_as_read[unit.pk] = tuple(getattr(unit, name) for name in UNIT_FIELDS)
        for row in UnitPlacement.objects.filter(unit_id__in=list(new)) if new else ():
            self.unit_rows.read(row)

    def _read_events(self) -> None:
        ids = list(self.units)
        found = Reorganisation.objects.filter(
            Q(subject_id__in=ids) | Q(predecessors__in=ids) | Q(successors__in=ids)).distinct().order_by("effective_on", "id")
        events = {event.pk: _Event(event.pk, event, [], []) for event in found}
        for name, side in (("predecessors", "before"), ("successors", "after")):
            through = getattr(Reorganisation, name).through
            for event_id, unit_id in through.objects.filter(reorganisation_id__in=list(events)).values_list(
                    "reorganisation_id", "administrativeunit_id"):
                getattr(events[event_id], side).append(unit_id)
        self.events = list(events.values())

    # ----- looking up ---------------------------------------------------------------------

    def with_code(self, code: str, level: int | None = None) -> list[AdministrativeUnit]:
        """Units with ``code`` (of ``level``), latest first (``UnitQuerySet.with_code``)."""
        units = [self.units[pk] for pk in self.by_code.get(code, ())]
        units = [unit for unit in units if level is None or unit.level == level]
        return sorted(units, key=lambda unit: (unit.valid_from is None, -(unit.valid_from or datetime.date.min).toordinal()))

    def unit_on(self, code: str, level: int, day: datetime.date) -> AdministrativeUnit | None:
        """The unit with ``code`` on ``day``, else the latest."""
        units = self.with_code(code, level)
        return next((unit for unit in units if unit.is_active_on(day)), units[0] if units else None)

    def nation(self) -> AdministrativeUnit:
        """The nation, the parent of every province (``records.nation_ensure`` records it first)."""
        return next(unit for unit in self.units.values() if unit.level == Level.NATION)

    def unit(self, pk: int | None) -> AdministrativeUnit | None:
        return None if pk is None else self.units[pk]

    def row_on(self, unit: AdministrativeUnit, day: datetime.date) -> UnitPlacement | None:
        rows = [row for row in self.unit_rows.of(unit.pk) if row.is_active_on(day)]
        return min(rows, key=lambda row: row.valid_from or datetime.date.min, default=None)

    def placement(self, unit: AdministrativeUnit, on: datetime.date, field: str = "unit") -> UnitPlacement:
        check_day("on", on)
        row = self.row_on(unit, on)
        if row is None:
            raise ValidationError({field: _("%(unit)s is not on the map on %(day)s.") % {"unit": unit, "day": on}})
        return row

    def children_of(self, unit: AdministrativeUnit, day: datetime.date) -> list[AdministrativeUnit]:
        ids = {row.unit_id for row in self.unit_rows.linked(unit.pk) if row.is_active_on(day)}
        return sorted((self.units[pk] for pk in ids if self.units[pk].is_active_on(day)), key=_unit_order)

    def within(self, unit: AdministrativeUnit, day: datetime.date) -> list[AdministrativeUnit]:
        """The units below ``unit`` on the map of ``day`` (``UnitQuerySet.within``)."""
        row = self.row_on(unit, day)
        if row is None:
            return []
        ids = {below.unit_id for below in self.unit_rows.under(row.path) if below.is_active_on(day)} - {unit.pk}
        return sorted((self.units[pk] for pk in ids if self.units[pk].is_active_on(day)), key=_unit_order)

    def has_event(self, kind: str, on: datetime.date | None = None, *, before=None, subject=None, after=None,
                  since: datetime.date | None = None) -> bool:
        """Whether an event of ``kind`` (on ``on``, or since ``since``) has ``before`` among the
        units before it, ``subject`` as its subject, ``after`` among the units after it."""
        return any(self._matches(event, kind, on, before, subject, after, since) for event in self.events)

    @staticmethod
    def _matches(event: _Event, kind, on, before, subject, after, since) -> bool:
        row = event.row
        return ((kind is None or row.kind == kind) and (on is None or row.effective_on == on)
                and (since is None or row.effective_on >= since)
                and (before is None or before.pk in event.before)
                and (subject is None or row.subject_id == subject.pk)
                and (after is None or after.pk in event.after))

    def villages_on(self, unit_ids: set[int], day: datetime.date) -> list[VillagePlacement]:
        """The villages' placements in one of ``unit_ids`` on ``day``, by village."""
        rows = [row for pk in unit_ids for row in self.village_rows.linked(pk) if row.is_active_on(day)]
        return sorted(rows, key=lambda row: self.village_rank[row.village_id])

    def _villages_under(self, path: str, day: datetime.date) -> list[VillagePlacement]:
        rows = [row for row in self.village_rows.under(path) if row.is_active_on(day)]
        return sorted(rows, key=lambda row: self.village_rank[row.village_id])

    def _span(self, unit: AdministrativeUnit, on: datetime.date) -> tuple:
        """``reorganisations._span``: ``unit`` changes from ``on`` while its placement then holds."""
        row = self.row_on(unit, on)
        return (unit, on, row.valid_to) if row is not None else (None, on, None)

    def _describe(self, row) -> str:
        """A placement as its ``__str__`` writes it."""
        if isinstance(row, VillagePlacement):
            return f"{self.villages[row.village_id]} ⊂ {self.units[row.unit_id]}"
        return f"{self.units[row.unit_id]} ⊂ {self.unit(row.parent_id) or '—'}"

    def _segment(self, unit: AdministrativeUnit) -> str:
        """``AdministrativeUnit.path_segment``: the code, and the start day if the code was used before."""
        reused = [other for other in self.with_code(unit.code) if other.pk != unit.pk]
        if unit.valid_from and any(other.valid_from is None or other.valid_from < unit.valid_from for other in reused):
            return f"{unit.code}@{unit.valid_from:%Y%m%d}"
        return unit.code

    # ----- the changes (each as the service named) ----------------------------------------

    def unit_create(self, *, code: str, name: str, kind: str, level: int, parent: AdministrativeUnit | None,
                    valid_from: datetime.date | None = None, source_url: str = "", note: str = "") -> AdministrativeUnit:
        """``records._unit_create``."""
        check_day("valid_from", valid_from)
        unit = AdministrativeUnit(code=code, name=name, kind=kind, level=level, valid_from=valid_from,
                                  source_url=source_url, note=note)
        # Note: full_clean without the database: the code's uniqueness is the check that follows.
        unit.clean_fields()
        unit.clean()
        self._check_code_free(code, valid_from, None)
        check_parent(level, parent)
        if parent is None:
            path = "/"  # the nation's: every path starts with it
        else:
            covering = [row for row in self.unit_rows.of(parent.pk) if row.covers_range(valid_from, None)]
            if not covering:
                raise ValidationError({"parent": [
                    _("%(unit)s is not on the map for the whole of %(range)s: choose dates when it is.")
                    % {"unit": parent, "range": f"[{valid_from or '…'}, …)"}]})
            path = min(covering, key=lambda row: row.valid_from or datetime.date.min).path + f"{self._segment(unit)}/"
        self.units_drawn += 1
        unit.pk = -self.units_drawn  # its id once drawn from the table (``write``)
        self.units[unit.pk] = unit
        self.by_code[code].append(unit.pk)
        self.unit_rows.create(unit_id=unit.pk, parent_id=getattr(parent, "pk", None), path=path, valid_from=valid_from)
        return unit

    def unit_close(self, unit: AdministrativeUnit, valid_to: datetime.date) -> None:
        """``records._unit_update`` with ``valid_to``."""
        if valid_to != unit.valid_to:
            check_unit_closing(unit)
            check_day("valid_to", valid_to)
            _check_not_reopened("valid_to", unit.valid_to, valid_to)
            unit.valid_to = valid_to
            self._check_code_free(unit.code, unit.valid_from, valid_to, exclude=unit.pk)
            row = self.row_on(unit, valid_to)
            villages = {placed.village_id for placed in (self._villages_under(row.path, valid_to) if row else [])
                        if self.villages[placed.village_id].is_active_on(valid_to)}
            if villages:
                raise ValidationError({"valid_to": _("%(count)s villages still belong to this unit on %(day)s: move them first.")
                                       % {"count": len(villages), "day": valid_to}})
            children = self.children_of(unit, valid_to)
            if children:
                raise ValidationError({"valid_to": _("%(count)s units still sit under this unit on %(day)s: close or move them first.")
                                       % {"count": len(children), "day": valid_to}})
            still_open = [row for row in self.unit_rows.of(unit.pk) if row.valid_to is None]
            _check_closing_day("valid_to", valid_to, [unit.valid_from, *(row.valid_from for row in still_open)])
            for row in still_open:
                self.unit_rows.change(row, valid_to=valid_to)
        unit.clean_fields()
        unit.clean()

    def unit_kind_set(self, unit: AdministrativeUnit, kind: str) -> None:
        """``records._unit_update`` with ``kind``."""
        unit.kind = kind
        unit.clean_fields()
        unit.clean()

    def unit_rename(self, unit: AdministrativeUnit, name: str, on: datetime.date, **sources) -> None:
        """``reorganisations.unit_rename``."""
        check_day("on", on)
        renamings = [event.row for event in self.events if event.row.kind == ReorganisationKind.RENAME
                     and event.row.subject_id == unit.pk and event.row.effective_on >= on]
        reorganisations.check_rename(unit, name, on, max(renamings, key=lambda row: row.effective_on, default=None))
        former, former_name = str(unit), unit.name
        unit.name = name
        unit.clean_fields()
        unit.clean()
        self.record(ReorganisationKind.RENAME, on, lambda: reorganisations.renamed_text(former, name),
                    subject=unit, before=[unit], after=[unit], former_name=former_name, **sources)

    def unit_establish(self, *, on: datetime.date, code: str, name: str, kind: str, level: int,
                       parent: AdministrativeUnit | None, **sources) -> AdministrativeUnit:
        """``reorganisations.unit_establish``."""
        unit = self.unit_create(code=code, name=name, kind=kind, level=level, parent=parent, valid_from=on)
        self.record(ReorganisationKind.CREATE, on, lambda: reorganisations.established_text(unit),
                    subject=unit, after=[unit], **sources)
        return unit

    def unit_transfer(self, unit: AdministrativeUnit, parent: AdministrativeUnit, on: datetime.date, **sources) -> None:
        """``reorganisations.unit_transfer``."""
        row = self.placement(unit, on)
        former = self.unit(row.parent_id)
        self.spans += [(former, on, row.valid_to), (parent, on, row.valid_to)]
        moved = self._transfer(unit, parent, on)
        self.record(ReorganisationKind.TRANSFER, on, lambda: reorganisations.moved_text(unit, former, parent),
                    subject=unit, before=[former] if former else [], after=[parent], villages_moved=moved, **sources)

    def units_merge(self, units: list[AdministrativeUnit], on: datetime.date, *, into: AdministrativeUnit | None = None,
                    new: dict | None = None, **sources) -> AdministrativeUnit:
        """``reorganisations.units_merge``; the unit they merged into."""
        reorganisations.check_merge(units, into, new)
        self.spans += [self._span(unit, on) for unit in [*units, into, (new or {}).get("parent")] if unit is not None]
        if into is None:
            parent = new.get("parent") or self.unit(self.placement(units[0], on).parent_id)
            into = self.unit_create(code=new["code"], name=new["name"], kind=new["kind"], level=units[0].level,
                                    parent=parent, valid_from=on)
        moved = 0
        for unit in units:
            if unit.pk == into.pk:
                continue
            self.placement(unit, on)
            for child in self.children_of(unit, on):
                moved += self._transfer(child, into, on)
            for village_id in [row.village_id for row in self.villages_on({unit.pk}, on)]:
                self._move_village(village_id, into, on)
                moved += 1
            self._close(unit, on)
        self.record(ReorganisationKind.MERGE, on, lambda: reorganisations.merged_text(units, into),
                    before=units, after=[into], villages_moved=moved, **sources)
        return into

    def level_abolish(self, province: AdministrativeUnit, level: int, on: datetime.date, villages_up: bool = False,
                      **sources) -> None:
        """``reorganisations.level_abolish``."""
        reorganisations.check_level_abolish(level)
        self.placement(province, on)
        abolished = sorted((unit for unit in self.within(province, on) if unit.level == level), key=lambda unit: unit.code)
        if not abolished:
            raise ValidationError({"level": _("No unit of that level under %(unit)s on %(day)s.") % {"unit": province, "day": on}})
        self.spans += [self._span(unit, on) for unit in abolished]
        stranded = [(row.village_id, row.unit_id) for row in self.villages_on({unit.pk for unit in abolished}, on)]
        if stranded and not villages_up:
            village_id, unit_id = stranded[0]
            raise ValidationError(
                {"level": _("%(village)s belongs directly to %(unit)s: move it to a commune before abolishing the level.")
                 % {"village": self.villages[village_id], "unit": self.units[unit_id]}}
            )
        moved = 0
        for unit in abolished:
            parent = self.unit(self.placement(unit, on).parent_id)
            for child in self.children_of(unit, on):
                moved += self._transfer(child, parent, on)
            for village_id in [village_id for village_id, unit_id in stranded if unit_id == unit.pk]:
                self._move_village(village_id, parent, on, allow_province=True)
                moved += 1
            self._close(unit, on)
        self.record(ReorganisationKind.ABOLISH_LEVEL, on,
                    lambda: reorganisations.level_abolished_text(level, province, len(stranded)),
                    before=abolished, after=[province], villages_moved=moved, **sources)

    def lineage_record(self, *, kind: str, on: datetime.date, before: list[AdministrativeUnit],
                       after: list[AdministrativeUnit], description: str, **sources) -> None:
        """``reorganisations.lineage_record``."""
        for unit in after:
            if unit not in before and unit.valid_from != on:
                raise ValidationError(
                    {"after": _("%(unit)s begins on %(start)s, not on %(day)s.") % {"unit": unit, "start": unit.valid_from, "day": on}}
                )
        self.record(kind, on, description, before=before, after=after, **sources)

    def record(self, kind: str, on: datetime.date, description, *, subject=None, before=(), after=(),
               villages_moved: int = 0, **sources) -> None:
        """``reorganisations._record``."""
        row = reorganisations.event_row(kind, on, description, subject_id=getattr(subject, "pk", None),
                                        villages_moved=villages_moved, **sources)
        self.events_drawn += 1
        self.events.append(_Event(-self.events_drawn, row, [unit.pk for unit in before], [unit.pk for unit in after]))

    # ----- the steps the changes share (reorganisations' private functions) ---------------

    def _check_code_free(self, code: str, start, end, exclude: int | None = None) -> None:
        clashes = [unit for unit in self.with_code(code) if unit.pk != exclude
                   and (end is None or unit.valid_from is None or unit.valid_from < end)
                   and (start is None or unit.valid_to is None or unit.valid_to > start)]
        if clashes:
            raise ValidationError(
                {"code": _("Another unit has code %(code)s during these dates: %(unit)s.") % {"code": code, "unit": clashes[0]}}
            )

    def _check_date_order(self, rows: _Rows, row, on: datetime.date) -> None:
        later = [other for other in rows.of(getattr(row, rows.owner)) if other.valid_from and other.valid_from > on]
        if later:
            first = min(later, key=lambda other: other.valid_from)
            raise ValidationError(
                _("%(row)s already changes on %(later)s, after %(day)s: record changes in date order.")
                % {"row": self._describe(first), "later": first.valid_from, "day": on}
            )

    def _reopen(self, rows: _Rows, placed: list, on: datetime.date, **changes) -> None:
        for row in placed:
            self._check_date_order(rows, row, on)
            values = {name: (value(row) if callable(value) else value) for name, value in changes.items()}
            if row.valid_from == on:
                rows.change(row, **values)
                continue
            end = row.valid_to
            rows.change(row, valid_to=on)
            rows.copy(row, valid_from=on, valid_to=end, **values)

    def _repath(self, old_path: str, new_path: str, on: datetime.date) -> int:
        for rows in (self.unit_rows, self.village_rows):
            later = [row for row in rows.under(old_path) if row.valid_from and row.valid_from > on]
            if later:
                first = min(later, key=lambda row: row.valid_from)
                raise ValidationError(
                    _("%(row)s already changes on %(later)s, after %(day)s: record changes in date order.")
                    % {"row": self._describe(first), "later": first.valid_from, "day": on}
                )
        units = sorted((row for row in self.unit_rows.under(old_path) if row.is_active_on(on)),
                       key=lambda row: _unit_order(self.units[row.unit_id]))
        villages = self._villages_under(old_path, on)
        renamed = lambda row: new_path + row.path[len(old_path):]
        self._reopen(self.unit_rows, units, on, path=renamed)
        self._reopen(self.village_rows, villages, on, path=renamed)
        return len(villages)

    def _transfer(self, unit: AdministrativeUnit, parent: AdministrativeUnit, on: datetime.date) -> int:
        row = self.placement(unit, on)
        parent_row = self.placement(parent, on, field="parent")
        parent_path = parent_row.path
        reorganisations.check_transfer(unit, row, parent, parent_path, on)
        reorganisations.check_place_holds(parent_row, row, on, describe=self._describe)
        moved = self._repath(row.path, parent_path + f"{self._segment(unit)}/", on)
        for started in [row for row in self.unit_rows.of(unit.pk) if row.valid_from == on]:
            self.unit_rows.change(started, parent_id=parent.pk)
        return moved

    def _move_village(self, village_id: int, unit: AdministrativeUnit, on: datetime.date, allow_province: bool = False) -> None:
        placed = [row for row in self.village_rows.of(village_id) if row.is_active_on(on)]
        if not placed:
            raise ValidationError({"villages": _("%(village)s is not on the map on %(day)s.")
                                   % {"village": self.villages[village_id], "day": on}})
        reorganisations.check_village_destination(unit, allow_province)
        place = self.placement(unit, on)
        row = min(placed, key=lambda row: row.valid_from or datetime.date.min)
        reorganisations.check_place_holds(place, row, on, describe=self._describe)
        self._reopen(self.village_rows, [row], on, unit_id=unit.pk, path=place.path)

    def _close(self, unit: AdministrativeUnit, on: datetime.date) -> None:
        path = self.placement(unit, on).path
        left = self._villages_under(path, on)
        if left:
            raise ValidationError(
                _("%(unit)s still has %(n)s villages on %(day)s (e.g. %(village)s): say where they go.")
                % {"unit": unit, "n": len(left), "day": on, "village": self.villages[left[0].village_id]}
            )
        children = sorted((row for row in self.unit_rows.under(path) if row.is_active_on(on) and row.unit_id != unit.pk),
                          key=lambda row: _unit_order(self.units[row.unit_id]))
        if children:
            raise ValidationError(
                _("%(unit)s still has %(n)s units under it on %(day)s (e.g. %(child)s): say where they go.")
                % {"unit": unit, "n": len(children), "day": on, "child": self.units[children[0].unit_id]}
            )
        if unit.valid_from is not None and unit.valid_from >= on:
            raise ValidationError(_("%(unit)s begins on %(start)s, not before %(day)s.") % {"unit": unit, "start": unit.valid_from, "day": on})
        for row in [row for row in self.unit_rows.of(unit.pk) if row.valid_to is None]:
            self._check_date_order(self.unit_rows, row, on)
        for row in [row for row in self.unit_rows.of(unit.pk) if row.valid_from == on]:
            self.unit_rows.delete(row)
        for row in [row for row in self.unit_rows.of(unit.pk) if row.valid_to is None]:
            self.unit_rows.change(row, valid_to=on)
        unit.valid_to = on

    # ----- writing ------------------------------------------------------------------------

    def write(self, *, by) -> set[int]:
        """Write every change in bulk: units and their history rows (who: ``by``; through which
        path: the current one), placements, events and the units they link. Returns the ids of
        the villages whose placements changed."""
        # Refused if it changes an approved quarter: read on the map before the step (the
        # database's, not written yet); the units it creates have no approval.
        locks.require_map_unlocked([(unit, first, end) for unit, first, end in self.spans
                                    if unit is not None and unit.pk > 0])
        changed_ids = {unit.pk for unit in self.units.values() if unit.pk > 0
                       and tuple(getattr(unit, name) for name in UNIT_FIELDS) != self.units_as_read[unit.pk]}
        changed_ids |= self.unit_rows.owners_changed()
        if changed_ids:
            # Their provinces are held since the step read them (``services.official._step``).
            list(AdministrativeUnit.objects.select_for_update().filter(pk__any=sorted(changed_ids))
                 .order_by("pk").values_list("pk", flat=True))
        history = {"default_user": by if getattr(by, "pk", None) is not None else None,
                   "custom_historical_attrs": {"history_path": audit.current_path()}}
        ids = reserve_ids(AdministrativeUnit, self.units_drawn)
        created = sorted((unit for unit in self.units.values() if unit.pk < 0), key=lambda unit: -unit.pk)
        real = {unit.pk: ids[-unit.pk - 1] for unit in created}

        def unit_id(pk: int | None) -> int | None:
            return real.get(pk, pk)

        changed = [unit for unit in self.units.values() if unit.pk > 0
                   and tuple(getattr(unit, name) for name in UNIT_FIELDS) != self.units_as_read[unit.pk]]
        for unit in created:
            unit.pk = real[unit.pk]
        if created:
            bulk_create_with_history(created, AdministrativeUnit, batch_size=BATCH, **history)
        if changed:
            update_by_change(AdministrativeUnit, changed, UNIT_FIELDS, self.units_as_read)
            # With no fields, bulk_update_with_history writes only the history rows.
            bulk_update_with_history(changed, AdministrativeUnit, [], batch_size=BATCH, **history)
        self.unit_rows.write(unit_id, ("unit_id", "parent_id"))
        moved = self.village_rows.write(unit_id, ("unit_id",))
        self._write_events(unit_id)
        return moved

    def _write_events(self, unit_id) -> None:
        recorded = [event for event in self.events if event.pk < 0]
        ids = reserve_ids(Reorganisation, self.events_drawn)
        for event in recorded:
            event.row.pk = ids[-event.pk - 1]
            event.row.subject_id = unit_id(event.row.subject_id)
        Reorganisation.objects.bulk_create([event.row for event in recorded], batch_size=BATCH)
        for name, side in (("predecessors", "before"), ("successors", "after")):
            through = getattr(Reorganisation, name).through
            through.objects.bulk_create([
                through(reorganisation_id=event.row.pk, administrativeunit_id=unit_id(pk))
                for event in recorded for pk in dict.fromkeys(getattr(event, side))
            ], batch_size=BATCH)
