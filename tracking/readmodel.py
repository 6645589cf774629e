"""Figures kept on write: what every village adds to the units above it, quarter by quarter,
stored so that a unit's figures are a sum over a few rows instead of a scan of its villages.

Three stored shapes (``tracking.models``):

* a village's **spans**: maximal runs of quarters ``[first, end)`` in which nothing about the
  village changes (its place on the map, its latest report, its cell's coverage). Each holds the
  village's situation (``village_situation``, the one village-level definition), its members, the
  quarter of the report carried, and the ids of the units above it, on each quarter's own map
  and on today's map (a closed unit: on its last day);
* a merged cell's **spans**: the units it counts in (``merged_cells`` is a count of distinct
  cells, not a sum over villages);
* per unit, boundary mode and quarter, the **deltas**: how each count changes at that quarter.
  A unit's figures at quarter q are the sums of its deltas up to q, plus what happened in q
  alone (reports made then, admissions).

A write calls ``refresh`` with the villages it touched (and the first quarter it touched): their
spans are computed anew from the raw rows, and the difference from the stored ones is added to
the deltas of the units above them, in the write's transaction (``UPDATE … SET x = x + d``, so
that concurrent writers never lose an increment). A report in 2019Q2 touches the village's spans
from 2019Q2 on, so a national quarter's import recomputes one span per village, not its history.

``tracking.progress`` turns the sums into figures; it also keeps the reference computation from
raw rows (``UnitData``), which the property-based test and ``manage.py figures --verify`` compare
with what is stored.
"""
from __future__ import annotations

import bisect
import contextlib
import contextvars
import datetime
from collections import defaultdict
from functools import lru_cache
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from .choices import VillageStatus
from .models import (
    AdministrativeUnit,
    CellCoverage,
    CellFigureSpan,
    FigureState,
    QuarterReport,
    UnitFigureDelta,
    UnitPlacement,
    Village,
    VillageFigureSpan,
    VillagePlacement,
)
from .periods import MIN_YEAR, Period
from .querysets import minimal_prefixes

# What a village's latest report says of it.
BLANK, HAS_MEMBERS, OWN_CELL, MERGED_CELL, NO_REPORT = "blank", "has_members", "own_cell", "merged_cell", "no_report"
CODES = {BLANK: "b", HAS_MEMBERS: "h", OWN_CELL: "o", MERGED_CELL: "m", NO_REPORT: "n"}

HISTORICAL, CURRENT = 0, 1  # the boundary modes, as stored
MIN_INDEX = Period.quarter(MIN_YEAR, 1).index
CHUNK = 5000

# The counts a unit's figures are made of: summed deltas (stocks at a quarter's end) …
STOCKS = ("d_villages", "d_reported", "d_blank", "d_own_cell", "d_merged", "d_members", "d_counted",
          "d_status_only", "d_merged_cells")
# … and what happened in the quarter alone.
FLOWS = ("reports_here", "admissions", "admissions_known")
FIELDS = STOCKS + FLOWS
_STOCK = len(STOCKS)


def village_situation(members: int | None, status: str, villages_served_by_cell: int) -> str:
    """Blank, own cell, merged cell or members without a cell, from one report.

    A count report is blank when it counts no member; a status-only report when its status says
    so. A cell serving several villages on the quarter's last day is a merged cell.
    """
    blank = status == VillageStatus.NO_MEMBER if members is None else members == 0
    if blank:
        return BLANK
    if villages_served_by_cell > 1:
        return MERGED_CELL
    if villages_served_by_cell == 1 or status == VillageStatus.HAS_OWN_CELL:
        return OWN_CELL
    return HAS_MEMBERS


def quarter_index(day: datetime.date | None) -> int:
    """The quarter from which a row starting (or ending) on ``day`` is (no longer) active on the
    quarters' last days."""
    return MIN_INDEX if day is None else day.year * 4 + (day.month - 1) // 3


@lru_cache(maxsize=None)
def quarter_end(index: int) -> datetime.date:
    return Period.from_index(index).end


def _active(start, end, day) -> bool:
    return (start is None or start <= day) and (end is None or day < end)


def _ids(units) -> str:
    return ",".join(map(str, units))


def _unids(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",")) if text else ()


