"""Changes of the map: the forms of the unit list's actions, one per kind of event, and the actions
that show them (each records its event through ``tracking.reorganisations``)."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import FORMFIELD_FOR_DBFIELD_DEFAULTS
from django.contrib.admin.widgets import AdminTextInputWidget
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..errors import DomainError
from ..models import (
    KINDS_BY_LEVEL,
    AdministrativeUnit,
    Level,
    Reorganisation,
    ReorganisationKind,
    UnitKind,
    Village,
)
from ..services import reorganisations
from .base import SOURCE_FIELDS, _action_page, _formfield, _narrow_choices
from .forms import ServiceErrorsMixin


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
    event_kind: str | None = None  # the kind of event (the nation takes none but a rename)
    service_field_names = {"valid_from": "effective_on"}

    def __init__(self, *args, units: list[AdministrativeUnit], user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units
        self.user = user  # who acts: ``by`` of the event services
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
        except DomainError as error:
            self.add_error(None, str(error))
            return None


def _naming(unit: AdministrativeUnit, error: ValidationError) -> ValidationError:
    """``error`` with each message prefixed by the unit it concerns."""
    if hasattr(error, "error_dict"):
        return ValidationError({field: [f"{unit}: {message}" for message in messages]
                                for field, messages in error.message_dict.items()})
    return ValidationError([f"{unit}: {message}" for message in error.messages])


class UnitTransferForm(EventForm):
    title = _("Move to another parent")
    event_kind = ReorganisationKind.TRANSFER
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
                events.append(reorganisations.unit_transfer(by=self.user,
                    unit=unit, parent=self.cleaned_data["parent"], on=self.cleaned_data["effective_on"],
                    **self.sources(),
                ))
            except ValidationError as error:
                # Note: of several units, say which one is refused; the others are rolled back with it.
                raise _naming(unit, error) if len(self.units) > 1 else error
        return events


class UnitRenameForm(EventForm):
    title = _("Rename")
    event_kind = ReorganisationKind.RENAME
    selection = _("Unit to rename")
    one_unit = True
    name = forms.CharField(label=_("new name"), max_length=200, widget=AdminTextInputWidget)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].initial = self.units[0].name

    def submit(self):
        return [reorganisations.unit_rename(by=self.user,
            unit=self.units[0], name=self.cleaned_data["name"], on=self.cleaned_data["effective_on"], **self.sources(),
        )]


class UnitsMergeForm(EventForm):
    title = _("Merge")
    event_kind = ReorganisationKind.MERGE
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
        return [reorganisations.units_merge(by=self.user,
            units=self.units, on=data["effective_on"], into=data["into"], new=new, **self.sources(),
        )]


class UnitSplitForm(EventForm):
    title = _("Split")
    event_kind = ReorganisationKind.SPLIT
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
        return [reorganisations.unit_split(by=self.user,
            unit=self.units[0], on=data["effective_on"], parts=[part], close_original=data["close_original"],
            **self.sources(),
        )]


class DistrictsAbolishForm(EventForm):
    title = _("Abolish the districts of a province")
    event_kind = ReorganisationKind.ABOLISH_LEVEL
    selection = _("Province whose districts are abolished; their communes move up to it")
    one_unit = True
    level = Level.PROVINCE
    villages_up = forms.BooleanField(
        label=_("place villages whose commune is not known directly in the province"), required=False,
        help_text=_("Otherwise a village placed directly in a district stops the change."),
    )

    def submit(self):
        return [reorganisations.level_abolish(by=self.user,
            province=self.units[0], level=Level.DISTRICT, on=self.cleaned_data["effective_on"],
            villages_up=self.cleaned_data["villages_up"], **self.sources(),
        )]


class MapChangeActionsMixin:
    """The unit list's actions that change the map, one per kind of event.

    A change of the map is recorded only as an event, through its service: each action shows
    a form (like Django's delete confirmation) that posts back to the list with ``apply``.
    """

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
        user = request.user
        # Said before the form: a committee above every unit it changes (the service checks the
        # map of the effective date when the change is recorded).
        refused = form_class.selection_refused(units) or reorganisations.reshape_refusal(by=user, units=units,
                                                                                          kind=form_class.event_kind)
        if refused:
            self.message_user(request, refused, messages.WARNING)
            return None
        if "apply" in request.POST:
            form = form_class(request.POST, units=units, user=user)
            _narrow_choices(form, user)
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
            form = form_class(units=units, user=user)
            _narrow_choices(form, user)
        # Re-read: a refused service may have changed the instances it was given.
        return _action_page(self, request, "map_change", form, form.fieldsets, form.title, queryset.all(), action)
