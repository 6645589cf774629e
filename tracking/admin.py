"""The data-entry admin.

Every write goes through ``tracking.services`` and every figure comes from ``tracking.progress``.
A form runs its service inside a savepoint that is rolled back while it validates, so whatever a
service refuses shows on the form, next to its field, instead of failing the save.
"""
from __future__ import annotations


from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import progress, services
from .models import (
    KIND_WORDS,
    COUNT_FIELDS,
    AdministrativeUnit,
    CellCoverage,
    Goal,
    GrassrootsOrganisation,
    Level,
    PartyCell,
    QuarterReport,
    ReportedFigure,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from .periods import Period, current_quarter

admin.site.site_header = _("No village without a party member")
admin.site.site_title = _("Party member coverage")

SOURCE_FIELDS = ("source_url", "source_location", "note")

GOAL_STATUS_LABELS = {
    progress.ACHIEVED: _("achieved"),
    progress.ON_TRACK: _("on track"),
    progress.AT_RISK: _("at risk"),
    progress.OVERDUE: _("overdue"),
    progress.NO_DATA: _("no data"),
}


class VillageState(models.TextChoices):
    """What a village's latest report says, as the village list shows it."""

    BLANK = progress.BLANK, _("blank")
    HAS_MEMBERS = progress.HAS_MEMBERS, _("has members")
    OWN_CELL = progress.OWN_CELL, _("own cell")
    MERGED_CELL = progress.MERGED_CELL, _("merged cell")
    NO_REPORT = progress.NO_REPORT, _("no report")


# ---------------------------------------------------------------------------------------
# Forms: each saves through one service


def _formfield(db_field, **kwargs):
    # Note: a source URL typed without its scheme is read as https, Django 6's default, rather
    # than as http with a deprecation warning.
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ServiceForm(forms.ModelForm):
    """A model form saved by ``submit()``, a service call, which validation runs and rolls back."""

    class Meta:
        formfield_callback = _formfield

    def submit(self):
        """Write the cleaned data through the service and return the saved object."""
        raise NotImplementedError

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or self._errors or not self.has_changed() or self.cleaned_data.get("DELETE"):
            return
        pk, adding = self.instance.pk, self.instance._state.adding
        try:
            with transaction.atomic():
                self.submit()
                transaction.set_rollback(True)
        except ValidationError as error:
            self._add_service_error(error)
        finally:
            # Note: a service given this form's instance saves it; the rollback undoes the row
            # but not the primary key the save gave the instance.
            self.instance.pk, self.instance._state.adding = pk, adding

    def _add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.error_dict.items():
            # A service may name a model field this form shows read-only or not at all.
            self.add_error(field if field in self.fields else None, messages)


def _changed(form: ServiceForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data}


class UnitCreateForm(ServiceForm):
    parent = forms.ModelChoiceField(
        AdministrativeUnit.objects.filter(level__in=[Level.PROVINCE, Level.DISTRICT]),
        required=False,
        label=_("parent unit"),
        help_text=_("Empty only for a province."),
    )

    class Meta(ServiceForm.Meta):
        model = AdministrativeUnit
        fields = ("code", "name", "kind", "level", "valid_from", "valid_to", *SOURCE_FIELDS)

    def submit(self):
        return services.unit_create(**self.cleaned_data)


class UnitChangeForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = AdministrativeUnit
        fields = ("name", "kind", "valid_to", *SOURCE_FIELDS)

    def submit(self):
        return services.unit_update(unit=AdministrativeUnit.objects.get(pk=self.instance.pk), **_changed(self))


class VillageCreateForm(ServiceForm):
    unit = forms.ModelChoiceField(
        AdministrativeUnit.objects.filter(level__in=[Level.DISTRICT, Level.COMMUNE]),
        label=_("unit"),
        help_text=_("The commune the village belongs to, or its district where no commune is known."),
    )

    class Meta(ServiceForm.Meta):
        model = Village
        fields = ("name", "valid_from", "valid_to", *SOURCE_FIELDS)

    def submit(self):
        return services.village_create(**self.cleaned_data)


class VillageChangeForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = Village
        fields = ("name", "valid_to", *SOURCE_FIELDS)

    def submit(self):
        return services.village_update(village=Village.objects.get(pk=self.instance.pk), **_changed(self))


class QuarterReportForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = QuarterReport
        fields = ("village", "quarter", *COUNT_FIELDS, "status", "cell", *SOURCE_FIELDS)

    def clean_quarter(self):
        quarter = self.cleaned_data["quarter"]
        # The service files a report under its village and quarter: a changed quarter would
        # leave the old report in place and write a second one.
        if self.instance.pk and quarter != self.instance.quarter:
            raise ValidationError(_("A saved report keeps its quarter: add a report for the other quarter."))
        return quarter

    def submit(self):
        report = self.instance
        # Fields this form does not show keep their saved values: the service empties a field left out.
        values = {name: getattr(report, name) for name in services.REPORT_FIELDS}
        return services.quarter_report_submit(village=report.village, quarter=report.quarter, **values).report


class OrganisationCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = GrassrootsOrganisation
        fields = ("name", "unit", "founded_on", "dissolved_on", *SOURCE_FIELDS)

    def submit(self):
        return services.organisation_create(**self.cleaned_data)


class PartyCellCreateForm(ServiceForm):
    villages = forms.ModelMultipleChoiceField(
        Village.objects.all(),
        required=False,
        label=_("villages served"),
        help_text=_("From the founding date. Empty for an agency cell."),
        widget=FilteredSelectMultiple(_("villages"), is_stacked=False),
    )

    class Meta(ServiceForm.Meta):
        model = PartyCell
        fields = ("name", "organisation", "founded_on", "dissolved_on", *SOURCE_FIELDS)

    def submit(self):
        return services.cell_create(**{**self.cleaned_data, "villages": list(self.cleaned_data["villages"])})


class CellCoverageCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = CellCoverage
        fields = ("cell", "village", "valid_from", "valid_to")

    def submit(self):
        return services.cell_coverage_add(**self.cleaned_data)


class ReportedFigureForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = ReportedFigure
        fields = ("unit", "combined_with", "period", "since", "metric", "value", *SOURCE_FIELDS)

    def submit(self):
        return services.reported_figure_save(
            figure=self.instance, combined_with=list(self.cleaned_data["combined_with"])
        )


class GoalForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = Goal
        fields = ("unit", "title", "metric", "baseline_period", "deadline", "set_by", *SOURCE_FIELDS)

    def submit(self):
        return services.goal_save(goal=self.instance)


# ---------------------------------------------------------------------------------------
# List filters


def _under(paths) -> Q:
    """Placements at or below any of ``paths``; no path matches nothing."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return condition


class PlacedUnderFilter(admin.SimpleListFilter):
    """Villages placed under a unit at any time, by the paths of its placements.

    Any time, not today: districts were abolished on 2025-07-01, and their past is what a
    district filter is for.
    """

    level: int
    narrowed_by: tuple[str, ...] = ()  # filters whose choice narrows this one's options
    village_field = "pk"  # how the filtered rows name their village

    def lookups(self, request, model_admin):
        units = AdministrativeUnit.objects.at_level(self.level)
        for parameter in self.narrowed_by:
            chosen = request.GET.get(parameter, "")
            if chosen.isdigit():
                paths = UnitPlacement.objects.filter(unit_id=chosen).values_list("path", flat=True)
                units = units.filter(pk__in=UnitPlacement.objects.filter(_under(list(paths))).values("unit_id"))
                break
        units = units.prefetch_related("placements")
        self.paths = {str(unit.pk): [placement.path for placement in unit.placements.all()] for unit in units}
        return [(str(unit.pk), str(unit)) for unit in units]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(value)
        paths = self.paths.get(value)
        if paths is None:
            paths = list(UnitPlacement.objects.filter(unit_id=value).values_list("path", flat=True))
        villages = VillagePlacement.objects.filter(_under(paths)).values("village_id")
        return queryset.filter(**{f"{self.village_field}__in": villages})


class ProvinceFilter(PlacedUnderFilter):
    title = _("province")
    parameter_name = "province"
    level = Level.PROVINCE


class DistrictFilter(PlacedUnderFilter):
    title = _("district")
    parameter_name = "district"
    level = Level.DISTRICT
    narrowed_by = ("province",)


class CommuneFilter(PlacedUnderFilter):
    title = _("commune")
    parameter_name = "commune"
    level = Level.COMMUNE
    narrowed_by = ("district", "province")


class ReportProvinceFilter(ProvinceFilter):
    village_field = "village"


class ReportDistrictFilter(DistrictFilter):
    village_field = "village"


class ReportCommuneFilter(CommuneFilter):
    village_field = "village"


class QuarterFilter(admin.SimpleListFilter):
    """The quarters that have reports, latest first."""

    title = _("quarter")
    parameter_name = "quarter"

    def lookups(self, request, model_admin):
        quarters = QuarterReport.objects.order_by("-quarter").values_list("quarter", flat=True).distinct()
        return [(str(quarter), str(quarter)) for quarter in quarters]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            return queryset.filter(quarter=Period.parse(self.value()))
        except ValidationError as error:
            raise IncorrectLookupParameters(error) from error


# ---------------------------------------------------------------------------------------
# Admin classes


class ServiceAdmin(admin.ModelAdmin):
    """Saves through the form's service. Deleting is offered only where a service deletes."""

    add_form = None  # the form of the add page, when it differs from ``form``
    changeable = True  # False where no service updates a saved row
    deletable = False  # True where a service deletes
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # as ``_formfield``

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None and self.add_form is not None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None):
        return self.changeable and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if form.has_changed():
            saved = form.submit()
            # Note: a create service builds its own instance; the admin goes on with ``obj``.
            obj.pk, obj._state.adding = saved.pk, False

    def save_related(self, request, form, formsets, change):
        # The service has saved the form's many-to-many fields already.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only services write: viewable, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PageFiguresMixin:
    """Computes a changelist's figures for the whole page at once, never one query per row."""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = list(changelist.result_list)
        self.annotate_page(changelist.result_list)
        return changelist

    def annotate_page(self, objects: list) -> None:
        raise NotImplementedError


