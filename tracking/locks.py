"""The lock of approved quarters, and where a quarter stands.

While a unit's quarter is approved, the reports of every village placed under the unit *on the
quarter's last day* cannot be created, changed or deleted: the approval of a commune locks its
villages, the approval of a district the villages of all its communes, the nation's every village.
The map of that day decides, so a village moved to another commune later stays locked by the
approval of the unit it was under then. The services refuse every write of a locked report
(``require_unlocked``), whichever path it comes from, superusers included: they reopen first.

A change of the map dated D is refused the same way when it would change an approved quarter's
figures (``map_change_lock``): every quarter whose last day is on or after D, while the changed
placement held, for the units that lose or gain villages and every unit above them.

Writers take turns: every write of reports, step of a quarter and change of the map first locks
the provinces it touches, in the order of their paths (``lock_province``, ``lock_map``), and only
then the rows of units or villages, so that their waits cannot form a cycle.

Reads: the state of many villages, reports or units is computed in a fixed number of queries
(``standings_for_reports``, ``locks_for``, ``standings_of_paths``).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Conflict, Locked, NotFound
from .models import (
    AdministrativeUnit,
    ApprovalState,
    CellCoverage,
    Level,
    QuarterApproval,
    QuarterReport,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from .periods import Period


def quarter_locked(approval: QuarterApproval, entries=()) -> Locked:
    """The refusal of a write to the reports that ``approval`` locks (``entries``: each entry of
    a request naming several villages that is locked, as ``(path, message)``)."""
    return Locked(locked_message(approval), approval=approval, entries=entries)


def unit_quarter(unit: AdministrativeUnit, quarter: Period) -> str:
    """"2019Q4 of xã Thanh Luông (03328)": the unit as it was called in that quarter."""
    return _("%(quarter)s of %(unit)s") % {"quarter": quarter, "unit": unit.label_on(quarter.end)}


def _approval_words(approval: QuarterApproval) -> dict:
    """What a refusal says of ``approval``: which unit's quarter, who approved it and on which day."""
    return {
        "what": unit_quarter(approval.unit, approval.quarter),
        "user": approval.approved_by.get_username() if approval.approved_by else "",
        "day": timezone.localdate(approval.approved_at).isoformat() if approval.approved_at else "",
    }


def locked_message(approval: QuarterApproval) -> str:
    """Who approved which unit's quarter, when, and what must happen before its reports change."""
    values = _approval_words(approval)
    if approval.approved_by:
        return _(
            "%(what)s was approved by %(user)s on %(day)s: an approver of a unit above must reopen it "
            "before its reports change."
        ) % values
    return _(
        "%(what)s was approved on %(day)s: an approver of a unit above must reopen it before its reports change."
    ) % values


def as_quarter(quarter: Period | str) -> Period:
    return QuarterApproval._meta.get_field("quarter").to_python(quarter)


def lock_province(path: str | None) -> None:
    """Lock, until the transaction ends, the province at the top of ``path`` (a placement path;
    the nation's, ``/``, is at the top of every province).

    Every write of reports and every transition of a quarter takes this lock first (one query),
    so a write and an approval in the same province never overlap: a write that found its
    quarter open commits before an approval can be made, and a write after an approval sees it.
    The province is always the first lock taken, so these waits cannot form a cycle.
    Note: SQLite takes its database write lock at the start of each write transaction instead
    (IMMEDIATE, see the settings); ``select_for_update`` is a no-op there.
    """
    if not path:
        return
    if path == "/":
        # The nation's quarter, whose approval locks every village: every province, in the order
        # of their paths as an import of several provinces takes them (one query each).
        paths = UnitPlacement.objects.filter(unit__level=Level.PROVINCE).values_list("path", flat=True).distinct()
        for province in sorted(paths):
            lock_province(province)
        return
    top = f"/{path.strip('/').split('/')[0]}/"
    provinces = UnitPlacement.objects.filter(path=top).values("unit_id")
    list(AdministrativeUnit.objects.select_for_update().filter(pk__in=provinces).values_list("pk", flat=True))


def province_paths(paths) -> list[str]:
    """The paths of the provinces at the top of ``paths``, in order (the nation's, ``/``, names none)."""
    return sorted({f"/{path.strip('/').split('/')[0]}/" for path in paths if path and path != "/"})


def lock_provinces_of(read_paths) -> None:
    """Lock the provinces at the top of the placement paths ``read_paths()`` gives, in the order of
    their paths, then read the paths again under the lock: a province that a change committed
    while this one waited added (a unit moved to another province) is locked too, if it comes
    after those held (the order every writer takes them in); else ``errors.Conflict``, nothing
    changed yet, to be sent again."""
    held: list[str] = []
    while True:
        wanted = [path for path in province_paths(read_paths()) if path not in held]
        if not wanted:
            return
        if held and wanted[0] < held[-1]:
            raise Conflict(_("Another change of the map moved these units to another province while this change "
                             "waited for it: send it again."))
        for path in wanted:
            lock_province(path)
        held = sorted([*held, *wanted])


