"""Every figure the product reports, computed here and only here.

Two kinds of figure never mix:

* **computed** figures come from the quarterly village reports. A village that did not report
  in a quarter carries its latest earlier report forward. Stocks (villages, members, cells)
  are counted as at the last day of the period; flows (admissions) are summed over the
  quarters the period covers.
* **reported** figures are unit-level totals from a cited document (the 2008 count, …). They
  are listed beside the computed ones with their source, and a few are derived from two cited
  figures (blank villages = a baseline count − the villages resolved since), saying so.

Speed: each call reads its data in a fixed number of queries, however many villages, reports
or quarters are involved, and computes in Python. It reads every report of the unit's villages
up to the period: at provincial scale that is thousands of rows. At national scale the figures
should be precomputed on write; keeping every figure here keeps that change local.
"""
from __future__ import annotations

import bisect
import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import locks, readmodel
from .models import (
    AdministrativeUnit,
    CellCoverage,
    Goal,
    GoalMetric,
    QuarterReport,
    ReportedFigure,
    ReportedMetric,
    UnitPlacement,
    VillagePlacement,
    unit_ref,
    with_names,
)
from .periods import MAX_YEAR, Period, current_quarter, quarter_range
from .querysets import minimal_prefixes
from .readmodel import BLANK, HAS_MEMBERS, MERGED_CELL, NO_REPORT, OWN_CELL, village_situation  # noqa: F401

VILLAGE_REPORTS = "village_reports"
REPORTED_FIGURE = "reported_figure"
DERIVED_FROM_REPORTED = "derived_from_reported_figures"

ACHIEVED, ON_TRACK, AT_RISK, OVERDUE, STALE, NO_DATA = "achieved", "on_track", "at_risk", "overdue", "stale", "no_data"
# The words people read for a goal's status and a figure's source (the API gives the values).
STATUS_LABELS = {
    ACHIEVED: gettext_lazy("achieved"),
    ON_TRACK: gettext_lazy("on track"),
    AT_RISK: gettext_lazy("at risk"),
    OVERDUE: gettext_lazy("overdue"),
    STALE: gettext_lazy("no recent data"),
    NO_DATA: gettext_lazy("no data"),
}
SOURCE_LABELS = {
    VILLAGE_REPORTS: gettext_lazy("village reports"),
    REPORTED_FIGURE: gettext_lazy("a reported figure"),
    DERIVED_FROM_REPORTED: gettext_lazy("derived from reported figures"),
}
TREND_QUARTERS = 4


def _active(row: dict, day: datetime.date) -> bool:
    return (row["valid_from"] is None or row["valid_from"] <= day) and (
        row["valid_to"] is None or day < row["valid_to"]
    )


def figures_of_counts(counts: dict, quarter: Period) -> dict:
    """A unit's computed figures for a period ending with ``quarter``, from its counts (stored, or
    counted from raw rows by ``UnitData``): the one place their words and rules are written."""
    villages, reported = counts["villages"], counts["reported"]
    without_report = villages - reported
    carried = reported - counts["reports_here"]
    status_only = counts["status_only"]
    notes = []
    if status_only:
        notes.append(
            _("%(n)s villages are known by a status only, not by a count: their members are not in the total.")
            % {"n": status_only}
        )
    if carried:
        notes.append(
            _("%(n)s villages did not report in %(quarter)s: their latest earlier report is carried forward.")
            % {"n": carried, "quarter": quarter}
        )
    if without_report:
        notes.append(
            _("%(n)s villages have no report yet: they are in no figure but the total.") % {"n": without_report}
        )
    return {
        "as_of_quarter": str(quarter),
        "villages_total": villages,
        "blank_villages": counts["blank"],
        "villages_with_members": reported - counts["blank"],
        "villages_with_own_cell": counts["own_cell"],
        "villages_in_merged_cells": counts["merged"],
        "merged_cells": counts["merged_cells"],
        "members": counts["members"] if counts["counted"] else None,
        "villages_counted": counts["counted"],
        "villages_status_only": status_only,
        "villages_carried_forward": carried,
        "admissions": counts["admissions"],
        "villages_without_report": without_report,
        "source": VILLAGE_REPORTS,
        "notes": notes,
    }


