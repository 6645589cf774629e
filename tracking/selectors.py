"""Every read the API, the admin and the commands serve, for one user (``by``).

What a user may see is decided here and in ``access``, for records and for figures alike: a
record outside the user's areas, or a period of a unit that was not theirs then, does not exist
(``errors.NotFound``; a code or id named in a request body: ``errors.Invalid`` on that field,
with the same words as for one that does not exist). The figures themselves come from
``progress``, the one definition of every number.
"""
from __future__ import annotations

import datetime

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from . import approvals, progress
from .access import scope_of
from .errors import Invalid, NotFound
from .models import (
    AdministrativeUnit,
    Goal,
    GrassrootsOrganisation,
    PartyCell,
    QuarterApproval,
    Village,
    VillagePlacement,
)
from .periods import MIN_YEAR, Period, current_quarter, quarter_range

MAX_TIMELINE_QUARTERS = 200


def _refused(message: str, field: str | None, code: str = "does_not_exist"):
    """NotFound for a path or a query; Invalid on ``field`` for a value in a request body."""
    if field is None:
        return NotFound(message)
    return Invalid({field: Invalid(message, code=code)})


# ---------------------------------------------------------------------------------------
# Records by code or id: the one lookup of each


def holds_role(*, by, role) -> bool:
    """Whether ``by`` holds ``role`` (or more) on some unit."""
    return scope_of(by).has_role(role)


def sees(*, by, record, role=None) -> bool:
    """Whether ``by`` may see ``record`` (with ``role``: within the area of that role)."""
    scope = scope_of(by)
    return scope.sees(record) if role is None else scope.sees(record, role)


def visible(*, by, queryset, role=None):
    """``queryset`` narrowed to what ``by`` may see (``access.Scope.visible``)."""
    scope = scope_of(by)
    return scope.visible(queryset) if role is None else scope.visible(queryset, role)


def unit_by_code(*, by, code: str, day: datetime.date | None = None, field: str | None = None) -> AdministrativeUnit:
    """The unit with ``code`` on ``day`` (default today; else the latest unit with that code),
    in ``by``'s areas."""
    units = list(AdministrativeUnit.objects.with_code(str(code)))
    on = day or timezone.localdate()
    unit = next((unit for unit in units if unit.is_active_on(on)), units[0] if units else None)
    if unit is None or not scope_of(by).sees(unit):
        raise _refused(_("No unit has the code %(code)s.") % {"code": code}, field)
    return unit


def units_by_codes(*, by, codes: list[str], field: str) -> list[AdministrativeUnit]:
    """The units with ``codes``, in order; every code unknown to ``by`` named on ``field``."""
    units, missing = [], []
    for code in codes:
        try:
            units.append(unit_by_code(by=by, code=code))
        except NotFound:
            missing.append(code)
    if missing:
        raise Invalid({field: [Invalid(_("No unit has the code %(code)s.") % {"code": code}, code="does_not_exist")
                               for code in missing]})
    return units


def unit_in_period(*, by, code: str, period: Period) -> AdministrativeUnit:
    """The unit with ``code`` if ``by`` may read its data of ``period``: it lay in their area on
    the period's last day (``access``: a role covers what was under it at the time)."""
    unit = unit_by_code(by=by, code=code, day=period.end)
    if not scope_of(by).sees_unit_on(unit, period.end):
        raise NotFound(_("No unit has the code %(code)s.") % {"code": code})
    return unit


def _by_id(by, queryset, pk, field: str | None, message: str):
    record = visible(by=by, queryset=queryset).filter(pk=pk).first() if isinstance(pk, int) else None
    if record is None:
        raise _refused(message % {"id": pk}, field)
    return record


def village_by_id(*, by, pk: int, field: str | None = None) -> Village:
    """The village with id ``pk`` in ``by``'s areas."""
    return _by_id(by, Village.objects.all(), pk, field, _("No village has the id %(id)s."))


def villages_by_ids(*, by, ids: list[int], field: str) -> dict[int, Village]:
    """``id → village`` for ``ids``; an id unknown to ``by`` is named on ``field`` (one query)."""
    found = visible(by=by, queryset=Village.objects.all()).in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise Invalid({field: [Invalid(_("No village has the id %(id)s.") % {"id": pk}, code="does_not_exist")
                               for pk in missing]})
    return found


def cell_by_id(*, by, pk: int, field: str | None = None) -> PartyCell:
    """The party cell with id ``pk`` in ``by``'s areas."""
    return _by_id(by, PartyCell.objects.all(), pk, field, _("No party cell has the id %(id)s."))


def cells_by_ids(*, by, ids: list[int]) -> dict[int, PartyCell]:
    """``id → cell`` for those of ``ids`` that ``by`` may see (one query)."""
    return visible(by=by, queryset=PartyCell.objects.all()).in_bulk(ids)


def organisation_by_id(*, by, pk: int, field: str | None = None) -> GrassrootsOrganisation:
    """The grassroots organisation with id ``pk`` in ``by``'s areas."""
    return _by_id(by, GrassrootsOrganisation.objects.select_related("unit"), pk, field,
                  _("No organisation has the id %(id)s."))


def record_by_id(*, by, queryset, pk):
    """The record of ``queryset`` with id ``pk`` that ``by`` may see."""
    record = visible(by=by, queryset=queryset).filter(pk=pk).first()
    if record is None:
        raise NotFound(_("No %(what)s has the id %(id)s.") % {"what": queryset.model._meta.verbose_name, "id": pk})
    return record


# ---------------------------------------------------------------------------------------
# Figures