def lock_map(*, units=(), villages=()) -> None:
    """Lock, until the transaction ends, what a change of the map changes: the provinces where
    ``units`` and ``villages`` are placed at any date (``lock_provinces_of``), then their rows, by
    id. Each object given is read again under the lock (name, dates; cached relations dropped),
    so a change that waited for another one applies to the map as that one left it.

    Note: SQLite runs one write transaction at a time (see ``lock_province``): there the locks
    are no-ops and the objects are read again all the same."""
    units = [unit for unit in units if unit is not None and unit.pk is not None]
    villages = [village for village in villages if village is not None and village.pk is not None]
    unit_ids = sorted({unit.pk for unit in units})
    village_ids = sorted({village.pk for village in villages})

    def paths() -> list[str]:
        found = list(UnitPlacement.objects.filter(unit_id__in=unit_ids).values_list("path", flat=True)) if unit_ids else []
        if village_ids:
            found += VillagePlacement.objects.filter(village_id__in=village_ids).values_list("path", flat=True)
        return found

    lock_provinces_of(paths)
    for model, objects, ids in ((AdministrativeUnit, units, unit_ids), (Village, villages, village_ids)):
        if not ids:
            continue
        fresh = {row.pk: row for row in model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk")}
        for obj in objects:
            if obj.pk not in fresh:
                raise NotFound(_("%(what)s “%(record)s” no longer exists: it was deleted.")
                               % {"what": model._meta.verbose_name, "record": obj})
            for field in model._meta.concrete_fields:
                setattr(obj, field.attname, getattr(fresh[obj.pk], field.attname))
            obj._state.fields_cache.clear()
            obj.__dict__.pop("_prefetched_objects_cache", None)


def map_change_lock(spans) -> QuarterApproval | None:
    """The approval a change of the map would go against, or None.

    ``spans``: ``(unit, first, end)`` for each unit that loses or gains villages with the change,
    from the day ``first`` (None: since the records begin) until ``end`` (excluded; None: open),
    on the map before the change. The figures of every quarter whose last day falls in
    [first, end) change for that unit and every unit above it on that day's map: the approval of
    any of them for such a quarter refuses the change (the earliest quarter is named). Call it
    under ``lock_map``'s locks, before changing the map. Three queries at most."""
    spans = list({(unit.pk, first, end): (unit, first, end) for unit, first, end in spans
                  if unit is not None and unit.pk is not None}.values())
    if not spans:
        return None
    approved = QuarterApproval.objects.filter(state=ApprovalState.APPROVED)
    firsts = [first for _unit, first, _end in spans]
    if None not in firsts:
        approved = approved.filter(quarter__gte=Period.quarter_of(min(firsts)).index)
    quarters = sorted(set(approved.order_by().values_list("quarter", flat=True).distinct()))
    if not quarters:
        return None
    placements = defaultdict(list)
    for row in UnitPlacement.objects.filter(unit_id__in={unit.pk for unit, _first, _end in spans}).values(
            "unit_id", "path", "valid_from", "valid_to"):
        placements[row["unit_id"]].append(row)
    items = {}
    for number, (unit, first, end) in enumerate(spans):
        for quarter in quarters:
            day = quarter.end
            if _active(first, end, day):
                path = next((row["path"] for row in placements[unit.pk]
                             if _active(row["valid_from"], row["valid_to"], day)), None)
                if path:
                    items[(quarter.index, number)] = (path, quarter)
    standings = standings_of_paths(items)
    return next((standings[key].lock for key in sorted(items) if standings[key].locked), None)


def map_locked(approval: QuarterApproval) -> Locked:
    """The refusal of a change of the map that would change the figures of the quarter
    ``approval`` approved."""
    values = _approval_words(approval)
    if approval.approved_by:
        message = _(
            "%(what)s was approved by %(user)s on %(day)s: this change of the map would change its figures. "
            "An approver of a unit above must reopen it first."
        ) % values
    else:
        message = _(
            "%(what)s was approved on %(day)s: this change of the map would change its figures. "
            "An approver of a unit above must reopen it first."
        ) % values
    return Locked(message, approval=approval)


def require_map_unlocked(spans) -> None:
    """errors.Locked unless the change of the map that ``spans`` describe (``map_change_lock``)
    leaves every approved quarter as it is."""
    approval = map_change_lock(spans)
    if approval is not None:
        raise map_locked(approval)


@dataclass(frozen=True)
class Standing:
    """How a village's (or a unit's) quarter stands, from the rows of the units at and above it.

    ``state`` is the furthest any of them has gone (approved, submitted, else draft); ``lock``
    is the nearest approved row, which locks the reports.
    """

    quarter: Period
    state: str
    lock: QuarterApproval | None

    @property
    def locked(self) -> bool:
        return self.lock is not None

    def as_dict(self) -> dict:
        return {
            "quarter": str(self.quarter),
            "state": self.state,
            "approved_by_unit": self.lock.unit.code if self.lock else None,
        }


def _prefixes(path: str) -> list[str]:
    """``/11/100/03317/`` → ``/`` (the nation), ``/11/``, ``/11/100/``, ``/11/100/03317/``."""
    # Note: each prefix ends at a "/" of the path (called once per commune of a country's list).
    prefixes, end = ["/"], path.find("/", 1)
    while end != -1:
        prefixes.append(path[:end + 1])
        end = path.find("/", end + 1)
    return prefixes


def _active(valid_from: datetime.date | None, valid_to: datetime.date | None, day: datetime.date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day < valid_to)


def standings_of_paths(items: dict) -> dict:
    """For each ``key → (path, quarter)``, how the quarter stands for what sits at ``path`` on the
    quarter's last day: the submitted and approved rows of the units whose path on that day is a
    prefix of ``path``. One query, whatever the number of items. A ``None`` path (not on the map)
    stands as a draft."""
    result = {key: Standing(quarter, ApprovalState.DRAFT, None) for key, (path, quarter) in items.items()}
    placed = {key: (path, quarter) for key, (path, quarter) in items.items() if path}
    if not placed:
        return result
    prefixes = {prefix for path, _quarter in placed.values() for prefix in _prefixes(path)}
    quarters = {quarter.index for _path, quarter in placed.values()}
    # Note: the annotations read the placement the filter joined (one row per placement whose
    # path is one of the prefixes); the one valid on the quarter's last day is kept.
    rows = (
        QuarterApproval.objects.filter(
            quarter__in=sorted(quarters),
            state__in=[ApprovalState.SUBMITTED, ApprovalState.APPROVED],
            unit__placements__path__in=sorted(prefixes),
        )
        .annotate(
            placement_path=F("unit__placements__path"),
            placement_from=F("unit__placements__valid_from"),
            placement_to=F("unit__placements__valid_to"),
        )
        .select_related("unit", "approved_by", "submitted_by")
    )
    found: dict[tuple[int, str], list[QuarterApproval]] = defaultdict(list)
    for row in rows:
        if _active(row.placement_from, row.placement_to, row.quarter.end):
            found[(row.quarter.index, row.placement_path)].append(row)
    for key, (path, quarter) in placed.items():
        covering = [row for prefix in reversed(_prefixes(path)) for row in found.get((quarter.index, prefix), [])]
        result[key] = _standing(quarter, covering)
    return result


def _standing(quarter: Period, covering: list[QuarterApproval]) -> Standing:
    """The standing given ``covering``: the submitted and approved rows of the units at and
    above a place, the nearest first."""
    lock = next((row for row in covering if row.state == ApprovalState.APPROVED), None)
    state = ApprovalState.APPROVED if lock else (ApprovalState.SUBMITTED if covering else ApprovalState.DRAFT)
    return Standing(quarter, state, lock)


def standing_at(path: str | None, quarter: Period, rows_at: dict[str, list[QuarterApproval]]) -> Standing:
    """How ``quarter`` stands for what sits at ``path`` on its last day, from ``rows_at`` (the
    rows of ``quarter``, any state, of the units at and above ``path``, by their path on that
    day): for many places read together (no query)."""
    if not path:
        return Standing(quarter, ApprovalState.DRAFT, None)
    covering = [row for prefix in reversed(_prefixes(path)) for row in rows_at.get(prefix, [])
                if row.state in (ApprovalState.SUBMITTED, ApprovalState.APPROVED)]
    return _standing(quarter, covering)


def paths_above(path: str) -> list[str]:
    """The paths of the units above ``path``, the nation's (``/``) first, ``path`` not included."""
    return _prefixes(path)[:-1]


def _village_paths(pairs) -> dict:
    """``(village_id, quarter) → path`` of the village on the quarter's last day (one query)."""
    pairs = set(pairs)
    rows: dict[int, list[dict]] = defaultdict(list)
    for row in VillagePlacement.objects.filter(village_id__any={village_id for village_id, _q in pairs}).values(
        "village_id", "path", "valid_from", "valid_to"
    ):
        rows[row["village_id"]].append(row)
    return {
        (village_id, quarter): next(
            (row["path"] for row in rows[village_id] if _active(row["valid_from"], row["valid_to"], quarter.end)), None
        )
        for village_id, quarter in pairs
    }


def standings_for_villages(pairs) -> dict:
    """``(village_id, quarter) → Standing`` for many villages and quarters, in two queries."""
    paths = _village_paths(pairs)
    return standings_of_paths({pair: (path, pair[1]) for pair, path in paths.items()})


def standings_for_reports(reports) -> dict:
    """``report pk → Standing`` for a page of reports, in two queries (none for an empty page)."""
    reports = list(reports)
    if not reports:
        return {}
    standings = standings_for_villages({(report.village_id, report.quarter) for report in reports})
    return {report.pk: standings[(report.village_id, report.quarter)] for report in reports}


def locks_for(village_ids, quarter: Period | str) -> dict[int, QuarterApproval]:
    """``village_id → the approved row that locks its reports of quarter``, for the locked ones
    among many villages of one quarter. Two queries."""
    quarter = as_quarter(quarter)
    standings = standings_for_villages({(village_id, quarter) for village_id in village_ids})
    return {village_id: standing.lock for (village_id, _q), standing in standings.items() if standing.locked}


def lock_for(village: Village, quarter: Period | str) -> QuarterApproval | None:
    """The approved row whose unit held ``village`` on the quarter's last day, or None."""
    return locks_for([village.pk], quarter).get(village.pk)


def require_unlocked(village: Village, quarter: Period | str) -> None:
    """errors.Locked unless the reports of ``village`` for ``quarter`` may change. Call it in the
    write's transaction: it holds the province's lock (``lock_province``) until the write commits."""
    quarter = as_quarter(quarter)
    lock_province(village.placements.active_on(quarter.end).values_list("path", flat=True).first())
    lock = lock_for(village, quarter)
    if lock is not None:
        raise quarter_locked(lock)


def require_cell_unlocked(cell, first: datetime.date | None, end: datetime.date | None, villages=()) -> None:
    """errors.Locked unless the villages ``cell`` serves may change over [first, end) (None: open):
    whether a village has its own cell or a merged one is the number of villages the cell its
    report names serves on the quarter's last day, so the reports naming ``cell`` of every quarter
    whose last day falls in that range must not be locked. Locks the provinces of the cell's
    villages and of ``villages`` (those it is to serve) first (``lock_map``)."""
    served = Village.objects.filter(pk__in=CellCoverage.objects.filter(cell=cell).values("village_id"))
    lock_map(villages=[*served, *villages])
    reports = QuarterReport.objects.filter(cell=cell)
    if first is not None:
        reports = reports.filter(quarter__gte=Period.quarter_of(first).index)
    if end is not None:
        reports = reports.filter(quarter__lt=Period.quarter_of(end).index)
    standings = standings_for_reports(reports.order_by("quarter", "pk").only("pk", "village_id", "quarter"))
    lock = next((standing.lock for standing in standings.values() if standing.locked), None)
    if lock is not None:
        raise cell_locked(lock)


def cell_locked(approval: QuarterApproval) -> Locked:
    """The refusal of a change of the villages a cell serves that would change the figures of the
    quarter ``approval`` approved."""
    values = _approval_words(approval)
    if approval.approved_by:
        message = _(
            "%(what)s was approved by %(user)s on %(day)s: this change of the villages the cell serves would "
            "change its figures (a cell of one village or a merged cell). An approver of a unit above must reopen it first."
        ) % values
    else:
        message = _(
            "%(what)s was approved on %(day)s: this change of the villages the cell serves would change its "
            "figures (a cell of one village or a merged cell). An approver of a unit above must reopen it first."
        ) % values
    return Locked(message, approval=approval)


def unit_standing(unit: AdministrativeUnit, quarter: Period) -> Standing:
    """How ``unit``'s quarter stands, counting the rows of the units above it (two queries)."""
    return standings_of_paths({unit.pk: (unit.path_on(quarter.end), quarter)})[unit.pk]


def standings_of_rows(rows: list[QuarterApproval]) -> list[Standing]:
    """How each row's unit and quarter stand, counting the units above it: whether the unit's
    reports are locked, by its own approval or an upper unit's. Two queries for any number of rows."""
    placements = defaultdict(list)
    unit_ids = {row.unit_id for row in rows}
    if unit_ids:
        for placement in UnitPlacement.objects.filter(unit_id__in=unit_ids).values("unit_id", "path", "valid_from", "valid_to"):
            placements[placement["unit_id"]].append(placement)
    paths = {}
    for index, row in enumerate(rows):
        day = row.quarter.end
        path = next((p["path"] for p in placements[row.unit_id] if _active(p["valid_from"], p["valid_to"], day)), None)
        paths[index] = (path, row.quarter)
    standings = standings_of_paths(paths)
    return [standings[index] for index in range(len(rows))]