def figures_complete(figures: dict | None) -> bool:
    """Whether computed figures speak for every village on the register: only then are they a
    unit's value of a goal's metric (a goal's series, a chart's point)."""
    return bool(figures) and figures["villages_total"] > 0 and figures["villages_without_report"] == 0


@dataclass
class _VillageState:
    """What a village's latest report at or before a quarter says."""

    quarter: Period
    members: int | None
    status: str
    cell_id: int | None
    admissions: int | None


@dataclass
class UnitData:
    """The rows behind the figures of some units, read in a fixed number of queries."""

    units: list[AdministrativeUnit]
    last_quarter: Period
    unit_placements: dict[int, list[dict]] = field(default_factory=dict)
    village_placements: list[dict] = field(default_factory=list)
    reports: dict[int, list[dict]] = field(default_factory=dict)
    coverage: dict[int, list[dict]] = field(default_factory=dict)
    report_indexes: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, units: list[AdministrativeUnit], last_quarter: Period) -> UnitData:
        data = cls(units=units, last_quarter=last_quarter)
        for row in UnitPlacement.objects.filter(unit__in=units).values("unit_id", "path", "valid_from", "valid_to"):
            data.unit_placements.setdefault(row["unit_id"], []).append(row)
        prefixes = minimal_prefixes(row["path"] for rows in data.unit_placements.values() for row in rows)
        if not prefixes:
            return data
        placements = VillagePlacement.objects.under_any(prefixes)
        data.village_placements = list(
            placements.values(
                "village_id", "path", "valid_from", "valid_to",
                "village__valid_from", "village__valid_to",
            )
        )
        village_ids = placements.values("village_id")
        reports = (
            QuarterReport.objects.filter(village_id__in=village_ids, quarter__lte=last_quarter)
            .order_by("village_id", "quarter")
            .values("village_id", "quarter", "full_members", "probationary_members", "admissions", "status", "cell_id")
        )
        for row in reports:
            data.reports.setdefault(row["village_id"], []).append(row)
            data.report_indexes.setdefault(row["village_id"], []).append(row["quarter"].index)
        cells = CellCoverage.objects.filter(village_id__in=village_ids).values("cell_id")
        for row in CellCoverage.objects.filter(cell_id__in=cells).values("cell_id", "village_id", "valid_from", "valid_to"):
            data.coverage.setdefault(row["cell_id"], []).append(row)
        return data

    def unit_path(self, unit: AdministrativeUnit, day: datetime.date) -> str | None:
        for row in self.unit_placements.get(unit.pk, []):
            if _active(row, day):
                return row["path"]
        return None

    def villages_under(self, unit: AdministrativeUnit, day: datetime.date, map_day: datetime.date | None = None) -> set[int] | None:
        """Villages existing on ``day`` that sit at or below ``unit`` in the map of ``map_day``
        (default: ``day`` itself); None when the unit is not on that map."""
        map_day = map_day or day
        path = self.unit_path(unit, map_day)
        if path is None:
            return None
        return {
            row["village_id"]
            for row in self.village_placements
            if _active(row, map_day)
            and row["path"].startswith(path)
            and _active({"valid_from": row["village__valid_from"], "valid_to": row["village__valid_to"]}, day)
        }

    def state(self, village_id: int, quarter: Period) -> _VillageState | None:
        rows = self.reports.get(village_id)
        if not rows:
            return None
        position = bisect.bisect_right(self.report_indexes[village_id], quarter.index)
        if position == 0:
            return None
        row = rows[position - 1]
        members = None
        if row["full_members"] is not None and row["probationary_members"] is not None:
            members = row["full_members"] + row["probationary_members"]
        return _VillageState(row["quarter"], members, row["status"], row["cell_id"], row["admissions"])

    def villages_served(self, cell_id: int, day: datetime.date) -> set[int]:
        return {row["village_id"] for row in self.coverage.get(cell_id, []) if _active(row, day)}

    def admissions(self, unit: AdministrativeUnit, quarters: list[Period], map_day: datetime.date | None) -> int | None:
        """Admissions over ``quarters``, each quarter's by the villages under ``unit`` then (on its
        own map, or on the map of ``map_day``): a flow counts where it happened."""
        values = []
        for quarter in quarters:
            villages = self.villages_under(unit, quarter.end, map_day) or set()
            values += [
                row["admissions"]
                for village_id in villages
                for row in self.reports.get(village_id, [])
                if row["quarter"].index == quarter.index and row["admissions"] is not None
            ]
        return sum(values) if values else None

    def computed(self, unit: AdministrativeUnit, period: Period, map_day: datetime.date | None = None) -> dict | None:
        """The computed figures of ``unit`` for ``period``, on the map of ``map_day`` (default: the
        period's last day, the map as it was); None if the unit is not on that map.

        This is the reference computation, from the raw rows: reads use the stored sums
        (``tracking.readmodel``), which the guard and ``manage.py figures --verify`` compare with it.
        """
        quarter = period.last_quarter
        day = quarter.end
        villages = self.villages_under(unit, day, map_day)
        if villages is None:
            return None
        counts = dict.fromkeys(("reported", "blank", "own_cell", "merged", "members", "counted", "status_only",
                                "reports_here"), 0)
        counts["villages"] = len(villages)
        merged_cells: set[int] = set()
        for village_id in villages:
            state = self.state(village_id, quarter)
            if state is None:
                continue
            counts["reported"] += 1
            counts["reports_here"] += state.quarter == quarter
            if state.members is None:
                counts["status_only"] += 1
            else:
                counts["counted"] += 1
                counts["members"] += state.members
            served = self.villages_served(state.cell_id, day) if state.cell_id else set()
            situation = village_situation(state.members, state.status, len(served))
            counts["blank"] += situation == BLANK
            counts["own_cell"] += situation == OWN_CELL
            counts["merged"] += situation == MERGED_CELL
            if situation == MERGED_CELL:
                merged_cells.add(state.cell_id)
        for cell_id, rows in self.coverage.items():
            served = self.villages_served(cell_id, day)
            if len(served) > 1 and served & villages:
                merged_cells.add(cell_id)
        counts["merged_cells"] = len(merged_cells)
        counts["admissions"] = self.admissions(unit, period.quarters(), map_day)
        return figures_of_counts(counts, quarter)

    def complete(self, figures: dict | None) -> bool:
        return figures_complete(figures)

    def latest_quarter_with_data(self, unit: AdministrativeUnit, up_to: Period) -> Period | None:
        """The latest quarter, up to ``up_to``, in which a village then under ``unit`` reported.

        Note: the map of each quarter, not today's: a unit closed since (a district after
        2025-07-01) still has its latest quarter with data.
        """
        reporting: dict[int, set[int]] = defaultdict(set)
        for village_id, rows in self.reports.items():
            for row in rows:
                if row["quarter"].index <= up_to.index:
                    reporting[row["quarter"].index].add(village_id)
        for index in sorted(reporting, reverse=True):
            quarter = Period.from_index(index)
            if reporting[index] & (self.villages_under(unit, quarter.end) or set()):
                return quarter
        return None


