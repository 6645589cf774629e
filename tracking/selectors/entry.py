"""What the admin's quarter entry grid reads, for one user: a unit's villages on the map of a
quarter's last day, each with its report of that quarter or else its latest earlier report (what
carry-forward would count), the cells that serve it then, and where the quarter stands.

A fixed number of queries, whatever the number of villages (the page's test guards it). The
writes are ``services.quarter_submission_submit`` and ``services.approvals.quarter_submit``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from ..access import scope_of
from ..errors import Invalid
from ..locks import Standing, unit_standing
from ..models import (
    AdministrativeUnit,
    ApprovalState,
    CellCoverage,
    Level,
    QuarterApproval,
    QuarterReport,
    Role,
    Village,
)
from ..periods import Period
from ..querysets import search_q
from .approvals import overview
from .records import unit_in_period, visible

# The levels whose quarter the grid enters: a commune, or a district (its villages without a
# commune, and those of its communes).
ENTRY_LEVELS = (Level.COMMUNE, Level.DISTRICT)


@dataclass
class EntryRow:
    """One village of the grid."""

    village: Village
    report: QuarterReport | None  # its report of the quarter
    carried: QuarterReport | None  # else its latest earlier report the user may read
    cells: list[tuple[int, str]] = field(default_factory=list)  # (id, label) of the cells serving it then


@dataclass
class QuarterEntry:
    unit: AdministrativeUnit
    quarter: Period
    rows: list[EntryRow]
    approval: dict  # ``selectors.approvals.overview``: the unit's own row, its lock, report coverage
    standing: Standing  # the furthest state of the unit and the units above it; ``lock`` is the approval that locks
    may_edit: bool  # an editor of the unit's area on the quarter's last day
    may_submit: bool  # ``quarter_submit`` would be allowed (draft, open, begun, an editor)
    may_approve: bool  # ``quarter_approve`` would be allowed (submitted, an approver of the area)

    @property
    def lock(self) -> QuarterApproval | None:
        return self.standing.lock


def entry_units(*, by, search: str = ""):
    """The communes and districts ``by`` edits (at some time), to pick one for the grid."""
    units = visible(by=by, queryset=AdministrativeUnit.objects.filter(level__in=ENTRY_LEVELS), role=Role.EDITOR)
    if search.strip():
        units = units.filter(search_q(AdministrativeUnit, ["name", "code"], search))
    return units


def quarter_entry(*, by, code: str, quarter: Period) -> QuarterEntry:
    """The grid of the unit ``code`` for ``quarter``: its villages on the map of the quarter's last
    day, in name order, each with its report (or the latest earlier one ``by`` may read) and the
    cells serving it then. ``errors.NotFound`` for a unit whose quarter ``by`` may not read, as for
    a code that does not exist."""
    unit = unit_in_period(by=by, code=code, period=quarter)
    if unit.level not in ENTRY_LEVELS:
        raise Invalid({"unit": Invalid(_("%(unit)s is not a commune or a district: enter the quarter of one of its "
                                         "communes.") % {"unit": unit}, code="not_a_commune")})
    day = quarter.end
    villages = list(Village.objects.within(unit, day).order_by("name", "pk"))
    ids = [village.pk for village in villages]
    latest = {}
    current = {}
    coverage: list[CellCoverage] = []
    if ids:
        for report in (visible(by=by, queryset=QuarterReport.objects.select_related("cell"))
                       .filter(village_id__any=ids).latest_per_village(quarter)):
            (current if report.quarter == quarter else latest)[report.village_id] = report
        coverage = list(CellCoverage.objects.filter(village_id__any=ids).active_on(day).select_related("cell")
                        .order_by("cell__name", "cell_id"))
    served = Counter()
    cell_ids = {row.cell_id for row in coverage}
    if cell_ids:
        # A cell serving several villages (some perhaps outside the unit) is a merged cell.
        served.update(CellCoverage.objects.filter(cell_id__any=cell_ids).active_on(day).values_list("cell_id", flat=True))
    cells: dict[int, list[tuple[int, str]]] = {}
    for row in coverage:
        label = row.cell.name if served[row.cell_id] <= 1 else _(
            "%(cell)s (merged cell: %(n)s villages)") % {"cell": row.cell.name, "n": served[row.cell_id]}
        cells.setdefault(row.village_id, []).append((row.cell_id, label))
    rows = []
    for village in villages:
        report = current.get(village.pk)
        choices = cells.get(village.pk, [])
        if report is not None and report.cell_id and report.cell_id not in dict(choices):
            # A saved report stays as it is unless the user changes it: its cell stays offered.
            choices = [*choices, (report.cell_id, _("%(cell)s (does not serve the village in %(quarter)s)")
                                  % {"cell": report.cell.name, "quarter": quarter})]
        rows.append(EntryRow(village, report, None if report else latest.get(village.pk), choices))
    approval = overview(unit, quarter)
    standing = unit_standing(unit, quarter)
    may_edit = scope_of(by).may_change_unit_area(unit, day, Role.EDITOR)
    may_submit = (may_edit and not standing.locked and approval["state"] == ApprovalState.DRAFT
                  and quarter.start <= timezone.localdate())
    may_approve = (approval["state"] == ApprovalState.SUBMITTED
                   and scope_of(by).may_change_unit_area(unit, day, Role.APPROVER))
    return QuarterEntry(unit, quarter, rows, approval, standing, may_edit, may_submit, may_approve)
