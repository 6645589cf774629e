"""Grassroots organisations, party cells and the villages each cell serves."""
from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..models import CellCoverage, GrassrootsOrganisation, PartyCell
from .base import ReadOnlyInline, ServiceAdmin
from .forms import CellCoverageCreateForm, OrganisationCreateForm, PartyCellCreateForm


class CellCoverageInline(ReadOnlyInline):
    model = CellCoverage
    fields = ("village", "valid_from", "valid_to")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village")


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
