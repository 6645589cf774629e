"""JSON shapes of units: read, created, renamed or closed (their figures: ``figures``)."""
from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from ..parsing import DayField

from ...models import AdministrativeUnit, UnitKind, name_on
from .common import (
    CODE_PATTERN,
    LevelField,
    SourceFieldsMixin,
    UnitCodeField,
    non_empty,
    placement_on,
)


class UnitSerializer(serializers.ModelSerializer):
    """A unit as it was on the day asked (``active_on``; default today): its name, parent and
    path then, with today's name beside it."""

    name = serializers.SerializerMethodField(help_text="Its name on the day asked (default today).")
    current_name = serializers.SerializerMethodField(help_text="Its name today: the same unless the unit was renamed since.")
    level = LevelField()
    parent = serializers.SerializerMethodField(help_text="Code of the parent unit on the day asked (default today), "
                                               "or when the unit last existed.")
    path = serializers.SerializerMethodField(help_text="Codes from the province down to this unit (the nation's path is `/`).")

    class Meta:
        model = AdministrativeUnit
        fields = ["code", "name", "current_name", "kind", "level", "parent", "path", "valid_from", "valid_to",
                  "source_url", "source_location", "note"]

    def _day(self):
        return self.context.get("day") or timezone.localdate()

    def _placement(self, unit):
        return placement_on(unit, self._day())

    def get_name(self, unit) -> str:
        return name_on(unit, self._day())

    def get_current_name(self, unit) -> str:
        return name_on(unit)

    def get_parent(self, unit) -> str | None:
        placement = self._placement(unit)
        return placement.parent.code if placement and placement.parent else None

    def get_path(self, unit) -> str:
        placement = self._placement(unit)
        return placement.path if placement else ""


class UnitCreateSerializer(SourceFieldsMixin):
    code = serializers.RegexField(CODE_PATTERN, help_text="Official code: 2 digits for a province, 3 for a district, 5 for a commune; VN for the nation.")
    name = non_empty(max_length=200)
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    level = LevelField()
    parent = UnitCodeField(required=False, allow_null=True, default=None,
                           help_text="Code of the parent unit; empty for a province (it goes under the nation, VN).")
    valid_from = DayField(required=False, allow_null=True, default=None)
    valid_to = DayField(required=False, allow_null=True, default=None)


class UnitUpdateSerializer(SourceFieldsMixin):
    name = non_empty(max_length=200, required=False, help_text="The current name, spelt right (a renaming from a day: "
                     "`POST /api/v1/reorganisations/rename/`).")
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False)
    valid_to = DayField(required=False, help_text="Close the unit from this day (its villages must have moved).")
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    source_location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
