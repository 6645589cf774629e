"""Administrative units, their placements and the record of the map's changes."""
from __future__ import annotations

import datetime

from django.contrib import admin
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import AdministrativeUnit, Reorganisation, ReorganisationKind, UnitPlacement, names_prefetch, with_names
from .base import (
    SOURCE_FIELDS,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    _closing_fields,
)
from .forms import UnitChangeForm, UnitCreateForm
from .map_actions import MapChangeActionsMixin


class PlacedThen:
    """A placement's units as they were called on its last day (``Dated.last_day``)."""

    @admin.display(description=_("unit"), ordering="unit__code")
    def unit_then(self, placement):
        return placement.unit.label_on(placement.last_day())

    @admin.display(description=_("parent unit"), ordering="parent__code")
    def parent_then(self, placement):
        return placement.parent.label_on(placement.last_day()) if placement.parent else "—"


class UnitPlacementInline(PlacedThen, ReadOnlyInline):
    model = UnitPlacement
    fk_name = "unit"
    fields = ("parent_then", "path", "valid_from", "valid_to")
    readonly_fields = ("parent_then", "path")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").prefetch_related(names_prefetch("parent__"))


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(MapChangeActionsMixin, ServiceAdmin, SimpleHistoryAdmin):
    form = UnitChangeForm
    add_form = UnitCreateForm
    list_display = ("code", "name", "kind", "level", "valid_from", "valid_to")
    list_filter = ("level", "kind")
    search_fields = ("name", "code")
    # The changes of the map (MapChangeActionsMixin): each records an event through its service.
    actions = ("transfer_units", "rename_unit", "merge_units", "split_unit", "abolish_districts")

    def get_inlines(self, request, obj):
        return [UnitPlacementInline] if obj else []

    def get_readonly_fields(self, request, obj=None):
        return ("code", "level", "valid_from", "former_names", *_closing_fields(obj)) if obj else ()

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj and "name" in fields:  # the former names under today's
            fields.remove("former_names")
            fields.insert(fields.index("name") + 1, "former_names")
        return fields

    @admin.display(description=_("former names"))
    def former_names(self, unit):
        """The names the unit bore before its renamings, each with its last day."""
        events = Reorganisation.objects.filter(kind=ReorganisationKind.RENAME, subject=unit).order_by("effective_on", "id")
        return format_html_join("; ", "{} ({})", (
            (event.former_name, gettext("until %(day)s") % {"day": date_format(event.effective_on - datetime.timedelta(days=1))})
            for event in events)) or "–"


@admin.register(UnitPlacement)
class UnitPlacementAdmin(PlacedThen, ReadOnlyAdmin):
    list_display = ("unit_then", "parent_then", "path", "valid_from", "valid_to")
    list_select_related = ("unit", "parent")
    search_fields = ("path", "unit__name", "unit__code")
    readonly_fields = ("path",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(names_prefetch("unit__"), names_prefetch("parent__"))


def _unit_links(units, day: datetime.date) -> str | None:
    """Links to ``units``, each named as on ``day``."""
    units = with_names(units)
    links = format_html_join(
        ", ", '<a href="{}">{}</a>',
        ((reverse("admin:tracking_administrativeunit_change", args=[unit.pk]), unit.label_on(day)) for unit in units),
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
        "effective_on", "kind", "description", "subject", "former_name", "units_before", "units_after", "villages_moved",
        *SOURCE_FIELDS, "created_at",
    )
    readonly_fields = ("units_before", "units_after", "created_at")

    @admin.display(description=_("units before"))
    def units_before(self, event):
        return _unit_links(event.predecessors.all(), event.effective_on - datetime.timedelta(days=1))

    @admin.display(description=_("units after"))
    def units_after(self, event):
        return _unit_links(event.successors.all(), event.effective_on)
