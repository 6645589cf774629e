"""What the serializers share: the text forms of periods and unit codes, the source fields of a
record, a unit as others refer to it, and the choice lists the schema names as enums
(``ENUM_NAME_OVERRIDES``). Writes are validated for type and form only; every domain rule is the
services' (the API adds no rule of its own)."""
from __future__ import annotations

import datetime
import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import progress, selectors
from ...errors import NotFound
from ...models import UNIT_CODE_REGEX, AdministrativeUnit, Level
from ...periods import PATTERN, QUARTER, QUARTER_PATTERN, Period

GOAL_STATUSES = [progress.ACHIEVED, progress.ON_TRACK, progress.AT_RISK, progress.OVERDUE, progress.STALE, progress.NO_DATA]
FIGURE_SOURCES = [progress.VILLAGE_REPORTS, progress.REPORTED_FIGURE, progress.DERIVED_FROM_REPORTED]
SITUATIONS = [progress.BLANK, progress.HAS_MEMBERS, progress.OWN_CELL, progress.MERGED_CELL, progress.NO_REPORT]
CODE_PATTERN = rf"^({UNIT_CODE_REGEX})$"  # official codes, and the nation's: VN
BOUNDARY_CHOICES = [progress.HISTORICAL, progress.CURRENT]
LEVEL_CHOICES = [(level.word, level.label) for level in Level]
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
            raise serializers.ValidationError(_("“%(value)s” is not a quarter: write it as 2019Q2.") % {"value": text},
                                              code="invalid_period")
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
        if not isinstance(data, str) or not re.fullmatch(CODE_PATTERN, data):
            self.fail("invalid")
        request = self.context.get("request")
        try:  # a unit outside the user's area reads like a code that does not exist
            return selectors.unit_by_code(by=getattr(request, "user", None), code=data)
        except NotFound:
            self.fail("does_not_exist", slug_name="code", value=data)


extend_schema_field({"type": "string", "pattern": CODE_PATTERN, "example": "100"})(UnitCodeField)


class SourceFieldsMixin(serializers.Serializer):
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    source_location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class LevelField(serializers.ChoiceField):
    """A level by its word (``district``), the one form the API reads and writes; the database
    keeps ``Level``'s number, which orders the levels from the nation down."""

    def __init__(self, **kwargs):
        super().__init__(choices=LEVEL_CHOICES, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and data in Level.values:
            # Note: the API took the levels' numbers before: name the word that replaces one.
            raise serializers.ValidationError(
                _("Write the level as a word: “%(word)s”, not %(number)s.") % {"word": Level(data).word, "number": data},
                code="invalid_choice")
        return Level[super().to_internal_value(data).upper()]

    def to_representation(self, value):
        return Level(value).word


class UnitRefSerializer(serializers.Serializer):
    """A unit as other records refer to it (``models.unit_ref``)."""

    code = serializers.CharField()
    name = serializers.CharField(help_text="Its name in the period or on the day the record speaks of.")
    current_name = serializers.CharField(help_text="Its name today: the same unless the unit was renamed since.")
    level = serializers.ChoiceField(choices=LEVEL_CHOICES)


def placement_on(obj, day: datetime.date):
    """The placement valid on ``day``, else the latest one (from prefetched placements)."""
    placements = sorted(obj.placements.all(), key=lambda p: p.valid_from or datetime.date.min)
    return next((p for p in placements if p.is_active_on(day)), placements[-1] if placements else None)
