"""Writes of the quarterly reports: one village's report, and a whole unit's submission (all or
nothing). An editor of the unit the village lay in on the quarter's last day writes them, while
the quarter is open (``tracking.locks``).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit, bulk_sql, locks, readmodel, selectors
from ..access import scope_of
from ..errors import Conflict
from ..models import (
    COUNT_FIELDS,
    AdministrativeUnit,
    CellCoverage,
    QuarterReport,
    Village,
)
from ..periods import Period
from .records import SOURCE_FIELDS

REPORT_FIELDS = (*COUNT_FIELDS, "status", "cell", *SOURCE_FIELDS)


@dataclass(frozen=True)
class SubmitResult:
    report: QuarterReport
    outcome: str  # "created", "updated" or "unchanged"


@transaction.atomic
def quarter_report_submit(*, by, village: Village, quarter: Period | str, **values) -> SubmitResult:
    """Create or replace the report of ``village`` for ``quarter``: an editor of the unit the
    village lay in on the quarter's last day.

    ``values`` are the report's fields (counts, status, cell, sources); a field left out is
    empty; ``cell`` is a cell or its id (one ``by`` cannot see does not exist). Submitting the
    same values again changes nothing and says so. Refused with ``errors.Locked`` while the
    quarter is approved for a unit the village was under.
    """
    quarter = QuarterReport._meta.get_field("quarter").to_python(quarter)
    scope_of(by).require_village(village, quarter.end)
    if isinstance(values.get("cell"), int):
        values["cell"] = selectors.cell_by_id(by=by, pk=values["cell"], field="cell")
    locks.require_unlocked(village, quarter)
    return _report_save(village, quarter, values)


@transaction.atomic
def quarter_report_create(*, by, village: Village, quarter: Period | str, **values) -> SubmitResult:
    """A new report of ``village`` for ``quarter``, as ``quarter_report_submit``; a conflict if
    the village has one already (change that one instead)."""
    quarter = QuarterReport._meta.get_field("quarter").to_python(quarter)
    scope_of(by).require_village(village, quarter.end)
    existing = QuarterReport.objects.filter(village=village, quarter=quarter).first()
    if existing:
        raise Conflict(_("%(village)s already has a report for %(quarter)s (id %(id)s): change that one.")
                       % {"village": village, "quarter": quarter, "id": existing.pk})
    return quarter_report_submit(by=by, village=village, quarter=quarter, **values)


@transaction.atomic
def quarter_report_update(*, by, report: QuarterReport, **values) -> SubmitResult:
    """Change the fields ``values`` of ``report``; the others, its village and quarter stay."""
    current = {name: getattr(report, name if name != "cell" else "cell_id") for name in REPORT_FIELDS}
    return quarter_report_submit(by=by, village=report.village, quarter=report.quarter, **{**current, **values})


def _report_save(village: Village, quarter: Period, values: dict) -> SubmitResult:
    """``quarter_report_submit`` once the lock is checked: one report, saved alone."""
    report = QuarterReport.objects.select_for_update().filter(village=village, quarter=quarter).first()
    report = report or QuarterReport(village=village, quarter=quarter)
    outcome = _report_apply(report, values)
    if outcome != "unchanged":
        report.save()
        readmodel.refresh({village.pk: quarter.index})
    return SubmitResult(report, outcome)


@transaction.atomic
def quarter_report_delete(*, by, report: QuarterReport) -> None:
    """Delete a report: an editor of the village's unit in its quarter, while the quarter is open."""
    scope_of(by).require_change(report)
    locks.require_unlocked(report.village, report.quarter)
    report.delete()
    readmodel.refresh({report.village_id: report.quarter.index})


