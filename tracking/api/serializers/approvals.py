"""JSON shapes of quarter approvals."""
from __future__ import annotations

from rest_framework import serializers

from ...models import ApprovalState
from ...services import approvals as approval_steps
from .common import UnitRefSerializer, non_empty


class ApprovalSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    quarter = serializers.CharField()
    state = serializers.ChoiceField(choices=ApprovalState.choices, help_text="draft → submitted → approved.")
    submitted_by = serializers.CharField(allow_null=True, help_text="Who submitted it (empty in a draft).")
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_by = serializers.CharField(allow_null=True, help_text="Who approved it (empty unless approved).")
    approved_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(help_text="Why the quarter was last returned or reopened.")
    updated_at = serializers.DateTimeField(allow_null=True, help_text="The last transition; empty if there was none.")
    locked = serializers.BooleanField(
        help_text="The reports of the unit's villages for the quarter cannot change: the quarter is approved, "
        "for the unit or for a unit above it."
    )
    approved_by_unit = serializers.CharField(allow_null=True, help_text="Code of the unit whose approval locks them.")


class ReportCoverageSerializer(serializers.Serializer):
    villages = serializers.IntegerField(help_text="Villages under the unit on the quarter's last day.")
    reported = serializers.IntegerField(help_text="How many of them have a report for the quarter.")


class ApprovalDetailSerializer(ApprovalSerializer):
    reports = ReportCoverageSerializer()


class ApprovalReasonSerializer(serializers.Serializer):
    reason = non_empty(max_length=approval_steps.REASON_MAX_LENGTH, help_text="Why: kept in the quarter's history.")


class NoBodySerializer(serializers.Serializer):
    """A request that takes no field (an empty JSON object, or no body)."""
