"""The import of Vietnam's official administrative units (``tracking.official_units``) with their
earlier changes (``tracking/data/history-<province>.json``) and the 2025 reform.

Each step (a province's map of 2025-06-30 with its history; then the reform of one province of
2025-07-01 and the provinces that formed it) is one transaction, all or nothing. A step reads
the part of the map it touches, computes its changes in memory by the rules of the
reorganisation services (``map_in_memory``), then writes them in bulk: the whole country in
under 20 s, where the same changes made one at a time took 4 minutes on SQLite and 11 on
PostgreSQL. A second run finds everything there and changes nothing.
"""
from __future__ import annotations

import contextlib
import datetime
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import locks, official_units, readmodel
from ..access import scope_of
from ..errors import Locked, NotFound, NotPermitted
from ..models import AdministrativeUnit, Level, ReorganisationKind, UnitPlacement
from .map_in_memory import MapInMemory
from .records import nation_ensure

REFORM_DAY = datetime.date(2025, 7, 1)
LAST_DAY = REFORM_DAY - datetime.timedelta(days=1)  # the day of the official list before the reform
LEVELS = {"province": Level.PROVINCE, "district": Level.DISTRICT, "commune": Level.COMMUNE}
BEFORE_SOURCE = "https://pypi.org/project/vietnam-provinces/0.6.0/"
AFTER_SOURCE = "https://pypi.org/project/vietnam-provinces/2025.10.1/"
REFORM_SOURCES = {
    "source_url": "https://pypi.org/project/vietnamadminunits/1.0.4/",
    "note": "The 2025 reform: districts abolished, provinces and communes merged (old→new mapping of vietnamadminunits 1.0.4).",
}

# ``progress(description, total)``: a context manager whose ``update(n)`` a step calls as it
# goes (the commands pass their progress bar or lines: tracking/management/commands/_progress.py).
Progress = Callable[[str, int], contextlib.AbstractContextManager]


@dataclass
class ImportResult:
    """What an import did: ``counts`` (created, unchanged, differs, events, events_unchanged,
    closed), ``notes`` for the operator, and the units ``differing`` from the official list."""

    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)


def import_official_units(*, by, province: str | None = None, reform: bool = True,
                          progress: Progress | None = None) -> ImportResult:
    """Import the official units of ``province`` (its code, e.g. "11"; default: every province)
    as they stood on 2025-06-30 with their recorded history, then (``reform``) the 2025 reform
    as reorganisation events. Units already there are kept as they are. Superusers only: the
    official lists add, change and close provinces."""
    if not scope_of(by).everything:
        raise NotPermitted(_("%(user)s is not a superuser: only a superuser imports the official units.")
                           % {"user": by.get_username()})
    result = ImportResult()
    progress = progress or _no_progress
    new_of_old = {link.old_province_code: link.new_province_codes[0] for link in official_units.reform_mapping()}
    olds = _provinces(province, new_of_old, result)
    # The root the provinces sit under: recorded on the first import (the fixtures bring it).
    if not AdministrativeUnit.objects.nation().exists():
        result.notes.append(_("Recording the nation, the root of the map."))
    nation_ensure(by=by)
    for code in olds:
        units = official_units.units_before_reform(code)
        with progress(_("province %(code)s: units of 2025-06-30") % {"code": code}, len(units)) as bar:
            _step(code, by, _codes_before(code), _province, code, result, bar)
    if reform:
        for new in sorted({new_of_old[old] for old in olds}):
            group = [old for old in olds if new_of_old[old] == new]
            communes = [record for record in official_units.units_after_reform(new) if record.level == "commune"]
            with progress(_("province %(code)s: communes of 2025-07-01") % {"code": new}, len(communes)) as bar:
                _step(new, by, _codes_reform(new, group), _reform, new, group, communes, result, bar)
    return result


class _NoProgress:
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exception) -> None:
        return None

    def update(self, n: int = 1) -> None:
        pass


def _no_progress(description: str, total: int) -> _NoProgress:
    return _NoProgress()