def _closing_fields(obj) -> tuple[str, ...]:
    # The services close a unit or village but never reopen one.
    return ("valid_to",) if obj.valid_to else ()


class UnitPlacementInline(ReadOnlyInline):
    model = UnitPlacement
    fk_name = "unit"
    fields = ("parent", "path", "valid_from", "valid_to")
    readonly_fields = ("path",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")


class VillagePlacementInline(ReadOnlyInline):
    model = VillagePlacement
    fields = ("unit", "path", "valid_from", "valid_to")
    readonly_fields = ("path",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


class CellCoverageInline(ReadOnlyInline):
    model = CellCoverage
    fields = ("village", "valid_from", "valid_to")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village")


class QuarterReportInline(admin.TabularInline):
    model = QuarterReport
    form = QuarterReportForm
    fields = ("quarter", *COUNT_FIELDS, "status", "cell")
    autocomplete_fields = ("cell",)
    extra = 1


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ServiceAdmin):
    form = UnitChangeForm
    add_form = UnitCreateForm
    list_display = ("code", "name", "kind", "level", "valid_from", "valid_to")
    list_filter = ("level", "kind")
    search_fields = ("name", "code")

    def get_inlines(self, request, obj):
        return [UnitPlacementInline] if obj else []

    def get_readonly_fields(self, request, obj=None):
        return ("code", "level", "valid_from", *_closing_fields(obj)) if obj else ()


@admin.register(UnitPlacement)
class UnitPlacementAdmin(ReadOnlyAdmin):
    list_display = ("unit", "parent", "path", "valid_from", "valid_to")
    list_select_related = ("unit", "parent")
    search_fields = ("path", "unit__name", "unit__code")
    readonly_fields = ("path",)


@admin.register(Village)
class VillageAdmin(PageFiguresMixin, ServiceAdmin):
    form = VillageChangeForm
    add_form = VillageCreateForm
    list_display = ("name", "unit_today", "latest_quarter", "latest_state", "valid_from", "valid_to")
    list_filter = (ProvinceFilter, DistrictFilter, CommuneFilter)
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).with_unit_on(timezone.localdate())

    def get_inlines(self, request, obj):
        return [VillagePlacementInline, QuarterReportInline] if obj else []

    def get_readonly_fields(self, request, obj=None):
        return ("valid_from", *_closing_fields(obj)) if obj else ()

    def annotate_page(self, villages):
        states = progress.latest_village_situations([village.pk for village in villages], current_quarter())
        for village in villages:
            village.latest = states.get(village.pk)

    def save_formset(self, request, form, formset, change):
        if formset.model is not QuarterReport:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # writes nothing; lists what changed for the change message
        for report in formset.deleted_objects:
            services.quarter_report_delete(report=report)
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


