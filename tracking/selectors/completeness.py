"""Completeness of a quarter: for an area, which communes have reported all, some or none of their
villages, which have submitted their quarter and which are approved — commune by commune, and
counted per unit below the area.

Everything is read on the map of the quarter's last day (as the approvals and their lock are):

- the **communes** of an area are the communes placed at or below it on that day; a unit above
  the communes that holds villages directly (villages whose commune is not known, placed in
  their district, or in their province after 2025) is listed as well, as a row of its own;
- a commune's **villages** are those placed in it on that day and existing then: a village added
  after the quarter, or moved to another commune before its last day, does not count here;
- a village has **reported** when it has a report *of* the quarter (a report carried forward
  from an earlier quarter does not count): ``all``, ``some`` or ``none`` of the commune's
  villages; ``no_villages`` for a commune without a village on the map;
- ``state`` is the commune's own quarter (draft without a row, submitted, approved); ``locked``
  says whether its reports are locked, by its own approval or that of a unit above it
  (``locks``), and ``approved_by_unit`` by which.

The counts per unit (``by_unit``) group the communes by the unit one level below the area: the
provinces of the nation, the districts of a province. A district or a commune is counted as one
group, itself; so are the communes placed directly under a province (after 2025, when the
districts were abolished) and the villages a province holds directly: in the province's own
group.

Speed: a fixed number of queries whatever the size of the area. The villages are counted in the
database (one grouped query); Python then walks the communes, never the villages.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, F, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import locks, progress
from ..access import scope_of
from ..errors import Invalid
from ..models import (
    AdministrativeUnit,
    ApprovalState,
    Level,
    QuarterApproval,
    RoleGrant,
    UnitPlacement,
    VillagePlacement,
    unit_ref,
    with_names,
)
from ..periods import QUARTER, Period
from ..querysets import active_on_q
from .records import unit_by_code, unit_in_period

ALL, SOME, NONE, NO_VILLAGES = "all", "some", "none", "no_villages"
REPORTED = (ALL, SOME, NONE, NO_VILLAGES)
STATES = tuple(ApprovalState.values)

# The count of the communes of each kind of ``reported``, in the summary.
_REPORTED_COUNTS = {ALL: "reported_all", SOME: "reported_some", NONE: "reported_none", NO_VILLAGES: "without_villages"}
COUNTS = ("communes", *_REPORTED_COUNTS.values(), *STATES, "locked", "villages", "villages_reported")


@dataclass(eq=False)
class _Unit:
    """A unit as its placement on the day places it and ``unit_ref`` names it, without loading the row."""

    pk: int
    code: str
    name: str
    level: int
    parent_id: int | None
    path: str


def reported_of(villages: int, villages_reported: int) -> str:
    """``all``, ``some`` or ``none`` of a commune's villages reported; ``no_villages`` without any."""
    if not villages:
        return NO_VILLAGES
    if villages_reported >= villages:
        return ALL
    return SOME if villages_reported else NONE


