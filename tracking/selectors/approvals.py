"""Where the quarters of units stand, as the API, the admin and the commands show them."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ..locks import Standing, as_quarter, standings_of_rows
from ..models import (
    AdministrativeUnit,
    ApprovalState,
    QuarterApproval,
    Village,
    unit_ref,
    with_names,
)
from ..periods import Period
from .records import unit_in_period, visible


def approval_of(unit: AdministrativeUnit, quarter: Period | str) -> QuarterApproval:
    """The row of ``unit`` and ``quarter``, or an unsaved draft one (no row means draft)."""
    quarter = as_quarter(quarter)
    row = QuarterApproval.objects.select_related("unit", "submitted_by", "approved_by").filter(
        unit=unit, quarter=quarter
    ).first()
    return row or QuarterApproval(unit=unit, quarter=quarter, state=ApprovalState.DRAFT)


def report_coverage(unit: AdministrativeUnit, quarter: Period) -> dict:
    """How many villages under ``unit`` on the quarter's last day there are, and how many of them
    have a report for the quarter (two queries)."""
    villages = Village.objects.within(unit, quarter.end)
    counts = villages.aggregate(
        villages=Count("pk", distinct=True),
        reported=Count("pk", distinct=True, filter=Q(reports__quarter=quarter)),
    )
    return {"villages": counts["villages"], "reported": counts["reported"]}


def describe(rows: list[QuarterApproval]) -> list[dict]:
    """The rows as the API shows them (three queries for any number of rows), each unit named as
    on its quarter's last day."""
    rows = list(rows)
    with_names(row.unit for row in rows)
    return [_describe(row, standing) for row, standing in zip(rows, standings_of_rows(rows))]


def _user(user) -> str | None:
    return user.get_username() if user else None


def _describe(row: QuarterApproval, standing: Standing) -> dict:
    return {
        "unit": unit_ref(row.unit, row.quarter.end),
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



def require_on_map(unit: AdministrativeUnit, quarter: Period) -> None:
    """A ValidationError on ``quarter`` unless ``unit`` is on the map on the quarter's last day: a
    unit has no quarter before it was established or after it ended."""
    if unit.path_on(quarter.end) is None:
        raise ValidationError(
            {"quarter": _("%(unit)s is not on the map on the last day of %(quarter)s.") % {"unit": unit, "quarter": quarter}}
        )


def approval_unit(*, by, code: str, quarter: Period) -> AdministrativeUnit:
    """The unit ``code`` whose ``quarter`` ``by`` may see (it lay in their area on its last day,
    and was on the map then)."""
    unit = unit_in_period(by=by, code=code, period=quarter)
    require_on_map(unit, quarter)
    return unit


def approval_overview(*, by, code: str, quarter: Period) -> dict:
    """The state of the quarter of the unit ``code``, its lock and its villages' coverage."""
    return overview(approval_unit(by=by, code=code, quarter=quarter), quarter)


def approval_history(*, by, code: str, quarter: Period) -> list:
    """The audit rows of the unit's quarter, newest first (empty while it is a draft without a row)."""
    unit = approval_unit(by=by, code=code, quarter=quarter)
    row = QuarterApproval.objects.filter(unit=unit, quarter=quarter).first()
    if row is None:
        return []
    return list(row.history.select_related("history_user").order_by("-history_date", "-history_id"))


def approval_rows(*, by, queryset=None):
    """The quarter approvals ``by`` may see."""
    return visible(by=by, queryset=queryset if queryset is not None else QuarterApproval.objects.all())
