"""The list filters: by the province, district or commune a village was placed under, by quarter."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import AdministrativeUnit, Level, UnitPlacement, VillagePlacement
from ..periods import Period


class PlacedUnderFilter(admin.SimpleListFilter):
    """Villages placed under a unit at any time, by the paths of its placements.

    Any time, not today: districts were abolished on 2025-07-01, and their past is what a
    district filter is for.
    """

    level: int
    narrowed_by: tuple[str, ...] = ()  # filters whose choice narrows this one's options
    village_field = "pk"  # how the filtered rows name their village

    def lookups(self, request, model_admin):
        units = selectors.visible(by=request.user, queryset=AdministrativeUnit.objects.at_level(self.level))
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