class Stored:
    """The stored counts of some units (``tracking.readmodel``), read in two queries, with the
    interface of ``UnitData``: what reads use."""

    def __init__(self, units: list[AdministrativeUnit], last_quarter: Period):
        self.units = units
        self.last_quarter = last_quarter
        self.unit_placements: dict[int, list[dict]] = defaultdict(list)
        for row in UnitPlacement.objects.filter(unit__in=units).values("unit_id", "path", "valid_from", "valid_to"):
            self.unit_placements[row["unit_id"]].append(row)
        self.rows = readmodel.unit_rows([unit.pk for unit in units], last_quarter.index)
        self._sums: dict[tuple, readmodel.Sums] = {}

    unit_path = UnitData.unit_path
    complete = UnitData.complete

    def sums(self, unit: AdministrativeUnit, mode: int) -> readmodel.Sums:
        key = (unit.pk, mode)
        if key not in self._sums:
            self._sums[key] = readmodel.Sums(self.rows.get(key, []))
        return self._sums[key]

    def computed(self, unit: AdministrativeUnit, period: Period, map_day: datetime.date | None = None) -> dict | None:
        quarter = period.last_quarter
        if self.unit_path(unit, map_day or quarter.end) is None:
            return None
        mode = readmodel.CURRENT if map_day else readmodel.HISTORICAL
        counts = self.sums(unit, mode).at(quarter.index, [q.index for q in period.quarters()])
        return figures_of_counts(counts, quarter)

    def latest_quarter_with_data(self, unit: AdministrativeUnit, up_to: Period) -> Period | None:
        index = self.sums(unit, readmodel.HISTORICAL).latest_report_quarter(up_to.index)
        return None if index is None else Period.from_index(index)


