"""The figures a user may read: of a unit, for the periods when it lay in their area. The numbers
themselves come from ``tracking.progress``, the one definition of every figure."""
from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from .. import progress, readmodel
from ..access import scope_of
from ..errors import Invalid, NotFound, NotPermitted
from ..models import (
    AdministrativeUnit,
    Goal,
    Village,
    VillagePlacement,
    names_prefetch,
)
from ..periods import MIN_YEAR, Period, current_quarter, quarter_range
from ..text import fold
from .records import quarters_in_area, unit_by_code, unit_in_period, visible

MAX_TIMELINE_QUARTERS = 200



def unit_figures(*, by, code: str, period: Period | None = None, boundaries: str = progress.HISTORICAL) -> dict:
    """The figures of the unit ``code`` for ``period`` (default: the latest quarter with data), for
    ``by``: only for a period when the unit lay in their area."""
    unit = unit_by_code(by=by, code=code, day=period.end if period else None)
    period = period or progress.latest_period(unit)
    if not quarters_in_area(by, unit, [period]):
        raise NotFound(_("No unit has the code %(code)s.") % {"code": code})
    if boundaries == progress.CURRENT and not _whole_today_in_area(by, unit, [period.last_quarter]):
        raise _current_refused(unit, period)
    return progress.unit_progress(unit, period, boundaries=boundaries)


def _whole_today_in_area(by, unit: AdministrativeUnit, quarters: list[Period]) -> list[Period]:
    """The ``quarters`` in which every village that ``unit`` holds on today's map (its last day,
    if it has closed) lay in ``by``'s area, as far as it existed: its figures with
    ``boundaries=current`` then read only the user's own villages (two queries)."""
    scope = scope_of(by)
    if scope.everything:
        return list(quarters)
    path = unit.path_on(progress.last_day_on_map(unit))
    if path is None:
        return []
    today = VillagePlacement.objects.active_on(progress.last_day_on_map(unit)).under(path)
    villages = {row["village_id"]: (row["village__valid_from"], row["village__valid_to"])
                for row in today.values("village_id", "village__valid_from", "village__valid_to")}
    inside = scope.villages_in_area_on(list(villages), [quarter.end for quarter in quarters])
    return [quarter for quarter in quarters
            if all(village_id in inside[quarter.end] for village_id, (start, end) in villages.items()
                   if (start is None or start <= quarter.end) and (end is None or end > quarter.end))]


def _current_refused(unit: AdministrativeUnit, period: Period) -> NotPermitted:
    return NotPermitted(_(
        "Villages of %(unit)s on today's map were not all in your area in %(period)s: ask for "
        "boundaries=historical.") % {"unit": unit, "period": period})


def quarters_asked(*, by, unit: AdministrativeUnit, code: str, first: Period, last: Period) -> list[Period]:
    """The quarters from ``first`` to ``last`` in which ``unit`` lay in ``by``'s area: ``Invalid``
    for an empty or too long range, ``NotFound`` (as for a code that does not exist) for none."""
    quarters = quarter_range(first, last)
    if len(quarters) < 1:
        raise Invalid({"from": Invalid(_("`from` comes after `to`."), code="invalid_range")})
    if len(quarters) > MAX_TIMELINE_QUARTERS:
        raise Invalid({"from": Invalid(_("At most %(n)s quarters at once.") % {"n": MAX_TIMELINE_QUARTERS},
                                       code="range_too_long")})
    visible = quarters_in_area(by, unit, quarters)
    if not visible:
        raise NotFound(_("No unit has the code %(code)s.") % {"code": code})
    return visible


def unit_timeline(*, by, code: str, first: Period | None = None, last: Period | None = None,
                  boundaries: str = progress.HISTORICAL) -> list[dict]:
    """The figures of the unit ``code`` quarter by quarter (default: the five years up to the
    latest quarter with data), only the quarters when it lay in ``by``'s area."""
    unit = unit_by_code(by=by, code=code)
    last = last or progress.latest_period(unit)
    # Note: five years back, but never before the first quarter a period can name.
    first = first or Period.from_index(max(last.index - 19, Period.quarter(MIN_YEAR, 1).index))
    visible_quarters = quarters_asked(by=by, unit=unit, code=code, first=first, last=last)
    if boundaries == progress.CURRENT:
        visible_quarters = _whole_today_in_area(by, unit, visible_quarters)
        if not visible_quarters:
            raise _current_refused(unit, last.last_quarter)
    rows = progress.unit_timeline(unit, visible_quarters[0], visible_quarters[-1], boundaries=boundaries)
    shown = {str(quarter) for quarter in visible_quarters}
    return [row for row in rows if row["period"] in shown]