@transaction.atomic
def quarter_submission_submit(*, by, unit: AdministrativeUnit, quarter: Period, entries: list[dict],
                              dry_run: bool = False) -> dict:
    """Submit the reports of many villages of ``unit`` for ``quarter``: all or nothing.

    Each entry is a village id with the report's values. Villages outside the unit, or not on
    its map on the quarter's last day, are errors. Errors name the entry and the field
    (``reports.2.admissions``). Returns what was created, updated and unchanged; with
    ``dry_run`` the same summary and nothing saved. Villages whose quarter is approved are
    refused first, dry run or not, with ``errors.Locked`` naming each entry. An editor of the
    unit's area on the quarter's last day submits; a village or cell id ``by`` cannot see reads
    like one that does not exist.
    """
    scope = scope_of(by)
    scope.require_unit(unit, quarter.end)
    # Two committees submitting for the same unit at once: the second waits for the first, then
    # applies its own whole submission (never a mix of the two). The province first, as every
    # write of reports and every approval does (locks.lock_province).
    locks.lock_province(unit.path_on(quarter.end))
    AdministrativeUnit.objects.select_for_update().filter(pk=unit.pk).first()
    day = quarter.end
    allowed = set(Village.objects.within(unit, day).values_list("pk", flat=True))
    villages = scope.visible(Village.objects.all()).in_bulk([entry["village"] for entry in entries])
    cells = selectors.cells_by_ids(by=by, ids=[entry["cell"] for entry in entries if entry.get("cell")])
    _check_submission_unlocked(entries, villages, allowed, quarter)
    rows = []
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        village_id = entry["village"]
        village = villages.get(village_id)
        where = f"reports.{index}"
        if village is None:
            errors[f"{where}.village"] = [_("No village has the id %(id)s.") % {"id": village_id}]
            continue
        if village_id in seen:
            errors[f"{where}.village"] = [_("%(village)s appears twice in the submission.") % {"village": village}]
            continue
        seen.add(village_id)
        if village_id not in allowed:
            errors[f"{where}.village"] = [
                _("%(village)s (id %(id)s) is not a village of %(unit)s on the last day of %(quarter)s.")
                % {"village": village, "id": village_id, "unit": unit, "quarter": quarter}
            ]
            continue
        values = {name: value for name, value in entry.items() if name != "village"}
        if values.get("cell"):
            if values["cell"] not in cells:
                errors[f"{where}.cell"] = [_("No party cell has the id %(id)s.") % {"id": values["cell"]}]
                continue
            values["cell"] = cells[values["cell"]]
        rows.append((where, village, values))
    outcomes = write_rows(by=by, quarter=quarter, rows=rows, errors=errors, dry_run=dry_run)
    return {
        name: {
            "count": len(done),
            "villages": [report.village_id for report in done],
            "ids": [] if dry_run and name == "created" else [report.pk for report in done],
        }
        for name, done in outcomes.items()
    }


def write_rows(*, by, quarter: Period, rows: list[tuple[str, Village, dict]], errors: dict | None = None,
               dry_run: bool = False) -> dict[str, list[QuarterReport]]:
    """The reports ``rows`` (``where``, village, values) of one quarter, each checked against every
    rule (``check_rows``), then written in bulk: all or nothing. The caller has checked the user's
    rights on each village, the locks, and holds the province's lock. ``errors`` found by the
    caller are raised with those of the rows, each at its ``where``."""
    errors = dict(errors or {})
    outcomes = check_rows(quarter=quarter, rows=rows, errors=errors)
    if errors:
        raise ValidationError(errors)
    if not dry_run:
        write_checked(by, outcomes)
    return outcomes


def write_checked(by, outcomes: dict[str, list[QuarterReport]]) -> None:
    """Save the reports ``check_rows`` found created or updated."""
    _write_in_bulk(by, outcomes["created"], outcomes["updated"])