def _data(units: list[AdministrativeUnit], last_quarter: Period, *, today_map: bool, today: datetime.date | None):
    """What figures are read from: the stored counts, or, for a map of a day other than today's
    (a caller's ``today``), the raw rows."""
    if today_map:
        if today is not None and today != readmodel.today():
            return UnitData.load(units, last_quarter)
        readmodel.ensure_current()
    return Stored(units, last_quarter)


def latest_village_situations(village_ids: list[int], as_of: Period, reports=None) -> dict[int, tuple[Period, str]]:
    """Each village's latest report at or before ``as_of`` (among ``reports``, default all) and
    its situation, in two queries."""
    reports = list(
        (QuarterReport.objects.all() if reports is None else reports).filter(village_id__in=village_ids)
        .latest_per_village(as_of)
        .values("village_id", "quarter", "full_members", "probationary_members", "status", "cell_id")
    )
    coverage: dict[int, list[dict]] = defaultdict(list)
    cell_ids = {report["cell_id"] for report in reports if report["cell_id"]}
    if cell_ids:
        for row in CellCoverage.objects.filter(cell_id__in=cell_ids).values("cell_id", "village_id", "valid_from", "valid_to"):
            coverage[row["cell_id"]].append(row)
    situations = {}
    for report in reports:
        members = None
        if report["full_members"] is not None and report["probationary_members"] is not None:
            members = report["full_members"] + report["probationary_members"]
        day = report["quarter"].end
        served = {row["village_id"] for row in coverage[report["cell_id"]] if _active(row, day)}
        situations[report["village_id"]] = (report["quarter"], village_situation(members, report["status"], len(served)))
    return situations


# ---------------------------------------------------------------------------------------
# Reported figures


def _figure_ref(figure: ReportedFigure) -> dict:
    return {
        "id": figure.pk,
        "metric": figure.metric,
        "value": figure.value,
        "period": str(figure.period),
        "since": str(figure.since) if figure.since else None,
        "unit": unit_ref(figure.unit, figure.period.end),
        "combined_with": [unit_ref(unit, figure.period.end) for unit in figure.combined_with.all()],
        "source_url": figure.source_url,
        "source_location": figure.source_location,
        "note": figure.note,
    }


def reported_figures_for(units: list[AdministrativeUnit]) -> dict[int, list[ReportedFigure]]:
    """Each unit's reported figures (its own and those it is combined into), in two queries."""
    figures = (
        ReportedFigure.objects.filter(Q(unit__in=units) | Q(combined_with__in=units))
        .distinct()
        .select_related("unit")
        .prefetch_related("combined_with")
    )
    by_unit: dict[int, list[ReportedFigure]] = defaultdict(list)
    wanted = {unit.pk for unit in units}
    with_names(unit for figure in figures for unit in [figure.unit, *figure.combined_with.all()])
    for figure in figures:
        for unit_id in {figure.unit_id} | {unit.pk for unit in figure.combined_with.all()}:
            if unit_id in wanted:
                by_unit[unit_id].append(figure)
    return by_unit


