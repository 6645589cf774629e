"""The forms of the add and change pages: each saves through one service.

A form runs its service inside a savepoint that is rolled back while it validates, so whatever a
service refuses shows on the form, next to its field, instead of failing the save.
"""
from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import locks, services
from ..errors import DomainError
from ..models import (
    COUNT_FIELDS,
    AdministrativeUnit,
    CellCoverage,
    Goal,
    GrassrootsOrganisation,
    Level,
    PartyCell,
    QuarterApproval,
    QuarterReport,
    ReportedFigure,
    Village,
)
from .base import SOURCE_FIELDS, _formfield, refusal


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

    user = None  # who acts (``by`` of the services): set by the admin for the request

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and not self._errors and self.cleaned_data.get("DELETE") and self.instance.pk:
            try:  # an inline row marked for deletion: the user's area on the record's day
                services.require_change(by=self.user, record=self.instance)
            except DomainError as error:
                self.add_error(None, refusal(error))
        if not self.is_bound or self._errors or not self.has_changed() or self.cleaned_data.get("DELETE"):
            return
        pk, adding = self.instance.pk, self.instance._state.adding
        try:
            with transaction.atomic():
                self.submit()
                transaction.set_rollback(True)
        except ValidationError as error:
            self._add_service_error(error)
        except DomainError as error:
            self.add_error(None, refusal(error))
        finally:
            # Note: a service given this form's instance saves it; the rollback undoes the row
            # but not the primary key the save gave the instance.
            self.instance.pk, self.instance._state.adding = pk, adding


def _changed(form: ServiceForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data}


class UnitCreateForm(ServiceForm):
    parent = forms.ModelChoiceField(
        AdministrativeUnit.objects.filter(level__in=[Level.NATION, Level.PROVINCE, Level.DISTRICT]),
        required=False,
        label=_("parent unit"),
        help_text=_("Empty for a province (it goes under the nation) or for the nation itself."),
    )

    class Meta(ServiceForm.Meta):
        model = AdministrativeUnit
        fields = ("code", "name", "kind", "level", "valid_from", "valid_to", *SOURCE_FIELDS)

    def submit(self):
        return services.unit_create(by=self.user, **self.cleaned_data)


class UnitChangeForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = AdministrativeUnit
        fields = ("name", "kind", "valid_to", *SOURCE_FIELDS)

    def submit(self):
        return services.unit_update(by=self.user, unit=AdministrativeUnit.objects.get(pk=self.instance.pk), **_changed(self))


class VillageCreateForm(ServiceForm):
    unit = forms.ModelChoiceField(
        AdministrativeUnit.objects.filter(level__in=[Level.DISTRICT, Level.COMMUNE]),
        label=_("unit"),
        help_text=_("The commune the village belongs to, or its district where no commune is known."),
    )

    on_every_past_map = forms.BooleanField(
        required=False,
        label=_("no start date: on every past map"),
        help_text=_("Tick only for a village that existed before the first recorded map: it then counts in the "
                    "figures of every past quarter, as a village without a report where it has none."),
    )

    class Meta(ServiceForm.Meta):
        model = Village
        fields = ("name", "valid_from", "valid_to", *SOURCE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:  # a village recorded today began today, unless the user says when
            self.initial.setdefault("valid_from", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("valid_from") and not cleaned.get("on_every_past_map") and "valid_from" not in self.errors:
            self.add_error("valid_from", _("Give the day the village began, or tick “no start date” to count it in "
                                           "every past quarter."))
        return cleaned

    def submit(self):
        return services.village_create(by=self.user, **{name: value for name, value in self.cleaned_data.items()
                                                        if name != "on_every_past_map"})


class VillageChangeForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = Village
        fields = ("name", "valid_to", *SOURCE_FIELDS)

    def submit(self):
        return services.village_update(by=self.user, village=Village.objects.get(pk=self.instance.pk), **_changed(self))


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
            lock = self.lock or locks.lock_for(self.instance.village, self.instance.quarter)
            if lock is not None:
                self.add_error(None, locks.locked_message(lock))

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
        return services.quarter_report_submit(by=self.user, village=report.village, quarter=report.quarter, **values).report


class OrganisationCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = GrassrootsOrganisation
        fields = ("name", "unit", "founded_on", "dissolved_on", *SOURCE_FIELDS)

    def submit(self):
        return services.organisation_create(by=self.user, **self.cleaned_data)


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
        return services.cell_create(by=self.user, **{**self.cleaned_data, "villages": list(self.cleaned_data["villages"])})


class CellCoverageCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = CellCoverage
        fields = ("cell", "village", "valid_from", "valid_to")

    def submit(self):
        return services.cell_coverage_add(by=self.user, **self.cleaned_data)


class ReportedFigureForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = ReportedFigure
        fields = ("unit", "combined_with", "period", "since", "metric", "value", *SOURCE_FIELDS)

    def submit(self):
        return services.reported_figure_save(by=self.user,
            figure=self.instance, combined_with=list(self.cleaned_data["combined_with"])
        )


class GoalForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = Goal
        fields = ("unit", "title", "metric", "baseline_period", "deadline", "set_by", *SOURCE_FIELDS)

    def submit(self):
        return services.goal_save(by=self.user, goal=self.instance)