def prefixes(path: str) -> list[str]:
    """``/11/100/03317/`` → ``/``, ``/11/``, ``/11/100/``, ``/11/100/03317/``."""
    parts = path.strip("/").split("/")
    return ["/"] + ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Span(NamedTuple):
    first: int
    end: int | None
    path: str | None
    units: tuple
    units_today: tuple
    situation: str
    members: int | None
    status: str
    cell_id: int | None
    report_quarter: int | None
    admissions: int | None

    def state(self) -> tuple:
        return self[2:]

    def vector(self) -> list[int]:
        """What the village adds to each unit's counts while the span lasts."""
        reported = self.situation != NO_REPORT
        counted = self.members is not None
        return [
            1, int(reported), int(self.situation == BLANK), int(self.situation == OWN_CELL),
            int(self.situation == MERGED_CELL), self.members or 0, int(counted),
            int(reported and not counted), 0,
        ]


_SPAN_COLUMNS = ("first", "end", "path", "units", "units_today", "situation", "members", "status", "cell_id",
                 "report_quarter", "admissions")
_SITUATION_OF = {code: name for name, code in CODES.items()}


def _span_of_row(row) -> Span:
    first, end, path, units, today, situation, members, status, cell, quarter, admissions = row
    return Span(first, end, path, _unids(units), _unids(today), _SITUATION_OF[situation], members, status, cell,
                quarter, admissions)


def today() -> datetime.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------
# The raw rows behind some villages' spans


