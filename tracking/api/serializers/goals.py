"""JSON shapes of goals and their progress."""
from __future__ import annotations

from rest_framework import serializers

from ...models import GoalMetric
from .common import (
    FIGURE_SOURCES,
    GOAL_STATUSES,
    PeriodField,
    SourceFieldsMixin,
    UnitCodeField,
    UnitRefSerializer,
    non_empty,
)


class ValueSourceSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    period = serializers.CharField()
    source = serializers.ChoiceField(choices=FIGURE_SOURCES)
    detail = serializers.CharField()
    figure_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    source_url = serializers.CharField(required=False)
    source_location = serializers.CharField(required=False)
    villages = serializers.IntegerField(required=False)


class GoalProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    unit = UnitRefSerializer()
    metric = serializers.ChoiceField(choices=GoalMetric.choices)
    target = serializers.IntegerField()
    set_by = serializers.CharField()
    baseline_period = serializers.CharField(allow_null=True)
    deadline = serializers.CharField(allow_null=True)
    as_of = serializers.CharField()
    baseline = serializers.IntegerField(allow_null=True)
    baseline_source = ValueSourceSerializer(allow_null=True)
    current = serializers.IntegerField(allow_null=True)
    current_period = serializers.CharField(allow_null=True)
    current_source = ValueSourceSerializer(allow_null=True)
    resolved = serializers.IntegerField(allow_null=True)
    progress = serializers.FloatField(allow_null=True, min_value=0, max_value=1)
    status = serializers.ChoiceField(choices=GOAL_STATUSES)
    projected_period = serializers.CharField(allow_null=True)
    data_as_of = serializers.CharField(allow_null=True, help_text=(
        "The quarter of the latest data: the cited figure's, or the last quarter in which a village "
        "reported (later quarters only carry reports forward). `status` is `stale` when it is 4 "
        "quarters or more before `as_of`."))
    basis = serializers.ChoiceField(choices=FIGURE_SOURCES, allow_null=True)
    explanation = serializers.CharField()
    source_url = serializers.CharField()
    source_location = serializers.CharField()


class GoalWriteSerializer(SourceFieldsMixin):
    unit = UnitCodeField()
    title = non_empty(max_length=300)
    metric = serializers.ChoiceField(choices=GoalMetric.choices)
    baseline_period = PeriodField(required=False, allow_null=True, default=None)
    deadline = PeriodField(required=False, allow_null=True, default=None)
    set_by = non_empty(max_length=200)
