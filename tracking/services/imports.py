"""A quarter's reports for any area from a file, a CSV file or an Excel workbook (one reader for
both, ``read_table``): one row a village, named by its key.

The same rules as every other write (``reports.check_rows``): the user's editor area on the
quarter's last day, the lock of approved quarters, every rule of a report, the limits of the API;
all or nothing, and every error named by its line and column (``rows.3.admissions``: the file's
third line, its header being the first).
"""
from __future__ import annotations

import csv
import datetime
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator

import openpyxl
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import locks, selectors
from ..access import scope_of
from ..errors import Invalid
from ..models import (
    COUNT_FIELDS,
    MAX_COUNT,
    MAX_NOTE,
    AdministrativeUnit,
    QuarterReport,
    Role,
    Village,
    VillagePlacement,
    VillageStatus,
)
from ..periods import Period
from ..text import fold
from ..selectors import spreadsheets
from .reports import check_rows, write_checked

KEY = spreadsheets.KEY
COLUMNS = (KEY, *spreadsheets.REPORT_COLUMNS)
CHUNK = 5000  # villages a statement names at most (PostgreSQL takes 65,535 parameters, SQLite 32,766)
MAX_ERRORS = 200  # errors reported at most: a file in error is corrected and sent again
EXTRA = "\x00extra"  # where a row longer than its header puts its extra values
PROBLEMS = "\x00problems"  # where a row says which of its cells are no value (a formula): column → message
TEXT_LIMITS = {"source_url": 500, "source_location": 200, "note": MAX_NOTE}
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
MAX_FILE_BYTES = 1_000_000  # a district's quarter is a few hundred kilobytes at most
MAX_UNPACKED_BYTES = 50_000_000  # what an XLSX file may hold once unpacked (it is a zip archive)
MAX_SHEET_ROWS = 50_000  # rows of a worksheet read at most, empty ones included
MAX_SHEET_COLUMNS = 60  # columns of a worksheet read at most


class _Formula:
    """A worksheet cell holding a formula: its value is not in the file to be read."""