class _World:
    """Villages, their placements, reports and cells' coverage, and the units above them."""

    def __init__(self, day: datetime.date):
        self.today = day
        self.villages: dict[int, tuple] = {}
        self.placements: dict[int, list[tuple]] = defaultdict(list)
        self.reports: dict[int, list[tuple]] = defaultdict(list)
        self.report_indexes: dict[int, list[int]] = {}
        self.coverage: dict[int, list[tuple]] = defaultdict(list)
        self.units_at: dict[str, list[tuple]] = defaultdict(list)
        self._resolved: dict[tuple, tuple] = {}

    @classmethod
    def load(cls, starts: dict[int, int], day: datetime.date) -> _World:
        world = cls(day)
        for group in _chunks(starts):
            for pk, start, end in Village.objects.filter(pk__any=group).values_list("pk", "valid_from", "valid_to"):
                world.villages[pk] = (start, end)
            for village_id, path, start, end in VillagePlacement.objects.filter(village_id__any=group).values_list(
                    "village_id", "path", "valid_from", "valid_to"):
                world.placements[village_id].append((path, start, end))
        by_start: dict[int, list[int]] = defaultdict(list)
        for village_id, start in starts.items():
            by_start[start].append(village_id)
        columns = ("village_id", "quarter", "full_members", "probationary_members", "status", "cell_id", "admissions")
        for start, group in by_start.items():
            for chunk in _chunks(group):
                rows = QuarterReport.objects.filter(village_id__any=chunk)
                for row in rows.filter(quarter__gte=start).values_list(*columns):
                    world._add_report(row)
                # A village without a report in the first quarter touched carries an earlier one.
                missing = [pk for pk in chunk if not world.reports.get(pk) or world.reports[pk][0][0] != start]
                if missing and start > MIN_INDEX:
                    for row in rows.filter(village_id__any=missing).latest_per_village(start - 1).values_list(*columns):
                        world._add_report(row)
        for village_id, rows in world.reports.items():
            rows.sort()
            world.report_indexes[village_id] = [row[0] for row in rows]
        cells = {row[3] for rows in world.reports.values() for row in rows if row[3]}
        for group in _chunks(cells):
            for cell_id, village_id, start, end in CellCoverage.objects.filter(cell_id__any=group).values_list(
                    "cell_id", "village_id", "valid_from", "valid_to"):
                world.coverage[cell_id].append((village_id, start, end))
        paths = {prefix for rows in world.placements.values() for path, _s, _e in rows for prefix in prefixes(path)}
        for group in _chunks(paths):
            for unit_id, path, start, end, closes in UnitPlacement.objects.filter(path__any=group).values_list(
                    "unit_id", "path", "valid_from", "valid_to", "unit__valid_to"):
                world.units_at[path].append((unit_id, start, end, closes))
        return world

    def _add_report(self, row) -> None:
        village_id, quarter, full, probationary, status, cell_id, admissions = row
        members = full + probationary if full is not None and probationary is not None else None
        self.reports[village_id].append((quarter.index, members, status, cell_id, admissions))

    def units_of(self, path: str, index: int) -> tuple:
        """The units above (and including) the place ``path`` on the map of quarter ``index``."""
        key = (path, index)
        if key not in self._resolved:
            day = quarter_end(index)
            self._resolved[key] = tuple(sorted(
                unit_id for prefix in prefixes(path) for unit_id, start, end, _closes in self.units_at.get(prefix, ())
                if _active(start, end, day)
            ))
        return self._resolved[key]

    def units_today(self, village_id: int) -> tuple:
        """The units whose figures on today's map hold the village: those above it today, and
        each closed unit it lay under on the unit's last day."""
        found = set()
        for path, start, end in self.placements.get(village_id, ()):
            for prefix in prefixes(path):
                for unit_id, unit_start, unit_end, closes in self.units_at.get(prefix, ()):
                    day = closes - datetime.timedelta(days=1) if closes is not None and closes <= self.today else self.today
                    if _active(start, end, day) and _active(unit_start, unit_end, day):
                        found.add(unit_id)
        return tuple(sorted(found))

    def spans(self, village_id: int, start: int) -> list[Span]:
        """The village's spans from quarter ``start`` on."""
        if village_id not in self.villages:
            return []
        valid_from, valid_to = self.villages[village_id]
        reports = self.reports.get(village_id, [])
        indexes = self.report_indexes.get(village_id, [])
        points = {quarter_index(valid_from), quarter_index(valid_to) if valid_to else MIN_INDEX}
        for path, begin, end in self.placements.get(village_id, ()):
            points.update((quarter_index(begin), quarter_index(end) if end else MIN_INDEX))
            for prefix in prefixes(path):
                for _unit, unit_start, unit_end, _closes in self.units_at.get(prefix, ()):
                    points.update((quarter_index(unit_start), quarter_index(unit_end) if unit_end else MIN_INDEX))
        points.update(indexes)
        for cell_id in {row[3] for row in reports if row[3]}:
            for _village, begin, end in self.coverage.get(cell_id, ()):
                points.update((quarter_index(begin), quarter_index(end) if end else MIN_INDEX))
        points = sorted({start} | {point for point in points if point > start})
        units_today = self.units_today(village_id)
        spans: list[Span] = []
        for position, first in enumerate(points):
            end = points[position + 1] if position + 1 < len(points) else None
            day = quarter_end(first)
            if not _active(valid_from, valid_to, day):
                continue
            path = next((path for path, begin, until in self.placements.get(village_id, ()) if _active(begin, until, day)), None)
            units = self.units_of(path, first) if path else ()
            at = bisect.bisect_right(indexes, first)
            if at == 0:
                span = Span(first, end, path, units, units_today, NO_REPORT, None, "", None, None, None)
            else:
                quarter, members, status, cell_id, admissions = reports[at - 1]
                served = sum(1 for _v, begin, until in self.coverage.get(cell_id, ()) if _active(begin, until, day)) if cell_id else 0
                span = Span(first, end, path, units, units_today, village_situation(members, status, served), members,
                            status, cell_id, quarter, admissions)
            if spans and spans[-1].end == first and spans[-1].state() == span.state():
                spans[-1] = spans[-1]._replace(end=end)
            else:
                spans.append(span)
        return spans


# ---------------------------------------------------------------------------------------
# Differences


