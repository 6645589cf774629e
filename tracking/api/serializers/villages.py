"""JSON shapes of villages."""
from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..parsing import DayField

from ... import progress
from .common import (
    SourceFieldsMixin,
    UnitCodeField,
    UnitRefSerializer,
    non_empty,
    placement_on,
)


class VillageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True, help_text="The village's stable key in files (e.g. 03317-0002): "
                                "its unit's code when it was recorded and a number; never changes.")
    name = serializers.CharField()
    unit = serializers.SerializerMethodField(help_text="The unit the village belongs to today (or when it last existed), named as then.")
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    source_url = serializers.CharField()
    source_location = serializers.CharField()
    note = serializers.CharField()

    @extend_schema_field(UnitRefSerializer(allow_null=True))
    def get_unit(self, village):
        day = self.context.get("day") or timezone.localdate()
        placement = placement_on(village, day)
        return progress.unit_ref(placement.unit, placement.last_day(day)) if placement else None


class VillageCreateSerializer(SourceFieldsMixin):
    name = non_empty(max_length=200)
    unit = UnitCodeField(help_text="Code of the commune (or district) the village belongs to.")
    valid_from = DayField(required=False, allow_null=True, default=None)
    valid_to = DayField(required=False, allow_null=True, default=None)


class VillageUpdateSerializer(SourceFieldsMixin):
    name = non_empty(max_length=200, required=False)
    valid_to = DayField(required=False, help_text="Close the village from this day; its history stays.")
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    source_location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
