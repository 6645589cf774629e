"""A quarter's reports for any area from a file: one row a village, named by its key.

The same rules as every other write (``reports.check_rows``): the user's editor area on the
quarter's last day, the lock of approved quarters, every rule of a report, the limits of the API;
all or nothing, and every error named by its line and column (``rows.3.admissions``: the file's
third line, its header being the first).
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import locks, selectors
from ..access import scope_of
from ..errors import Invalid
from ..models import (
    COUNT_FIELDS,
    MAX_COUNT,
    MAX_NOTE,
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
MAX_ERRORS = 200  # errors reported at most: a file in error is corrected and sent again
EXTRA = "\x00extra"  # where the csv module puts the fields of a line longer than its header
TEXT_LIMITS = {"source_url": 500, "source_location": 200, "note": MAX_NOTE}
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def read_csv(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each row of a CSV file whose first line names the columns (``COLUMNS``,
    in any order, the village key required); an ``Invalid`` for a file that is not such a CSV.
    ``line`` is the line on which the row ends (a quoted note may span several)."""
    reader = csv.DictReader(lines, restkey=EXTRA, strict=True)
    try:
        header = [name.strip().lstrip("\ufeff") for name in reader.fieldnames or []]
    except csv.Error as error:
        raise Invalid({"rows.1": Invalid(_("Not a CSV line: %(error)s.") % {"error": error})}) from error
    while header and header[-1] == "":
        header.pop()  # the empty columns a spreadsheet leaves after the last
    problems = []
    unknown = sorted({name for name in header if name not in COLUMNS})
    if unknown:
        problems.append(_("Unknown columns %(names)s: the file takes %(columns)s.")
                        % {"names": ", ".join(f"“{name}”" for name in unknown), "columns": ", ".join(COLUMNS)})
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        problems.append(_("Columns named twice: %(names)s.") % {"names": ", ".join(twice)})
    if KEY not in header:
        problems.append(_("The first line names the columns, %(key)s among them.") % {"key": KEY})
    if problems:
        raise Invalid({"columns": problems})
    reader.fieldnames = header
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:  # a field too long, an unclosed quote
            raise Invalid({f"rows.{reader.line_num}": Invalid(_("Not a CSV line: %(error)s.") % {"error": error})}) from error
        extra = [value for value in row.pop(EXTRA, []) or [] if value and value.strip()]
        values = {name: (value or "").strip() for name, value in row.items() if isinstance(value, str) or value is None}
        if extra:
            values[EXTRA] = ""
        yield reader.line_num, values


def _values(row: dict[str, str], where: str, errors: dict) -> dict | None:
    """The report's values of one row; None when one is not a value (each put on ``errors`` at
    its column)."""
    values: dict = {}
    found: dict[str, list[str]] = {}
    if EXTRA in row:
        found[where] = [_("This line has more fields than the first line names columns.")]
    for name, text in row.items():
        if "\x00" in text:
            found[f"{where}.{name}"] = [_("A NUL character is no text.")]
    for name in COUNT_FIELDS:
        text = row.get(name, "")
        if text == "":
            values[name] = None
        elif WHOLE_NUMBER.fullmatch(text) and int(text) <= MAX_COUNT:
            values[name] = int(text)
        else:
            found[f"{where}.{name}"] = [_("“%(text)s” is not a count: write a whole number from 0 to %(max)s, or "
                                          "leave it empty.") % {"text": text[:40], "max": MAX_COUNT}]
    values["status"] = row.get("status", "")
    if values["status"] and values["status"] not in VillageStatus.values:
        found[f"{where}.status"] = [_("Write one of %(choices)s, or leave it empty.")
                                    % {"choices": ", ".join(VillageStatus.values)}]
    cell = row.get("cell", "")
    values["cell"] = int(cell) if WHOLE_NUMBER.fullmatch(cell) else None
    if cell and values["cell"] is None:
        found[f"{where}.cell"] = [_("Write the id of the party cell, or leave it empty.")]
    for name, limit in TEXT_LIMITS.items():
        values[name] = row.get(name, "")
        if len(values[name]) > limit:
            found[f"{where}.{name}"] = [_("At most %(n)s characters.") % {"n": limit}]
    for path, messages in found.items():
        errors.setdefault(path, messages)
    return None if found else values