class _Deltas:
    """Changes to the stored deltas, by unit, mode and quarter."""

    def __init__(self):
        self.rows: dict[tuple, list[int]] = {}

    def _add(self, unit_id, mode, quarter, values, sign, offset=0) -> None:
        row = self.rows.get((unit_id, mode, quarter))
        if row is None:
            row = self.rows[(unit_id, mode, quarter)] = [0] * len(FIELDS)
        for position, value in enumerate(values):
            row[offset + position] += sign * value

    def village(self, span: Span, sign: int) -> None:
        vector = span.vector()
        flow = [1, span.admissions or 0, int(span.admissions is not None)] if span.report_quarter == span.first else None
        for mode, units in ((HISTORICAL, span.units), (CURRENT, span.units_today)):
            for unit_id in units:
                self._add(unit_id, mode, span.first, vector, sign)
                if span.end is not None:
                    self._add(unit_id, mode, span.end, vector, -sign)
                if flow:
                    self._add(unit_id, mode, span.first, flow, sign, offset=_STOCK)

    def cell(self, span: tuple, sign: int) -> None:
        first, end, units, units_today = span
        for mode, ids in ((HISTORICAL, units), (CURRENT, units_today)):
            for unit_id in ids:
                self._add(unit_id, mode, first, [1], sign, offset=STOCKS.index("d_merged_cells"))
                if end is not None:
                    self._add(unit_id, mode, end, [1], -sign, offset=STOCKS.index("d_merged_cells"))

    def save(self) -> None:
        rows = [(unit_id, mode, quarter, *values) for (unit_id, mode, quarter), values in self.rows.items() if any(values)]
        if not rows:
            return
        table = connection.ops.quote_name(UnitFigureDelta._meta.db_table)
        names = ", ".join(FIELDS)
        updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in FIELDS)
        marks = ", ".join(["%s"] * (3 + len(FIELDS)))
        sql = (f"INSERT INTO {table} (unit_id, mode, quarter, {names}) VALUES ({marks}) "
               f"ON CONFLICT (unit_id, mode, quarter) DO UPDATE SET {updates}")
        with connection.cursor() as cursor:
            for chunk in _chunks(sorted(rows), 1000):
                cursor.executemany(sql, chunk)


def _clip(span: Span, start: int) -> Span | None:
    """The part of ``span`` from quarter ``start`` on."""
    if span.end is not None and span.end <= start:
        return None
    return span._replace(first=max(span.first, start)) if span.first < start else span


# ---------------------------------------------------------------------------------------
# Refresh


_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("figures_deferred", default=False)


@contextlib.contextmanager
def deferred():
    """Writes inside keep no figure; on leaving, every figure is derived anew (``rebuild``): for
    loading years of history in bulk, where one derivation costs less than one per quarter."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)
    rebuild()


@transaction.atomic
def refresh(villages: dict[int, int] | set[int] | list[int], *, cells=(), map_changed: bool = False) -> None:
    """Bring the stored figures of ``villages`` (ids, or ids → the first quarter a write touched)
    and of ``cells`` in line with the raw rows, and the units above them with them."""
    if _deferred.get():
        return
    if not isinstance(villages, dict):
        villages = dict.fromkeys(villages, MIN_INDEX)
    day = ensure_current()
    _refresh(villages, set(cells), day)
    if map_changed:
        _state_after_change(day)


def _refresh(villages: dict[int, int], cells: set[int], day: datetime.date) -> None:
    """``refresh``, a few thousand villages at a time (a reform moves the whole country), then
    the cells whose figures those villages' changes touch; the units' sums in one statement at
    the end, their rows in one order (``_Deltas.save``)."""
    deltas = _Deltas()
    for chunk in _chunks(villages.items(), _VILLAGES_AT_ONCE):
        cells |= _refresh_villages(dict(chunk), day, deltas)
    _refresh_cells(cells, deltas)
    deltas.save()


# The villages whose raw rows are read into memory at once (their whole history).
_VILLAGES_AT_ONCE = CHUNK


def _refresh_villages(villages: dict[int, int], day: datetime.date, deltas: _Deltas) -> set[int]:
    """The spans of ``villages`` anew from their first quarter touched, their difference put on
    ``deltas``; the cells whose figures may have changed with them."""
    cells: set[int] = set()
    world = _World.load(villages, day)
    by_start: dict[int, list[int]] = defaultdict(list)
    for village_id, start in villages.items():
        by_start[start].append(village_id)
    new_rows = []
    # The villages whose part in some cell's figures may have changed (``_cell_view``).
    for_cells: set[int] = set()
    for start, group in by_start.items():
        for chunk in _chunks(group):
            old = VillageFigureSpan.objects.filter(village_id__any=chunk).filter(Q(end__isnull=True) | Q(end__gt=start))
            before: dict[int, list[Span]] = defaultdict(list)
            for village_id, *row in old.values_list("village_id", *_SPAN_COLUMNS):
                span = _clip(_span_of_row(row), start)
                deltas.village(span, -1)
                before[village_id].append(span)
            old.filter(first__gte=start).delete()
            VillageFigureSpan.objects.filter(village_id__any=chunk, first__lt=start).filter(
                Q(end__isnull=True) | Q(end__gt=start)).update(end=start)
            for village_id in chunk:
                after = world.spans(village_id, start)
                was = before.get(village_id, [])
                if _cell_view(sorted(was)) != _cell_view(after):
                    for_cells.add(village_id)
                    cells.update(span.cell_id for span in [*was, *after]
                                 if span.cell_id and span.situation == MERGED_CELL)
                for span in after:
                    deltas.village(span, +1)
                    new_rows.append(VillageFigureSpan(
                        village_id=village_id, first=span.first, end=span.end, path=span.path,
                        units=_ids(span.units), units_today=_ids(span.units_today), situation=CODES[span.situation],
                        members=span.members, status=span.status, cell_id=span.cell_id,
                        report_quarter=span.report_quarter, admissions=span.admissions))
    VillageFigureSpan.objects.bulk_create(new_rows, batch_size=2000)
    for chunk in _chunks(for_cells):
        cells.update(CellCoverage.objects.filter(village_id__any=chunk).values_list("cell_id", flat=True))
    return cells


def _cell_view(spans: list[Span]) -> list[tuple]:
    """What of a village's spans (in quarter order) a cell's figures read (``_cell_spans``): where
    the village is on the map, quarter by quarter, and the cell its report names when it counts
    in a merged cell. Members and other situations do not matter to a cell; when this is the same
    before and after a write, no cell's figures change."""
    view: list[tuple] = []
    for span in spans:
        row = (span.units, span.units_today, span.cell_id if span.situation == MERGED_CELL else None)
        if view and view[-1][1] == span.first and view[-1][2:] == row:
            view[-1] = (view[-1][0], span.end, *row)
        else:
            view.append((span.first, span.end, *row))
    return view