def _derived_blank(figures: list[ReportedFigure]) -> list[dict]:
    """Blank villages = a cited baseline count − the villages resolved since, both cited."""
    baselines = {
        (figure.unit_id, str(figure.period)): figure
        for figure in figures
        if figure.metric == ReportedMetric.BLANK_VILLAGES
    }
    derived = []
    for resolved in figures:
        if resolved.metric != ReportedMetric.FORMERLY_BLANK_WITH_MEMBERS or not resolved.since:
            continue
        baseline = baselines.get((resolved.unit_id, str(resolved.since)))
        if baseline is None or baseline.value < resolved.value:
            continue
        derived.append(
            {
                "id": None,
                "metric": ReportedMetric.BLANK_VILLAGES.value,
                "value": baseline.value - resolved.value,
                "period": str(resolved.period),
                "since": None,
                "unit": unit_ref(resolved.unit, resolved.period.end),
                "combined_with": [unit_ref(unit, resolved.period.end) for unit in resolved.combined_with.all()],
                "source": DERIVED_FROM_REPORTED,
                "derivation": _("%(baseline)s blank villages in %(since)s − %(resolved)s of them with members by %(period)s")
                % {"baseline": baseline.value, "since": baseline.period, "resolved": resolved.value, "period": resolved.period},
                "derived_from": [baseline.pk, resolved.pk],
                "source_url": resolved.source_url,
                "source_location": ", ".join(
                    dict.fromkeys(filter(None, [baseline.source_location, resolved.source_location]))
                ),
                "note": "",
            }
        )
    return derived


def reported_entries(figures: list[ReportedFigure], period: Period | None = None) -> list[dict]:
    """Cited figures (and those derived from two of them) whose period meets ``period``."""
    entries = [dict(_figure_ref(figure), source=REPORTED_FIGURE) for figure in figures]
    entries += _derived_blank(figures)
    if period is not None:
        entries = [entry for entry in entries if Period.parse(entry["period"]).overlaps(period)]
    return sorted(entries, key=lambda entry: (Period.parse(entry["period"]), entry["metric"], entry["source"]))


# ---------------------------------------------------------------------------------------
# Unit figures


def _not_on_map(unit: AdministrativeUnit, period: Period) -> ValidationError:
    return ValidationError(
        _("%(unit)s is not on the map in %(period)s (valid %(range)s).")
        % {"unit": unit, "period": period, "range": unit.validity_text()},
        code="unit_not_on_map",
    )


HISTORICAL, CURRENT = "historical", "current"
BOUNDARIES = (HISTORICAL, CURRENT)
BOUNDARY_LABELS = {HISTORICAL: gettext_lazy("the map as it was"), CURRENT: gettext_lazy("today's map")}


