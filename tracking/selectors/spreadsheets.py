"""The spreadsheets committees keep, as files: a unit's quarter to fill in (its villages, each with
its latest report) and the figures of a unit's children quarter by quarter. What the files say
is read here, for one user (``by``); the figures come from the stored figures
(``progress.Stored``), the one definition of every number. The file itself (XLSX or CSV) is
written by tablib (``sheet_file``); the same columns are read back by ``services.imports``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import tablib
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .. import locks, progress
from ..errors import Invalid
from ..models import (
    COUNT_FIELDS,
    AdministrativeUnit,
    ApprovalState,
    QuarterReport,
    UnitPlacement,
    Village,
    name_on,
    names_prefetch,
    with_names,
)
from ..periods import MIN_YEAR, Period
from ..text import fold
from .figures import quarters_asked
from .records import unit_by_code, unit_in_period, visible

XLSX, CSV = "xlsx", "csv"
FILE_FORMATS = (XLSX, CSV)
MEDIA_TYPES = {XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", CSV: "text/csv"}
MAX_TEMPLATE_VILLAGES = 20_000  # a province's villages; the nation's are downloaded a province at a time

# The columns of a quarter's file. The village key names the village (machine-readable in every
# language); the others are shown under their names in the user's language, and a file may name
# them so or by their machine names (``services.imports`` reads both).
KEY = "village_key"
REPORT_COLUMNS = {
    "full_members": gettext_lazy("full members"),
    "probationary_members": gettext_lazy("probationary members"),
    "admissions": gettext_lazy("admissions during the quarter"),
    "ethnic_minority_members": gettext_lazy("ethnic-minority members"),
    "candidates": gettext_lazy("candidates in preparation"),
    "status": gettext_lazy("status only"),
    "cell": gettext_lazy("party cell (id)"),
    "source_url": gettext_lazy("source URL"),
    "source_location": gettext_lazy("where in the source"),
    "note": gettext_lazy("note"),
}
# What the template shows beside them, read by the committee and ignored when the file comes back:
# where each village sits and its latest report at or before the quarter.
LAST_FIELDS = (*COUNT_FIELDS, "status", "cell")
INFO_COLUMNS = {
    "commune": gettext_lazy("commune"),
    "village": gettext_lazy("village"),
    "last_quarter": gettext_lazy("quarter"),
    **{f"last_{name}": REPORT_COLUMNS[name] for name in LAST_FIELDS},
}

# The columns of the children's figures: the numbers the API's figures of each child give.
FIGURE_COLUMNS = {
    "villages_total": gettext_lazy("villages in total"),
    "blank_villages": gettext_lazy("blank villages"),
    "villages_with_members": gettext_lazy("villages with members"),
    "villages_with_own_cell": gettext_lazy("villages with their own cell"),
    "villages_in_merged_cells": gettext_lazy("villages in merged cells"),
    "merged_cells": gettext_lazy("merged cells"),
    "members": gettext_lazy("party members"),
    "villages_counted": gettext_lazy("villages with counts"),
    "villages_status_only": gettext_lazy("villages known by a status only"),
    "villages_carried_forward": gettext_lazy("villages carried forward"),
    "admissions": gettext_lazy("admissions"),
    "villages_without_report": gettext_lazy("villages without report"),
}


def column_label(name: str) -> str:
    """The header of the column ``name`` in the user's language (the village key as it is)."""
    if name.startswith("last_"):
        return _("last report: %(column)s") % {"column": INFO_COLUMNS[name]}
    return str({**REPORT_COLUMNS, **INFO_COLUMNS}.get(name, name))


@dataclass
class Sheet:
    """A table to write as a file: ``columns`` are machine names, shown under their labels."""

    title: str
    file_name: str  # without the extension
    columns: list[str]
    labels: list[str]
    rows: list[list] = field(default_factory=list)


def sheet_file(sheet: Sheet, file_format: str) -> tuple[bytes, str, str]:
    """``(content, media type, file name)`` of ``sheet`` as an XLSX workbook or a CSV file (UTF-8
    with a byte-order mark, so that a spreadsheet opens it with its accents)."""
    rows = sheet.rows
    if file_format == XLSX:
        # Note: a workbook cannot hold control characters (a name typed with one): they are left out.
        rows = [[ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in row]
                for row in rows]
    dataset = tablib.Dataset(*[tuple(row) for row in rows], headers=sheet.labels,
                             title=ILLEGAL_CHARACTERS_RE.sub("", sheet.title))
    if file_format == XLSX:
        # Note: ``escape`` drops the "=" a text begins with, so that no cell is a formula.
        content = dataset.export(XLSX, escape=True)
        return content, MEDIA_TYPES[XLSX], f"{sheet.file_name}.xlsx"
    content = ("\ufeff" + dataset.export(CSV)).encode("utf-8")
    return content, f"{MEDIA_TYPES[CSV]}; charset=utf-8", f"{sheet.file_name}.csv"