def _cells_spans(group: list[int]) -> dict[int, list[tuple]]:
    """The spans of the cells ``group`` (ids), from their coverage and the stored spans of the
    villages they serve or that name them."""
    coverage: dict[int, list[tuple]] = defaultdict(list)
    for cell_id, village_id, start, end in CellCoverage.objects.filter(cell_id__any=group).values_list(
            "cell_id", "village_id", "valid_from", "valid_to"):
        coverage[cell_id].append((village_id, start, end))
    served_ever = {row[0] for rows in coverage.values() for row in rows}
    spans: dict[int, list[Span]] = defaultdict(list)
    for village_id, *row in VillageFigureSpan.objects.filter(
            Q(village_id__any=served_ever) | Q(cell_id__any=group)).values_list("village_id", *_SPAN_COLUMNS):
        spans[village_id].append(_span_of_row(row))
    spans = {village_id: _merged(sorted(rows)) for village_id, rows in spans.items()}
    referring: dict[int, set[int]] = defaultdict(set)
    for village_id, rows in spans.items():
        for span in rows:
            if span.situation == MERGED_CELL and span.cell_id:
                referring[span.cell_id].add(village_id)
    firsts = {village_id: [span.first for span in rows] for village_id, rows in spans.items()}
    return {cell_id: _cell_spans(cell_id, coverage.get(cell_id, []), referring.get(cell_id, set()), spans, firsts)
            for cell_id in group}


def _refresh_cells(cells: set[int], deltas: _Deltas) -> None:
    for group in _chunks(cells):
        old = CellFigureSpan.objects.filter(cell_id__any=group)
        for row in old.values_list("first", "end", "units", "units_today"):
            deltas.cell((row[0], row[1], _unids(row[2]), _unids(row[3])), -1)
        old.delete()
        new_rows = []
        for cell_id, found in _cells_spans(group).items():
            for first, end, units, units_today in found:
                deltas.cell((first, end, units, units_today), +1)
                new_rows.append(CellFigureSpan(cell_id=cell_id, first=first, end=end, units=_ids(units),
                                               units_today=_ids(units_today)))
        CellFigureSpan.objects.bulk_create(new_rows, batch_size=2000)


