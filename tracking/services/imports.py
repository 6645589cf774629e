"""A quarter's reports for any area from a file: one row a village, named by its key.

The same rules as every other write (``reports.write_rows``): the user's editor area on the
quarter's last day, the lock of approved quarters, every rule of a report; all or nothing, and
every error named by its row and column (``rows.3.admissions``: the file's third line, its
header being the first).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.utils.translation import gettext as _

from .. import locks, selectors
from ..access import scope_of
from ..errors import Invalid
from ..models import (
    COUNT_FIELDS,
    QuarterReport,
    Role,
    Village,
    VillagePlacement,
    VillageStatus,
)
from ..periods import Period
from .reports import check_rows, write_checked

KEY = "village_key"
COLUMNS = (KEY, *COUNT_FIELDS, "status", "cell", "source_url", "source_location", "note")
CHUNK = 5000  # villages a statement names at most (PostgreSQL takes 65,535 parameters, SQLite 32,766)


def read_csv(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """The rows of a CSV file (its first line names the columns, ``COLUMNS``; any order, the
    village key required); an ``Invalid`` naming any other column."""
    reader = csv.DictReader(lines)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise Invalid({"rows.1": Invalid(_("Not a CSV line: %(error)s.") % {"error": error}, code="invalid")}) from error
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or KEY not in header:
        problems = [_("Unknown column %(name)s: the file takes %(columns)s.") % {"name": name, "columns": ", ".join(COLUMNS)}
                    for name in unknown]
        if KEY not in header:
            problems.append(_("The first line names the columns, %(key)s among them.") % {"key": KEY})
        raise Invalid({"columns": problems})
    reader.fieldnames = header
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:  # a field too long, a NUL byte, an unclosed quote
            raise Invalid({f"rows.{reader.line_num}": Invalid(_("Not a CSV line: %(error)s.") % {"error": error},
                                                              code="invalid")}) from error
        yield {name: (value or "").strip() if isinstance(value, str) else "" for name, value in row.items()
               if name is not None}


def _whole_number(text: str) -> bool:
    """Digits 0-9 only, and no more than a database column holds (a larger count is refused by
    the report's rules; a larger id names nothing)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _values(row: dict[str, str], where: str, errors: dict) -> dict:
    """The report's values of one row; each value in error is put on ``errors`` at its column."""
    values: dict = {}
    for name in COUNT_FIELDS:
        text = row.get(name, "")
        if text == "":
            values[name] = None
        elif _whole_number(text):
            values[name] = int(text)
        else:
            errors[f"{where}.{name}"] = [_("“%(text)s” is not a count: write a whole number, 0 or more, or leave it "
                                           "empty.") % {"text": text}]
    status = row.get("status", "")
    if status and status not in VillageStatus.values:
        errors[f"{where}.status"] = [_("Write one of %(choices)s, or leave it empty.")
                                     % {"choices": ", ".join(VillageStatus.values)}]
    values["status"] = status
    cell = row.get("cell", "")
    if cell and not _whole_number(cell):
        errors[f"{where}.cell"] = [_("Write the id of the party cell, or leave it empty.")]
    values["cell"] = int(cell) if _whole_number(cell) else None
    for name in ("source_url", "source_location", "note"):
        values[name] = row.get(name, "")
    return values


@transaction.atomic
def reports_import(*, by, quarter: Period | str, rows: Iterable[dict[str, str]], dry_run: bool = False) -> dict:
    """Write the reports of ``quarter`` that ``rows`` (from ``read_csv``) give, for villages in
    ``by``'s editor area on the quarter's last day: all or nothing. Returns how many reports were
    created, updated and unchanged (with ``dry_run``, would be; nothing is saved)."""
    quarter = QuarterReport._meta.get_field("quarter").to_python(quarter)
    scope = scope_of(by)
    errors: dict[str, list[str]] = {}
    parsed: list[tuple[str, str, dict]] = []
    lines: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):  # the header is line 1
        where = f"rows.{line}"
        key = row.get(KEY, "")
        if not key:
            errors[f"{where}.{KEY}"] = [_("Give the village's key, e.g. 03317-0001.")]
            continue
        if key in lines:
            errors[f"{where}.{KEY}"] = [_("The village %(key)s is on line %(line)s already.")
                                        % {"key": key, "line": lines[key].split(".")[1]}]
            continue
        lines[key] = where
        parsed.append((where, key, _values(row, where, errors)))
    if not parsed and not errors:
        raise Invalid({"rows": Invalid(_("The file has no rows."), code="required")})
    outcomes: dict[str, list] = {"created": [], "updated": [], "unchanged": []}
    # Read in parts, so that no statement names more villages than a database takes parameters.
    for start in range(0, len(parsed), CHUNK):
        accepted = _accepted(by, scope, parsed[start:start + CHUNK], quarter, errors)
        _lock_and_check(accepted, quarter)
        for name, done in check_rows(quarter=quarter, rows=accepted, errors=errors).items():
            outcomes[name] += done
    if errors:
        raise Invalid(errors)
    if not dry_run:
        write_checked(by, outcomes)
    return {"quarter": str(quarter), "dry_run": dry_run, "rows": len(parsed),
            **{name: len(done) for name, done in outcomes.items()}}


def _accepted(by, scope, parsed: list[tuple[str, str, dict]], quarter: Period, errors: dict) -> list:
    """The rows whose village (by its key, among those the user may see: one query) lies in the
    user's editor area on the quarter's last day (one more) and whose cell they may see; the
    others' errors put on ``errors``."""
    villages = scope.visible(Village.objects.all()).in_bulk([key for _where, key, _values in parsed], field_name="key")
    day = quarter.end
    theirs = set(scope.villages_placed_on(Village.objects.filter(pk__in=[v.pk for v in villages.values()]), day,
                                          Role.EDITOR).values_list("pk", flat=True))
    cells = selectors.cells_by_ids(by=by, ids=[values["cell"] for _where, _key, values in parsed if values["cell"]])
    accepted = []
    for where, key, values in parsed:
        village = villages.get(key)
        if village is None:
            errors[f"{where}.{KEY}"] = [_("No village has the key %(key)s.") % {"key": key}]
            continue
        if village.pk not in theirs:
            errors[f"{where}.{KEY}"] = [_("%(village)s (%(key)s) is not in the area of your editor roles (map of "
                                          "%(day)s).") % {"village": village, "key": key, "day": day}]
            continue
        if values["cell"]:
            if values["cell"] not in cells:
                errors[f"{where}.cell"] = [_("No party cell has the id %(id)s.") % {"id": values["cell"]}]
                continue
            values["cell"] = cells[values["cell"]]
        accepted.append((where, village, values))
    return accepted


def _lock_and_check(rows: list[tuple[str, Village, dict]], quarter: Period) -> None:
    """Take the lock of every province the rows touch (in one order, so two imports cannot wait
    for each other), then refuse, naming each row, the villages whose quarter is approved."""
    ids = [village.pk for _where, village, _values in rows]
    paths = VillagePlacement.objects.filter(village_id__in=ids).active_on(quarter.end).values_list("path", flat=True)
    for province in sorted({f"/{path.strip('/').split('/')[0]}/" for path in paths}):
        locks.lock_province(province)
    found = locks.locks_for(ids, quarter)
    if found:
        entries = [(f"{where}.{KEY}", f"{village}: {locks.locked_message(found[village.pk])}")
                   for where, village, _values in rows if village.pk in found]
        raise locks.quarter_locked(next(iter(found.values())), entries=entries)