@admin.register(GrassrootsOrganisation)
class GrassrootsOrganisationAdmin(ServiceAdmin):
    add_form = OrganisationCreateForm
    changeable = False
    list_display = ("name", "unit", "founded_on", "dissolved_on")
    list_select_related = ("unit",)
    search_fields = ("name", "unit__name")
    autocomplete_fields = ("unit",)


@admin.register(PartyCell)
class PartyCellAdmin(ServiceAdmin):
    add_form = PartyCellCreateForm
    changeable = False
    list_display = ("name", "organisation", "founded_on", "dissolved_on")
    list_select_related = ("organisation",)
    search_fields = ("name",)
    autocomplete_fields = ("organisation",)

    def get_inlines(self, request, obj):
        return [CellCoverageInline] if obj else []


@admin.register(CellCoverage)
class CellCoverageAdmin(ServiceAdmin):
    add_form = CellCoverageCreateForm
    changeable = False
    list_display = ("cell", "village", "valid_from", "valid_to")
    list_select_related = ("cell", "village")
    search_fields = ("cell__name", "village__name")
    autocomplete_fields = ("cell", "village")


@admin.register(QuarterReport)
class QuarterReportAdmin(ServiceAdmin):
    form = QuarterReportForm
    deletable = True
    list_display = (
        "village", "quarter", "full_members", "probationary_members", "admissions", "candidates", "status", "cell",
    )
    list_select_related = ("village", "cell")
    list_filter = (ReportProvinceFilter, ReportDistrictFilter, ReportCommuneFilter, QuarterFilter)
    search_fields = ("village__name",)
    autocomplete_fields = ("village", "cell")

    def get_readonly_fields(self, request, obj=None):
        # A report is filed under its village and quarter; another quarter is another report.
        return ("village", "quarter", "created_at", "updated_at") if obj else ()

    def delete_model(self, request, obj):
        services.quarter_report_delete(report=obj)

    def delete_queryset(self, request, queryset):
        for report in queryset:
            services.quarter_report_delete(report=report)


@admin.register(ReportedFigure)
class ReportedFigureAdmin(ServiceAdmin):
    form = ReportedFigureForm
    list_display = ("unit", "period", "metric", "value", "since", "source_location")
    list_select_related = ("unit",)
    list_filter = ("metric",)
    search_fields = ("unit__name", "unit__code", "note")
    autocomplete_fields = ("unit", "combined_with")


@admin.register(Goal)
class GoalAdmin(PageFiguresMixin, ServiceAdmin):
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

    def annotate_page(self, goals):
        for goal, row in zip(goals, progress.goals_progress(goals)):
            goal.progress_row = row

    @staticmethod
    def _progress(goal: Goal) -> dict:
        if not hasattr(goal, "progress_row"):
            goal.progress_row = progress.goal_progress(goal)
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
