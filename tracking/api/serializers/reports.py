"""JSON shapes of quarterly village reports, one at a time or a unit's whole quarter at once."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import locks
from ...models import MAX_COUNT, ApprovalState, QuarterReport, VillageStatus
from .common import MAX_ID, QuarterSerializerField, SourceFieldsMixin, UnitRefSerializer


class QuarterReportListSerializer(serializers.ListSerializer):
    """A page of reports: the approval state of all of them is read at once (two queries)."""

    def to_representation(self, data):
        reports = list(data.all() if hasattr(data, "all") else data)
        self._context["approvals"] = locks.standings_for_reports(reports)
        return super().to_representation(reports)


class QuarterReportSerializer(serializers.ModelSerializer):
    # Note: declared rather than derived from the model, whose integer range depends on the
    # database (the committed schema must be the same on SQLite and PostgreSQL).
    full_members = serializers.IntegerField(read_only=True, allow_null=True)
    probationary_members = serializers.IntegerField(read_only=True, allow_null=True)
    admissions = serializers.IntegerField(read_only=True, allow_null=True)
    ethnic_minority_members = serializers.IntegerField(read_only=True, allow_null=True)
    candidates = serializers.IntegerField(read_only=True, allow_null=True)
    quarter = QuarterSerializerField()
    members = serializers.IntegerField(read_only=True, allow_null=True, help_text="Full plus probationary members; empty for a status-only report.")
    status = serializers.ChoiceField(choices=VillageStatus.choices, allow_blank=True)
    locked = serializers.SerializerMethodField(
        help_text="The quarter is approved for the village's unit (or a unit above it): the report cannot change "
        "until an approver of a unit above reopens it."
    )
    approval = serializers.SerializerMethodField(
        help_text="How the quarter stands for the village: approved (locked), submitted or draft, the furthest state "
        "of its unit and the units above it."
    )

    class Meta:
        model = QuarterReport
        list_serializer_class = QuarterReportListSerializer
        fields = [
            "id", "village", "quarter", "full_members", "probationary_members", "members", "admissions",
            "ethnic_minority_members", "candidates", "status", "cell", "source_url", "source_location", "note",
            "created_at", "updated_at", "locked", "approval",
        ]

    def _standing(self, report) -> locks.Standing:
        standings = self.context.get("approvals") or {}
        if report.pk in standings:
            return standings[report.pk]
        # One report read alone: its own two queries, once.
        cache = self.__dict__.setdefault("_standings", {})
        if report.pk not in cache:
            cache.update(locks.standings_for_reports([report]))
        return cache[report.pk]

    def get_locked(self, report) -> bool:
        return self._standing(report).locked

    @extend_schema_field(serializers.ChoiceField(choices=ApprovalState.choices))
    def get_approval(self, report) -> str:
        return self._standing(report).state


def count_field(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, allow_null=True, default=None, help_text=help_text)


class ReportValuesSerializer(SourceFieldsMixin):
    full_members = count_field("Full members living in the village.")
    probationary_members = count_field("Probationary members (in their 12 months' probation).")
    admissions = count_field("Members admitted during the quarter; at most the probationary members.")
    ethnic_minority_members = count_field("Members from ethnic minorities; at most the members.")
    candidates = count_field("People being prepared for admission.")
    status = serializers.ChoiceField(
        choices=VillageStatus.choices, required=False, allow_blank=True, default="",
        help_text="Only for a historical fact without counts; leave the counts empty then. "
        "Empty (the default) for a report with counts: send it to replace a status by counts.",
    )
    cell = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID, help_text="Id of the party cell the village's members belong to.")


class QuarterReportCreateSerializer(ReportValuesSerializer):
    village = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quarter = QuarterSerializerField()


class SubmissionEntrySerializer(ReportValuesSerializer):
    village = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Id of a village of the unit, active in the quarter.")


class SubmissionSerializer(serializers.Serializer):
    reports = SubmissionEntrySerializer(many=True, allow_empty=False, min_length=1, max_length=5000, help_text="One entry per village.")


class SubmissionOutcomeSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField(), help_text="Report ids (empty in a dry run for reports not yet created).")
    villages = serializers.ListField(child=serializers.IntegerField(), help_text="Village ids.")


class SubmissionResultSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    quarter = serializers.CharField()
    dry_run = serializers.BooleanField()
    created = SubmissionOutcomeSerializer()
    updated = SubmissionOutcomeSerializer()
    unchanged = SubmissionOutcomeSerializer()


class ReportImportSerializer(serializers.Serializer):
    csv = serializers.CharField(
        min_length=1, max_length=900_000, trim_whitespace=False,
        help_text="The file's text (UTF-8 CSV): a first line naming the columns village_key, full_members, "
        "probationary_members, admissions, ethnic_minority_members, candidates, status, cell, source_url, "
        "source_location, note (any order; village_key required), then one line a village.",
    )


class ReportImportResultSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField(help_text="Rows read.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    empty = serializers.IntegerField(help_text="Rows that gave a village's key and nothing else: nothing written for them.")
