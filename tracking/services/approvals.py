"""Approval of quarters: a unit's quarter moves draft → submitted → approved.

* **Submit** (draft → submitted): an editor of the unit's area on the quarter's last day.
* **Approve** (submitted → approved): an approver of the unit's area. As in DHIS2, only a
  submitted quarter is approved: a draft is submitted first.
* **Return** (submitted → draft, with a reason): an approver of the unit's area.
* **Reopen** (approved → draft, with a reason): only an approver of a unit *above* the unit
  (superusers too): whoever approved a quarter does not undo it alone.

Each transition is one saved row of :class:`~tracking.models.QuarterApproval` and so one row
of its audit trail (who, when, through which path, the reason). A wrong transition is an
``errors.Conflict`` with the reason. While approved, the quarter's reports are locked
(``tracking.locks``).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access import scope_of
from ..errors import Conflict
from ..locks import as_quarter, lock_province, unit_quarter
from ..models import AdministrativeUnit, ApprovalState, QuarterApproval, Role
from ..periods import Period
from ..selectors.approvals import require_on_map

REASON_MAX_LENGTH = QuarterApproval._meta.get_field("reason").max_length


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Give the reason: it is kept in the quarter's history.")})
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": REASON_MAX_LENGTH}})
    return text


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
    if by is not None and getattr(by, "pk", None) is not None:
        row._history_user = by
    row.save()
    return row


def _account(by):
    """The user account to name on the row: none for ``access.SYSTEM``."""
    return by if getattr(by, "pk", None) is not None else None


def _wrong_state(row: QuarterApproval, wanted: str):
    """409: the transition does not start from the quarter's state."""
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
    require_on_map(unit, quarter)


@transaction.atomic
def quarter_submit(*, unit: AdministrativeUnit, quarter: Period | str, by) -> QuarterApproval:
    """draft → submitted, by an editor of the unit's area on the quarter's last day."""
    quarter = as_quarter(quarter)
    _check_quarter(unit, quarter)
    scope_of(by).require_unit(unit, quarter.end, Role.EDITOR)
    row = _row_for_update(unit, quarter)
    if row.state != ApprovalState.DRAFT:
        raise _wrong_state(row, "submit")
    return _save(row, by, state=ApprovalState.SUBMITTED, submitted_by=_account(by), submitted_at=timezone.now())


@transaction.atomic
def quarter_approve(*, unit: AdministrativeUnit, quarter: Period | str, by) -> QuarterApproval:
    """submitted → approved, by an approver of the unit's area. The quarter's reports lock."""
    quarter = as_quarter(quarter)
    scope_of(by).require_unit(unit, quarter.end, Role.APPROVER)
    row = _row_for_update(unit, quarter)
    if row.state != ApprovalState.SUBMITTED:
        raise _wrong_state(row, "approve")
    return _save(row, by, state=ApprovalState.APPROVED, approved_by=_account(by), approved_at=timezone.now())


@transaction.atomic
def quarter_return(*, unit: AdministrativeUnit, quarter: Period | str, by, reason: str) -> QuarterApproval:
    """submitted → draft with the reason, by an approver of the unit's area."""
    quarter = as_quarter(quarter)
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
    quarter = as_quarter(quarter)
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
