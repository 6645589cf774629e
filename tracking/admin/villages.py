"""Villages, with their placements and their quarterly reports (those of an approved quarter locked)."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import locks, progress, selectors, services
from ..models import (
    COUNT_FIELDS,
    KIND_WORDS,
    QuarterReport,
    Role,
    Village,
    VillagePlacement,
)
from ..periods import current_quarter
from .base import (
    PageFiguresMixin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    _closing_fields,
    _narrow_choices,
)
from .filters import CommuneFilter, DistrictFilter, ProvinceFilter
from .forms import QuarterReportForm, VillageChangeForm, VillageCreateForm


class VillageState(models.TextChoices):
    """What a village's latest report says, as the village list shows it."""

    BLANK = progress.BLANK, _("blank")
    HAS_MEMBERS = progress.HAS_MEMBERS, _("has members")
    OWN_CELL = progress.OWN_CELL, _("own cell")
    MERGED_CELL = progress.MERGED_CELL, _("merged cell")
    NO_REPORT = progress.NO_REPORT, _("no report")


class VillagePlacementInline(ReadOnlyInline):
    model = VillagePlacement
    fields = ("unit", "path", "valid_from", "valid_to")
    readonly_fields = ("path",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


class QuarterReportFormSet(forms.BaseInlineFormSet):
    """A village's reports: those of an approved quarter are shown locked (two queries for all)."""

    def _locks(self) -> dict:
        if not hasattr(self, "_report_locks"):
            standings = locks.standings_for_reports(self.get_queryset())
            self._report_locks = {pk: standing.lock for pk, standing in standings.items() if standing.locked}
        return self._report_locks

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        lock = self._locks().get(form.instance.pk) if form.instance.pk else None
        form.instance.approval_lock = lock
        if lock is not None:
            form.lock_fields(lock)
        return form


class QuarterReportInline(admin.TabularInline):
    model = QuarterReport
    form = QuarterReportForm
    formset = QuarterReportFormSet
    fields = ("quarter", *COUNT_FIELDS, "status", "cell", "locked")
    readonly_fields = ("locked",)
    autocomplete_fields = ("cell",)
    extra = 1

    def get_queryset(self, request):
        # The reports of the quarters when the village lay in the user's area only.
        return selectors.visible(by=request.user, queryset=super().get_queryset(request))

    # The village's page decides: its editors report for it (each report is checked for its quarter).
    def has_view_permission(self, request, obj=None):
        return selectors.holds_role(by=request.user, role=Role.VIEWER)

    def has_add_permission(self, request, obj=None):
        return obj is not None and selectors.sees(by=request.user, record=obj, role=Role.EDITOR)

    has_change_permission = has_delete_permission = has_add_permission

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        user = request.user

        class AreaForm(formset.form):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, **form_kwargs)
                self.user = user
                _narrow_choices(self, user)

        formset.form = AreaForm
        return formset

    @admin.display(description=_("locked"), boolean=True)
    def locked(self, report):
        return getattr(report, "approval_lock", None) is not None


@admin.register(Village)
class VillageAdmin(PageFiguresMixin, ServiceAdmin, SimpleHistoryAdmin):
    form = VillageChangeForm
    add_form = VillageCreateForm
    list_display = ("name", "key", "unit_today", "latest_quarter", "latest_state", "valid_from", "valid_to")
    list_filter = (ProvinceFilter, DistrictFilter, CommuneFilter)
    search_fields = ("name", "key")

    def get_queryset(self, request):
        return super().get_queryset(request).with_unit_on(timezone.localdate())

    def get_inlines(self, request, obj):
        return [VillagePlacementInline, QuarterReportInline] if obj else []

    def get_readonly_fields(self, request, obj=None):
        return ("key", "valid_from", *_closing_fields(obj)) if obj else ()

    def annotate_page(self, request, villages):
        states = selectors.latest_village_situations(
            by=request.user, village_ids=[village.pk for village in villages], as_of=current_quarter())
        for village in villages:
            village.latest = states.get(village.pk)

    def save_formset(self, request, form, formset, change):
        if formset.model is not QuarterReport:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # writes nothing; lists what changed for the change message
        for report in formset.deleted_objects:
            services.quarter_report_delete(by=request.user, report=report)
        for report_form in formset.forms:
            if report_form.has_changed() and report_form not in formset.deleted_forms:
                report_form.submit()

    @admin.display(description=_("unit today"))
    def unit_today(self, village):
        if village.unit_code_on_day is None:
            return None
        kind = KIND_WORDS.get(village.unit_kind_on_day, "")
        return f"{kind} {village.unit_name_on_day} ({village.unit_code_on_day})".strip()

    @admin.display(description=_("latest report"))
    def latest_quarter(self, village):
        return str(village.latest[0]) if village.latest else None

    @admin.display(description=_("status"))
    def latest_state(self, village):
        return VillageState(village.latest[1] if village.latest else progress.NO_REPORT).label


@admin.register(VillagePlacement)
class VillagePlacementAdmin(ReadOnlyAdmin):
    list_display = ("village", "unit", "path", "valid_from", "valid_to")
    list_select_related = ("village", "unit")
    search_fields = ("path", "village__name", "unit__name")
    readonly_fields = ("path",)