def _span_at(spans: list[Span], firsts: list[int], index: int) -> Span | None:
    at = bisect.bisect_right(firsts, index)
    if at == 0:
        return None
    span = spans[at - 1]
    return span if span.end is None or index < span.end else None


def _cell_spans(cell_id: int, coverage: list[tuple], referring: set[int], spans: dict, firsts: dict) -> list[tuple]:
    """The units a cell counts in as a merged cell, quarter by quarter: those above a village it
    serves, or above a village whose report places it in the cell, while it serves several."""
    villages = {row[0] for row in coverage} | referring
    points = {MIN_INDEX}
    for _village, start, end in coverage:
        points.update((quarter_index(start), quarter_index(end) if end else MIN_INDEX))
    for village_id in villages:
        for span in spans.get(village_id, ()):
            points.add(span.first)
            if span.end is not None:
                points.add(span.end)
    points = sorted(points)
    found: list[tuple] = []
    for position, first in enumerate(points):
        end = points[position + 1] if position + 1 < len(points) else None
        day = quarter_end(first)
        served = {village_id for village_id, start, until in coverage if _active(start, until, day)}
        units, units_today = set(), set()
        if len(served) > 1:
            for village_id in villages:
                span = _span_at(spans.get(village_id, []), firsts.get(village_id, []), first)
                if span is None:
                    continue
                if village_id in served or (span.situation == MERGED_CELL and span.cell_id == cell_id):
                    units.update(span.units)
                    units_today.update(span.units_today)
        row = (tuple(sorted(units)), tuple(sorted(units_today)))
        if not row[0] and not row[1]:
            continue
        if found and found[-1][1] == first and found[-1][2:] == row:
            found[-1] = (found[-1][0], end, *row)
        else:
            found.append((first, end, *row))
    return found


# ---------------------------------------------------------------------------------------
# What a write touched


def villages_of_cells(cell_ids) -> set[int]:
    """The villages whose figures a change of these cells can touch: those they serve, and those
    whose reports name them."""
    cell_ids = list(cell_ids)
    return set(CellCoverage.objects.filter(cell_id__any=cell_ids).values_list("village_id", flat=True)) | set(
        QuarterReport.objects.filter(cell_id__any=cell_ids).values_list("village_id", flat=True))


def villages_under_paths(paths) -> set[int]:
    prefixes_ = minimal_prefixes(paths)
    if not prefixes_:
        return set()
    return set(VillagePlacement.objects.under_any(prefixes_).values_list("village_id", flat=True))


def map_changed(*, units=(), villages=()) -> None:
    """After a change of the map that moved, opened or closed ``units`` (and what
    is under them) or ``villages``: refresh those villages, and every village ever placed under
    one of the units."""
    paths = set(UnitPlacement.objects.filter(unit__in=list(units)).values_list("path", flat=True)) if units else set()
    refresh(set(villages) | villages_under_paths(paths), map_changed=True)


# ---------------------------------------------------------------------------------------
# Today's map


def _next_change(after: datetime.date) -> datetime.date | None:
    """The first day after ``after`` on which today's map changes."""
    from django.db.models import Min

    days = []
    for model in (VillagePlacement, UnitPlacement, AdministrativeUnit, Village):
        found = model.objects.aggregate(
            start=Min("valid_from", filter=Q(valid_from__gt=after)), end=Min("valid_to", filter=Q(valid_to__gt=after)))
        days += [day for day in found.values() if day is not None]
    return min(days, default=None)


def _state() -> FigureState:
    state = FigureState.objects.select_for_update().first()
    if state is None:
        state = FigureState.objects.create(day=today(), next_change=_next_change(today()))
    return state


def _state_after_change(day: datetime.date) -> None:
    state = _state()
    state.day, state.next_change = day, _next_change(day)
    state.save()