def _inert(text: str) -> str:
    """A name as a cell a spreadsheet shows and never runs (a CSV cell beginning with =, +, - or @
    is read as a formula)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def quarter_template(*, by, code: str, quarter: Period) -> Sheet:
    """The spreadsheet of the unit ``code``'s quarter for ``by``: one row per village under it on
    the quarter's last day (by commune, then name), with its key, its commune's and its own name,
    this quarter's report in the columns a committee fills in, and its latest report at or before
    the quarter (which quarter, and its values) beside them. A fixed number of queries, whatever the
    number of villages."""
    unit = unit_in_period(by=by, code=code, period=quarter)
    day = quarter.end
    under = Village.objects.within(unit, day)
    villages = list(under.with_unit_on(day).order_by("unit_code_on_day", "name", "pk")[:MAX_TEMPLATE_VILLAGES + 1])
    if len(villages) > MAX_TEMPLATE_VILLAGES:
        raise Invalid({"code": Invalid(
            _("%(unit)s has more than %(n)s villages: download the quarter of each of its units.")
            % {"unit": unit, "n": MAX_TEMPLATE_VILLAGES}, code="too_many_villages")})
    # Each commune by its name of the quarter, in the order of the alphabet as people read it.
    communes = AdministrativeUnit.objects.filter(pk__in={village.unit_id_on_day for village in villages})
    names = {commune.pk: name_on(commune, day) for commune in communes.prefetch_related(names_prefetch())}
    villages.sort(key=lambda village: (fold(names.get(village.unit_id_on_day, "")), village.unit_code_on_day or "",
                                       fold(village.name), village.pk))
    # Each village's latest report at or before the quarter among those the user may read (the
    # villages lie in their area this quarter; an earlier quarter of one may have been another
    # committee's).
    latest = {
        report.village_id: report
        for report in visible(by=by, queryset=QuarterReport.objects.filter(village__in=under.values("pk")))
        .latest_per_village(quarter)
    }
    columns = [KEY, "commune", "village", *REPORT_COLUMNS, "last_quarter", *(f"last_{name}" for name in LAST_FIELDS)]
    sheet = Sheet(title=f"{unit.code} {quarter}", file_name=f"{unit.code}-{quarter}", columns=columns,
                  labels=[column_label(name) for name in columns])
    for village in villages:
        report = latest.get(village.pk)
        this_quarter = report is not None and report.quarter == quarter
        entered = [_value(report, name) if this_quarter else "" for name in REPORT_COLUMNS]
        last = [str(report.quarter), *(_value(report, name) for name in LAST_FIELDS)] if report else [""] * (
            1 + len(LAST_FIELDS))
        sheet.rows.append([village.key, _inert(names.get(village.unit_id_on_day, "")), _inert(village.name), *entered, *last])
    return sheet


def _value(report: QuarterReport, name: str):
    if name == "status":  # its words in the file's language; the reader takes words or codes
        return report.get_status_display() if report.status else ""
    value = report.cell_id if name == "cell" else getattr(report, name)
    return "" if value is None else value


def children_figures(*, by, code: str, first: Period | None = None, last: Period | None = None) -> Sheet:
    """The figures of each unit directly under ``code``, quarter by quarter from ``first`` to
    ``last`` (default: the four quarters up to the latest with data): one row per child on each
    quarter's map and quarter, the numbers the API's figures give for that child and quarter,
    with where its quarter stands (draft, submitted, approved). Only the quarters when the unit
    lay in ``by``'s area; a fixed number of queries, whatever the number of children and quarters."""
    unit = unit_by_code(by=by, code=code)
    last = (last or progress.latest_period(unit)).last_quarter
    first = first or Period.from_index(max(last.index - 3, Period.quarter(MIN_YEAR, 1).index))
    quarters = quarters_asked(by=by, unit=unit, code=code, first=first, last=last)
    placements = list(UnitPlacement.objects.filter(parent=unit).select_related("unit"))
    children = list({placement.unit_id: placement.unit for placement in placements}.values())
    with_names(placement.unit for placement in placements)
    stored = progress.Stored(children, quarters[-1])
    items: list[tuple[Period, AdministrativeUnit, str]] = []
    for quarter in quarters:
        placed = sorted((placement for placement in placements if placement.is_active_on(quarter.end)),
                        key=lambda placement: (placement.unit.code, placement.unit_id))
        items += [(quarter, placement.unit, placement.path) for placement in placed]
    standings = locks.standings_of_paths({(child.pk, quarter.index): (path, quarter) for quarter, child, path in items})
    states = dict(ApprovalState.choices)
    columns = ["code", "name", "quarter", *FIGURE_COLUMNS, "approval"]
    labels = [_("official code"), _("name"), _("quarter"), *(str(label) for label in FIGURE_COLUMNS.values()),
              _("approval")]
    sheet = Sheet(title=f"{unit.code} {quarters[0]}-{quarters[-1]}",
                  file_name=f"{unit.code}-{quarters[0]}-{quarters[-1]}", columns=columns, labels=labels)
    for quarter, child, _path in items:
        figures = stored.computed(child, quarter)
        standing = standings[(child.pk, quarter.index)]
        sheet.rows.append([child.code, _inert(name_on(child, quarter.end)), str(quarter),
                           *("" if figures[name] is None else figures[name] for name in FIGURE_COLUMNS),
                           str(states[standing.state])])
    return sheet

