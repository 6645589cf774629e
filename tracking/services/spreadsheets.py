"""A unit's quarter from a spreadsheet its committee filled in (the template of
``selectors.spreadsheets``, or any file of reports): read by the one reader of files of reports
(``imports.read_file``, XLSX or CSV) and written by the one import of reports
(``imports.reports_import``), with its rules: the user's editor area, the lock of approved
quarters, every rule of a report, all or nothing; and every village under the unit on the
quarter's last day.
"""
from __future__ import annotations

from .. import selectors
from ..access import scope_of
from ..periods import Period
from . import imports


def quarter_spreadsheet_load(*, by, code: str, quarter: Period, file_name: str, content: bytes,
                             dry_run: bool = False, with_lines: bool = False) -> dict:
    """Write the reports of the unit ``code``'s ``quarter`` that the file ``file_name`` gives (its
    ``content``): an editor of the unit on the quarter's last day, all or nothing. Returns what
    ``imports.reports_import`` returns, with the unit and the file's format."""
    unit = selectors.unit_in_period(by=by, code=code, period=quarter)
    scope_of(by).require_unit(unit, quarter.end)
    rows, file_format = imports.read_file(name=file_name, content=content)
    outcome = imports.reports_import(by=by, quarter=quarter, rows=rows, dry_run=dry_run, unit=unit,
                                     with_lines=with_lines)
    return {"unit": unit, "file_format": file_format, **outcome}
