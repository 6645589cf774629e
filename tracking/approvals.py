"""Approval and locking of quarters: a unit's quarter moves draft → submitted → approved.

* **Submit** (draft → submitted): an editor of the unit's area on the quarter's last day.
* **Approve** (submitted → approved): an approver of the unit's area. As in DHIS2, only a
  submitted quarter is approved: a draft is submitted first.
* **Return** (submitted → draft, with a reason): an approver of the unit's area.
* **Reopen** (approved → draft, with a reason): only an approver of a unit *above* the unit
  (superusers too): whoever approved a quarter does not undo it alone.

Each transition is one saved row of :class:`~tracking.models.QuarterApproval` and so one row
of its audit trail (who, when, through which path, the reason). A wrong transition is a
409 with the reason.

**The lock.** While a unit's quarter is approved, the reports of every village placed under
the unit *on the quarter's last day* cannot be created, changed or deleted: the approval of a
commune locks its villages, the approval of a district the villages of all its communes. The
map of that day decides, so a village moved to another commune later stays locked by the
approval of the unit it was under then. ``services`` enforces the lock on every write of a
report (``require_unlocked``), whichever path it comes from, and superusers are locked out
too: they reopen first. A refused write raises :class:`QuarterLocked` (409 ``locked`` in the
API, a form or message error in the admin).

Reads: the state of many villages, reports or units is computed in a fixed number of queries
(``standings_for_reports``, ``locks_for``, ``standings_of_paths``).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status

from .access import scope_of
from .models import (
    AdministrativeUnit,
    ApprovalState,
    QuarterApproval,
    Role,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from .periods import Period

REASON_MAX_LENGTH = QuarterApproval._meta.get_field("reason").max_length


class QuarterLocked(exceptions.APIException):
    """A write to the reports of an approved quarter: 409 with the code ``locked``.

    ``approval`` is the approved row that locks them; ``entries`` lists, for a request that
    names several villages, each one locked as ``(path, message)`` (``reports.2.village``).
    """

    status_code = status.HTTP_409_CONFLICT
    default_code = "locked"

    def __init__(self, approval: QuarterApproval, entries=()):
        self.approval = approval
        self.entries = list(entries)
        super().__init__(locked_message(approval), code="locked")


def unit_quarter(unit: AdministrativeUnit, quarter: Period) -> str:
    return _("%(quarter)s of %(unit)s") % {"quarter": quarter, "unit": unit}


def locked_message(approval: QuarterApproval) -> str:
    """Who approved which unit's quarter, when, and what must happen before its reports change."""
    values = {
        "what": unit_quarter(approval.unit, approval.quarter),
        "user": approval.approved_by.get_username() if approval.approved_by else "",
        "day": timezone.localdate(approval.approved_at).isoformat() if approval.approved_at else "",
    }
    if approval.approved_by:
        return _(
            "%(what)s was approved by %(user)s on %(day)s: an approver of a unit above must reopen it "
            "before its reports change."
        ) % values
    return _(
        "%(what)s was approved on %(day)s: an approver of a unit above must reopen it before its reports change."
    ) % values


# ---------------------------------------------------------------------------------------
# Transitions


def approval_of(unit: AdministrativeUnit, quarter: Period | str) -> QuarterApproval:
    """The row of ``unit`` and ``quarter``, or an unsaved draft one (no row means draft)."""
    quarter = _quarter(quarter)
    row = QuarterApproval.objects.select_related("unit", "submitted_by", "approved_by").filter(
        unit=unit, quarter=quarter
    ).first()
    return row or QuarterApproval(unit=unit, quarter=quarter, state=ApprovalState.DRAFT)


def _quarter(quarter: Period | str) -> Period:
    return QuarterApproval._meta.get_field("quarter").to_python(quarter)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Give the reason: it is kept in the quarter's history.")})
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": REASON_MAX_LENGTH}})
    return text


def lock_province(path: str | None) -> None:
    """Lock, until the transaction ends, the province at the top of ``path`` (a placement path).

    Every write of reports and every transition of a quarter takes this lock first (one query),
    so a write and an approval in the same province never overlap: a write that found its
    quarter open commits before an approval can be made, and a write after an approval sees it.
    The province is always the first lock taken, so these waits cannot form a cycle.
    Note: SQLite takes its database write lock at the start of each write transaction instead
    (IMMEDIATE, see the settings); ``select_for_update`` is a no-op there.
    """
    if not path:
        return
    top = f"/{path.strip('/').split('/')[0]}/"
    provinces = UnitPlacement.objects.filter(path=top).values("unit_id")
    list(AdministrativeUnit.objects.select_for_update().filter(pk__in=provinces).values_list("pk", flat=True))


