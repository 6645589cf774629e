"""Query filters of the list endpoints (django-filter), documented in the schema."""
from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from .. import selectors
from ..errors import NotFound
from ..models import (
    AdministrativeUnit,
    ApprovalState,
    CellCoverage,
    Goal,
    GoalMetric,
    Level,
    PartyCell,
    QuarterApproval,
    QuarterReport,
    Reorganisation,
    ReorganisationKind,
    ReportedFigure,
    ReportedMetric,
    UnitKind,
    UnitPlacement,
    Village,
    VillagePlacement,
    VillageStatus,
)
from ..periods import (
    DAY_PATTERN,
    MAX_YEAR,
    MIN_YEAR,
    PATTERN,
    QUARTER,
    QUARTER_PATTERN,
    Period,
    check_day,
    current_quarter,
    period_of,
)
from ..querysets import active_on_q, former_name_q, search_q
from .serializers.common import CODE_PATTERN, LEVEL_CHOICES, MAX_ID


def _day(filterset) -> datetime.date:
    return filterset.form.cleaned_data.get("active_on") or timezone.localdate()


def _unit(filterset, code: str, name: str) -> AdministrativeUnit:
    """The unit with ``code``; else (or when it lies outside the user's areas: the same answer)
    a validation error on the query parameter ``name``."""
    request = getattr(filterset, "request", None)
    try:
        return selectors.unit_by_code(by=getattr(request, "user", None), code=code)
    except NotFound as error:
        raise ValidationError({name: [str(error)]}, code="does_not_exist") from error


def _period(name: str, text: str) -> Period:
    """The period of the query parameter ``name`` (``periods.period_of``)."""
    return period_of(name, text)


class _TrueOrFalseField(forms.NullBooleanField):
    """``true`` or ``false`` (also ``1`` / ``0``); any other text is an error, not "no filter"."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise DjangoValidationError(_("Write true or false."), code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    # Note: django-filter's BooleanFilter (its widget) reads "yes" or a typo as "no filter" and
    # lists everything; the raw text goes to the field instead.
    field_class = _TrueOrFalseField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "format": "date", "pattern": DAY_PATTERN,
                      "description": f"A day of the years {MIN_YEAR} to {MAX_YEAR}."})
class DayFilter(filters.DateFilter):
    """A day (YYYY-MM-DD) within the years of the records (``periods.check_day``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validators=[check_day], **kwargs)


class FilterSet(filters.FilterSet):
    """A parameter sent without a value (``?period=``) is an error, not "no filter": the schema
    gives each one a type or a pattern that the empty text does not match. Free-text ``search``
    may be empty."""

    FREE_TEXT = {"search"}

    def is_valid(self):
        valid = super().is_valid()
        for name in self.filters:
            if name not in self.FREE_TEXT and self.data.get(name) == "":
                self.form.add_error(name, _("Give a value, or leave the parameter out."))
        return valid and not self.form.errors


CODE_HELP = "Official code of a unit, e.g. 11 or 100 (VN: the nation)."
VILLAGE_KEY_PATTERN = r"^[0-9]{1,5}-[0-9]{4,12}$"


def _text_filter(method: str, pattern: str, help_text: str) -> filters.CharFilter:
    """A text parameter read by ``method``; the schema gives its pattern (a unit code, a period)."""
    schema = {"type": "string", "pattern": pattern, "description": help_text}
    return extend_schema_field(schema)(filters.CharFilter(method=method, help_text=help_text))


def _id_filter(help_text: str, **kwargs) -> filters.NumberFilter:
    """An id parameter: an integer in the schema (a NumberFilter alone says "number")."""
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": help_text}
    # Note: bounded, so that a number no database integer holds is a 400, not an overflow.
    return extend_schema_field(schema)(
        filters.NumberFilter(help_text=help_text, min_value=1, max_value=MAX_ID, decimal_places=0, **kwargs)
    )