def last_day_on_map(unit: AdministrativeUnit, today: datetime.date | None = None) -> datetime.date:
    """Today, or the unit's last day if it has been closed (an abolished district)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    if unit.valid_to is not None and unit.valid_to <= today:
        return unit.valid_to - datetime.timedelta(days=1)
    return today


def _map_day(unit: AdministrativeUnit, boundaries: str, today: datetime.date | None) -> datetime.date | None:
    if boundaries not in BOUNDARIES:
        raise ValidationError(_("Boundaries are “historical” or “current”."), code="invalid_boundaries")
    return last_day_on_map(unit, today) if boundaries == CURRENT else None


def lineage(unit: AdministrativeUnit) -> list[dict]:
    """The reorganisations that made, changed or ended ``unit``, oldest first (four queries), each
    naming the units before it by their names the day before and those after by their names from
    that day."""
    from .models import Reorganisation

    events = list(
        Reorganisation.objects.filter(Q(subject=unit) | Q(predecessors=unit) | Q(successors=unit))
        .distinct()
        .prefetch_related("predecessors", "successors")
        .order_by("effective_on", "id")
    )
    with_names([unit, *(u for event in events for u in [*event.predecessors.all(), *event.successors.all()])])
    return [
        {
            "id": event.pk,
            "kind": event.kind,
            "effective_on": event.effective_on.isoformat(),
            "description": event.description,
            "before": [unit_ref(u, event.effective_on - datetime.timedelta(days=1)) for u in event.predecessors.all()],
            "after": [unit_ref(u, event.effective_on) for u in event.successors.all()],
            "source_url": event.source_url,
        }
        for event in events
    ]


def latest_period(unit: AdministrativeUnit, today: datetime.date | None = None) -> Period:
    """The latest quarter in which a village under ``unit`` reported, else the current quarter."""
    now = current_quarter(today)
    return Stored([unit], now).latest_quarter_with_data(unit, now) or now


def _figures_row(data: UnitData, figures: list[ReportedFigure], unit: AdministrativeUnit, period: Period,
                 map_day: datetime.date | None, history: list[dict], standing: locks.Standing) -> dict:
    computed = data.computed(unit, period, map_day)
    if computed is None:
        raise _not_on_map(unit, period)
    return {
        "unit": unit_ref(unit, map_day or period.last_quarter.end),
        "period": str(period),
        "boundaries": CURRENT if map_day else HISTORICAL,
        "map_date": (map_day or period.last_quarter.end).isoformat(),
        **computed,
        "reported": reported_entries(figures, period),
        "lineage": history,
        "approval": standing.as_dict(),
    }


def _standings(data: UnitData, unit: AdministrativeUnit, quarters: list[Period]) -> dict:
    """Whether each quarter is approved for ``unit`` (its place on the quarter's last day, as the
    approvals know it) or a unit above it: one query for all the quarters."""
    return locks.standings_of_paths({quarter: (data.unit_path(unit, quarter.end), quarter) for quarter in quarters})


def unit_progress(unit: AdministrativeUnit, period: Period | None = None, *, boundaries: str = HISTORICAL,
                  today: datetime.date | None = None) -> dict:
    """The figures of ``unit`` for ``period`` (default: the latest quarter with data), on the map
    as it was then (``historical``) or on today's map (``current``)."""
    map_day = _map_day(unit, boundaries, today)
    period = period or latest_period(unit, today)
    data = _data([unit], period.last_quarter, today_map=map_day is not None, today=today)
    standing = _standings(data, unit, [period.last_quarter])[period.last_quarter]
    return _figures_row(data, reported_figures_for([unit]).get(unit.pk, []), unit, period, map_day, lineage(unit), standing)


def unit_timeline(unit: AdministrativeUnit, first: Period, last: Period, *, boundaries: str = HISTORICAL,
                  today: datetime.date | None = None) -> list[dict]:
    """One row of figures per quarter from ``first`` to ``last``, in a fixed number of queries.
    With historical boundaries, quarters in which the unit was not on the map are left out."""
    map_day = _map_day(unit, boundaries, today)
    data = _data([unit], last.last_quarter, today_map=map_day is not None, today=today)
    figures = reported_figures_for([unit]).get(unit.pk, [])
    history = lineage(unit)
    quarters = [quarter for quarter in quarter_range(first, last) if data.unit_path(unit, map_day or quarter.end) is not None]
    standings = _standings(data, unit, quarters)
    return [_figures_row(data, figures, unit, quarter, map_day, history, standings[quarter]) for quarter in quarters]


def units_figures(units: list[AdministrativeUnit], period: Period) -> dict[int, dict]:
    """The figures of many units for one ``period`` on its own map, by unit id, in a fixed number
    of queries (the children of a unit, ranked on a dashboard): the computed figures and the cited
    ones of the period, without lineage or approval. A unit not on the period's map is left out."""
    data = _data(units, period.last_quarter, today_map=False, today=None)
    figures = reported_figures_for(units)
    with_names(units)
    rows = {}
    for unit in units:
        computed = data.computed(unit, period)
        if computed is not None:
            rows[unit.pk] = {"unit": unit_ref(unit, period.last_quarter.end), "period": str(period), **computed,
                             "reported": reported_entries(figures.get(unit.pk, []), period)}
    return rows


# ---------------------------------------------------------------------------------------
# Goals


def metric_value(figures: dict, metric: str) -> int | None:
    """A goal's metric (``GoalMetric``) read from a unit's computed figures."""
    if metric == GoalMetric.BLANK_VILLAGES:
        return figures["blank_villages"]
    if metric == GoalMetric.VILLAGES_WITHOUT_OWN_CELL:
        return figures["villages_total"] - figures["villages_with_own_cell"]
    return figures["merged_cells"]