def _in_area(by, unit: AdministrativeUnit, quarters: list[Period]) -> list[Period]:
    """The ``quarters`` in which ``unit`` lay in ``by``'s area on the last day (one query)."""
    scope = scope_of(by)
    if scope.everything:
        return list(quarters)
    spans = [(p.valid_from, p.valid_to) for p in unit.placements.under_any(scope.prefixes())]
    return [q for q in quarters if any((a is None or a <= q.end) and (b is None or b > q.end) for a, b in spans)]


def unit_figures(*, by, code: str, period: Period | None = None, boundaries: str = progress.HISTORICAL) -> dict:
    """The figures of the unit ``code`` for ``period`` (default: the latest quarter with data), for
    ``by``: only for a period when the unit lay in their area."""
    unit = unit_by_code(by=by, code=code, day=period.end if period else None)
    period = period or progress.latest_period(unit)
    if not _in_area(by, unit, [period]):
        raise NotFound(_("No unit has the code %(code)s.") % {"code": code})
    return progress.unit_progress(unit, period, boundaries=boundaries)


def unit_timeline(*, by, code: str, first: Period | None = None, last: Period | None = None,
                  boundaries: str = progress.HISTORICAL) -> list[dict]:
    """The figures of the unit ``code`` quarter by quarter (default: the five years up to the
    latest quarter with data), only the quarters when it lay in ``by``'s area."""
    unit = unit_by_code(by=by, code=code)
    last = last or progress.latest_period(unit)
    # Note: five years back, but never before the first quarter a period can name.
    first = first or Period.from_index(max(last.index - 19, Period.quarter(MIN_YEAR, 1).index))
    quarters = quarter_range(first, last)
    if len(quarters) < 1:
        raise Invalid({"from": Invalid(_("`from` comes after `to`."), code="invalid_range")})
    if len(quarters) > MAX_TIMELINE_QUARTERS:
        raise Invalid({"from": Invalid(_("At most %(n)s quarters at once.") % {"n": MAX_TIMELINE_QUARTERS},
                                       code="range_too_long")})
    visible_quarters = _in_area(by, unit, quarters)
    if not visible_quarters:
        raise NotFound(_("No unit has the code %(code)s.") % {"code": code})
    rows = progress.unit_timeline(unit, visible_quarters[0], visible_quarters[-1], boundaries=boundaries)
    shown = {str(quarter) for quarter in visible_quarters}
    return [row for row in rows if row["period"] in shown]


def blank_villages(*, by, code: str, period: Period | None = None, boundaries: str = progress.HISTORICAL):
    """``(unit, quarter, villages)``: the villages under the unit ``code`` still blank at
    ``period`` (default: the current quarter), a queryset to page, for ``by``."""
    quarter = (period or current_quarter()).last_quarter
    unit = unit_by_code(by=by, code=code, day=quarter.end)
    if not _in_area(by, unit, [quarter]):
        raise NotFound(_("No unit has the code %(code)s.") % {"code": code})
    map_day = progress.last_day_on_map(unit) if boundaries == progress.CURRENT else None
    if unit.path_on(map_day or quarter.end) is None:
        raise Invalid({"period": Invalid(
            _("%(unit)s is not on the map in %(period)s: ask for boundaries=current.")
            % {"unit": unit, "period": period or quarter}, code="unit_not_on_map")})
    villages = (
        Village.objects.within(unit, quarter.end, map_day).blank_at(quarter)
        .prefetch_related(Prefetch("placements", queryset=VillagePlacement.objects.select_related("unit")))
        .order_by("name", "pk")
    )
    return unit, quarter, villages


def goals(*, by, queryset=None):
    """The goals ``by`` may see: of units that lay in their area from baseline to deadline."""
    return visible(by=by, queryset=queryset if queryset is not None else Goal.objects.select_related("unit"))


def goals_progress(*, by, goals: list[Goal], as_of: Period | None = None) -> list[dict]:
    """The progress of ``goals`` (already narrowed by ``goals()``) as of ``as_of``."""
    return progress.goals_progress(list(goals), as_of=as_of.last_quarter if as_of else None)


def goal_progress(*, by, goal: Goal, as_of: Period | None = None) -> dict:
    """The progress of one goal ``by`` may see."""
    return progress.goal_progress(goal, as_of=as_of.last_quarter if as_of else None)


# ---------------------------------------------------------------------------------------
# Approvals


def approval_unit(*, by, code: str, quarter: Period) -> AdministrativeUnit:
    """The unit ``code`` whose ``quarter`` ``by`` may see (it lay in their area on its last day)."""
    unit = unit_by_code(by=by, code=code, day=quarter.end)
    if not _in_area(by, unit, [quarter]):
        raise NotFound(_("No unit has the code %(code)s.") % {"code": code})
    return unit


def approval_overview(*, by, code: str, quarter: Period) -> dict:
    """The state of the quarter of the unit ``code``, its lock and its villages' coverage."""
    return approvals.overview(approval_unit(by=by, code=code, quarter=quarter), quarter)


def approval_history(*, by, code: str, quarter: Period) -> list:
    """The audit rows of the unit's quarter, newest first (empty while it is a draft without a row)."""
    unit = approval_unit(by=by, code=code, quarter=quarter)
    row = QuarterApproval.objects.filter(unit=unit, quarter=quarter).first()
    if row is None:
        return []
    return list(row.history.select_related("history_user").order_by("-history_date", "-history_id"))


def approval_rows(*, by, queryset=None):
    """The quarter approvals ``by`` may see."""
    return visible(by=by, queryset=queryset if queryset is not None else QuarterApproval.objects.all())