def check_rows(*, quarter: Period, rows: list[tuple[str, Village, dict]], errors: dict) -> dict[str, list[QuarterReport]]:
    """Each row's report with its values set and every rule checked, by outcome (created, updated,
    unchanged), what the rules read loaded once for all rows (three queries); each row in error
    is left out and its errors put on ``errors`` at its ``where``."""
    # The saved reports, locked until the transaction ends, and the villages each named cell
    # serves on the quarter's last day.
    existing = {report.village_id: report for report in QuarterReport.objects.select_for_update().filter(
        village_id__any=[village.pk for _where, village, _values in rows], quarter=quarter)}
    cell_ids = {values["cell"].pk for _where, _village, values in rows if values.get("cell")}
    served: dict[int, set[int]] = {cell_id: set() for cell_id in cell_ids}
    for cell_id, village_id in CellCoverage.objects.filter(cell_id__any=cell_ids).active_on(quarter.end).values_list(
            "cell_id", "village_id"):
        served[cell_id].add(village_id)
    outcomes: dict[str, list[QuarterReport]] = {"created": [], "updated": [], "unchanged": []}
    for where, village, values in rows:
        report = existing.get(village.pk) or QuarterReport(village=village, quarter=quarter)
        report.village = village
        try:
            outcome = _report_apply(report, values, placed=True,
                                    served=served.get(getattr(values.get("cell"), "pk", None), set()))
        except ValidationError as error:
            for field, messages in getattr(error, "message_dict", {"": error.messages}).items():
                path = f"{where}.{field}" if field and field != "__all__" else where
                errors[path] = [f"{village}: {message}" for message in messages]
            continue
        outcomes[outcome].append(report)
    return outcomes


def _report_apply(report: QuarterReport, values: dict, **known) -> str:
    """Set ``values`` on ``report`` (a field left out is empty) and check every rule; "created",
    "updated" or "unchanged". With ``known`` (``placed``, ``served``), what the rules read is
    given (``QuarterReport.clean_known``) instead of read for this one report."""
    unknown = set(values) - set(REPORT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown report fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    created = report.pk is None
    before = {name: getattr(report, name if name != "cell" else "cell_id") for name in REPORT_FIELDS}
    for name in REPORT_FIELDS:
        default = "" if name in ("status", "source_url", "source_location", "note") else None
        setattr(report, name, values.get(name, default))
    after = {name: getattr(report, name if name != "cell" else "cell_id") for name in REPORT_FIELDS}
    if known:
        report.clean_known(**known)
    else:
        report.full_clean()
    # What a bulk write updates: the fields that changed, not all of them (its statement grows
    # with rows × fields).
    report._changed_fields = [name for name in REPORT_FIELDS if before[name] != after[name]]
    if created:
        return "created"
    return "unchanged" if before == after else "updated"


def _write_in_bulk(by, created: list[QuarterReport], updated: list[QuarterReport]) -> None:
    """Save the reports of a submission in a few statements, their audit rows included (who and
    through which path, as a single save records them)."""
    if created:
        QuarterReport.objects.bulk_create(created, batch_size=2000)
        audit.history_of_saved(QuarterReport, [report.pk for report in created], "+", by)
    if updated:
        now = timezone.now()
        for report in updated:
            report.updated_at = now
        fields = sorted({name for report in updated for name in report._changed_fields}) + ["updated_at"]
        bulk_sql.update_rows(QuarterReport, updated, fields)
        audit.history_of_saved(QuarterReport, [report.pk for report in updated], "~", by)
    readmodel.refresh({report.village_id: report.quarter.index for report in [*created, *updated]})


def _check_submission_unlocked(entries: list[dict], villages: dict, allowed: set, quarter: Period) -> None:
    """errors.Locked naming each entry whose village's quarter is approved (two queries)."""
    wanted = [entry["village"] for entry in entries if entry["village"] in villages and entry["village"] in allowed]
    found = locks.locks_for(wanted, quarter)
    if not found:
        return
    locked = [
        (f"reports.{index}.village", f"{villages[entry['village']]}: {locks.locked_message(found[entry['village']])}")
        for index, entry in enumerate(entries)
        if entry["village"] in found
    ]
    first = next(found[entry["village"]] for entry in entries if entry["village"] in found)
    raise locks.quarter_locked(first, entries=locked)
