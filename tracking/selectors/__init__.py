"""Every read the API, the admin and the commands serve, for one user (``by``).

What a user may see is decided here and in ``access``, for records and for figures alike: a
record outside the user's areas, or a period of a unit that was not theirs then, does not exist
(``errors.NotFound``; a code or id named in a request body: ``errors.Invalid`` on that field,
with the same words as for one that does not exist). The figures themselves come from
``progress``, the one definition of every number.

- ``records``: a unit by code, a village, cell or organisation by id, what a queryset holds for
  the user;
- ``figures``: a unit's figures, timeline and blank villages; goals and their progress;
- ``approvals``: where a unit's quarter stands, and its history;
- ``completeness``: which communes of an area have reported, submitted and been approved in a quarter;
- ``dashboard``: a unit's dashboard (its figures, goals, timeline, children and blank villages),
  and the units a user's dashboards start from;
- ``entry``: a unit's quarter as the admin's entry grid shows it.
"""
from .approvals import approval_history, approval_overview, approval_rows, approval_unit  # noqa: F401
from .completeness import completeness, completeness_default_area  # noqa: F401
from .dashboard import dashboard, home_units  # noqa: F401
from .entry import ENTRY_LEVELS, EntryRow, QuarterEntry, entry_units, quarter_entry  # noqa: F401
from .figures import (  # noqa: F401
    MAX_TIMELINE_QUARTERS,
    blank_villages,
    children_figures,
    goal_progress,
    goals,
    goals_progress,
    unit_figures,
    unit_timeline,
)
from .records import (  # noqa: F401
    cell_by_id,
    cells_by_ids,
    holds_role,
    latest_village_situations,
    organisation_by_id,
    quarters_in_area,
    record_by_id,
    sees,
    unit_by_code,
    unit_in_period,
    units_by_codes,
    village_by_id,
    villages_blank_at,
    villages_by_ids,
    visible,
)