def read_csv(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each row of a CSV file whose first line names the columns (``COLUMNS``,
    in any order, the village key required); an ``Invalid`` for a file that is not such a CSV.
    ``line`` is the line on which the row ends (a quoted note may span several)."""
    reader = csv.reader(lines, strict=True)

    def cells():
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # a field too long, an unclosed quote
                raise Invalid({f"rows.{reader.line_num or 1}": Invalid(
                    _("Not a CSV line: %(error)s.") % {"error": error})}) from error
            yield reader.line_num, values

    return read_table(cells())


def read_xlsx(content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """``(row number, row)`` for each row of the first worksheet of an XLSX workbook, read as
    ``read_csv`` reads a CSV file (its first row names the columns); an ``Invalid`` on ``file`` for
    content that is not such a workbook. A cell holding a formula is an error at its row and
    column: the file holds what it computed last, if anything, not a value typed in."""
    return read_table(_xlsx_cells(content))


def read_file(*, name: str, content: bytes) -> tuple[Iterator[tuple[int, dict[str, str]]], str]:
    """The rows of an uploaded file named ``name`` and its format: an XLSX workbook
    (``read_xlsx``) or a CSV file in UTF-8 (``read_csv``), up to ``MAX_FILE_BYTES``; an
    ``Invalid`` on ``file`` for anything else."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not content:
        raise _file_error(_("The file is empty."), "empty")
    if len(content) > MAX_FILE_BYTES:
        raise _file_error(_("The file has %(size)s bytes; at most %(max)s are read: send a unit's quarter at a time.")
                          % {"size": len(content), "max": MAX_FILE_BYTES}, "too_large")
    if extension == "xls" or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(_("This is an Excel 97–2003 workbook (.xls): save it as an Excel workbook (.xlsx)."),
                          "unsupported_format")
    if extension == "xlsx" or (extension not in ("csv", "txt") and content.startswith(b"PK\x03\x04")):
        return read_xlsx(content), spreadsheets.XLSX
    if extension not in ("csv", "txt", ""):
        raise _file_error(_("Send an Excel workbook (.xlsx) or a CSV file (.csv), not a .%(extension)s file.")
                          % {"extension": extension[:10]}, "unsupported_format")
    if content.startswith(b"PK\x03\x04"):
        raise _file_error(_("This file is a workbook, not CSV text: name it .xlsx."), "unsupported_format")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _file_error(_("The file is not UTF-8 text (save it as “CSV UTF-8”, or as an Excel workbook)."),
                          "not_utf8") from error
    return read_csv(io.StringIO(text, newline="")), spreadsheets.CSV


def _file_error(message: str, code: str) -> Invalid:
    return Invalid({"file": Invalid(message, code=code)})


def _xlsx_cells(content: bytes) -> Iterator[tuple[int, list]]:
    """The rows of the first worksheet of ``content``, each a list of cell values (``_Formula`` for
    a formula), read as a stream: what a workbook holds is checked before it is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _file_error(_("This is not an Excel workbook (.xlsx) that can be read."), "invalid_xlsx") from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise _file_error(_("The workbook holds %(size)s bytes once unpacked; at most %(max)s are read.")
                          % {"size": unpacked, "max": MAX_UNPACKED_BYTES}, "too_large")
    # Note: a file's content is anything a sender makes of it; openpyxl fails on a broken one with
    # whichever error its reading met, each of which means the same here.
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # noqa: BLE001
        raise _file_error(_("This is not an Excel workbook (.xlsx) that can be read."), "invalid_xlsx") from error
    try:
        sheets = [sheet for sheet in book.worksheets if hasattr(sheet, "iter_rows")]
        if not sheets:
            raise _file_error(_("The workbook has no worksheet."), "invalid_xlsx")
        for number, row in enumerate(sheets[0].iter_rows(max_col=MAX_SHEET_COLUMNS), start=1):
            if number > MAX_SHEET_ROWS:
                raise _file_error(_("The worksheet has more than %(n)s rows (empty ones included): send a unit's "
                                    "quarter at a time.") % {"n": MAX_SHEET_ROWS}, "too_many_rows")
            yield number, [_Formula() if getattr(cell, "data_type", None) == "f" else cell.value for cell in row]
    except Invalid:
        raise
    except Exception as error:  # noqa: BLE001
        raise _file_error(_("This is not an Excel workbook (.xlsx) that can be read."), "invalid_xlsx") from error
    finally:
        book.close()


def _text(value) -> str:
    """A cell's value as the text a CSV file would hold: a whole number without decimals, a
    number with them as written (not a count), a date in ISO form (not a count either)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


@functools.cache
def _column_names(language_codes: tuple[str, ...]) -> dict[str, str]:
    """Every header a column may have → its machine name: the machine name, and its header in
    each language (a template downloaded in Vietnamese comes back to an English user)."""
    names = {}
    for code in language_codes:
        with translation.override(code):
            for name in (*COLUMNS, *spreadsheets.INFO_COLUMNS):
                names[_header_key(spreadsheets.column_label(name))] = name
    names.update({_header_key(name): name for name in (*COLUMNS, *spreadsheets.INFO_COLUMNS)})
    return names


def _header_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def read_table(cells: Iterable[tuple[int, list]]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each row of a table whose first row names the columns (``COLUMNS`` by
    their machine names or headers, in any order, the village key required; the template's other
    columns are read past): the one reading of a file of reports, whichever its format. Rows
    with nothing in them are left out; a cell that is no value is named in the row's ``PROBLEMS``."""
    cells = iter(cells)
    first = next(cells, None)
    given = [_text(value).strip().lstrip("\ufeff") if not isinstance(value, _Formula) else "="
             for value in (first[1] if first else [])]
    while given and given[-1] == "":
        given.pop()  # the empty columns a spreadsheet leaves after the last
    known = _column_names(tuple(code for code, _name in settings.LANGUAGES))
    header = [known.get(_header_key(name), name) for name in given]
    problems = []
    unknown = sorted({name for name in header if name not in known.values()})
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
    read = [(position, name) for position, name in enumerate(header) if name in COLUMNS]
    for line, values in cells:
        if all(not isinstance(value, _Formula) and not _text(value).strip() for value in values):
            continue  # an empty line, or a spreadsheet's row of empty cells
        row = {name: _text(values[position]).strip() if position < len(values) else "" for position, name in read}
        formulas = {name: _("A formula: write the value itself (copy the cells and paste them as values).")
                    for position, name in read if position < len(values) and isinstance(values[position], _Formula)}
        for name in formulas:
            row[name] = ""
        if formulas:
            row[PROBLEMS] = formulas
        if any(isinstance(value, _Formula) or _text(value).strip() for value in values[len(header):]):
            row[EXTRA] = ""
        yield line, row


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
    status = row.get("status", "")
    values["status"] = _status_of(status) if status else ""
    if values["status"] is None:
        found[f"{where}.status"] = [_("Write one of %(choices)s, or leave it empty.")
                                    % {"choices": ", ".join(f"{label} ({value})" for value, label in VillageStatus.choices)}]
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
                   dry_run: bool = False, unit: AdministrativeUnit | None = None, with_lines: bool = False) -> dict:
    """Write the reports of ``quarter`` that ``rows`` (from ``read_csv``, ``read_xlsx`` or
    ``read_file``) give, for villages in ``by``'s editor area on the quarter's last day (and, with
    ``unit``, under it then): all or nothing. A row that gives the village's key and nothing else
    writes nothing (``empty``). Returns how many reports were created, updated and unchanged (with
    ``dry_run``, would be; nothing is saved); ``with_lines``, each village's line and outcome too."""
    quarter = QuarterReport._meta.get_field("quarter").to_python(quarter)
    if quarter.start > timezone.localdate():
        raise Invalid({"quarter": Invalid(_("%(quarter)s has not begun: no report for a future quarter.")
                                          % {"quarter": quarter})})
    scope = scope_of(by)
    errors = _Errors()
    parsed: list[tuple[str, str, dict]] = []
    lines: dict[str, int] = {}
    count = empty = 0
    for line, row in rows:
        count += 1
        where = f"rows.{line}"
        problems = row.pop(PROBLEMS, {})
        for name, message in problems.items():
            errors.add(f"{where}.{name}", message)
        key = row.get(KEY, "")
        if problems:
            continue  # a row with a cell that is no value is not checked further
        if not key:
            errors.add(f"{where}.{KEY}", _("Give the village's key, e.g. 03317-0001."))
            continue
        if key in lines:
            errors.add(f"{where}.{KEY}", _("The village %(key)s is on line %(line)s already.")
                       % {"key": key[:40], "line": lines[key]})
            continue
        lines[key] = line
        if EXTRA not in row and not any(value for name, value in row.items() if name != KEY):
            empty += 1  # a village of the template left as it was: nothing to write
            continue
        values = _values(row, where, errors)
        if values is not None:
            parsed.append((where, key, values))
    if not count:
        raise Invalid({"rows": Invalid(_("The file has no rows."), code="required")})
    _lock_provinces([key for _where, key, _values in parsed], quarter)
    outcomes: dict[str, list] = {"created": [], "updated": [], "unchanged": []}
    # Read in parts, so that no statement names more villages than a database takes parameters.
    for start in range(0, len(parsed), CHUNK):
        accepted = _accepted(by, scope, parsed[start:start + CHUNK], quarter, errors, unit)
        _refuse_locked(accepted, quarter)
        for name, done in check_rows(quarter=quarter, rows=accepted, errors=errors).items():
            outcomes[name] += done
    if errors:
        raise Invalid(errors.reported())
    if not dry_run:
        write_checked(by, outcomes)
    outcome = {"quarter": str(quarter), "dry_run": dry_run, "rows": count,
               **{name: len(done) for name, done in outcomes.items()}, "empty": empty}
    if with_lines:
        outcome["lines"] = sorted(
            ({"line": lines[report.village.key], "key": report.village.key, "village": report.village.name,
              "outcome": name} for name, done in outcomes.items() for report in done),
            key=lambda entry: entry["line"])
    return outcome


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


def _accepted(by, scope, parsed: list[tuple[str, str, dict]], quarter: Period, errors: dict,
              unit: AdministrativeUnit | None = None) -> list:
    """The rows whose village (by its key, among those the user may see: one query) exists on
    the quarter's last day (one query), lies in the user's editor area then (one more) and, with
    ``unit``, under it (one more), and whose cell they may see; the others' errors put on ``errors``."""
    villages = {village.key: village for village in scope.visible(Village.objects.all()).filter(
        key__any=[key for _where, key, _values in parsed])}
    day = quarter.end
    ids = [village.pk for village in villages.values()]
    on_map = set(VillagePlacement.objects.filter(village_id__any=ids).active_on(day).values_list("village_id", flat=True))
    theirs = set(scope.villages_placed_on(Village.objects.filter(pk__any=ids), day, Role.EDITOR).values_list(
        "pk", flat=True))
    under = (set(Village.objects.within(unit, day).filter(pk__any=ids).values_list("pk", flat=True))
             if unit is not None else None)
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
        elif under is not None and village.pk not in under:
            errors[f"{where}.{KEY}"] = [_("%(village)s (%(key)s) is not a village of %(unit)s on the last day of "
                                          "%(quarter)s.") % {"village": village, "key": key, "unit": unit,
                                                             "quarter": quarter}]
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


def _status_of(text: str) -> str | None:
    """A status as a file writes it: its code (``has_own_cell``) or its words in either language
    ("có chi bộ riêng", "has its own party cell"), accents and case aside; None if none."""
    wanted = fold(text)
    for value, label in VillageStatus.choices:
        names = {fold(value)}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names.add(fold(str(label)))
        if wanted in names:
            return value
    return None