def _reported_series(goal: Goal, entries: list[dict]) -> dict[int, dict]:
    """The goal's metric from cited figures, by quarter index: what the source itself says wins
    over a value derived from two figures."""
    series: dict[int, dict] = {}
    for entry in entries:
        if entry["metric"] != goal.metric or entry["unit"]["code"] != goal.unit.code:
            continue
        index = Period.parse(entry["period"]).index
        if index not in series or series[index]["source"] != REPORTED_FIGURE:
            series[index] = {
                "value": entry["value"],
                "period": entry["period"],
                "source": entry["source"],
                "figure_ids": [entry["id"]] if entry["id"] else entry["derived_from"],
                "source_url": entry["source_url"],
                "source_location": entry["source_location"],
                "detail": entry.get("derivation", ""),
            }
    return series


def _computed_series(goal: Goal, data: UnitData, quarters: list[Period]) -> dict[int, dict]:
    series: dict[int, dict] = {}
    # A goal keeps its scope: after its unit is closed (a district abolished in 2025), it goes on
    # counting the villages the unit covered on its last day.
    last_day = goal.unit.valid_to - datetime.timedelta(days=1) if goal.unit.valid_to else None
    for quarter in quarters:
        map_day = last_day if last_day and quarter.end > last_day else None
        figures = data.computed(goal.unit, quarter, map_day)
        if data.complete(figures):
            series[quarter.index] = {
                "value": metric_value(figures, goal.metric),
                "period": str(quarter),
                "source": VILLAGE_REPORTS,
                "villages": figures["villages_total"],
                "detail": _("computed from the reports of %(n)s villages") % {"n": figures["villages_total"]},
            }
    return series