def _row_for_update(unit: AdministrativeUnit, quarter: Period) -> QuarterApproval:
    """The row, locked until the transaction ends, or a new draft one.

    The province's row and then the unit's are locked first, as
    ``services.quarter_submission_submit`` does: writes of the province's reports and
    transitions of its quarters wait for each other.
    """
    lock_province(unit.path_on(quarter.end))
    AdministrativeUnit.objects.select_for_update().filter(pk=unit.pk).first()
    row = QuarterApproval.objects.select_for_update().filter(unit=unit, quarter=quarter).first()
    return row or QuarterApproval(unit=unit, quarter=quarter, state=ApprovalState.DRAFT)


def _save(row: QuarterApproval, by, **changes) -> QuarterApproval:
    for name, value in changes.items():
        setattr(row, name, value)
    # The audit trail names the user: in a web request simple-history reads it from the
    # request, but a service may be called outside one (a command, a test).
    if by is not None and getattr(by, "is_authenticated", False):
        row._history_user = by
    row.save()
    return row


def _wrong_state(row: QuarterApproval, wanted: str):
    """409: the transition does not start from the quarter's state."""
    # Note: imported here: tracking.api imports DRF's views, which import the API settings that
    # name tracking.api (a cycle while the admin loads this module).
    from .api.errors import Conflict

    what = unit_quarter(row.unit, row.quarter)
    reasons = {
        ("submit", ApprovalState.SUBMITTED): _("%(what)s is already submitted: an approver approves it or returns it."),
        ("submit", ApprovalState.APPROVED): _("%(what)s is approved: reopen it first."),
        ("approve", ApprovalState.DRAFT): _("%(what)s is a draft: submit it before approving it."),
        ("approve", ApprovalState.APPROVED): _("%(what)s is already approved."),
        ("return", ApprovalState.DRAFT): _("%(what)s is a draft: there is nothing to return."),
        ("return", ApprovalState.APPROVED): _("%(what)s is approved: reopen it first."),
        ("reopen", ApprovalState.DRAFT): _("%(what)s is a draft: there is nothing to reopen."),
        ("reopen", ApprovalState.SUBMITTED): _("%(what)s is submitted, not approved: return it instead."),
    }
    return Conflict(reasons[(wanted, row.state)] % {"what": what})


def _check_quarter(unit: AdministrativeUnit, quarter: Period) -> None:
    if quarter.start > timezone.localdate():
        raise ValidationError({"quarter": _("%(quarter)s has not begun: there is nothing to submit yet.") % {"quarter": quarter}})
    if unit.path_on(quarter.end) is None:
        raise ValidationError(
            {"quarter": _("%(unit)s is not on the map on the last day of %(quarter)s.") % {"unit": unit, "quarter": quarter}}
        )


@transaction.atomic
def quarter_submit(*, unit: AdministrativeUnit, quarter: Period | str, by) -> QuarterApproval:
    """draft → submitted, by an editor of the unit's area on the quarter's last day."""
    quarter = _quarter(quarter)
    _check_quarter(unit, quarter)
    scope_of(by).require_unit(unit, quarter.end, Role.EDITOR)
    row = _row_for_update(unit, quarter)
    if row.state != ApprovalState.DRAFT:
        raise _wrong_state(row, "submit")
    return _save(row, by, state=ApprovalState.SUBMITTED, submitted_by=by, submitted_at=timezone.now())


@transaction.atomic
def quarter_approve(*, unit: AdministrativeUnit, quarter: Period | str, by) -> QuarterApproval:
    """submitted → approved, by an approver of the unit's area. The quarter's reports lock."""
    quarter = _quarter(quarter)
    scope_of(by).require_unit(unit, quarter.end, Role.APPROVER)
    row = _row_for_update(unit, quarter)
    if row.state != ApprovalState.SUBMITTED:
        raise _wrong_state(row, "approve")
    return _save(row, by, state=ApprovalState.APPROVED, approved_by=by, approved_at=timezone.now())


@transaction.atomic
def quarter_return(*, unit: AdministrativeUnit, quarter: Period | str, by, reason: str) -> QuarterApproval:
    """submitted → draft with the reason, by an approver of the unit's area."""
    quarter = _quarter(quarter)
    scope_of(by).require_unit(unit, quarter.end, Role.APPROVER)
    reason = _reason(reason)
    row = _row_for_update(unit, quarter)
    if row.state != ApprovalState.SUBMITTED:
        raise _wrong_state(row, "return")
    return _save(row, by, state=ApprovalState.DRAFT, reason=reason, submitted_by=None, submitted_at=None)


