"""Every write, one function per action. The admin, the API and the management commands call
these, so each rule is enforced once: who may do it (``by``, the acting user, asked of
``tracking.access``), then the model's rules (``full_clean``), inside a transaction. Refusals are
the plain errors of ``tracking.errors``; records named by id or code are looked up with the
selectors, so one the user cannot see reads like one that does not exist.

- ``records``: units, villages, organisations, cells, reported figures, goals, deletions;
- ``reports``: a village's quarterly report and a unit's whole submission;
- ``approvals``: submit, approve, return and reopen a unit's quarter;
- ``reorganisations``: changes of the map (establish, rename, transfer, split, merge, abolish);
- ``roles``: role grants.
"""
from .records import (  # noqa: F401
    SOURCE_FIELDS,
    cell_coverage_add,
    cell_create,
    cell_update,
    check_day,
    goal_save,
    lock_for_change,
    may_change,
    nation_ensure,
    organisation_create,
    record_delete,
    reported_figure_save,
    require_change,
    unit_create,
    unit_update,
    village_create,
    village_update,
)
from .reports import (  # noqa: F401
    REPORT_FIELDS,
    SubmitResult,
    quarter_report_create,
    quarter_report_delete,
    quarter_report_submit,
    quarter_report_update,
    quarter_submission_submit,
)
from .roles import role_grant_delete, role_grant_save  # noqa: F401