def _provinces(province: str | None, new_of_old: dict[str, str], result: ImportResult) -> list[str]:
    """The old provinces to import: all, or ``province`` with those merged with it in 2025 (the
    reform moves communes between them)."""
    if province is None:
        return sorted(new_of_old)
    if not province.isdigit():
        raise ValidationError({"province": _("%(code)r is not a province code: write its official code, e.g. 11.")
                               % {"code": province}})
    code = official_units.province_key(province)
    if code not in new_of_old:
        raise NotFound(_("No province has the code %(code)r in the official list.") % {"code": province})
    olds = sorted(old for old, new in new_of_old.items() if new == new_of_old[code])
    if len(olds) > 1:
        result.notes.append(_("Province %(code)s was merged with %(others)s in 2025: importing them together.")
                            % {"code": code, "others": ", ".join(old for old in olds if old != code)})
    return olds


def _step(code: str, by, codes: set[str], work: Callable[..., None], *args) -> None:
    """One step, all or nothing: read the map of ``codes``, ``work(the_map, *args)`` on it, write it."""
    try:
        with transaction.atomic():
            # The provinces it reads from, before reading them, as every change of the map.
            locks.lock_provinces_of(lambda: UnitPlacement.objects.filter(unit__code__in=list(codes)).values_list(
                "path", flat=True))
            the_map = MapInMemory.read(codes)
            work(the_map, *args)
            moved = the_map.write(by=by)
            # The figures of the villages the step moved, kept in its transaction (and today's
            # map, which a dated change may alter later).
            readmodel.refresh(moved, map_changed=True)
    except ValidationError as error:
        raise ValidationError(_("Province %(code)s: %(errors)s (nothing of this step imported)")
                              % {"code": code, "errors": " ".join(error.messages)}) from error
    except Locked as error:
        raise Locked(_("Province %(code)s: %(errors)s (nothing of this step imported)")
                     % {"code": code, "errors": error.message}, approval=error.approval) from error


def _history(province: str) -> dict:
    path = official_units.DATA_DIR / f"history-{province}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"transfers": []}


def _sources(entry: dict) -> dict:
    return {name: entry.get(name, "") for name in ("source_url", "source_location", "note")}


def _codes_before(code: str) -> set[str]:
    """The codes a province's step names: its units of 2025-06-30 and those of its history."""
    history = _history(code)
    codes = {record.code for record in official_units.units_before_reform(code)}
    codes |= {extra["code"] for extra in history.get("extra_units", [])}
    for split in history.get("splits", []):
        codes |= {split["unit"], *split["into"]}
    for merge in history.get("merges", []):
        codes |= {*merge["units"], merge["into"]}
    for transfer in history["transfers"]:
        codes |= {transfer["unit"], transfer["to"]}
    return codes


def _codes_reform(new: str, group: list[str]) -> set[str]:
    """The codes the reform of province ``new`` names: the old provinces and their communes, the
    new province and its communes."""
    codes = {new, *group}
    codes |= {link.old_code for old in group for link in official_units.reform_mapping(old)}
    codes |= {record.code for record in official_units.units_after_reform(new)}
    return codes


# ----- a province on 2025-06-30 ---------------------------------------------------------------


