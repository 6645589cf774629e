"""A unit's dashboard, what a committee sees first: its figures for a quarter, its goals with their
progress, its blank villages quarter by quarter, the units below it ranked by blank villages,
the quarter's completeness (who reported, submitted, was approved) and, at the bottom level, the
blank villages themselves. Every number comes from the figure selectors
(``figures``), for ``by``."""
from __future__ import annotations

from django.utils import timezone

from .. import progress
from ..access import scope_of
from ..models import AdministrativeUnit, Goal, Level, RoleGrant, name_on, names_prefetch
from ..periods import MIN_YEAR, Period
from .completeness import completeness
from .figures import (
    MAX_TIMELINE_QUARTERS,
    blank_villages,
    children_figures,
    goals,
    goals_progress,
    unit_figures,
    unit_timeline,
)
from .records import unit_by_code

# The chart shows ten years, or back to the earliest baseline of the unit's goals.
CHART_QUARTERS = 40
# The blank villages of a commune listed on its page (a commune has a few dozen villages).
BLANK_VILLAGES_SHOWN = 200


def home_units(*, by) -> list[AdministrativeUnit]:
    """The units whose dashboards a user starts from: the units of their roles, each once, the
    highest first; for a superuser, the nation, else every province on today's map."""
    today = timezone.localdate()
    if scope_of(by).everything:
        units = list(AdministrativeUnit.objects.nation().active_on(today))
        return units or list(AdministrativeUnit.objects.active_on(today).at_level(Level.PROVINCE).order_by("code"))
    grants = RoleGrant.objects.filter(user=by).select_related("unit").order_by("unit__level", "unit__code")
    return list({grant.unit_id: grant.unit for grant in grants}.values())


def dashboard(*, by, code: str, period: Period | None = None) -> dict:
    """The dashboard of the unit ``code`` for ``period`` (default: its latest quarter with data),
    for ``by``, who must see the unit in that period (else ``errors.NotFound``)."""
    unit = unit_by_code(by=by, code=code, day=period.last_quarter.end if period else None)
    period = period or progress.latest_period(unit)
    figures = unit_figures(by=by, code=code, period=period)
    unit_goals = list(goals(by=by, queryset=Goal.objects.filter(unit=unit).select_related("unit").order_by("deadline", "pk")))
    goal_rows = goals_progress(by=by, goals=unit_goals, as_of=period)
    last = period.last_quarter
    earliest = min([Period.quarter_of(goal.baseline_period.start).index for goal in unit_goals if goal.baseline_period]
                   + [last.index - CHART_QUARTERS + 1])
    first = Period.from_index(max(earliest, last.index - MAX_TIMELINE_QUARTERS + 1, Period.quarter(MIN_YEAR, 1).index))
    _, _, children = children_figures(by=by, code=code, period=period)
    blank = []
    if not children:
        _, _, villages = blank_villages(by=by, code=code, period=last)
        blank = list(villages[:BLANK_VILLAGES_SHOWN])
    return {
        "unit": unit,
        "period": period,
        "figures": figures,
        "timeline": unit_timeline(by=by, code=code, first=first, last=last),
        "goals": list(zip(unit_goals, goal_rows)),
        "children": children,
        "blank_villages": blank,
        # Which communes of the area reported, submitted, were approved that quarter.
        "completeness": completeness(by=by, code=code, quarter=last)["summary"],
        "ancestors": _ancestors(by, unit, last),
    }


def _ancestors(by, unit: AdministrativeUnit, quarter: Period) -> list[AdministrativeUnit]:
    """The units above ``unit`` on the quarter's map that ``by`` may see, the highest first, each
    with its name then (``name_then``)."""
    path = unit.path_on(quarter.end) or ""
    codes = path.strip("/").split("/")[:-1]
    prefixes = {code: "/" + "/".join(codes[: i + 1]) + "/" for i, code in enumerate(codes)}
    scope = scope_of(by)
    above = AdministrativeUnit.objects.active_on(quarter.end).filter(code__in=codes).prefetch_related(names_prefetch())
    shown = sorted((u for u in above if scope.covers(prefixes[u.code])), key=lambda u: len(prefixes[u.code]))
    for ancestor in shown:
        ancestor.name_then = name_on(ancestor, quarter.end)
    return shown
