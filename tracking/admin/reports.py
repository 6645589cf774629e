"""Quarterly reports, as a list of their own (the village's page has them as an inline). Those of
an approved quarter are locked."""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import locks, services
from ..models import QuarterApproval, QuarterReport
from .base import PageFiguresMixin, ServiceAdmin
from .filters import (
    QuarterFilter,
    ReportCommuneFilter,
    ReportDistrictFilter,
    ReportProvinceFilter,
)
from .forms import QuarterReportForm


@admin.register(QuarterReport)
class QuarterReportAdmin(PageFiguresMixin, ServiceAdmin, SimpleHistoryAdmin):
    """Reports. Those of an approved quarter are locked: shown read-only with who approved them
    and how to reopen, never saved or deleted (``services`` refuses them anyway)."""

    form = QuarterReportForm
    deletable = True
    # Six columns read at 1366 px beside the admin's menu and filters.
    list_display = ("village", "quarter", "members", "admissions", "cell_or_status", "locked")
    list_select_related = ("village", "cell")
    list_filter = (ReportProvinceFilter, ReportDistrictFilter, ReportCommuneFilter, QuarterFilter)
    search_fields = ("village__name",)
    autocomplete_fields = ("village", "cell")
    actions = ("delete_selected",)

    def annotate_page(self, request, reports):
        standings = locks.standings_for_reports(reports)
        for report in reports:
            report.approval_lock = standings[report.pk].lock

    @staticmethod
    def _lock(request, report) -> QuarterApproval | None:
        """The approval that locks ``report``, read once per request."""
        found = request.__dict__.setdefault("_report_locks", {})
        if report.pk not in found:
            found[report.pk] = locks.lock_for(report.village, report.quarter)
        return found[report.pk]

    @admin.display(description=_("members (full + probationary)"))
    def members(self, report):
        if report.full_members is None:
            return "–"
        return f"{report.full_members} + {report.probationary_members if report.probationary_members is not None else '–'}"

    @admin.display(description=_("cell or status"))
    def cell_or_status(self, report):
        if report.cell_id:
            return report.cell.name
        return report.get_status_display() if report.status else "–"

    @admin.display(description=_("locked"), boolean=True)
    def locked(self, report):
        return getattr(report, "approval_lock", None) is not None

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and self._lock(request, obj):
            return (*self.form._meta.fields, "created_at", "updated_at")
        # A report is filed under its village and quarter; another quarter is another report.
        return ("village", "quarter", "created_at", "updated_at") if obj else ()

    @staticmethod
    def notice(lock: QuarterApproval) -> str:
        return gettext(
            "This report is locked. %(reason)s To change it, an approver of a unit above reopens the quarter in "
            "“Quarter approvals” (action “Reopen…”), giving the reason."
        ) % {"reason": locks.locked_message(lock)}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        report = self.get_object(request, unquote(object_id)) if object_id else None
        lock = self._lock(request, report) if report is not None else None
        if lock is not None:
            if request.method == "POST":
                self.message_user(request, gettext("Nothing was saved: %(reason)s") % {
                    "reason": locks.locked_message(lock)}, messages.ERROR)
                return HttpResponseRedirect(request.path)
            self.message_user(request, self.notice(lock), messages.WARNING)
            extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                             "show_save_and_add_another": False, "show_delete": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        report = self.get_object(request, unquote(object_id))
        lock = self._lock(request, report) if report is not None else None
        if lock is not None:
            self.message_user(request, gettext("Nothing was deleted: %(reason)s") % {
                "reason": locks.locked_message(lock)}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:tracking_quarterreport_change", args=[report.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["delete"], description=admin_actions.delete_selected.short_description)
    def delete_selected(self, request, queryset):
        """Django's bulk deletion, refused as a whole when a selected report is locked."""
        reports = list(queryset.select_related("village"))
        standings = locks.standings_for_reports(reports)
        locked = [report for report in reports if standings[report.pk].locked]
        if locked:
            self.message_user(request, gettext("Nothing was deleted: %(reports)s locked. %(reason)s") % {
                "reports": ", ".join(str(report) for report in locked),
                "reason": locks.locked_message(standings[locked[0].pk].lock)}, messages.ERROR)
            return None
        return admin_actions.delete_selected(self, request, queryset)

    def delete_model(self, request, obj):
        services.quarter_report_delete(by=request.user, report=obj)

    def delete_queryset(self, request, queryset):
        for report in queryset:
            services.quarter_report_delete(by=request.user, report=report)
