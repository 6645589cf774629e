"""Records by code or id, the one lookup of each, for one user: what they cannot see does not
exist (``errors.NotFound``; a code or id named in a request body: ``errors.Invalid`` on that
field, with the same words as for one that does not exist)."""
from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import progress, readmodel
from ..access import scope_of
from ..errors import Invalid, NotFound
from ..models import (
    AdministrativeUnit,
    GrassrootsOrganisation,
    PartyCell,
    QuarterReport,
    Village,
)
from ..periods import Period


def _refused(message: str, field: str | None, code: str = "does_not_exist"):
    """NotFound for a path or a query; Invalid on ``field`` for a value in a request body."""
    if field is None:
        return NotFound(message)
    return Invalid({field: Invalid(message, code=code)})



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
    if not quarters_in_area(by, unit, [period]):
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


def quarters_in_area(by, unit: AdministrativeUnit, quarters: list[Period]) -> list[Period]:
    """The ``quarters`` in which ``unit`` lay in ``by``'s area on the last day (one query)."""
    inside = scope_of(by).days_in_area(unit, [(quarter.end, quarter.end) for quarter in quarters])
    return [quarter for quarter, yes in zip(quarters, inside) if yes]


def villages_blank_at(*, by, queryset, quarter: Period, blank: bool = True):
    """The villages of ``queryset`` whose latest report at ``quarter`` says they are blank (or,
    with ``blank=False``, that they have members), among those that lay in ``by``'s area on the
    quarter's last day: what another committee's villages said then is not the user's to read."""
    situations = (readmodel.BLANK,) if blank else (readmodel.HAS_MEMBERS, readmodel.OWN_CELL, readmodel.MERGED_CELL)
    return readmodel.situated_at(scope_of(by).villages_placed_on(queryset, quarter.end), quarter.index, situations)


def latest_village_situations(*, by, village_ids: list[int], as_of: Period) -> dict:
    """Each village's latest report at or before ``as_of`` that ``by`` may read, and its situation."""
    return progress.latest_village_situations(village_ids, as_of, reports=visible(by=by, queryset=QuarterReport.objects.all()))