def completeness(*, by, code: str, quarter: Period | None = None, reported: str | None = None,
                 state: str | None = None) -> dict:
    """For the area with ``code`` and ``quarter`` (default: the latest quarter with data, as the
    figures take it), each commune's villages, reports and quarter (only those with ``reported``
    and ``state``, when given) and the counts of all of them (``summary``: whatever the filters),
    for ``by``: only for a quarter when the area lay in their area. A fixed number of queries.

    ``{"area", "quarter", "map_date", "summary": {<COUNTS>, "by_unit": [{"unit", "unit_id",
    "path", <COUNTS>}]}, "communes": [{"unit", "unit_id", "path", "parent", "villages",
    "villages_reported", "reported", "state", "approval_id", "submitted_by", "submitted_at",
    "approved_by", "approved_at", "reason", "locked", "approved_by_unit"}]}``, units as
    ``unit_ref`` gives them, communes in the order of the map. ``errors.NotFound`` for an area
    ``by`` may not read in that quarter; ``errors.Invalid`` for a quarter that is not one, an
    area not on its map, a ``reported`` or ``state`` that is not one of theirs."""
    _check_choice("reported", reported, REPORTED)
    _check_choice("state", state, STATES)
    if quarter is None:
        quarter = _latest_quarter(unit_by_code(by=by, code=code))
    elif quarter.kind != QUARTER:
        raise Invalid({"quarter": Invalid(_("“%(value)s” is not a quarter: write it as 2019Q2.") % {"value": quarter},
                                          code="not_a_quarter")})
    area = unit_in_period(by=by, code=code, period=quarter)
    day = quarter.end
    path = area.path_on(day)
    if path is None:
        raise Invalid({"quarter": Invalid(_("%(unit)s is not on the map in %(quarter)s.") % {"unit": area, "quarter": quarter},
                                          code="unit_not_on_map")})
    # Note: every row below lies in ``by``'s area: the area did on that day, and a role covers
    # everything placed under its unit then (``access``).
    on_map = UnitPlacement.objects.active_on(day).filter(Q(path__startswith=path) | Q(path__in=locks.paths_above(path)))
    units = {row["unit_id"]: _Unit(row["unit_id"], row["unit__code"], row["unit__name"], row["unit__level"],
                                   row["parent_id"], row["path"])
             for row in on_map.order_by().values("unit_id", "unit__code", "unit__name", "unit__level", "parent_id", "path")}
    villages = _villages_per_unit(path, quarter)
    username = get_user_model().USERNAME_FIELD
    approvals = list(QuarterApproval.objects.filter(quarter=quarter, unit__in=on_map.values("unit_id")).order_by()
                     .annotate(submitted_by_name=F(f"submitted_by__{username}"),
                               approved_by_name=F(f"approved_by__{username}")))
    rows_at: dict[str, list[QuarterApproval]] = defaultdict(list)
    for approval in approvals:
        rows_at[units[approval.unit_id].path].append(approval)
    own = {approval.unit_id: approval for approval in approvals}

    communes = sorted((unit for unit in units.values() if unit.path.startswith(path)
                       and (unit.level == Level.COMMUNE or unit.pk in villages)), key=lambda unit: unit.path)
    refs = {unit.pk: unit_ref(unit, day) for unit in with_names(units.values())}
    rows = [_row(unit, refs, villages.get(unit.pk, (0, 0)), own.get(unit.pk), locks.standing_at(unit.path, quarter, rows_at))
            for unit in communes]
    return {
        "area": refs[area.pk],
        "quarter": str(quarter),
        "map_date": day.isoformat(),
        "summary": _summary(rows, communes, units[area.pk], units, refs),
        "communes": [row for row in rows if (reported is None or row["reported"] == reported)
                     and (state is None or row["state"] == state)],
    }


def _summary(rows: list[dict], communes: list[_Unit], area: _Unit, units: dict[int, _Unit], refs: dict[int, dict]) -> dict:
    """The counts of ``rows`` in total and per unit one level below ``area`` (``by_unit``)."""
    by_path = {unit.path: unit for unit in units.values()}
    # Every unit one level below the area is counted, a district without communes too.
    children = [unit for unit in units.values() if unit.parent_id == area.pk and unit.level != Level.COMMUNE]
    groups = {unit.pk: _group_counts(unit, refs) for unit in children or [area]}
    totals = dict.fromkeys(COUNTS, 0)
    for row, unit in zip(rows, communes):
        group = _group_of(unit, area, by_path)
        if group.pk not in groups:
            groups[group.pk] = _group_counts(group, refs)
        for counts in (totals, groups[group.pk]):
            _add(counts, row)
    return {**totals, "by_unit": sorted(groups.values(), key=lambda group: group["path"])}