@transaction.atomic
def quarter_reopen(*, unit: AdministrativeUnit, quarter: Period | str, by, reason: str) -> QuarterApproval:
    """approved → draft with the reason, only by an approver of a unit above (or a superuser).
    The reports unlock; the approval stays in the history."""
    quarter = _quarter(quarter)
    scope_of(by).require_unit(unit, quarter.end, Role.APPROVER, strictly_below=True)
    reason = _reason(reason)
    row = _row_for_update(unit, quarter)
    if row.state != ApprovalState.APPROVED:
        raise _wrong_state(row, "reopen")
    return _save(row, by, state=ApprovalState.DRAFT, reason=reason, submitted_by=None, submitted_at=None,
                 approved_by=None, approved_at=None)


TRANSITIONS = {
    "submit": quarter_submit,
    "approve": quarter_approve,
    "return": quarter_return,
    "reopen": quarter_reopen,
}


# ---------------------------------------------------------------------------------------
# Where a quarter stands, and the lock


@dataclass(frozen=True)
class Standing:
    """How a village's (or a unit's) quarter stands, from the rows of the units at and above it.

    ``state`` is the furthest any of them has gone (approved, submitted, else draft); ``lock``
    is the nearest approved row, which locks the reports.
    """

    quarter: Period
    state: str
    lock: QuarterApproval | None

    @property
    def locked(self) -> bool:
        return self.lock is not None

    def as_dict(self) -> dict:
        return {
            "quarter": str(self.quarter),
            "state": self.state,
            "approved_by_unit": self.lock.unit.code if self.lock else None,
        }


def _prefixes(path: str) -> list[str]:
    """``/11/100/03317/`` → ``/11/``, ``/11/100/``, ``/11/100/03317/``."""
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[:end]) + "/" for end in range(1, len(parts) + 1)]


def _active(valid_from: datetime.date | None, valid_to: datetime.date | None, day: datetime.date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day < valid_to)


def standings_of_paths(items: dict) -> dict:
    """For each ``key → (path, quarter)``, how the quarter stands for what sits at ``path`` on the
    quarter's last day: the submitted and approved rows of the units whose path on that day is a
    prefix of ``path``. One query, whatever the number of items. A ``None`` path (not on the map)
    stands as a draft."""
    result = {key: Standing(quarter, ApprovalState.DRAFT, None) for key, (path, quarter) in items.items()}
    placed = {key: (path, quarter) for key, (path, quarter) in items.items() if path}
    if not placed:
        return result
    prefixes = {prefix for path, _quarter in placed.values() for prefix in _prefixes(path)}
    quarters = {quarter.index for _path, quarter in placed.values()}
    # Note: the annotations read the placement the filter joined (one row per placement whose
    # path is one of the prefixes); the one valid on the quarter's last day is kept.
    rows = (
        QuarterApproval.objects.filter(
            quarter__in=sorted(quarters),
            state__in=[ApprovalState.SUBMITTED, ApprovalState.APPROVED],
            unit__placements__path__in=sorted(prefixes),
        )
        .annotate(
            placement_path=F("unit__placements__path"),
            placement_from=F("unit__placements__valid_from"),
            placement_to=F("unit__placements__valid_to"),
        )
        .select_related("unit", "approved_by", "submitted_by")
    )
    found: dict[tuple[int, str], list[QuarterApproval]] = defaultdict(list)
    for row in rows:
        if _active(row.placement_from, row.placement_to, row.quarter.end):
            found[(row.quarter.index, row.placement_path)].append(row)
    for key, (path, quarter) in placed.items():
        covering = [row for prefix in reversed(_prefixes(path)) for row in found.get((quarter.index, prefix), [])]
        lock = next((row for row in covering if row.state == ApprovalState.APPROVED), None)
        state = ApprovalState.APPROVED if lock else (ApprovalState.SUBMITTED if covering else ApprovalState.DRAFT)
        result[key] = Standing(quarter, state, lock)
    return result


def _village_paths(pairs) -> dict:
    """``(village_id, quarter) → path`` of the village on the quarter's last day (one query)."""
    pairs = set(pairs)
    rows: dict[int, list[dict]] = defaultdict(list)
    for row in VillagePlacement.objects.filter(village_id__in={village_id for village_id, _q in pairs}).values(
        "village_id", "path", "valid_from", "valid_to"
    ):
        rows[row["village_id"]].append(row)
    return {
        (village_id, quarter): next(
            (row["path"] for row in rows[village_id] if _active(row["valid_from"], row["valid_to"], quarter.end)), None
        )
        for village_id, quarter in pairs
    }