def ensure_current() -> datetime.date:
    """The day of today's map in the stored figures, brought to today first if a dated change
    took effect since (one query when nothing did)."""
    day = today()
    state = FigureState.objects.first()
    if state is not None and state.day == day:
        return day
    with transaction.atomic():
        state = _state()
        if state.day == day:
            return day
        if state.day is not None and state.next_change is not None and state.next_change <= day:
            between = Q(valid_from__gt=state.day, valid_from__lte=day) | Q(valid_to__gt=state.day, valid_to__lte=day)
            villages = set(VillagePlacement.objects.filter(between).values_list("village_id", flat=True))
            villages |= set(Village.objects.filter(between).values_list("pk", flat=True))
            paths = set(UnitPlacement.objects.filter(between).values_list("path", flat=True))
            paths |= set(UnitPlacement.objects.filter(
                unit__in=AdministrativeUnit.objects.filter(between)).values_list("path", flat=True))
            villages |= villages_under_paths(paths)
            _refresh(dict.fromkeys(villages, MIN_INDEX), set(), day)
        state.day, state.next_change = day, _next_change(day)
        state.save()
    return day


# ---------------------------------------------------------------------------------------
# Rebuild and verify


def _all_villages() -> list[int]:
    return list(Village.objects.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def rebuild(progress=None) -> dict:
    """Drop every stored figure and derive them anew from the raw rows, in batches."""
    VillageFigureSpan.objects.all().delete()
    CellFigureSpan.objects.all().delete()
    UnitFigureDelta.objects.all().delete()
    FigureState.objects.all().delete()
    day = ensure_current()
    villages = _all_villages()
    for chunk in _chunks(villages, _VILLAGES_AT_ONCE):
        deltas = _Deltas()
        _refresh_villages(dict.fromkeys(chunk, MIN_INDEX), day, deltas)
        deltas.save()
        if progress:
            progress(len(chunk))
    # The cells once, when the spans of all their villages are there.
    deltas = _Deltas()
    _refresh_cells(set(CellCoverage.objects.values_list("cell_id", flat=True)) | set(
        VillageFigureSpan.objects.filter(cell_id__isnull=False).values_list("cell_id", flat=True)), deltas)
    deltas.save()
    _state_after_change(day)
    return {"villages": len(villages), "rows": UnitFigureDelta.objects.count()}


def stored_totals() -> dict[tuple, tuple]:
    """Every unit's counts, by (unit, mode, quarter), as stored (zero rows left out)."""
    totals = {}
    for row in UnitFigureDelta.objects.values_list("unit_id", "mode", "quarter", *FIELDS):
        if any(row[3:]):
            totals[row[:3]] = tuple(row[3:])
    return totals


def verify(progress=None) -> list[str]:
    """Compare the stored figures with a derivation from the raw rows in memory; the differences,
    in words (none when all is well). Reads only."""
    day = today()
    state = FigureState.objects.first()
    problems = []
    if state is not None and state.day != day and state.next_change is not None and state.next_change <= day:
        problems.append(f"today's map is stored as of {state.day}: a change of {state.next_change} is not in it yet")
    expected = _Deltas()
    stored_spans: dict[int, list[Span]] = defaultdict(list)
    villages = _all_villages()
    cells: set[int] = set()
    for chunk in _chunks(villages, 2000):
        world = _World.load(dict.fromkeys(chunk, MIN_INDEX), state.day if state and state.day else day)
        for village_id, *row in VillageFigureSpan.objects.filter(village_id__any=chunk).values_list(
                "village_id", *_SPAN_COLUMNS):
            stored_spans[village_id].append(_span_of_row(row))
        for village_id in chunk:
            spans = world.spans(village_id, MIN_INDEX)
            for span in spans:
                expected.village(span, +1)
                if span.cell_id and span.situation == MERGED_CELL:
                    cells.add(span.cell_id)
            if _merged(sorted(stored_spans.pop(village_id, []))) != spans:
                problems.append(f"village {village_id}: stored spans differ from its reports and placements")
        if progress:
            progress(len(chunk))
    orphans = VillageFigureSpan.objects.exclude(village_id__in=Village.objects.values("pk")).values_list("village_id", flat=True)
    problems += [f"village {pk}: deleted, still has stored spans" for pk in set(orphans)]
    cells |= set(CellCoverage.objects.values_list("cell_id", flat=True))
    _expected_cells(cells, expected)
    wanted = {key: tuple(values) for key, values in expected.rows.items() if any(values)}
    stored = stored_totals()
    for key in sorted(set(wanted) | set(stored)):
        if wanted.get(key) != stored.get(key):
            unit_id, mode, quarter = key
            problems.append(
                f"unit {unit_id}, {'today' if mode else 'historical'} map, {Period.from_index(quarter)}: stored "
                f"{dict(zip(FIELDS, stored.get(key, (0,) * len(FIELDS))))}, expected {dict(zip(FIELDS, wanted.get(key, (0,) * len(FIELDS))))}")
    return problems


def _merged(spans: list[Span]) -> list[Span]:
    """Adjacent spans of one state as one (a refresh from a quarter leaves a seam there)."""
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1].end == span.first and merged[-1].state() == span.state():
            merged[-1] = merged[-1]._replace(end=span.end)
        else:
            merged.append(span)
    return merged


