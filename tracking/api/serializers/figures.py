"""JSON shapes of a unit's figures: computed from village reports, beside the reported figures
of cited documents, and the villages still blank."""
from __future__ import annotations

from rest_framework import serializers

from ...models import ApprovalState, ReorganisationKind, ReportedMetric
from .common import BOUNDARY_CHOICES, FIGURE_SOURCES, UnitRefSerializer


class LineageEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReorganisationKind.choices)
    effective_on = serializers.DateField()
    description = serializers.CharField()
    before = UnitRefSerializer(many=True)
    after = UnitRefSerializer(many=True)
    source_url = serializers.CharField()


class ReportedEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="The reported figure's id; empty for a derived one.")
    metric = serializers.ChoiceField(choices=ReportedMetric.choices)
    value = serializers.IntegerField()
    period = serializers.CharField()
    since = serializers.CharField(allow_null=True)
    unit = UnitRefSerializer()
    combined_with = UnitRefSerializer(many=True)
    source = serializers.ChoiceField(choices=FIGURE_SOURCES)
    source_url = serializers.CharField()
    source_location = serializers.CharField()
    note = serializers.CharField()
    derivation = serializers.CharField(required=False, help_text="For a derived figure: how it follows from the cited ones.")
    derived_from = serializers.ListField(child=serializers.IntegerField(), required=False)


class ApprovalStandingSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="The quarter the figures show (the period's last quarter).")
    state = serializers.ChoiceField(
        choices=ApprovalState.choices,
        help_text="approved: the unit's quarter (or that of a unit above it) is approved and its reports locked; "
        "submitted: submitted for approval; draft: neither.",
    )
    approved_by_unit = serializers.CharField(
        allow_null=True, help_text="Code of the unit whose approval covers the figures (the unit or one above it)."
    )


class UnitFiguresSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    period = serializers.CharField()
    boundaries = serializers.ChoiceField(choices=BOUNDARY_CHOICES, help_text="historical: the map of the period; current: today's map.")
    map_date = serializers.DateField(help_text="The day whose map says which villages count.")
    as_of_quarter = serializers.CharField(help_text="Stocks are counted on the last day of this quarter.")
    villages_total = serializers.IntegerField()
    blank_villages = serializers.IntegerField()
    villages_with_members = serializers.IntegerField()
    villages_with_own_cell = serializers.IntegerField()
    villages_in_merged_cells = serializers.IntegerField()
    merged_cells = serializers.IntegerField()
    members = serializers.IntegerField(allow_null=True, help_text="Empty when no village reported a count.")
    villages_counted = serializers.IntegerField()
    villages_status_only = serializers.IntegerField()
    villages_carried_forward = serializers.IntegerField()
    admissions = serializers.IntegerField(allow_null=True)
    villages_without_report = serializers.IntegerField()
    source = serializers.ChoiceField(choices=FIGURE_SOURCES)
    notes = serializers.ListField(child=serializers.CharField())
    reported = ReportedEntrySerializer(many=True)
    lineage = LineageEventSerializer(many=True, help_text="The reorganisations that made, changed or ended this unit.")
    approval = ApprovalStandingSerializer(help_text="Whether the quarter the figures show is approved.")


class BlankVillageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = UnitRefSerializer()
    latest_quarter = serializers.CharField(help_text="The quarter of the report that says the village is blank.")