def _latest_quarter(unit: AdministrativeUnit) -> Period:
    """The latest quarter with data (``progress.latest_period``: else the current quarter), for a
    unit closed since no later than its last quarter on the map (an abolished district without
    data: its last quarter, not today's, when it is on no map)."""
    quarter = progress.latest_period(unit)
    if unit.valid_to is None or unit.valid_to > timezone.localdate():
        return quarter
    last = Period.quarter_of(unit.valid_to - datetime.timedelta(days=1))
    if last.end >= unit.valid_to:  # closed before the quarter's last day: the one before
        last = Period.from_index(last.index - 1)
    return min(quarter, last, key=lambda period: period.index)


def _check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise Invalid({name: Invalid(_("Write one of: %(choices)s.") % {"choices": ", ".join(choices)},
                                     code="invalid_choice")})


def _villages_per_unit(path: str, quarter: Period) -> dict[int, tuple[int, int]]:
    """``unit id → (villages, villages with a report of quarter)`` for the units at or below
    ``path`` that hold villages on the quarter's last day: one grouped query."""
    day = quarter.end
    counts = (
        VillagePlacement.objects.active_on(day).under(path).filter(active_on_q(day, "village__"))
        .annotate(report=FilteredRelation("village__reports", condition=Q(village__reports__quarter=quarter)))
        .order_by().values("unit_id").annotate(villages=Count("pk"), reported=Count("report__pk"))
    )
    return {row["unit_id"]: (row["villages"], row["reported"]) for row in counts}


def _row(unit: _Unit, refs: dict[int, dict], counts: tuple[int, int], approval: QuarterApproval | None,
         standing: locks.Standing) -> dict:
    """One commune as the list shows it (``refs``: each unit's ``unit_ref``, by id)."""
    villages, villages_reported = counts
    return {
        "unit": refs[unit.pk],
        "unit_id": unit.pk,
        "path": unit.path,
        "parent": refs.get(unit.parent_id),
        "villages": villages,
        "villages_reported": villages_reported,
        "reported": reported_of(villages, villages_reported),
        "state": approval.state if approval else ApprovalState.DRAFT.value,
        "approval_id": approval.pk if approval else None,
        "submitted_by": approval.submitted_by_name if approval else None,
        "submitted_at": approval.submitted_at if approval else None,
        "approved_by": approval.approved_by_name if approval else None,
        "approved_at": approval.approved_at if approval else None,
        "reason": approval.reason if approval else "",
        "locked": standing.locked,
        # Note: the code from the map read above; the row's unit is not loaded (a query per row).
        "approved_by_unit": refs[standing.lock.unit_id]["code"] if standing.lock else None,
    }


def _group_of(unit: _Unit, area: _Unit, by_path: dict[str, _Unit]) -> _Unit:
    """The unit one level below ``area`` that holds ``unit`` (or is it, when it is not a
    commune); else the area itself."""
    rest = unit.path[len(area.path):]
    if not rest:
        return area
    child = by_path.get(area.path + rest.split("/", 1)[0] + "/")
    if child is None or (child is unit and unit.level == Level.COMMUNE):
        return area
    return child


def _group_counts(unit: _Unit, refs: dict[int, dict]) -> dict:
    return {"unit": refs[unit.pk], "unit_id": unit.pk, "path": unit.path, **dict.fromkeys(COUNTS, 0)}


def _add(counts: dict, row: dict) -> None:
    counts["communes"] += 1
    counts[_REPORTED_COUNTS[row["reported"]]] += 1
    counts[row["state"]] += 1
    counts["locked"] += row["locked"]
    counts["villages"] += row["villages"]
    counts["villages_reported"] += row["villages_reported"]


def completeness_default_area(*, by) -> AdministrativeUnit | None:
    """The area a screen of completeness opens on for ``by``: the unit of their widest role
    (the nation, for a superuser; else the first province); None without any (one query)."""
    if scope_of(by).everything:
        units = AdministrativeUnit.objects.filter(level__in=[Level.NATION, Level.PROVINCE])
        return units.order_by("level", "code").first()
    grant = (RoleGrant.objects.filter(user_id=getattr(by, "pk", None)).select_related("unit")
             .order_by("unit__level", "unit__code").first())
    return grant.unit if grant else None