def _expected_cells(cells: set[int], deltas: _Deltas) -> None:
    for group in _chunks(cells):
        for found in _cells_spans(group).values():
            for row in found:
                deltas.cell(row, +1)


# ---------------------------------------------------------------------------------------
# Reads


def villages_situated_under(path: str, quarter: int, situations: tuple[str, ...]):
    """The ids (a subquery) of the villages placed at or below ``path`` on the map of quarter
    ``quarter`` whose stored situation then is one of ``situations``."""
    return VillageFigureSpan.objects.filter(
        situation__in=[CODES[name] for name in situations], path__startswith=path, first__lte=quarter).filter(
        Q(end__isnull=True) | Q(end__gt=quarter)).values("village_id")


def situated_at(villages, quarter: int, situations: tuple[str, ...]):
    """The ``villages`` (a queryset) whose stored situation at quarter ``quarter`` is one of
    ``situations`` (``BLANK``, …), each annotated with ``latest_quarter``, the quarter of the
    report that says so: one probe of the village's spans each, whatever the size of its history."""
    from .fields import QuarterField

    spans = VillageFigureSpan.objects.filter(village_id=OuterRef("pk"), first__lte=quarter).filter(
        Q(end__isnull=True) | Q(end__gt=quarter)).filter(situation__in=[CODES[name] for name in situations])
    return villages.annotate(latest_quarter=Subquery(spans.values("report_quarter")[:1], output_field=QuarterField())).filter(
        latest_quarter__isnull=False)


def unit_rows(unit_ids, up_to: int) -> dict[tuple, list[tuple]]:
    """The stored rows of some units up to quarter ``up_to``, by (unit, mode), in quarter order:
    one query."""
    rows: dict[tuple, list[tuple]] = defaultdict(list)
    for row in (UnitFigureDelta.objects.filter(unit_id__in=list(unit_ids), quarter__lte=up_to)
                .order_by("unit_id", "mode", "quarter").values_list("unit_id", "mode", "quarter", *FIELDS)):
        rows[row[:2]].append(row[2:])
    return rows


class Sums:
    """A unit's counts quarter by quarter, from its stored rows (``unit_rows``)."""

    def __init__(self, rows: list[tuple]):
        self.quarters = [row[0] for row in rows]
        self.stocks: list[tuple] = []
        running = [0] * _STOCK
        for row in rows:
            running = [a + b for a, b in zip(running, row[1:1 + _STOCK])]
            self.stocks.append(tuple(running))
        self.flows = {row[0]: row[1 + _STOCK:] for row in rows}

    def at(self, quarter: int, flow_quarters: list[int]) -> dict:
        position = bisect.bisect_right(self.quarters, quarter)
        stocks = self.stocks[position - 1] if position else (0,) * _STOCK
        counts = dict(zip(("villages", "reported", "blank", "own_cell", "merged", "members", "counted", "status_only",
                           "merged_cells"), stocks))
        counts["reports_here"] = self.flows.get(quarter, (0, 0, 0))[0]
        known = sum(self.flows.get(index, (0, 0, 0))[2] for index in flow_quarters)
        counts["admissions"] = sum(self.flows.get(index, (0, 0, 0))[1] for index in flow_quarters) if known else None
        return counts

    def latest_report_quarter(self, up_to: int) -> int | None:
        for index in sorted(self.flows, reverse=True):
            if index <= up_to and self.flows[index][0] > 0:
                return index
        return None