class UnitFilter(FilterSet):
    level = filters.ChoiceFilter(choices=LEVEL_CHOICES, method="filter_level", help_text="nation, province, district or commune.")
    kind = filters.ChoiceFilter(choices=UnitKind.choices)
    parent = _text_filter("filter_parent", CODE_PATTERN, "Direct children of this unit (on `active_on`, default today). " + CODE_HELP)
    within = _text_filter("filter_within", CODE_PATTERN, "Units anywhere below this unit (on `active_on`, default today). " + CODE_HELP)
    active_on = DayFilter(method="filter_active_on", help_text="Only units that exist on this day.")
    search = filters.CharFilter(method="filter_search", help_text="Part of the name, or of a former name (accents or not: "
                                "\"dien bien\" finds Điện Biên), or the start of the code.")

    class Meta:
        model = AdministrativeUnit
        fields = ["level", "kind"]

    def filter_level(self, queryset, name, value):
        return queryset.filter(level=Level[value.upper()])

    def filter_parent(self, queryset, name, value):
        return queryset.filter(pk__in=AdministrativeUnit.objects.children_of(_unit(self, value, name), _day(self)).values("pk"))

    def filter_within(self, queryset, name, value):
        return queryset.filter(pk__in=AdministrativeUnit.objects.within(_unit(self, value, name), _day(self)).values("pk"))

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)

    def filter_search(self, queryset, name, value):
        # A unit is found by its name, its code, or a name it bore before a renaming.
        return queryset.filter(search_q(AdministrativeUnit, ["name", "^code"], value) | former_name_q(AdministrativeUnit, value))


class VillageFilter(FilterSet):
    within = _text_filter("filter_within", CODE_PATTERN, "Villages at or below this unit (on `active_on`, default today). " + CODE_HELP)
    active_on = DayFilter(method="filter_active_on", help_text="Only villages that exist on this day.")
    period = _text_filter("filter_noop", PATTERN, "The quarter (or year, month) `blank` refers to; default: the current quarter.")
    blank = StrictBooleanFilter(method="filter_blank", help_text="true: villages whose latest report at `period` says they have no member; false: those with members.")
    search = filters.CharFilter(method="filter_search", help_text="Part of the village's name, accents or not (\"huoi chon\" finds Huổi Chổn).")
    key = _text_filter("filter_key", VILLAGE_KEY_PATTERN, "The village with this key, e.g. 03317-0001.")

    class Meta:
        model = Village
        fields: list[str] = []

    def filter_noop(self, queryset, name, value):
        _period("period", value)
        return queryset

    def filter_within(self, queryset, name, value):
        return queryset.filter(pk__in=Village.objects.within(_unit(self, value, name), _day(self)).values("pk"))

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_key(self, queryset, name, value):
        if not re.fullmatch(VILLAGE_KEY_PATTERN, value):
            raise ValidationError({name: [_("Write a village's key, e.g. 03317-0001.")]}, code="invalid")
        return queryset.filter(key=value)

    def filter_blank(self, queryset, name, value):
        text = self.form.cleaned_data.get("period")
        quarter = _period("period", text).last_quarter if text else current_quarter()
        return selectors.villages_blank_at(by=getattr(self.request, "user", None), queryset=queryset, quarter=quarter,
                                           blank=value)


class PartyCellFilter(FilterSet):
    village = _id_filter("Cells that serve this village on `active_on` (default today).", method="filter_village")
    active_on = DayFilter(method="filter_noop", help_text="The day `village` refers to.")
    search = filters.CharFilter(method="filter_search", help_text="Part of the cell's name, accents or not.")

    class Meta:
        model = PartyCell
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_q(PartyCell, ["name"], value))

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_village(self, queryset, name, value):
        served = CellCoverage.objects.filter(active_on_q(_day(self)), cell=OuterRef("pk"), village_id=value)
        return queryset.filter(Exists(served))


class QuarterReportFilter(FilterSet):
    village = _id_filter("Reports of this village.", field_name="village_id")
    within = _text_filter("filter_within", CODE_PATTERN, "Reports of villages placed at or below this unit at any time. " + CODE_HELP)
    period = _text_filter("filter_period", PATTERN, "Reports of this quarter, or of the quarters of this year.")
    status = filters.ChoiceFilter(choices=VillageStatus.choices)

    class Meta:
        model = QuarterReport
        fields: list[str] = []

    def filter_within(self, queryset, name, value):
        paths = _unit(self, value, name).placements.values_list("path", flat=True)
        return queryset.filter(village_id__in=VillagePlacement.objects.under_any(paths).values("village_id"))

    def filter_period(self, queryset, name, value):
        period = _period("period", value)
        return queryset.filter(quarter__in=[q.index for q in period.quarters()])