def _progress_row(goal: Goal, data: UnitData, entries: list[dict], as_of: Period) -> dict:
    row = {
        "id": goal.pk,
        "title": goal.title,
        "unit": unit_ref(goal.unit, as_of.end),
        "metric": goal.metric,
        "target": 0,
        "set_by": goal.set_by,
        "baseline_period": str(goal.baseline_period) if goal.baseline_period else None,
        "deadline": str(goal.deadline) if goal.deadline else None,
        "as_of": str(as_of),
        "baseline": None,
        "baseline_source": None,
        "current": None,
        "current_period": None,
        "current_source": None,
        "resolved": None,
        "progress": None,
        "status": NO_DATA,
        "projected_period": None,
        "data_as_of": None,
        "basis": None,
        "explanation": "",
        "source_url": goal.source_url,
        "source_location": goal.source_location,
    }
    if goal.baseline_period is None:
        row["explanation"] = _("The goal has no baseline period: nothing to measure progress against.")
        return row
    baseline_quarter = goal.baseline_period.last_quarter
    reported = _reported_series(goal, entries)
    # One goal follows one kind of figure from its baseline on, so that a cited total and a
    # partial village register are never compared: a cited baseline wins, because it counts
    # every village while the register may hold only some of them.
    if baseline_quarter.index in reported:
        series = {index: point for index, point in reported.items() if index >= baseline_quarter.index}
        row["basis"] = REPORTED_FIGURE
    else:
        quarters = quarter_range(baseline_quarter, as_of) if baseline_quarter <= as_of else []
        series = _computed_series(goal, data, quarters)
        row["basis"] = VILLAGE_REPORTS
    series = {index: point for index, point in series.items() if index <= as_of.index}
    if baseline_quarter.index not in series:
        row["basis"] = None
        row["explanation"] = _(
            "No figure for the baseline period %(period)s: neither a cited figure for %(unit)s nor "
            "reports from every one of its villages."
        ) % {"period": goal.baseline_period, "unit": goal.unit.name}
        return row
    baseline = series[baseline_quarter.index]
    current_index = max(series)
    current = series[current_index]
    row.update(
        baseline=baseline["value"],
        baseline_source=baseline,
        current=current["value"],
        current_period=current["period"],
        current_source=current,
        resolved=baseline["value"] - current["value"],
    )
    row["progress"] = (
        round(max(0.0, min(1.0, row["resolved"] / baseline["value"])), 4)
        if baseline["value"]
        else (1.0 if current["value"] == 0 else 0.0)
    )
    # The latest data: the cited figure, or the last quarter in which a village reported (the
    # figures of later quarters only carry its reports forward).
    latest = current_index
    if row["basis"] == VILLAGE_REPORTS:
        reported_last = data.latest_quarter_with_data(goal.unit, as_of)
        latest = min(latest, reported_last.index) if reported_last else latest
    row["data_as_of"] = current["period"] if latest == current_index else str(Period.from_index(latest))
    deadline_index = goal.deadline.last_quarter.index if goal.deadline else None
    if current["value"] == 0:
        achieved = min(index for index, point in series.items() if point["value"] == 0 and index >= baseline_quarter.index)
        row["status"] = ACHIEVED
        row["projected_period"] = str(Period.from_index(achieved))
        row["explanation"] = _("Reached zero in %(quarter)s.") % {"quarter": Period.from_index(achieved)}
        return row
    if deadline_index is not None and as_of.index > deadline_index:
        row["status"] = OVERDUE
        row["explanation"] = _("The deadline %(deadline)s has passed with %(n)s left.") % {
            "deadline": goal.deadline, "n": current["value"]
        }
        return row
    if as_of.index - latest >= TREND_QUARTERS:
        # Note: a trend of years ago says nothing of today: no projection from it.
        row["status"] = STALE
        row["explanation"] = _(
            "The latest figure is of %(period)s, %(n)s quarters before %(as_of)s: too old to project a trend."
        ) % {"period": Period.from_index(latest), "n": as_of.index - latest, "as_of": as_of}
        return row
    recent = [index for index in series if index > current_index - TREND_QUARTERS]
    first_index = min(recent) if len(recent) >= 2 else baseline_quarter.index
    slope = (
        (current["value"] - series[first_index]["value"]) / (current_index - first_index)
        if current_index > first_index
        else 0.0
    )
    projected = current_index + math.ceil(current["value"] / -slope) if slope < 0 else None
    if projected is not None and projected > Period.quarter(MAX_YEAR, 4).index:
        # Note: a period names a year up to MAX_YEAR; a trend that slow reaches zero in no period.
        row["status"] = AT_RISK
        row["explanation"] = _(
            "At %(rate).2f a quarter (%(first)s to %(last)s), zero is not reached before %(max)s."
        ) % {"rate": -slope, "first": Period.from_index(first_index), "last": current["period"], "max": MAX_YEAR}
    elif projected is not None:
        row["projected_period"] = str(Period.from_index(projected))
        late = deadline_index is not None and projected > deadline_index
        row["status"] = AT_RISK if late else ON_TRACK
        row["explanation"] = _("At %(rate).2f a quarter (%(first)s to %(last)s), zero is reached in %(projected)s.") % {
            "rate": -slope, "first": Period.from_index(first_index), "last": current["period"],
            "projected": row["projected_period"],
        }
    else:
        row["status"] = AT_RISK
        row["explanation"] = _("No decrease from %(first)s to %(last)s: zero is not in sight.") % {
            "first": Period.from_index(first_index), "last": current["period"]
        }
    return row


def goals_progress(goals: list[Goal], *, as_of: Period | None = None, today: datetime.date | None = None) -> list[dict]:
    """Progress of each goal as of ``as_of`` (default: the current quarter), in a fixed number
    of queries whatever the number of goals."""
    as_of = as_of or current_quarter(today)
    goals = list(goals)
    units = list({goal.unit_id: goal.unit for goal in goals}.values())
    # A goal of a unit closing on a later day reads the map of that day, not today's: from the raw rows.
    closing_later = any(unit.valid_to and unit.valid_to > (today or readmodel.today()) for unit in units)
    data = (UnitData.load(units, as_of) if closing_later
            else _data(units, as_of, today_map=any(unit.valid_to for unit in units), today=today))
    figures = reported_figures_for(units)
    entries = {unit.pk: reported_entries(figures.get(unit.pk, [])) for unit in units}
    with_names(goal.unit for goal in goals)
    return [_progress_row(goal, data, entries[goal.unit_id], as_of) for goal in goals]


def goal_progress(goal: Goal, *, as_of: Period | None = None, today: datetime.date | None = None) -> dict:
    return goals_progress([goal], as_of=as_of, today=today)[0]
