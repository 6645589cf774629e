"""JSON shapes of reorganisations: changes of the map, one kind of request each."""
from __future__ import annotations

from rest_framework import serializers

from ..parsing import DayField

from ...models import Reorganisation, UnitKind
from .common import CODE_PATTERN, MAX_ID, LevelField, SourceFieldsMixin, UnitCodeField, non_empty


class ReorganisationSerializer(serializers.ModelSerializer):
    subject = UnitCodeField(read_only=True, allow_null=True)
    predecessors = UnitCodeField(many=True, read_only=True)
    successors = UnitCodeField(many=True, read_only=True)
    villages_moved = serializers.IntegerField(read_only=True)
    former_name = serializers.CharField(read_only=True, help_text="For a renaming: the name the unit had until "
                                        "that day (empty for other kinds).")

    class Meta:
        model = Reorganisation
        fields = ["id", "kind", "effective_on", "description", "subject", "former_name", "predecessors", "successors",
                  "villages_moved", "source_url", "source_location", "note", "created_at"]


class EventBaseSerializer(SourceFieldsMixin):
    on = DayField(help_text="The day the change takes effect: the first day of the new map.")


class NewUnitSerializer(serializers.Serializer):
    code = serializers.RegexField(CODE_PATTERN, help_text="Official code of the new unit.")
    name = non_empty(max_length=200)
    kind = serializers.ChoiceField(choices=UnitKind.choices)


class EstablishSerializer(EventBaseSerializer, NewUnitSerializer):
    level = LevelField()
    parent = UnitCodeField(allow_null=True, help_text="Code of the parent unit; empty for a province (it goes under the nation, VN).")


class RenameSerializer(EventBaseSerializer):
    unit = UnitCodeField()
    name = non_empty(max_length=200)


class TransferSerializer(EventBaseSerializer):
    unit = UnitCodeField(help_text="The unit that moves, with everything under it.")
    parent = UnitCodeField(help_text="Its new parent.")


class SplitPartSerializer(NewUnitSerializer):
    units = serializers.ListField(child=serializers.RegexField(CODE_PATTERN), required=False, default=list, max_length=500,
                                  help_text="Codes of the child units that move to the new unit.")
    villages = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list,
                                     max_length=5000, help_text="Ids of villages placed directly in the split unit that move.")


class SplitSerializer(EventBaseSerializer):
    unit = UnitCodeField(help_text="The unit split.")
    parts = SplitPartSerializer(many=True, allow_empty=False, min_length=1, max_length=50)
    close_original = serializers.BooleanField(default=False, help_text="Close the unit split (everything under it must move).")


class MergeSerializer(EventBaseSerializer):
    units = serializers.ListField(child=serializers.RegexField(CODE_PATTERN), allow_empty=False, min_length=1, max_length=100,
                                  help_text="Codes of the units merged.")
    into = UnitCodeField(required=False, allow_null=True, default=None, help_text="An existing unit they merge into…")
    new = NewUnitSerializer(required=False, allow_null=True, default=None, help_text="…or a new unit.")


class AbolishLevelSerializer(EventBaseSerializer):
    province = UnitCodeField()
    level = LevelField(help_text="The level abolished (district in the 2025 reform).")
