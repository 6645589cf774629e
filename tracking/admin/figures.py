"""Reported figures and goals, each goal with its progress."""
from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import progress, selectors
from ..models import Goal, ReportedFigure, names_prefetch
from .base import PageFiguresMixin, ServiceAdmin, unit_then
from .forms import GoalForm, ReportedFigureForm

GOAL_STATUS_LABELS = progress.STATUS_LABELS


@admin.register(ReportedFigure)
class ReportedFigureAdmin(ServiceAdmin, SimpleHistoryAdmin):
    form = ReportedFigureForm
    list_display = ("unit_then", "period", "metric", "value", "since", "source_location")
    list_select_related = ("unit",)
    list_filter = ("metric",)
    search_fields = ("unit__name", "unit__code", "note")
    autocomplete_fields = ("unit", "combined_with")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(names_prefetch("unit__"))

    @admin.display(description=_("unit"), ordering="unit__code")
    def unit_then(self, figure):
        return unit_then(figure.unit, figure.period.end)


def goal_cells(row: dict) -> dict:
    """How a goal's progress row (``selectors.goals_progress``) reads on a screen: the goals list
    and the dashboard show the same words, bar and projection."""
    share = row["progress"]
    status = GOAL_STATUS_LABELS[row["status"]]
    if row["status"] == progress.STALE and row["data_as_of"]:
        status = format_html("{}<br><small>{}</small>", status, _("data of %(quarter)s") % {"quarter": row["data_as_of"]})
    elif row["projected_period"]:
        status = format_html("{}<br><small>{}</small>", status, _("zero in %(quarter)s") % {"quarter": row["projected_period"]})
    return {
        "baseline": _with_period(row["baseline"], row["baseline_period"]),
        "current": _with_period(row["current"], row["current_period"]),
        "change": "-" if row["baseline"] is None else format_html(
            "{} → {}<br><small>{} → {}</small>", row["baseline"], "-" if row["current"] is None else row["current"],
            row["baseline_period"], row["current_period"] or "-",
        ),
        "progress": "-" if share is None else format_html(
            '<progress value="{}" max="100" title="{}"></progress> {}', round(100 * max(0, min(share, 1))),
            f"{share:.0%}", f"{share:.0%}",
        ),
        "status": format_html('<span class="goal-status goal-{}">{}</span>', row["status"], status),
        "bar_and_status": format_html('<span class="goal-status goal-{}">{} {}</span>', row["status"], "" if share is None else format_html(
            '<progress value="{}" max="100"></progress> {}<br>', round(100 * max(0, min(share, 1))), f"{share:.0%}"), status),
    }


def _with_period(value, period) -> str:
    if value is None:
        return "-"
    return format_html("{} <small>({})</small>", value, period) if period else str(value)


@admin.register(Goal)
class GoalAdmin(PageFiguresMixin, ServiceAdmin, SimpleHistoryAdmin):
    form = GoalForm
    # Five columns read at 1366 px beside the admin's menu and filters: the metric goes under the
    # title, the periods under the values, the bar beside the status and the projection under it.
    list_display = ("title_and_metric", "unit", "deadline", "change", "goal_status")
    list_display_links = ("title_and_metric",)
    list_select_related = ("unit",)
    list_filter = ("metric",)
    search_fields = ("title", "unit__name", "set_by")
    autocomplete_fields = ("unit",)

    class Media:
        css = {"all": ("tracking/screens.css",)}

    def get_readonly_fields(self, request, obj=None):
        progress_fields = ("baseline", "current", "progress_percent", "goal_status", "projected_period", "explanation")
        return progress_fields if obj else ()

    def annotate_page(self, request, goals):
        for goal, row in zip(goals, selectors.goals_progress(by=request.user, goals=goals)):
            goal.progress_row = row
            goal.cells = goal_cells(row)

    def get_object(self, request, object_id, from_field=None):
        goal = super().get_object(request, object_id, from_field)
        if goal is not None:
            goal.progress_row = selectors.goal_progress(by=request.user, goal=goal)
            goal.cells = goal_cells(goal.progress_row)
        return goal

    @admin.display(description=_("title"), ordering="title")
    def title_and_metric(self, goal):
        return format_html("{}<br><small>{}</small>", goal.title, goal.get_metric_display())

    @admin.display(description=_("baseline"))
    def baseline(self, goal):
        return goal.cells["baseline"]

    @admin.display(description=_("current"))
    def current(self, goal):
        return goal.cells["current"]

    @admin.display(description=_("baseline → current"))
    def change(self, goal):
        return goal.cells["change"]

    @admin.display(description=_("progress"))
    def progress_percent(self, goal):
        return goal.cells["progress"]

    @admin.display(description=_("progress and status"))
    def goal_status(self, goal):
        return goal.cells["bar_and_status"]

    @admin.display(description=_("projected period"))
    def projected_period(self, goal):
        return goal.progress_row["projected_period"]

    @admin.display(description=_("explanation"))
    def explanation(self, goal):
        return goal.progress_row["explanation"]