def _province(the_map: MapInMemory, code: str, result: ImportResult, bar) -> None:
    history = _history(code)
    first_parent = {transfer["unit"]: transfer["from"] for transfer in history["transfers"]}
    starts = {unit: datetime.date.fromisoformat(day) for unit, day in history.get("starts", {}).items()}
    by_code: dict[str, AdministrativeUnit] = {}
    for record in official_units.units_before_reform(code):
        parent_code = first_parent.get(record.code, record.parent_code)
        parent = by_code.get(parent_code) if parent_code else the_map.nation()
        by_code[record.code] = _ensure(the_map, record, parent, result, starts.get(record.code))
        bar.update(1)
    for extra in history.get("extra_units", []):
        # Units of earlier years that the 2025-06-30 list no longer has (Tà Lèng, until 2020).
        record = official_units.AdminUnit(code=extra["code"], name=extra["name"], kind=extra["kind"], level=extra["level"],
                                          parent_code=extra["parent"], full_name=extra["full_name"], province_code=code)
        _ensure(the_map, record, by_code[extra["parent"]], result, note=extra["note"])
    counts = result.counts
    for split in history.get("splits", []):
        unit, on = the_map.unit_on(split["unit"], Level.DISTRICT, LAST_DAY), datetime.date.fromisoformat(split["on"])
        after = [the_map.with_code(code)[0] for code in split["into"]]
        if _new_event(the_map, counts, ReorganisationKind.SPLIT, on, before=unit):
            the_map.lineage_record(kind=ReorganisationKind.SPLIT, on=on, before=[unit], after=after,
                                   description=split["description"], **_sources(split))
    for merge in history.get("merges", []):
        units = [the_map.unit_on(code, Level.COMMUNE, LAST_DAY) for code in merge["units"]]
        on = datetime.date.fromisoformat(merge["on"])
        if _new_event(the_map, counts, ReorganisationKind.MERGE, on, before=units[0]):
            the_map.units_merge(units, on, into=the_map.unit_on(merge["into"], Level.COMMUNE, LAST_DAY), **_sources(merge))
    for transfer in history["transfers"]:
        unit, on = the_map.with_code(transfer["unit"])[0], datetime.date.fromisoformat(transfer["on"])
        if _new_event(the_map, counts, ReorganisationKind.TRANSFER, on, subject=unit):
            the_map.unit_transfer(unit, the_map.with_code(transfer["to"])[0], on, **_sources(transfer))


def _new_event(the_map: MapInMemory, counts: Counter, kind: str, on: datetime.date, **linking) -> bool:
    """Whether to record an event of the history: not when one of that kind and day already says it."""
    if the_map.has_event(kind, on, **linking):
        counts["events_unchanged"] += 1
        return False
    counts["events"] += 1
    return True


def _ensure(the_map: MapInMemory, record, parent: AdministrativeUnit | None, result: ImportResult,
            start: datetime.date | None = None, note: str = "") -> AdministrativeUnit:
    """The unit of ``record``: the one already there (left as it is), or a new one."""
    existing = the_map.unit_on(record.code, LEVELS[record.level], LAST_DAY)
    if existing is not None:
        # Note: the name and kind of a unit the 2025 reform kept (under its code) are those it
        # took then; only its place on 2025-06-30 can be compared.
        reformed = (the_map.has_event(None, since=REFORM_DAY, subject=existing)
                    or the_map.has_event(None, since=REFORM_DAY, after=existing))
        differs = not reformed and (existing.name != record.name or existing.kind != record.kind)
        rows = the_map.unit_rows.of(existing.pk)
        placed = the_map.row_on(existing, LAST_DAY) or min(rows, key=lambda row: row.valid_from or datetime.date.min, default=None)
        moved_later = any(row.parent_id == getattr(parent, "pk", None) for row in rows)
        if parent is not None and placed is not None and placed.parent_id != parent.pk and not moved_later:
            differs = True
        result.counts["differs" if differs else "unchanged"] += 1
        if differs:
            result.differing.append(_("Kept as it is, differs from the official list: %(unit)s (%(official)s)")
                                    % {"unit": existing, "official": record.full_name})
        return existing
    # Note: a unit under a parent that began later (Nậm Pồ's communes, 2012) begins with it:
    # where it sat before is not in the official list.
    start = start or (parent.valid_from if parent is not None else None)
    result.counts["created"] += 1
    return the_map.unit_create(
        code=record.code, name=record.name, kind=record.kind, level=LEVELS[record.level], parent=parent,
        valid_from=start, source_url="" if note else BEFORE_SOURCE,
        note=note or f"Official list of 2025-06-30 ({record.full_name})."
        + (f" Where it sat before {start} is not recorded." if start else ""),
    )


# ----- the 2025 reform ------------------------------------------------------------------------