class ReportedFigureFilter(FilterSet):
    unit = _text_filter("filter_unit", CODE_PATTERN, "Figures reported for this unit, alone or together with others. " + CODE_HELP)
    period = _text_filter("filter_period", PATTERN, "Figures whose period overlaps this one.")
    metric = filters.ChoiceFilter(choices=ReportedMetric.choices)

    search = filters.CharFilter(method="filter_search", help_text="Words of the unit's name, the note or the source's location, accents or not.")

    class Meta:
        model = ReportedFigure
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_q(ReportedFigure, ['unit__name', 'note', 'source_location'], value))

    def filter_unit(self, queryset, name, value):
        unit = _unit(self, value, name)
        return queryset.filter(Q(unit=unit) | Q(combined_with=unit)).distinct()

    def filter_period(self, queryset, name, value):
        period = _period("period", value)
        # Stored periods are text: list every year, quarter and month spelling that overlaps.
        quarters = period.quarters()
        spellings = {str(q.year) for q in quarters} | {str(q) for q in quarters}
        spellings |= {f"{q.year}-{month:02d}" for q in quarters for month in range(3 * q.number - 2, 3 * q.number + 1)}
        return queryset.filter(period__in=[text for text in spellings if Period.parse(text).overlaps(period)])


class GoalFilter(FilterSet):
    unit = _text_filter("filter_unit", CODE_PATTERN, "Goals set for this unit. " + CODE_HELP)
    metric = filters.ChoiceFilter(choices=GoalMetric.choices)
    status = filters.ChoiceFilter(
        method="filter_noop",
        choices=[(s, s) for s in ("achieved", "on_track", "at_risk", "overdue", "stale", "no_data")],
        help_text="Goals in this status today.",
    )

    search = filters.CharFilter(method="filter_search", help_text='Words of the title, the committee that set it or the unit\'s name, accents or not ("muong nhe" finds Mường Nhé).')

    class Meta:
        model = Goal
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_q(Goal, ['title', 'set_by', 'unit__name'], value))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit=_unit(self, value, name))

    def filter_noop(self, queryset, name, value):
        # Note: a status is computed, not stored; the view filters the computed rows.
        return queryset


class ReorganisationFilter(FilterSet):
    unit = _text_filter("filter_unit", CODE_PATTERN, "Changes that made, changed or ended this unit. " + CODE_HELP)
    kind = filters.ChoiceFilter(choices=ReorganisationKind.choices)

    search = filters.CharFilter(method="filter_search", help_text="Words of the description or the unit's name, accents or not.")

    class Meta:
        model = Reorganisation
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_q(Reorganisation, ['description', 'subject__name'], value))

    def filter_unit(self, queryset, name, value):
        unit = _unit(self, value, name)
        return queryset.filter(Q(subject=unit) | Q(predecessors=unit) | Q(successors=unit)).distinct()


class QuarterApprovalFilter(FilterSet):
    unit = _text_filter("filter_unit", CODE_PATTERN, "The quarters of this unit (every unit that held the code). " + CODE_HELP)
    within = _text_filter("filter_within", CODE_PATTERN, "The quarters of this unit and the units placed below it at any time. " + CODE_HELP)
    quarter = _text_filter("filter_quarter", QUARTER_PATTERN, "One quarter, e.g. 2019Q2.")
    state = filters.ChoiceFilter(choices=ApprovalState.choices)

    class Meta:
        model = QuarterApproval
        fields: list[str] = []

    def filter_unit(self, queryset, name, value):
        _unit(self, value, name)  # unknown, or outside the user's areas: the same 400
        return queryset.filter(unit__code=value)

    def filter_within(self, queryset, name, value):
        paths = _unit(self, value, name).placements.values_list("path", flat=True)
        return queryset.filter(unit_id__in=UnitPlacement.objects.under_any(paths).values("unit_id"))

    def filter_quarter(self, queryset, name, value):
        quarter = _period(name, value)
        if quarter.kind != QUARTER:
            raise ValidationError({name: [_("“%(value)s” is not a quarter: write it as 2019Q2.") % {"value": value}]},
                                  code="invalid_period")
        return queryset.filter(quarter=quarter)
