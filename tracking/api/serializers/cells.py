"""JSON shapes of party cells."""
from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from ..parsing import DayField

from ...models import PartyCell
from .common import MAX_ID, SourceFieldsMixin, non_empty


class PartyCellSerializer(serializers.ModelSerializer):
    villages = serializers.SerializerMethodField(help_text="Ids of the villages the cell serves today.")

    class Meta:
        model = PartyCell
        fields = ["id", "name", "organisation", "founded_on", "dissolved_on", "villages", "source_url", "source_location", "note"]

    def get_villages(self, cell) -> list[int]:
        day = self.context.get("day") or timezone.localdate()
        return sorted(row.village_id for row in cell.coverage.all() if row.is_active_on(day))


class PartyCellCreateSerializer(SourceFieldsMixin):
    name = non_empty(max_length=200)
    organisation = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID)
    founded_on = DayField(required=False, allow_null=True, default=None)
    villages = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=100)


class PartyCellUpdateSerializer(serializers.Serializer):
    name = non_empty(max_length=200, required=False)
    dissolved_on = DayField(required=False, help_text="Dissolve the cell from this day.")