def _reform(the_map: MapInMemory, new_code: str, old_codes: list[str], communes: list, result: ImportResult, bar) -> None:
    """The reform for one province of 2025-07-01 and the provinces of 2025-06-30 that formed it."""
    counts = result.counts
    olds = [the_map.unit_on(code, Level.PROVINCE, LAST_DAY) for code in old_codes]
    if the_map.has_event(ReorganisationKind.ABOLISH_LEVEL, REFORM_DAY, after=olds[0]):
        counts["events_unchanged"] += 1
        bar.update(len(communes))
        return
    links = [link for code in old_codes for link in official_units.reform_mapping(code)]
    mapped = {link.old_code for link in links}
    for province in olds:
        # Note: a commune the mapping does not know (merged earlier in 2025) has no successor:
        # it ends with its district, before the districts go.
        for commune in the_map.within(province, REFORM_DAY):
            if commune.level == Level.COMMUNE and commune.code not in mapped:
                the_map.unit_close(commune, REFORM_DAY)
                counts["closed"] += 1
        the_map.level_abolish(province, Level.DISTRICT, REFORM_DAY, villages_up=True, **REFORM_SOURCES)
        counts["events"] += 1
    record = next(unit for unit in official_units.units_after_reform(new_code) if unit.level == "province")
    province = _successor(the_map, olds, record, the_map.nation(), counts)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for link in links:
        if link.divided:
            # Note: a divided commune's villages would have to be sent one by one; the
            # official mapping gives only its default successor.
            divided = the_map.with_code(link.old_code)[0]
            if the_map.village_rows.linked(divided.pk):
                raise ValidationError(_("Commune %(code)s was divided in 2025: place its villages first.") % {"code": link.old_code})
        predecessors[link.default_new_code or link.new_codes[0]].append(link.old_code)
    pending = communes
    while pending:
        deferred = []
        for record in pending:
            olds = [the_map.unit_on(old, Level.COMMUNE, LAST_DAY) for old in sorted(predecessors[record.code])]
            olds = [unit for unit in olds if the_map.row_on(unit, REFORM_DAY) is not None]
            # A new commune may take the code of an old one that goes elsewhere: wait until that
            # one is merged away.
            holder = the_map.unit_on(record.code, Level.COMMUNE, LAST_DAY)
            if holder is not None and holder.valid_to is None and holder not in olds:
                deferred.append(record)
                continue
            _successor(the_map, olds, record, province, counts)
            bar.update(1)
        if len(deferred) == len(pending):
            # Codes passed round in a circle (A's code to B's successor, B's to A's): end the
            # holders' validity first, so each code is free on the day; their merges follow.
            for record in deferred:
                the_map.unit_on(record.code, Level.COMMUNE, LAST_DAY).valid_to = REFORM_DAY
        pending = deferred


def _successor(the_map: MapInMemory, olds: list[AdministrativeUnit], record, parent, counts: Counter) -> AdministrativeUnit:
    """The unit of 2025-07-01 for ``record``: one of ``olds`` keeping its code (the others merged
    into it, its name and kind updated), or a new unit they merge into."""
    level = LEVELS[record.level]
    keeps_code = next((unit for unit in olds if unit.code == record.code), None)
    if keeps_code is not None:
        if len(olds) > 1:
            the_map.units_merge(olds, REFORM_DAY, into=keeps_code, **REFORM_SOURCES)
            counts["events"] += 1
        if keeps_code.kind != record.kind:
            the_map.unit_kind_set(keeps_code, record.kind)
        if keeps_code.name != record.name:
            the_map.unit_rename(keeps_code, record.name, REFORM_DAY, **REFORM_SOURCES)
            counts["events"] += 1
        return keeps_code
    counts["events"] += 1
    if olds:
        return the_map.units_merge(olds, REFORM_DAY, new={
            "code": record.code, "name": record.name, "kind": record.kind, "parent": parent,
        }, **REFORM_SOURCES)
    return the_map.unit_establish(on=REFORM_DAY, code=record.code, name=record.name, kind=record.kind,
                                  level=level, parent=parent, source_url=AFTER_SOURCE)