@transaction.atomic
def reports_import(*, by, quarter: Period | str, rows: Iterable[tuple[int, dict[str, str]]],
                   dry_run: bool = False) -> dict:
    """Write the reports of ``quarter`` that ``rows`` (from ``read_csv``) give, for villages in
    ``by``'s editor area on the quarter's last day: all or nothing. Returns how many reports were
    created, updated and unchanged (with ``dry_run``, would be; nothing is saved)."""
    quarter = QuarterReport._meta.get_field("quarter").to_python(quarter)
    if quarter.start > timezone.localdate():
        raise Invalid({"quarter": Invalid(_("%(quarter)s has not begun: no report for a future quarter.")
                                          % {"quarter": quarter})})
    scope = scope_of(by)
    errors = _Errors()
    parsed: list[tuple[str, str, dict]] = []
    lines: dict[str, int] = {}
    count = 0
    for line, row in rows:
        count += 1
        where = f"rows.{line}"
        key = row.get(KEY, "")
        if not key:
            errors.add(f"{where}.{KEY}", _("Give the village's key, e.g. 03317-0001."))
            continue
        if key in lines:
            errors.add(f"{where}.{KEY}", _("The village %(key)s is on line %(line)s already.")
                       % {"key": key[:40], "line": lines[key]})
            continue
        lines[key] = line
        values = _values(row, where, errors)
        if values is not None:
            parsed.append((where, key, values))
    if not count:
        raise Invalid({"rows": Invalid(_("The file has no rows."), code="required")})
    _lock_provinces([key for _where, key, _values in parsed], quarter)
    outcomes: dict[str, list] = {"created": [], "updated": [], "unchanged": []}
    # Read in parts, so that no statement names more villages than a database takes parameters.
    for start in range(0, len(parsed), CHUNK):
        accepted = _accepted(by, scope, parsed[start:start + CHUNK], quarter, errors)
        _refuse_locked(accepted, quarter)
        for name, done in check_rows(quarter=quarter, rows=accepted, errors=errors).items():
            outcomes[name] += done
    if errors:
        raise Invalid(errors.reported())
    if not dry_run:
        write_checked(by, outcomes)
    return {"quarter": str(quarter), "dry_run": dry_run, "rows": count,
            **{name: len(done) for name, done in outcomes.items()}}


class _Errors(dict):
    """Errors by path, the first of each path kept; ``reported()`` gives at most ``MAX_ERRORS``."""

    def add(self, path: str, message: str) -> None:
        self.setdefault(path, [message])

    def reported(self) -> dict:
        paths = sorted(self, key=_line_order)
        shown = {path: self[path] for path in paths[:MAX_ERRORS]}
        if len(paths) > MAX_ERRORS:
            shown["rows"] = [_("… and %(n)s more errors: correct these and send the file again.")
                             % {"n": len(paths) - MAX_ERRORS}]
        return shown


def _line_order(path: str) -> tuple:
    parts = path.split(".")
    return (int(parts[1]) if len(parts) > 1 and parts[0] == "rows" and parts[1].isdigit() else 0, path)


def _lock_provinces(keys: list[str], quarter: Period) -> None:
    """Lock every province the file's villages lie in on the quarter's last day, all before any
    check and in one order, so that two imports never wait for each other."""
    provinces = set()
    for start in range(0, len(keys), CHUNK):
        paths = VillagePlacement.objects.filter(village__key__any=keys[start:start + CHUNK]).active_on(
            quarter.end).values_list("path", flat=True)
        provinces |= {f"/{path.strip('/').split('/')[0]}/" for path in paths}
    for province in sorted(provinces):
        locks.lock_province(province)


def _accepted(by, scope, parsed: list[tuple[str, str, dict]], quarter: Period, errors: dict) -> list:
    """The rows whose village (by its key, among those the user may see: one query) exists on
    the quarter's last day (one query) and lies in the user's editor area then (one more), and
    whose cell they may see; the others' errors put on ``errors``."""
    villages = {village.key: village for village in scope.visible(Village.objects.all()).filter(
        key__any=[key for _where, key, _values in parsed])}
    day = quarter.end
    ids = [village.pk for village in villages.values()]
    on_map = set(VillagePlacement.objects.filter(village_id__any=ids).active_on(day).values_list("village_id", flat=True))
    theirs = set(scope.villages_placed_on(Village.objects.filter(pk__any=ids), day, Role.EDITOR).values_list(
        "pk", flat=True))
    cells = selectors.cells_by_ids(by=by, ids=[values["cell"] for _where, _key, values in parsed
                                               if values["cell"] is not None])
    accepted = []
    for where, key, values in parsed:
        village = villages.get(key)
        if village is None:
            errors[f"{where}.{KEY}"] = [_("No village has the key %(key)s.") % {"key": key[:40]}]
        elif village.pk not in on_map or not village.is_active_on(day):
            errors[f"{where}.{KEY}"] = [_("%(village)s (%(key)s) is not on the map on the last day of %(quarter)s.")
                                        % {"village": village, "key": key, "quarter": quarter}]
        elif village.pk not in theirs:
            errors[f"{where}.{KEY}"] = [_("%(village)s (%(key)s) is not in the area of your editor roles (map of "
                                          "%(day)s).") % {"village": village, "key": key, "day": day}]
        elif values["cell"] is not None and values["cell"] not in cells:
            errors[f"{where}.cell"] = [_("No party cell has the id %(id)s.") % {"id": values["cell"]}]
        else:
            if values["cell"] is not None:
                values["cell"] = cells[values["cell"]]
            accepted.append((where, village, values))
    return accepted


def _refuse_locked(rows: list[tuple[str, Village, dict]], quarter: Period) -> None:
    """Refuse, naming each row, the villages whose quarter is approved (their province is locked)."""
    found = locks.locks_for([village.pk for _where, village, _values in rows], quarter)
    if found:
        entries = [(f"{where}.{KEY}", f"{village}: {locks.locked_message(found[village.pk])}")
                   for where, village, _values in rows if village.pk in found]
        raise locks.quarter_locked(next(iter(found.values())), entries=entries)
