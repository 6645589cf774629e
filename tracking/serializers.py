"""JSON shapes of the API. Writes are validated here for type and form only; every domain rule
is the services' (the API adds no rule of its own)."""
from __future__ import annotations

import datetime

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import approvals, progress
from .access import scope_of
from .models import (
    ApprovalState,
    AuditPath,
    AdministrativeUnit,
    GoalMetric,
    Level,
    PartyCell,
    QuarterReport,
    Reorganisation,
    ReorganisationKind,
    ReportedFigure,
    ReportedMetric,
    Role,
    UnitKind,
    VillageStatus,
)
from .periods import PATTERN, QUARTER, QUARTER_PATTERN, Period

GOAL_STATUSES = [progress.ACHIEVED, progress.ON_TRACK, progress.AT_RISK, progress.OVERDUE, progress.NO_DATA]
FIGURE_SOURCES = [progress.VILLAGE_REPORTS, progress.REPORTED_FIGURE, progress.DERIVED_FROM_REPORTED]
SITUATIONS = [progress.BLANK, progress.HAS_MEMBERS, progress.OWN_CELL, progress.MERGED_CELL, progress.NO_REPORT]
CODE_PATTERN = r"^[0-9]{2,5}$"
BOUNDARY_CHOICES = [progress.HISTORICAL, progress.CURRENT]
# The largest id a database integer holds (SQLite INTEGER, PostgreSQL bigint): a larger number
# names nothing, and would overflow the query instead of failing validation.
MAX_ID = 2**63 - 1


class PeriodField(serializers.CharField):
    """A period as text: ``2008``, ``2019Q2`` or ``2019-05`` (quarters only when ``quarters_only``)."""

    def __init__(self, *, quarters_only: bool = False, **kwargs):
        self.quarters_only = quarters_only
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("min_length", 4)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            period = Period.parse(text)
        except Exception as error:  # Period.parse raises a Django ValidationError
            raise serializers.ValidationError(" ".join(getattr(error, "messages", [str(error)])), code="invalid_period")
        if self.quarters_only and period.kind != QUARTER:
            raise serializers.ValidationError(f"“{text}” is not a quarter: write it as 2019Q2.", code="invalid_period")
        return period

    def run_validators(self, value):
        # Note: the length validators measure the text; to_internal_value has made it a Period.
        super().run_validators(str(value) if isinstance(value, Period) else value)

    def to_representation(self, value):
        return str(value)


extend_schema_field({"type": "string", "pattern": PATTERN, "example": "2019Q2"})(PeriodField)


class QuarterSerializerField(PeriodField):
    def __init__(self, **kwargs):
        super().__init__(quarters_only=True, **kwargs)


extend_schema_field({"type": "string", "pattern": QUARTER_PATTERN, "example": "2019Q2"})(QuarterSerializerField)


def non_empty(**kwargs) -> serializers.CharField:
    # Note: whitespace alone is refused as blank already; the validator puts that into the schema.
    return serializers.CharField(min_length=1, allow_blank=False, trim_whitespace=True,
                                 validators=[RegexValidator(r"\S")], **kwargs)


