"""JSON shapes of the completeness of a quarter: its query parameters, the counts and the communes."""
from __future__ import annotations

from rest_framework import serializers

from ...models import ApprovalState
from ...selectors.completeness import REPORTED
from .common import CODE_PATTERN, QuarterSerializerField, UnitRefSerializer

REPORTED_CHOICES = list(REPORTED)


class CompletenessQuerySerializer(serializers.Serializer):
    """The query parameters of ``GET /completeness/``."""

    within = serializers.RegexField(
        CODE_PATTERN, help_text="The area: official code of a unit, e.g. 11 or 100 (VN: the nation).",
        error_messages={"invalid": "Write a unit's official code, e.g. 11 or 100 (VN: the nation)."},
    )
    quarter = QuarterSerializerField(
        required=False, help_text="The quarter, e.g. 2019Q2; default: the latest quarter in which a village of the "
        "area reported (else the current quarter), as the figures take it; for an area closed since, at most its "
        "last quarter on the map.",
    )
    reported = serializers.ChoiceField(
        choices=REPORTED_CHOICES, required=False,
        help_text="Only the communes of which all, some or none of the villages reported (no_villages: without a "
        "village on the map).",
    )
    state = serializers.ChoiceField(
        choices=ApprovalState.choices, required=False,
        help_text="Only the communes whose own quarter is in this state (draft: also without a row).",
    )


class CompletenessCountsSerializer(serializers.Serializer):
    communes = serializers.IntegerField(help_text="Communes counted (and units above them holding villages directly).")
    reported_all = serializers.IntegerField(help_text="Communes all of whose villages have a report for the quarter.")
    reported_some = serializers.IntegerField(help_text="Communes some of whose villages have one, not all.")
    reported_none = serializers.IntegerField(help_text="Communes none of whose villages has one.")
    without_villages = serializers.IntegerField(help_text="Communes without a village on the quarter's map.")
    draft = serializers.IntegerField(help_text="Communes whose quarter is a draft (also without a row).")
    submitted = serializers.IntegerField(help_text="Communes whose quarter is submitted.")
    approved = serializers.IntegerField(help_text="Communes whose quarter is approved.")
    locked = serializers.IntegerField(
        help_text="Communes whose reports are locked, by their own approval or that of a unit above.")
    villages = serializers.IntegerField(help_text="Villages of these communes on the quarter's last day.")
    villages_reported = serializers.IntegerField(help_text="How many of them have a report for the quarter.")


class _PlacedUnitSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    path = serializers.CharField(help_text="Its place on the quarter's map, e.g. /11/100/.")


class CompletenessUnitCountsSerializer(_PlacedUnitSerializer, CompletenessCountsSerializer):
    """A unit one level below the area, and the counts of its communes."""


class CompletenessSummarySerializer(CompletenessCountsSerializer):
    by_unit = CompletenessUnitCountsSerializer(
        many=True, help_text="The counts of each unit one level below the area (the districts of a province, the "
        "provinces of the nation); a district or a commune, and communes directly under a province, count in the "
        "area's own entry.",
    )


class CompletenessCommuneSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    path = serializers.CharField(help_text="Its place on the quarter's map, e.g. /11/100/03317/.")
    parent = UnitRefSerializer(allow_null=True, help_text="The unit it sat in on the quarter's last day.")
    villages = serializers.IntegerField(help_text="Its villages on the quarter's last day.")
    villages_reported = serializers.IntegerField(help_text="How many of them have a report for the quarter.")
    reported = serializers.ChoiceField(choices=REPORTED_CHOICES, help_text="all, some or none of its villages reported; "
                                       "no_villages: it has none on the map.")
    state = serializers.ChoiceField(choices=ApprovalState.choices, help_text="Its own quarter: draft → submitted → approved.")
    submitted_by = serializers.CharField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_blank=True, help_text="Why the quarter was last returned or reopened.")
    locked = serializers.BooleanField(help_text="Its reports cannot change: approved, for it or a unit above it.")
    approved_by_unit = serializers.CharField(allow_null=True, help_text="Code of the unit whose approval locks them.")


class CompletenessSerializer(serializers.Serializer):
    area = UnitRefSerializer()
    quarter = serializers.CharField()
    map_date = serializers.DateField(help_text="The map read: the quarter's last day.")
    summary = CompletenessSummarySerializer(help_text="The counts of every commune of the area, whatever the filters.")
    count = serializers.IntegerField(help_text="Communes that pass the filters.")
    next = serializers.URLField(allow_null=True, help_text="The next page of communes.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page of communes.")
    results = CompletenessCommuneSerializer(many=True, help_text="A page of the communes that pass the filters, in "
                                            "the order of the map.")
