"""JSON shapes of reported figures: the figures of cited documents."""
from __future__ import annotations

from rest_framework import serializers

from ...models import ReportedFigure, ReportedMetric
from .common import CODE_PATTERN, PeriodField, UnitCodeField


class ReportedFigureSerializer(serializers.ModelSerializer):
    unit = UnitCodeField(read_only=True)
    combined_with = UnitCodeField(many=True, read_only=True)
    period = PeriodField()
    since = PeriodField(allow_null=True)
    value = serializers.IntegerField(read_only=True)  # declared: the model's range depends on the database

    class Meta:
        model = ReportedFigure
        fields = ["id", "unit", "combined_with", "period", "since", "metric", "value", "source_url", "source_location", "note"]


class ReportedFigureWriteSerializer(serializers.Serializer):
    unit = UnitCodeField()
    combined_with = serializers.ListField(child=serializers.RegexField(CODE_PATTERN), required=False, default=list, max_length=50)
    period = PeriodField()
    since = PeriodField(required=False, allow_null=True, default=None)
    metric = serializers.ChoiceField(choices=ReportedMetric.choices)
    value = serializers.IntegerField(min_value=0, max_value=100_000_000)
    source_url = serializers.URLField(max_length=500, help_text="The document the figure comes from.")
    source_location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
