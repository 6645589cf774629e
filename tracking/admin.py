"""The data-entry admin.

Every write goes through ``tracking.services`` and every figure comes from ``tracking.progress``.
A form runs its service inside a savepoint that is rolled back while it validates, so whatever a
service refuses shows on the form, next to its field, instead of failing the save.
"""
from __future__ import annotations


from django import forms
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions, helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.options import FORMFIELD_FOR_DBFIELD_DEFAULTS, IncorrectLookupParameters
from django.contrib.admin.widgets import AdminTextInputWidget, FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy as _
from rest_framework.exceptions import APIException, PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from . import approvals, progress, reorganisations, services
from .access import scope_of
from .models import (
    KIND_WORDS,
    KINDS_BY_LEVEL,
    COUNT_FIELDS,
    AdministrativeUnit,
    CellCoverage,
    Goal,
    GrassrootsOrganisation,
    Level,
    PartyCell,
    QuarterApproval,
    QuarterReport,
    Reorganisation,
    ReportedFigure,
    Role,
    RoleGrant,
    UnitKind,
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


def refusal(error: APIException) -> str:
    """The reason of a service's refusal that is not a ValidationError: a locked quarter
    (``approvals.QuarterLocked``), a role the user lacks, a wrong transition."""
    return str(error.detail)


class ServiceErrorsMixin:
    """Puts a service's ValidationError on the form: next to the field it names, else at the top.
    Its other refusals (a locked quarter, a missing role, a wrong transition) go at the top."""

    service_field_names: dict[str, str] = {}  # a service's name for a field → this form's name

    def _add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, reasons in error.error_dict.items():
            field = self.service_field_names.get(field, field)
            # A service may name a model field this form shows read-only or not at all.
            self.add_error(field if field in self.fields else None, reasons)


class ServiceForm(ServiceErrorsMixin, forms.ModelForm):
    """A model form saved by ``submit()``, a service call, which validation runs and rolls back."""

    class Meta:
        formfield_callback = _formfield

    def submit(self):
        """Write the cleaned data through the service and return the saved object."""
        raise NotImplementedError

    def full_clean(self) -> None:
        super().full_clean()
        scope = getattr(self, "scope", None)
        if self.is_bound and not self._errors and self.cleaned_data.get("DELETE") and scope and self.instance.pk:
            try:  # an inline row marked for deletion: the user's area on the record's day
                scope.require_change(self.instance)
            except PermissionDenied as error:
                self.add_error(None, str(error.detail))
        if not self.is_bound or self._errors or not self.has_changed() or self.cleaned_data.get("DELETE"):
            return
        pk, adding = self.instance.pk, self.instance._state.adding
        try:
            with transaction.atomic():
                saved = self.submit()
                if scope is not None and saved is not None:
                    # What the service wrote must lie in the user's editor area (on its day).
                    scope.require_change(saved)
                transaction.set_rollback(True)
        except ValidationError as error:
            self._add_service_error(error)
        except APIException as error:
            self.add_error(None, refusal(error))
        finally:
            # Note: a service given this form's instance saves it; the rollback undoes the row
            # but not the primary key the save gave the instance.
            self.instance.pk, self.instance._state.adding = pk, adding


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
    lock = None  # the approval that locks this saved report, when the page knows it

    class Meta(ServiceForm.Meta):
        model = QuarterReport
        fields = ("village", "quarter", *COUNT_FIELDS, "status", "cell", *SOURCE_FIELDS)

    def lock_fields(self, lock: QuarterApproval) -> None:
        """Show the report of an approved quarter unchangeable: its fields (deletion included)
        keep their saved values whatever is posted."""
        self.lock = lock
        for field in self.fields.values():
            field.disabled = True

    def full_clean(self) -> None:
        super().full_clean()
        # Note: a row ticked for deletion is not validated by the service; refuse a locked one here
        # rather than when the page saves.
        if self.is_bound and self.instance.pk and self.cleaned_data.get("DELETE"):
            lock = self.lock or approvals.lock_for(self.instance.village, self.instance.quarter)
            if lock is not None:
                self.add_error(None, approvals.locked_message(lock))

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


class QuarterSubmitForm(ServiceForm):
    """The add page of quarter approvals: submit a unit's quarter (also one returned or reopened)."""

    user = None  # who submits: set by the admin for the request

    class Meta(ServiceForm.Meta):
        model = QuarterApproval
        fields = ("unit", "quarter")

    def _get_validation_exclusions(self):
        # Note: a returned or reopened quarter keeps its row; the service submits it again
        # rather than the form refusing a second row for the unit and quarter.
        return {*super()._get_validation_exclusions(), "quarter"}

    def submit(self):
        return approvals.quarter_submit(unit=self.cleaned_data["unit"], quarter=self.cleaned_data["quarter"], by=self.user)


class ApprovalReasonForm(forms.Form):
    """The intermediate page of returning or reopening quarters: the reason, required."""

    reason = forms.CharField(
        label=_("reason"), max_length=approvals.REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("Kept in the history of each quarter."),
    )


# ---------------------------------------------------------------------------------------
# Changes of the map: the forms of the unit list's actions, one per kind of event


def _event_formfield(db_field, **kwargs):
    # The admin's own widgets (calendar, wide text inputs), as on the add and change pages.
    for model_field in type(db_field).__mro__:
        if model_field in FORMFIELD_FOR_DBFIELD_DEFAULTS:
            kwargs = {**FORMFIELD_FOR_DBFIELD_DEFAULTS[model_field], **kwargs}
            break
    return _formfield(db_field, **kwargs)


def _kind_choices(levels) -> list[tuple[str, str]]:
    kinds = set().union(*(KINDS_BY_LEVEL[Level(level)] for level in levels)) if levels else set(UnitKind)
    return [("", "---------"), *((kind.value, kind.label) for kind in UnitKind if kind in kinds)]


class UnitChoiceField(forms.ModelChoiceField):
    """A unit, with its validity range when it has one: past events need units closed since."""

    def label_from_instance(self, unit):
        return f"{unit} {unit.validity_text()}" if unit.valid_from or unit.valid_to else str(unit)


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    label_from_instance = UnitChoiceField.label_from_instance


class EventForm(ServiceErrorsMixin, forms.Form):
    """The intermediate page of a change of the map, for the units selected in the list.

    ``record()`` calls the event service; what it refuses is put on the form and, the whole
    submission being one transaction, nothing is saved.
    """

    title = ""
    selection = _("Selected units")
    one_unit = False  # the event concerns exactly one selected unit
    level = None  # the level the selected units must have, if one
    service_field_names = {"valid_from": "effective_on"}

    def __init__(self, *args, units: list[AdministrativeUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units
        self.fields.update(
            forms.fields_for_model(Reorganisation, fields=("effective_on", *SOURCE_FIELDS),
                                   formfield_callback=_event_formfield)
        )
        self.order_fields(["effective_on"])  # the one thing every event states first
        for field in self.fields.values():
            field.label = capfirst(field.label)  # as a model form's labels

    @classmethod
    def selection_refused(cls, units: list[AdministrativeUnit]) -> str | None:
        """Why the selection cannot take this event, before any form is shown; None if it can."""
        if cls.one_unit and len(units) != 1:
            return gettext("Select exactly one unit for this action.")
        if cls.level is not None and any(unit.level != cls.level for unit in units):
            return gettext("Select a %(level)s for this action.") % {"level": Level(cls.level).label}
        return None

    @property
    def fieldsets(self) -> list:
        event_fields = [name for name in self.fields if name not in SOURCE_FIELDS]
        return [(None, {"fields": event_fields}), (_("Source"), {"fields": list(SOURCE_FIELDS)})]

    def sources(self) -> dict:
        return {name: self.cleaned_data[name] for name in SOURCE_FIELDS}

    def submit(self) -> list[Reorganisation]:
        """Record the event(s) through ``tracking.reorganisations``."""
        raise NotImplementedError

    def record(self) -> list[Reorganisation] | None:
        """The recorded events, or None when the service refused (the reason is on the form)."""
        try:
            with transaction.atomic():
                return self.submit()
        except ValidationError as error:
            self._add_service_error(error)
            return None


def _naming(unit: AdministrativeUnit, error: ValidationError) -> ValidationError:
    """``error`` with each message prefixed by the unit it concerns."""
    if hasattr(error, "error_dict"):
        return ValidationError({field: [f"{unit}: {message}" for message in messages]
                                for field, messages in error.message_dict.items()})
    return ValidationError([f"{unit}: {message}" for message in error.messages])


class UnitTransferForm(EventForm):
    title = _("Move to another parent")
    selection = _("Units to move, with everything under them")
    parent = UnitChoiceField(
        AdministrativeUnit.objects.none(), label=_("new parent unit"),
        help_text=_("A unit one level up, on the map on the effective date."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = AdministrativeUnit.objects.filter(
            level__in={unit.level - 1 for unit in self.units}
        )

    def submit(self):
        events = []
        for unit in self.units:
            try:
                events.append(reorganisations.unit_transfer(
                    unit=unit, parent=self.cleaned_data["parent"], on=self.cleaned_data["effective_on"],
                    **self.sources(),
                ))
            except ValidationError as error:
                # Note: of several units, say which one is refused; the others are rolled back with it.
                raise _naming(unit, error) if len(self.units) > 1 else error
        return events


class UnitRenameForm(EventForm):
    title = _("Rename")
    selection = _("Unit to rename")
    one_unit = True
    name = forms.CharField(label=_("new name"), max_length=200, widget=AdminTextInputWidget)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].initial = self.units[0].name

    def submit(self):
        return [reorganisations.unit_rename(
            unit=self.units[0], name=self.cleaned_data["name"], on=self.cleaned_data["effective_on"], **self.sources(),
        )]


class UnitsMergeForm(EventForm):
    title = _("Merge")
    selection = _("Units to merge, with everything under them")
    into = UnitChoiceField(
        AdministrativeUnit.objects.none(), required=False, label=_("into an existing unit"),
        help_text=_("It may be one of the selected units, which then goes on."),
    )
    new_code = forms.CharField(
        label=_("or into a new unit: official code"), required=False, max_length=5, widget=AdminTextInputWidget,
    )
    new_name = forms.CharField(
        label=_("name of the new unit"), required=False, max_length=200, widget=AdminTextInputWidget,
    )
    new_kind = forms.ChoiceField(label=_("kind of the new unit"), required=False)
    new_parent = UnitChoiceField(
        AdministrativeUnit.objects.none(), required=False, label=_("parent of the new unit"),
        help_text=_("Empty: the parent of the first selected unit."),
    )
    service_field_names = {
        **EventForm.service_field_names,
        "code": "new_code", "name": "new_name", "kind": "new_kind", "parent": "new_parent",
    }
    NEW_FIELDS = ("new_code", "new_name", "new_kind")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        levels = {unit.level for unit in self.units}
        self.fields["into"].queryset = AdministrativeUnit.objects.filter(level__in=levels)
        self.fields["new_kind"].choices = _kind_choices(levels)
        self.fields["new_parent"].queryset = AdministrativeUnit.objects.filter(
            level__in={level - 1 for level in levels}
        )

    def clean(self):
        data = super().clean()
        if self.has_error("into"):
            return data
        new_given = [name for name in (*self.NEW_FIELDS, "new_parent") if data.get(name)]
        if data.get("into") and new_given:
            raise ValidationError(_("Merge into an existing unit or into a new one, not both."))
        if not data.get("into"):
            if not new_given:
                raise ValidationError(_("Choose the unit to merge into, or give the code, name and kind of a new one."))
            for name in self.NEW_FIELDS:
                if not data.get(name):
                    self.add_error(name, _("A new unit needs this."))
        return data

    def submit(self):
        data = self.cleaned_data
        new = None
        if not data["into"]:
            new = {name: data[f"new_{name}"] for name in ("code", "name", "kind", "parent")}
        return [reorganisations.units_merge(
            units=self.units, on=data["effective_on"], into=data["into"], new=new, **self.sources(),
        )]


class UnitSplitForm(EventForm):
    title = _("Split")
    selection = _("Unit to split")
    one_unit = True
    code = forms.CharField(label=_("official code of the new unit"), max_length=5, widget=AdminTextInputWidget)
    name = forms.CharField(label=_("name of the new unit"), max_length=200, widget=AdminTextInputWidget)
    kind = forms.ChoiceField(label=_("kind of the new unit"))
    units = UnitMultipleChoiceField(
        AdministrativeUnit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("units that move to the new unit"),
        help_text=_("Units it has had under it at any time; one not under it on the effective date is refused."),
    )
    villages = forms.ModelMultipleChoiceField(
        Village.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("villages that move to the new unit"),
        help_text=_("Villages placed directly in it at any time; one not in it on the effective date is refused."),
    )
    close_original = forms.BooleanField(
        label=_("close the original unit"), required=False,
        help_text=_("Only when nothing is left under it on the effective date."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        unit = self.units[0]
        self.fields["kind"].choices = _kind_choices({unit.level})
        self.fields["kind"].initial = unit.kind
        # Note: children and villages of any date, not only today's: a split recorded for a
        # past date concerns the units and villages it had then.
        children = AdministrativeUnit.objects.filter(placements__parent=unit).distinct()
        villages = Village.objects.filter(placements__unit=unit).distinct()
        for name, queryset in (("units", children), ("villages", villages)):
            if queryset.exists():
                self.fields[name].queryset = queryset
            else:
                del self.fields[name]

    def submit(self):
        data = self.cleaned_data
        part = {
            "code": data["code"], "name": data["name"], "kind": data["kind"],
            "units": list(data.get("units", [])), "villages": list(data.get("villages", [])),
        }
        return [reorganisations.unit_split(
            unit=self.units[0], on=data["effective_on"], parts=[part], close_original=data["close_original"],
            **self.sources(),
        )]


class DistrictsAbolishForm(EventForm):
    title = _("Abolish the districts of a province")
    selection = _("Province whose districts are abolished; their communes move up to it")
    one_unit = True
    level = Level.PROVINCE
    villages_up = forms.BooleanField(
        label=_("place villages whose commune is not known directly in the province"), required=False,
        help_text=_("Otherwise a village placed directly in a district stops the change."),
    )

    def submit(self):
        return [reorganisations.level_abolish(
            province=self.units[0], level=Level.DISTRICT, on=self.cleaned_data["effective_on"],
            villages_up=self.cleaned_data["villages_up"], **self.sources(),
        )]


# ---------------------------------------------------------------------------------------
# List filters


class PlacedUnderFilter(admin.SimpleListFilter):
    """Villages placed under a unit at any time, by the paths of its placements.

    Any time, not today: districts were abolished on 2025-07-01, and their past is what a
    district filter is for.
    """

    level: int
    narrowed_by: tuple[str, ...] = ()  # filters whose choice narrows this one's options
    village_field = "pk"  # how the filtered rows name their village

    def lookups(self, request, model_admin):
        units = scope_of(request.user).visible(AdministrativeUnit.objects.at_level(self.level))
        for parameter in self.narrowed_by:
            chosen = request.GET.get(parameter, "")
            if chosen.isdigit():
                paths = UnitPlacement.objects.filter(unit_id=chosen).values_list("path", flat=True)
                units = units.filter(pk__in=UnitPlacement.objects.under_any(paths).values("unit_id"))
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
        villages = VillagePlacement.objects.under_any(paths).values("village_id")
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
    """The quarters of the list's rows (reports, approvals), latest first."""

    title = _("quarter")
    parameter_name = "quarter"

    def lookups(self, request, model_admin):
        rows = model_admin.get_queryset(request)
        quarters = rows.order_by("-quarter").values_list("quarter", flat=True).distinct()
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


def _narrow_choices(form, scope) -> None:
    """Every list of records a form offers holds only those of the user's editor area."""
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None and queryset.model in AREA_MODELS:
            field.queryset = scope.visible(queryset, Role.EDITOR)


AREA_MODELS = {AdministrativeUnit, Village, PartyCell, GrassrootsOrganisation}


def _action_page(model_admin, request, template: str, form, fieldsets, title, selected, action: str):
    """The intermediate page of an action that asks for more (``admin/tracking/<template>.html``,
    built on ``action_page.html``): the form and the selected rows, posted back with ``apply``."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": model_admin.opts,
        "form": form,
        "adminform": helpers.AdminForm(form, fieldsets, {}, model_admin=model_admin),
        "errors": helpers.AdminErrorList(form, []),
        "media": model_admin.media + form.media,
        "selected": selected,
        "page_name": template.replace("_", "-"),
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, f"admin/tracking/{template}.html", context)


class AreaAdmin(admin.ModelAdmin):
    """Roles decide, not Django's per-model permissions: a staff user sees the records of the
    areas of their roles (tracking.access) and changes those of their editor areas; anything
    else is not found (404), as in the API. Superusers see everything."""

    history_list_display = ("through",)  # the history pages say through which path each change came

    def get_queryset(self, request):
        return scope_of(request.user).visible(super().get_queryset(request))

    def _staff(self, request, role: str) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and scope_of(user).has_role(role))

    def has_module_permission(self, request):
        return self._staff(request, Role.VIEWER)

    def has_view_permission(self, request, obj=None):
        return self._staff(request, Role.VIEWER)

    def has_add_permission(self, request):
        return self._staff(request, Role.EDITOR)

    def has_change_permission(self, request, obj=None):
        # The page opens for a record of the user's editor area at some time; what the form
        # saves is then checked for its day (ServiceForm.full_clean).
        return self._staff(request, Role.EDITOR) and (obj is None or scope_of(request.user).sees(obj, Role.EDITOR))

    def has_delete_permission(self, request, obj=None):
        # No form checks a deletion afterwards: the rule for the record's day, now.
        return self._staff(request, Role.EDITOR) and (obj is None or scope_of(request.user).may_change(obj))

    def _in_area_or_404(self, request, object_id) -> None:
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._in_area_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_area_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        scope = scope_of(request.user)

        class AreaForm(form_class):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, **form_kwargs)
                self.scope = scope
                _narrow_choices(self, scope)

        AreaForm.__name__ = form_class.__name__
        return AreaForm


class ServiceAdmin(AreaAdmin):
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


class ReadOnlyAdmin(AreaAdmin):
    """Rows only services write: viewable, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_view_permission(self, request, obj=None):
        return scope_of(request.user).has_role(Role.VIEWER)

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


class QuarterReportFormSet(forms.BaseInlineFormSet):
    """A village's reports: those of an approved quarter are shown locked (two queries for all)."""

    def _locks(self) -> dict:
        if not hasattr(self, "_report_locks"):
            standings = approvals.standings_for_reports(self.get_queryset())
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

    # The village's page decides: its editors report for it (each report is checked for its quarter).
    def has_view_permission(self, request, obj=None):
        return scope_of(request.user).has_role(Role.VIEWER)

    def has_add_permission(self, request, obj=None):
        return obj is not None and scope_of(request.user).sees(obj, Role.EDITOR)

    has_change_permission = has_delete_permission = has_add_permission

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        scope = scope_of(request.user)

        class AreaForm(formset.form):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, **form_kwargs)
                self.scope = scope
                _narrow_choices(self, scope)

        formset.form = AreaForm
        return formset

    @admin.display(description=_("locked"), boolean=True)
    def locked(self, report):
        return getattr(report, "approval_lock", None) is not None


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ServiceAdmin, SimpleHistoryAdmin):
    form = UnitChangeForm
    add_form = UnitCreateForm
    list_display = ("code", "name", "kind", "level", "valid_from", "valid_to")
    list_filter = ("level", "kind")
    search_fields = ("name", "code")
    actions = ("transfer_units", "rename_unit", "merge_units", "split_unit", "abolish_districts")

    def get_inlines(self, request, obj):
        return [UnitPlacementInline] if obj else []

    def get_readonly_fields(self, request, obj=None):
        return ("code", "level", "valid_from", *_closing_fields(obj)) if obj else ()

    # A change of the map is recorded only as an event, through its service: each action shows
    # a form (like Django's delete confirmation) that posts back here with ``apply``.

    @admin.action(description=_("Move to another parent…"), permissions=["change"])
    def transfer_units(self, request, queryset):
        return self._map_change(request, queryset, UnitTransferForm, "transfer_units")

    @admin.action(description=_("Rename…"), permissions=["change"])
    def rename_unit(self, request, queryset):
        return self._map_change(request, queryset, UnitRenameForm, "rename_unit")

    @admin.action(description=_("Merge…"), permissions=["change"])
    def merge_units(self, request, queryset):
        return self._map_change(request, queryset, UnitsMergeForm, "merge_units")

    @admin.action(description=_("Split…"), permissions=["change"])
    def split_unit(self, request, queryset):
        return self._map_change(request, queryset, UnitSplitForm, "split_unit")

    @admin.action(description=_("Abolish the districts of this province…"), permissions=["change"])
    def abolish_districts(self, request, queryset):
        return self._map_change(request, queryset, DistrictsAbolishForm, "abolish_districts")

    def _map_change(self, request, queryset, form_class: type[EventForm], action: str):
        """The action's form; once applied and recorded, back to the list (by returning None)."""
        units = list(queryset)
        scope = scope_of(request.user)
        # A change of the map is made by a committee above every unit it changes.
        refused = form_class.selection_refused(units) or next(
            (scope.refusal(unit, Role.EDITOR, strictly_below=True) for unit in units
             if not scope.may_change_unit_area(unit, None, Role.EDITOR, strictly_below=True)), None)
        if refused:
            self.message_user(request, refused, messages.WARNING)
            return None
        if "apply" in request.POST:
            form = form_class(request.POST, units=units)
            _narrow_choices(form, scope)
            events = form.record() if form.is_valid() else None
            if events is not None:
                for event in events:
                    self.message_user(
                        request,
                        gettext("Recorded, effective %(day)s: %(description)s.")
                        % {"day": event.effective_on.isoformat(), "description": event.description},
                        messages.SUCCESS,
                    )
                return None
        else:
            form = form_class(units=units)
            _narrow_choices(form, scope)
        # Re-read: a refused service may have changed the instances it was given.
        return _action_page(self, request, "map_change", form, form.fieldsets, form.title, queryset.all(), action)


@admin.register(UnitPlacement)
class UnitPlacementAdmin(ReadOnlyAdmin):
    list_display = ("unit", "parent", "path", "valid_from", "valid_to")
    list_select_related = ("unit", "parent")
    search_fields = ("path", "unit__name", "unit__code")
    readonly_fields = ("path",)


def _unit_links(units) -> str | None:
    links = format_html_join(
        ", ", '<a href="{}">{}</a>',
        ((reverse("admin:tracking_administrativeunit_change", args=[unit.pk]), unit) for unit in units),
    )
    return links or None


@admin.register(Reorganisation)
class ReorganisationAdmin(ReadOnlyAdmin):
    """The record of the map's changes. Recorded by the unit list's actions, never edited: the
    placements an event closed and opened are the change itself."""

    list_display = ("effective_on", "kind", "description", "villages_moved")
    list_filter = ("kind",)
    search_fields = ("description",)
    ordering = ("-effective_on", "-id")
    fields = (
        "effective_on", "kind", "description", "subject", "units_before", "units_after", "villages_moved",
        *SOURCE_FIELDS, "created_at",
    )
    readonly_fields = ("units_before", "units_after", "created_at")

    @admin.display(description=_("units before"))
    def units_before(self, event):
        return _unit_links(event.predecessors.all())

    @admin.display(description=_("units after"))
    def units_after(self, event):
        return _unit_links(event.successors.all())


@admin.register(Village)
class VillageAdmin(PageFiguresMixin, ServiceAdmin, SimpleHistoryAdmin):
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
class GrassrootsOrganisationAdmin(ServiceAdmin, SimpleHistoryAdmin):
    add_form = OrganisationCreateForm
    changeable = False
    list_display = ("name", "unit", "founded_on", "dissolved_on")
    list_select_related = ("unit",)
    search_fields = ("name", "unit__name")
    autocomplete_fields = ("unit",)


@admin.register(PartyCell)
class PartyCellAdmin(ServiceAdmin, SimpleHistoryAdmin):
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
class QuarterReportAdmin(PageFiguresMixin, ServiceAdmin, SimpleHistoryAdmin):
    """Reports. Those of an approved quarter are locked: shown read-only with who approved them
    and how to reopen, never saved or deleted (``services`` refuses them anyway)."""

    form = QuarterReportForm
    deletable = True
    list_display = (
        "village", "quarter", "full_members", "probationary_members", "admissions", "candidates", "status", "cell",
        "locked",
    )
    list_select_related = ("village", "cell")
    list_filter = (ReportProvinceFilter, ReportDistrictFilter, ReportCommuneFilter, QuarterFilter)
    search_fields = ("village__name",)
    autocomplete_fields = ("village", "cell")
    actions = ("delete_selected",)

    def annotate_page(self, reports):
        standings = approvals.standings_for_reports(reports)
        for report in reports:
            report.approval_lock = standings[report.pk].lock

    @staticmethod
    def _lock(request, report) -> QuarterApproval | None:
        """The approval that locks ``report``, read once per request."""
        locks = request.__dict__.setdefault("_report_locks", {})
        if report.pk not in locks:
            locks[report.pk] = approvals.lock_for(report.village, report.quarter)
        return locks[report.pk]

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
        ) % {"reason": approvals.locked_message(lock)}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        report = self.get_object(request, unquote(object_id)) if object_id else None
        lock = self._lock(request, report) if report is not None else None
        if lock is not None:
            if request.method == "POST":
                self.message_user(request, gettext("Nothing was saved: %(reason)s") % {
                    "reason": approvals.locked_message(lock)}, messages.ERROR)
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
                "reason": approvals.locked_message(lock)}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:tracking_quarterreport_change", args=[report.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["delete"], description=admin_actions.delete_selected.short_description)
    def delete_selected(self, request, queryset):
        """Django's bulk deletion, refused as a whole when a selected report is locked."""
        reports = list(queryset.select_related("village"))
        standings = approvals.standings_for_reports(reports)
        locked = [report for report in reports if standings[report.pk].locked]
        if locked:
            self.message_user(request, gettext("Nothing was deleted: %(reports)s locked. %(reason)s") % {
                "reports": ", ".join(str(report) for report in locked),
                "reason": approvals.locked_message(standings[locked[0].pk].lock)}, messages.ERROR)
            return None
        return admin_actions.delete_selected(self, request, queryset)

    def delete_model(self, request, obj):
        services.quarter_report_delete(report=obj)

    def delete_queryset(self, request, queryset):
        for report in queryset:
            services.quarter_report_delete(report=report)


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


# ---------------------------------------------------------------------------------------
# Roles


@admin.register(RoleGrant)
class RoleGrantAdmin(SimpleHistoryAdmin):
    """Who holds which role where. Only superusers grant roles; every grant is in the audit trail."""

    list_display = ("user", "role", "unit", "granted_at", "note")
    history_list_display = ("through",)
    list_select_related = ("user", "unit")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__name", "unit__code")
    autocomplete_fields = ("user", "unit")
    readonly_fields = ("granted_at",)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: self.has_module_permission(request)
    )


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fields = ("role", "unit", "note")
    autocomplete_fields = ("unit",)
    extra = 1


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserWithRolesAdmin(UserAdmin):
    """Django's user page, with the user's roles below it."""

    inlines = (RoleGrantInline,)

APPROVAL_DONE = {
    "submit": _("%(what)s: submitted."),
    "approve": _("%(what)s: approved; its reports are locked."),
    "return": _("%(what)s: returned to draft."),
    "reopen": _("%(what)s: reopened; its reports can change again."),
}


@admin.register(QuarterApproval)
class QuarterApprovalAdmin(PageFiguresMixin, ServiceAdmin, SimpleHistoryAdmin):
    """Where each unit's quarter stands. Rows change only by the transitions of
    ``tracking.approvals``: the add page submits a quarter, the list's actions submit, approve,
    return and reopen the selected ones (returning and reopening ask for the reason). Who may do
    what follows the user's roles; what a service refuses is shown as a message."""

    add_form = QuarterSubmitForm
    changeable = False
    list_display = (
        "unit", "quarter", "state", "locked", "submitted_by", "submitted_at", "approved_by", "approved_at", "reason",
    )
    list_select_related = ("unit", "submitted_by", "approved_by")
    list_filter = ("state", QuarterFilter)
    search_fields = ("unit__code", "unit__name")
    autocomplete_fields = ("unit",)
    actions = ("submit_quarters", "approve_quarters", "return_quarters", "reopen_quarters")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # a class made for this request by modelform_factory
        return form

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {"title": gettext("Submit a unit's quarter"), **(extra_context or {})}
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        saved = form.submit()
        obj.pk, obj.state, obj._state.adding = saved.pk, saved.state, False

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, APPROVAL_DONE["submit"] % {"what": approvals.unit_quarter(obj.unit, obj.quarter)},
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:tracking_quarterapproval_changelist"))

    def annotate_page(self, rows):
        for row, standing in zip(rows, approvals.standings_of_rows(rows)):
            row.standing = standing

    @admin.display(description=_("reports locked"), boolean=True)
    def locked(self, row):
        if not hasattr(row, "standing"):
            row.standing = approvals.standings_of_rows([row])[0]
        return row.standing.locked

    # Each action runs one transition per selected quarter, each in its own transaction.

    @admin.action(description=_("Submit for approval"), permissions=["view"])
    def submit_quarters(self, request, queryset):
        self._transition(request, queryset, "submit")

    @admin.action(description=_("Approve (locks the reports)"), permissions=["view"])
    def approve_quarters(self, request, queryset):
        self._transition(request, queryset, "approve")

    @admin.action(description=_("Return to draft…"), permissions=["view"])
    def return_quarters(self, request, queryset):
        return self._with_reason(request, queryset, "return", "return_quarters", _("Return to draft"))

    @admin.action(description=_("Reopen…"), permissions=["view"])
    def reopen_quarters(self, request, queryset):
        return self._with_reason(request, queryset, "reopen", "reopen_quarters", _("Reopen approved quarters"))

    def _transition(self, request, queryset, name: str, **values) -> None:
        for row in queryset.select_related("unit"):
            what = approvals.unit_quarter(row.unit, row.quarter)
            try:
                approvals.TRANSITIONS[name](unit=row.unit, quarter=row.quarter, by=request.user, **values)
            except ValidationError as error:
                self.message_user(request, f"{what}: {' '.join(error.messages)}", messages.ERROR)
            except APIException as error:
                self.message_user(request, refusal(error), messages.ERROR)
            else:
                self.message_user(request, APPROVAL_DONE[name] % {"what": what}, messages.SUCCESS)

    def _with_reason(self, request, queryset, name: str, action: str, title):
        """The reason's page (like Django's delete confirmation), then the transition for each
        selected quarter; back to the list (by returning None) once applied."""
        if "apply" in request.POST:
            form = ApprovalReasonForm(request.POST)
            if form.is_valid():
                self._transition(request, queryset, name, reason=form.cleaned_data["reason"])
                return None
        else:
            form = ApprovalReasonForm()
        return _action_page(self, request, "approval_reason", form, [(None, {"fields": ["reason"]})], title,
                            queryset.select_related("unit"), action)
