"""Many records at once, all or nothing: a committee's list of villages, or of cells, checked by
the same rules as one record (``records.check_new_village``…), then written in a few statements
with their audit rows, and the figures kept in the same transaction."""
from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from .. import audit, locks, readmodel
from ..access import scope_of
from ..models import CellCoverage, PartyCell, UnitPlacement, Village, VillagePlacement
from .records import check_day, check_new_village, village_placements


def _errors_of(error: ValidationError, where: str, errors: dict) -> None:
    for field, messages in getattr(error, "message_dict", {"": error.messages}).items():
        errors[f"{where}.{field}" if field and field != "__all__" else where] = messages


def _history_user(by):
    return by if getattr(by, "pk", None) is not None else None


@transaction.atomic
def villages_create_many(*, by, rows: list[dict]) -> list[Village]:
    """Create the villages ``rows`` (each: ``name``, ``unit``, optional ``valid_from``,
    ``valid_to`` and sources), each placed in its unit as ``records.village_create`` places one:
    all or nothing, errors by row (``villages.3.unit``)."""
    scope = scope_of(by)
    for unit, day in {(row["unit"], row.get("valid_from") or timezone.localdate()) for row in rows}:
        scope.require_unit(unit, day)
    units = {row["unit"].pk: row["unit"] for row in rows}
    # Their provinces, then each unit's row (``locks.lock_map``, the order of every change of the
    # map): the next keys are ours until the transaction ends.
    locks.lock_map(units=list(units.values()))
    errors: dict = {}
    villages = []
    for index, row in enumerate(rows):
        village = Village(**{name: value for name, value in row.items() if name != "unit"})
        try:
            check_new_village(village, row["unit"])
        except ValidationError as error:
            _errors_of(error, f"villages.{index}", errors)
        villages.append(village)
    if errors:
        raise ValidationError(errors)
    # Each village enters its unit's figures over its life: refused in an approved quarter.
    locks.require_map_unlocked([(row["unit"], row.get("valid_from"), row.get("valid_to")) for row in rows])
    numbers = _next_numbers({unit.code for unit in units.values()})
    for village, row in zip(villages, rows):
        code = row["unit"].code
        numbers[code] += 1
        village.key = f"{code}-{numbers[code]:04d}"
    bulk_create_with_history(villages, Village, batch_size=1000, default_user=_history_user(by),
                             custom_historical_attrs={"history_path": audit.current_path()})
    placements_of: dict[int, list[UnitPlacement]] = defaultdict(list)
    for placement in UnitPlacement.objects.filter(unit_id__in=list(units)):
        placements_of[placement.unit_id].append(placement)
    VillagePlacement.objects.bulk_create(
        [placement for village, row in zip(villages, rows)
         for placement in village_placements(village, row["unit"], placements_of[row["unit"].pk])],
        batch_size=2000)
    readmodel.refresh([village.pk for village in villages], map_changed=True)
    return villages


def _next_numbers(codes: set[str]) -> dict[str, int]:
    """The last number given to a village key of each unit code (deleted villages' keys too)."""
    numbers = dict.fromkeys(codes, 0)
    for model in (Village.objects, Village.history):
        for key in model.filter(key__regex=r"^[0-9]{2,5}-[0-9]+$").values_list("key", flat=True).distinct():
            code, _sep, number = key.partition("-")
            if code in numbers:
                numbers[code] = max(numbers[code], int(number))
    return numbers


@transaction.atomic
def cells_create_many(*, by, rows: list[dict]) -> list[PartyCell]:
    """Create the cells ``rows`` (each: ``name``, ``villages`` it serves from ``founded_on``,
    optional sources), as ``records.cell_create`` creates one: all or nothing, errors by row."""
    scope = scope_of(by)
    errors: dict = {}
    cells = []
    for index, row in enumerate(rows):
        founded_on: datetime.date | None = row.get("founded_on")
        cell = PartyCell(**{name: value for name, value in row.items() if name != "villages"})
        try:
            if not row.get("villages"):
                raise ValidationError({"villages": _("Name the villages the cell serves.")})
            check_day("founded_on", founded_on)
            cell.full_clean()
            for village in row["villages"]:
                scope.require_coverage(village, founded_on, None)
                if not village.covers_range(founded_on, None):
                    raise ValidationError({"villages": _("%(village)s does not exist over these dates.") % {"village": village}})
        except ValidationError as error:
            _errors_of(error, f"cells.{index}", errors)
        cells.append(cell)
    if errors:
        raise ValidationError(errors)
    bulk_create_with_history(cells, PartyCell, batch_size=1000, default_user=_history_user(by),
                             custom_historical_attrs={"history_path": audit.current_path()})
    CellCoverage.objects.bulk_create(
        [CellCoverage(cell=cell, village=village, valid_from=row.get("founded_on"))
         for cell, row in zip(cells, rows) for village in row["villages"]], batch_size=2000)
    villages = {village.pk for row in rows for village in row["villages"]}
    readmodel.refresh(villages, cells={cell.pk for cell in cells})
    return cells