def standings_for_villages(pairs) -> dict:
    """``(village_id, quarter) → Standing`` for many villages and quarters, in two queries."""
    paths = _village_paths(pairs)
    return standings_of_paths({pair: (path, pair[1]) for pair, path in paths.items()})


def standings_for_reports(reports) -> dict:
    """``report pk → Standing`` for a page of reports, in two queries (none for an empty page)."""
    reports = list(reports)
    if not reports:
        return {}
    standings = standings_for_villages({(report.village_id, report.quarter) for report in reports})
    return {report.pk: standings[(report.village_id, report.quarter)] for report in reports}


def locks_for(village_ids, quarter: Period | str) -> dict[int, QuarterApproval]:
    """``village_id → the approved row that locks its reports of quarter``, for the locked ones
    among many villages of one quarter. Two queries."""
    quarter = _quarter(quarter)
    standings = standings_for_villages({(village_id, quarter) for village_id in village_ids})
    return {village_id: standing.lock for (village_id, _q), standing in standings.items() if standing.locked}


def lock_for(village: Village, quarter: Period | str) -> QuarterApproval | None:
    """The approved row whose unit held ``village`` on the quarter's last day, or None."""
    return locks_for([village.pk], quarter).get(village.pk)


def require_unlocked(village: Village, quarter: Period | str) -> None:
    """QuarterLocked unless the reports of ``village`` for ``quarter`` may change. Call it in the
    write's transaction: it holds the province's lock (``lock_province``) until the write commits."""
    quarter = _quarter(quarter)
    lock_province(village.placements.active_on(quarter.end).values_list("path", flat=True).first())
    lock = lock_for(village, quarter)
    if lock is not None:
        raise QuarterLocked(lock)


def unit_standing(unit: AdministrativeUnit, quarter: Period) -> Standing:
    """How ``unit``'s quarter stands, counting the rows of the units above it (two queries)."""
    return standings_of_paths({unit.pk: (unit.path_on(quarter.end), quarter)})[unit.pk]


def report_coverage(unit: AdministrativeUnit, quarter: Period) -> dict:
    """How many villages under ``unit`` on the quarter's last day there are, and how many of them
    have a report for the quarter (two queries)."""
    villages = Village.objects.within(unit, quarter.end)
    counts = villages.aggregate(
        villages=Count("pk", distinct=True),
        reported=Count("pk", distinct=True, filter=Q(reports__quarter=quarter)),
    )
    return {"villages": counts["villages"], "reported": counts["reported"]}


def standings_of_rows(rows: list[QuarterApproval]) -> list[Standing]:
    """How each row's unit and quarter stand, counting the units above it: whether the unit's
    reports are locked, by its own approval or an upper unit's. Two queries for any number of rows."""
    placements = defaultdict(list)
    unit_ids = {row.unit_id for row in rows}
    if unit_ids:
        for placement in UnitPlacement.objects.filter(unit_id__in=unit_ids).values("unit_id", "path", "valid_from", "valid_to"):
            placements[placement["unit_id"]].append(placement)
    paths = {}
    for index, row in enumerate(rows):
        day = row.quarter.end
        path = next((p["path"] for p in placements[row.unit_id] if _active(p["valid_from"], p["valid_to"], day)), None)
        paths[index] = (path, row.quarter)
    standings = standings_of_paths(paths)
    return [standings[index] for index in range(len(rows))]


def describe(rows: list[QuarterApproval]) -> list[dict]:
    """The rows as the API shows them (two queries for any number of rows)."""
    rows = list(rows)
    return [_describe(row, standing) for row, standing in zip(rows, standings_of_rows(rows))]


def _user(user) -> str | None:
    return user.get_username() if user else None


def _describe(row: QuarterApproval, standing: Standing) -> dict:
    from .progress import unit_ref

    return {
        "unit": unit_ref(row.unit),
        "quarter": str(row.quarter),
        "state": row.state,
        "submitted_by": _user(row.submitted_by),
        "submitted_at": row.submitted_at,
        "approved_by": _user(row.approved_by),
        "approved_at": row.approved_at,
        "reason": row.reason,
        "updated_at": row.updated_at,
        "locked": standing.locked,
        "approved_by_unit": standing.lock.unit.code if standing.lock else None,
    }


def overview(unit: AdministrativeUnit, quarter: Period | str) -> dict:
    """The state of ``unit``'s quarter (draft without a row), whether its reports are locked and
    how many of its villages have reported. A fixed number of queries."""
    row = approval_of(unit, quarter)
    return {**describe([row])[0], "reports": report_coverage(unit, row.quarter)}
