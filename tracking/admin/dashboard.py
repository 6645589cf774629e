"""The dashboard: the admin's start page for everyone with a role, and one page per unit reached
by drill-down (``admin/dashboard/<code>/?quarter=2019Q4``). What it shows comes from
``selectors.dashboard``; this module picks the quarter, lays out the chart and translates refusals."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import progress, selectors
from ..choices import GoalMetric, Level, ReportedMetric
from ..models import ApprovalState, Role
from ..errors import DomainError, NotFound
from ..periods import Period
from .charts import Series, line_chart
from .figures import goal_cells

# The chart's two lines: the blank villages, and the villages without a cell of their own.
CHARTED = (
    (GoalMetric.BLANK_VILLAGES, ReportedMetric.BLANK_VILLAGES, "blank"),
    (GoalMetric.VILLAGES_WITHOUT_OWN_CELL, None, "no-cell"),
)


def has_dashboard(user) -> bool:
    """Whether the user's start page is the dashboard: they hold a role, or are a superuser."""
    return selectors.holds_role(by=user, role=Role.VIEWER)


def home(request, site):
    """The start page: the dashboard of the user's one unit, or the list of their units."""
    units = selectors.home_units(by=request.user)
    if len(units) == 1:
        return unit_page(request, site, units[0].code)
    context = {**site.each_context(request), "title": _("Dashboard"), "units": units}
    return TemplateResponse(request, "admin/tracking/dashboard_home.html", context)


def unit_page(request, site, code: str):
    period = None
    if request.GET.get("quarter"):
        try:
            period = Period.parse(request.GET["quarter"]).last_quarter
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    try:
        data = selectors.dashboard(by=request.user, code=code, period=period)
    except NotFound as error:
        raise Http404(str(error)) from error
    except (DomainError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(reverse("admin:dashboard", args=[code]))
    for goal, row in data["goals"]:
        goal.cells = goal_cells(row)
    reported = [dict(entry, metric_label=ReportedMetric(entry["metric"]).label) for entry in data["figures"]["reported"]]
    approval = data["figures"]["approval"]
    unit = data["unit"]
    context = {
        **site.each_context(request),
        "title": f"{unit.get_level_display()} {data['figures']['unit']['name']} ({unit.code})",
        "approval_state": ApprovalState(approval["state"]).label,
        "approved_above": approval["approved_by_unit"] not in (None, unit.code) and approval["approved_by_unit"],
        "may_enter": unit.level in (Level.DISTRICT, Level.COMMUNE) and selectors.holds_role(by=request.user, role=Role.EDITOR),
        "data": data,
        "figures": data["figures"],
        "reported": reported,
        "chart": _chart(data),
        "quarter_value": str(data["period"]),
    }
    return TemplateResponse(request, "admin/tracking/dashboard.html", context)


def _chart(data: dict):
    rows = data["timeline"]
    quarters = [Period.parse(row["period"]) for row in rows]
    series = []
    for metric, cited_metric, css in CHARTED:
        line = Series(label=metric.label, css=css)
        for quarter, row in zip(quarters, rows):
            if progress.figures_complete(row):
                line.points[quarter] = progress.metric_value(row, metric)
            for entry in row["reported"]:
                if cited_metric and entry["metric"] == cited_metric and entry["unit"]["code"] == data["unit"].code:
                    line.dots[Period.parse(entry["period"]).last_quarter] = entry["value"]
        for goal, goal_row in data["goals"]:
            if goal.metric == metric and goal.baseline_period and goal.deadline and goal_row["baseline"] is not None:
                line.goals.append((goal.baseline_period, goal_row["baseline"], goal.deadline))
        series.append(line)
    return {"svg": line_chart(quarters, series, title=_("Blank villages and villages without their own cell, by quarter")),
            "series": series, "quarters": quarters}
