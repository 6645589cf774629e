"""Reported figures and goals, each goal with its progress."""
from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import progress, selectors
from ..models import Goal, ReportedFigure
from .base import PageFiguresMixin, ServiceAdmin
from .forms import GoalForm, ReportedFigureForm

GOAL_STATUS_LABELS = {
    progress.ACHIEVED: _("achieved"),
    progress.ON_TRACK: _("on track"),
    progress.AT_RISK: _("at risk"),
    progress.OVERDUE: _("overdue"),
    progress.STALE: _("no recent data"),
    progress.NO_DATA: _("no data"),
}


@admin.register(ReportedFigure)
class ReportedFigureAdmin(ServiceAdmin, SimpleHistoryAdmin):
    form = ReportedFigureForm
    list_display = ("unit", "period", "metric", "value", "since", "source_location")
    list_select_related = ("unit",)
    list_filter = ("metric",)
    search_fields = ("unit__name", "unit__code", "note")
    autocomplete_fields = ("unit", "combined_with")


@admin.register(Goal)
class GoalAdmin(PageFiguresMixin, ServiceAdmin, SimpleHistoryAdmin):
    form = GoalForm
    list_display = (
        "title", "unit", "metric", "baseline_period", "deadline",
        "baseline", "current", "progress_percent", "goal_status", "projected_period",
    )
    list_select_related = ("unit",)
    list_filter = ("metric",)
    search_fields = ("title", "unit__name", "set_by")
    autocomplete_fields = ("unit",)

    def get_readonly_fields(self, request, obj=None):
        progress_fields = ("baseline", "current", "progress_percent", "goal_status", "projected_period", "explanation")
        return progress_fields if obj else ()

    def annotate_page(self, request, goals):
        for goal, row in zip(goals, selectors.goals_progress(by=request.user, goals=goals)):
            goal.progress_row = row

    def get_object(self, request, object_id, from_field=None):
        goal = super().get_object(request, object_id, from_field)
        if goal is not None:
            goal.progress_row = selectors.goal_progress(by=request.user, goal=goal)
        return goal

    @staticmethod
    def _progress(goal: Goal) -> dict:
        return goal.progress_row

    @admin.display(description=_("baseline"))
    def baseline(self, goal):
        return self._progress(goal)["baseline"]

    @admin.display(description=_("current"))
    def current(self, goal):
        return self._progress(goal)["current"]

    @admin.display(description=_("progress"))
    def progress_percent(self, goal):
        share = self._progress(goal)["progress"]
        return None if share is None else f"{share:.0%}"

    @admin.display(description=_("status"))
    def goal_status(self, goal):
        return GOAL_STATUS_LABELS[self._progress(goal)["status"]]

    @admin.display(description=_("projected period"))
    def projected_period(self, goal):
        return self._progress(goal)["projected_period"]

    @admin.display(description=_("explanation"))
    def explanation(self, goal):
        return self._progress(goal)["explanation"]