def children_figures(*, by, code: str, period: Period | None = None) -> tuple[AdministrativeUnit, Period, list[dict]]:
    """``(unit, period, rows)``: the figures of the direct children of the unit ``code`` on the map
    of ``period`` (default: the unit's latest quarter with data), the most blank villages first,
    in a fixed number of queries. ``by`` must see the unit in that period."""
    if period is None:
        period = progress.latest_period(unit_by_code(by=by, code=code))
    unit = unit_in_period(by=by, code=code, period=period.last_quarter)
    children = list(AdministrativeUnit.objects.children_of(unit, period.last_quarter.end))
    rows = progress.units_figures(children, period)
    # Ties in the order of the alphabet as people read it (Đ after D, Ả with A), not of code points.
    ranked = sorted(rows.values(), key=lambda row: (-row["blank_villages"], fold(row["unit"]["name"]), row["unit"]["code"]))
    return unit, period, ranked


def blank_villages(*, by, code: str, period: Period | None = None, boundaries: str = progress.HISTORICAL):
    """``(unit, quarter, villages)``: the villages under the unit ``code`` still blank at
    ``period`` (default: the current quarter), a queryset to page, for ``by``."""
    quarter = (period or current_quarter()).last_quarter
    unit = unit_in_period(by=by, code=code, period=quarter)
    map_day = progress.last_day_on_map(unit) if boundaries == progress.CURRENT else None
    if map_day and not _whole_today_in_area(by, unit, [quarter]):
        raise _current_refused(unit, period or quarter)
    path = unit.path_on(map_day or quarter.end)
    if path is None:
        raise Invalid({"period": Invalid(
            _("%(unit)s is not on the map in %(period)s: ask for boundaries=current.")
            % {"unit": unit, "period": period or quarter}, code="unit_not_on_map")})
    # On the quarter's own map, the stored spans name the blank villages under the unit's path
    # (an index range, however long the history); on today's map, each village of the unit is probed.
    candidates = (Village.objects.filter(pk__in=readmodel.villages_situated_under(path, quarter.index, (readmodel.BLANK,)))
                  if map_day is None else Village.objects.within(unit, quarter.end, map_day))
    villages = (
        readmodel.situated_at(candidates, quarter.index, (readmodel.BLANK,))
        .prefetch_related(Prefetch("placements", queryset=VillagePlacement.objects.select_related("unit")
                                   .prefetch_related(names_prefetch("unit__"))))
        .order_by("name", "pk")
    )
    return unit, quarter, villages


def goals(*, by, queryset=None):
    """The goals ``by`` may see: of units that lay in their area from baseline to deadline."""
    return visible(by=by, queryset=queryset if queryset is not None else Goal.objects.select_related("unit"))


def goals_progress(*, by, goals: list[Goal], as_of: Period | None = None) -> list[dict]:
    """The progress of ``goals`` (already narrowed by ``goals()``) as of ``as_of`` (default: the
    current quarter), each at the latest as of the last quarter its unit lay in ``by``'s area:
    a committee follows a goal up to the day the unit left it, not after."""
    goals = list(goals)
    wanted = (as_of or current_quarter()).last_quarter
    last_days = scope_of(by).last_days_in_area({goal.unit_id for goal in goals})
    groups: dict[Period, list[Goal]] = {}
    for goal in goals:
        day = last_days.get(goal.unit_id)
        clamp = wanted if day is None else min(wanted, Period.quarter_of(day), key=lambda q: q.index)
        groups.setdefault(clamp, []).append(goal)
    rows = {}
    for quarter, members in groups.items():
        for goal, row in zip(members, progress.goals_progress(members, as_of=quarter)):
            rows[goal.pk] = row
    return [rows[goal.pk] for goal in goals]


def goal_progress(*, by, goal: Goal, as_of: Period | None = None) -> dict:
    """The progress of one goal ``by`` may see (``goals_progress``)."""
    return goals_progress(by=by, goals=[goal], as_of=as_of)[0]