class UnitCodeField(serializers.SlugRelatedField):
    """A unit named by its official code (the unit valid today, or else the latest with that code)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", AdministrativeUnit.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.isdigit():
            self.fail("invalid")
        unit = unit_for_code(data)
        request = self.context.get("request")
        # Note: a unit outside the user's area is answered like a code that does not exist.
        if unit is None or (request is not None and not scope_of(request.user).sees(unit)):
            self.fail("does_not_exist", slug_name="code", value=data)
        return unit


extend_schema_field({"type": "string", "pattern": CODE_PATTERN, "example": "100"})(UnitCodeField)


def unit_for_code(code: str, day: datetime.date | None = None) -> AdministrativeUnit | None:
    """The unit with ``code`` on ``day`` (default today), else the latest unit with that code."""
    units = list(AdministrativeUnit.objects.with_code(code))
    day = day or timezone.localdate()
    return next((unit for unit in units if unit.is_active_on(day)), units[0] if units else None)


class SourceFieldsMixin(serializers.Serializer):
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    source_location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField(help_text="province, district or commune")


def _placement_on(obj, day: datetime.date):
    """The placement valid on ``day``, else the latest one (from prefetched placements)."""
    placements = sorted(obj.placements.all(), key=lambda p: p.valid_from or datetime.date.min)
    return next((p for p in placements if p.is_active_on(day)), placements[-1] if placements else None)


# ---------------------------------------------------------------------------------------
# Units


class UnitSerializer(serializers.ModelSerializer):
    level = serializers.ChoiceField(choices=Level.choices)
    parent = serializers.SerializerMethodField(help_text="Code of the parent unit today (or when the unit last existed).")
    path = serializers.SerializerMethodField(help_text="Codes from the province down to this unit.")

    class Meta:
        model = AdministrativeUnit
        fields = ["code", "name", "kind", "level", "parent", "path", "valid_from", "valid_to", "source_url", "source_location", "note"]

    def _placement(self, unit):
        return _placement_on(unit, self.context.get("day") or timezone.localdate())

    def get_parent(self, unit) -> str | None:
        placement = self._placement(unit)
        return placement.parent.code if placement and placement.parent else None

    def get_path(self, unit) -> str:
        placement = self._placement(unit)
        return placement.path if placement else ""


class UnitCreateSerializer(SourceFieldsMixin):
    code = serializers.RegexField(CODE_PATTERN, help_text="Official code: 2 digits for a province, 3 for a district, 5 for a commune.")
    name = non_empty(max_length=200)
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    parent = UnitCodeField(required=False, allow_null=True, default=None)
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)


class UnitUpdateSerializer(SourceFieldsMixin):
    name = non_empty(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False)
    valid_to = serializers.DateField(required=False, help_text="Close the unit from this day (its villages must have moved).")
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    source_location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


# ---------------------------------------------------------------------------------------
# Villages


class VillageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    unit = serializers.SerializerMethodField(help_text="The unit the village belongs to today (or when it last existed).")
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    source_url = serializers.CharField()
    source_location = serializers.CharField()
    note = serializers.CharField()

    @extend_schema_field(UnitRefSerializer(allow_null=True))
    def get_unit(self, village):
        placement = _placement_on(village, self.context.get("day") or timezone.localdate())
        return progress.unit_ref(placement.unit) if placement else None


class VillageCreateSerializer(SourceFieldsMixin):
    name = non_empty(max_length=200)
    unit = UnitCodeField(help_text="Code of the commune (or district) the village belongs to.")
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)


class VillageUpdateSerializer(SourceFieldsMixin):
    name = non_empty(max_length=200, required=False)
    valid_to = serializers.DateField(required=False, help_text="Close the village from this day; its history stays.")
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    source_location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


# ---------------------------------------------------------------------------------------
# Cells


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
    founded_on = serializers.DateField(required=False, allow_null=True, default=None)
    villages = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=100)


class PartyCellUpdateSerializer(serializers.Serializer):
    name = non_empty(max_length=200, required=False)
    dissolved_on = serializers.DateField(required=False, help_text="Dissolve the cell from this day.")


# ---------------------------------------------------------------------------------------
# Reports


class QuarterReportListSerializer(serializers.ListSerializer):
    """A page of reports: the approval state of all of them is read at once (two queries)."""

    def to_representation(self, data):
        reports = list(data.all() if hasattr(data, "all") else data)
        self._context["approvals"] = approvals.standings_for_reports(reports)
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

    def _standing(self, report) -> approvals.Standing:
        standings = self.context.get("approvals") or {}
        if report.pk in standings:
            return standings[report.pk]
        # One report read alone: its own two queries, once.
        cache = self.__dict__.setdefault("_standings", {})
        if report.pk not in cache:
            cache.update(approvals.standings_for_reports([report]))
        return cache[report.pk]

    def get_locked(self, report) -> bool:
        return self._standing(report).locked

    @extend_schema_field(serializers.ChoiceField(choices=ApprovalState.choices))
    def get_approval(self, report) -> str:
        return self._standing(report).state


def count_field(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, allow_null=True, default=None, help_text=help_text)


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


# ---------------------------------------------------------------------------------------
# Reported figures and goals


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


# ---------------------------------------------------------------------------------------
# Figures


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


# ---------------------------------------------------------------------------------------
# Reorganisations


class ReorganisationSerializer(serializers.ModelSerializer):
    subject = UnitCodeField(read_only=True, allow_null=True)
    predecessors = UnitCodeField(many=True, read_only=True)
    successors = UnitCodeField(many=True, read_only=True)
    villages_moved = serializers.IntegerField(read_only=True)

    class Meta:
        model = Reorganisation
        fields = ["id", "kind", "effective_on", "description", "subject", "predecessors", "successors",
                  "villages_moved", "source_url", "source_location", "note", "created_at"]


class EventBaseSerializer(SourceFieldsMixin):
    on = serializers.DateField(help_text="The day the change takes effect: the first day of the new map.")


class NewUnitSerializer(serializers.Serializer):
    code = serializers.RegexField(CODE_PATTERN, help_text="Official code of the new unit.")
    name = non_empty(max_length=200)
    kind = serializers.ChoiceField(choices=UnitKind.choices)


class EstablishSerializer(EventBaseSerializer, NewUnitSerializer):
    level = serializers.ChoiceField(choices=Level.choices)
    parent = UnitCodeField(allow_null=True, help_text="Code of the parent unit; empty for a province.")


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
    level = serializers.ChoiceField(choices=Level.choices, help_text="The level abolished (2: districts).")


# ---------------------------------------------------------------------------------------
# Audit trail

AUDIT_ACTIONS = ["created", "changed", "deleted"]


class FieldChangeSerializer(serializers.Serializer):
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When the change was saved.")
    user = serializers.CharField(allow_null=True, help_text="Who saved it (empty for a command run without a user).")
    path = serializers.ChoiceField(choices=AuditPath.choices, help_text="Through which path the change came.")
    action = serializers.ChoiceField(choices=AUDIT_ACTIONS)
    changes = serializers.DictField(child=FieldChangeSerializer(), help_text="Each field changed, before and after.")


# ---------------------------------------------------------------------------------------
# Sign-in


class SignInSerializer(serializers.Serializer):
    username = non_empty(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    created = serializers.DateTimeField()


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    unit = UnitRefSerializer()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    superuser = serializers.BooleanField(help_text="Sees and changes everything.")
    roles = RoleSerializer(many=True, help_text="Each role covers the unit and everything under it.")


# ---------------------------------------------------------------------------------------
# Approvals


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
    reason = non_empty(max_length=approvals.REASON_MAX_LENGTH, help_text="Why: kept in the quarter's history.")


class NoBodySerializer(serializers.Serializer):
    """A request that takes no field (an empty JSON object, or no body)."""
