"""Query filters of the list endpoints (django-filter), documented in the schema."""
from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from .models import (
    AdministrativeUnit,
    CellCoverage,
    Goal,
    GoalMetric,
    Level,
    PartyCell,
    QuarterReport,
    ReportedFigure,
    ReportedMetric,
    UnitKind,
    Village,
    VillagePlacement,
    VillageStatus,
)
from .querysets import active_on_q
from .periods import Period, current_quarter
from .serializers import unit_for_code


def _day(filterset) -> datetime.date:
    return filterset.form.cleaned_data.get("active_on") or timezone.localdate()


def _unit(code: str) -> AdministrativeUnit:
    unit = unit_for_code(code)
    if unit is None:
        raise ValidationError({"within": [f"No unit has the code {code}."]}, code="does_not_exist")
    return unit


def _period(name: str, text: str) -> Period:
    try:
        return Period.parse(text)
    except Exception as error:
        raise ValidationError({name: error.messages}, code="invalid_period")


CODE_HELP = "Official code of a unit, e.g. 11 or 100."


class UnitFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Level.choices, help_text="1 province, 2 district, 3 commune.")
    kind = filters.ChoiceFilter(choices=UnitKind.choices)
    parent = filters.CharFilter(method="filter_parent", help_text="Direct children of this unit (on `active_on`, default today). " + CODE_HELP)
    within = filters.CharFilter(method="filter_within", help_text="Units anywhere below this unit (on `active_on`, default today). " + CODE_HELP)
    active_on = filters.DateFilter(method="filter_active_on", help_text="Only units that exist on this day.")
    search = filters.CharFilter(method="filter_search", help_text="Part of the name or the code.")

    class Meta:
        model = AdministrativeUnit
        fields = ["level", "kind"]

    def filter_parent(self, queryset, name, value):
        return queryset.filter(pk__in=AdministrativeUnit.objects.children_of(_unit(value), _day(self)).values("pk"))

    def filter_within(self, queryset, name, value):
        return queryset.filter(pk__in=AdministrativeUnit.objects.within(_unit(value), _day(self)).values("pk"))

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class VillageFilter(filters.FilterSet):
    within = filters.CharFilter(method="filter_within", help_text="Villages at or below this unit (on `active_on`, default today). " + CODE_HELP)
    active_on = filters.DateFilter(method="filter_active_on", help_text="Only villages that exist on this day.")
    period = filters.CharFilter(method="filter_noop", help_text="The quarter (or year, month) `blank` refers to; default: the current quarter.")
    blank = filters.BooleanFilter(method="filter_blank", help_text="true: villages whose latest report at `period` says they have no member; false: those with members.")
    search = filters.CharFilter(method="filter_search", help_text="Part of the village's name.")

    class Meta:
        model = Village
        fields: list[str] = []

    def filter_noop(self, queryset, name, value):
        _period("period", value)
        return queryset

    def filter_within(self, queryset, name, value):
        return queryset.filter(pk__in=Village.objects.within(_unit(value), _day(self)).values("pk"))

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_blank(self, queryset, name, value):
        text = self.form.cleaned_data.get("period")
        quarter = _period("period", text).last_quarter if text else current_quarter()
        return queryset.blank_at(quarter, blank=value)


class PartyCellFilter(filters.FilterSet):
    village = filters.NumberFilter(method="filter_village", help_text="Cells that serve this village on `active_on` (default today).")
    active_on = filters.DateFilter(method="filter_noop", help_text="The day `village` refers to.")
    search = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Part of the cell's name.")

    class Meta:
        model = PartyCell
        fields: list[str] = []

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_village(self, queryset, name, value):
        served = CellCoverage.objects.filter(active_on_q(_day(self)), cell=OuterRef("pk"), village_id=value)
        return queryset.filter(Exists(served))


class QuarterReportFilter(filters.FilterSet):
    village = filters.NumberFilter(field_name="village_id")
    within = filters.CharFilter(method="filter_within", help_text="Reports of villages placed at or below this unit in the report's quarter. " + CODE_HELP)
    period = filters.CharFilter(method="filter_period", help_text="Reports of this quarter, or of the quarters of this year.")
    status = filters.ChoiceFilter(choices=VillageStatus.choices)

    class Meta:
        model = QuarterReport
        fields: list[str] = []

    def filter_within(self, queryset, name, value):
        unit = _unit(value)
        paths = list(unit.placements.values_list("path", flat=True))
        placed = VillagePlacement.objects.none()
        for path in paths:
            placed = placed | VillagePlacement.objects.under(path)
        return queryset.filter(village_id__in=placed.values("village_id"))

    def filter_period(self, queryset, name, value):
        period = _period("period", value)
        return queryset.filter(quarter__in=[q.index for q in period.quarters()])


class ReportedFigureFilter(filters.FilterSet):
    unit = filters.CharFilter(method="filter_unit", help_text="Figures reported for this unit, alone or together with others. " + CODE_HELP)
    period = filters.CharFilter(method="filter_period", help_text="Figures whose period overlaps this one.")
    metric = filters.ChoiceFilter(choices=ReportedMetric.choices)

    class Meta:
        model = ReportedFigure
        fields: list[str] = []

    def filter_unit(self, queryset, name, value):
        unit = _unit(value)
        return queryset.filter(Q(unit=unit) | Q(combined_with=unit)).distinct()

    def filter_period(self, queryset, name, value):
        period = _period("period", value)
        # Stored periods are text: list every year, quarter and month spelling that overlaps.
        quarters = period.quarters()
        spellings = {str(q.year) for q in quarters} | {str(q) for q in quarters}
        spellings |= {f"{q.year}-{month:02d}" for q in quarters for month in range(3 * q.number - 2, 3 * q.number + 1)}
        return queryset.filter(period__in=[text for text in spellings if Period.parse(text).overlaps(period)])


class GoalFilter(filters.FilterSet):
    unit = filters.CharFilter(method="filter_unit", help_text="Goals set for this unit. " + CODE_HELP)
    metric = filters.ChoiceFilter(choices=GoalMetric.choices)
    status = filters.ChoiceFilter(
        method="filter_noop",
        choices=[(s, s) for s in ("achieved", "on_track", "at_risk", "overdue", "no_data")],
        help_text="Goals in this status today.",
    )

    class Meta:
        model = Goal
        fields: list[str] = []

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit=_unit(value))

    def filter_noop(self, queryset, name, value):
        # Note: a status is computed, not stored; the view filters the computed rows.
        return queryset
