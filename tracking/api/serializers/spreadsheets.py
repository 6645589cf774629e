"""JSON shapes of a unit's quarter loaded from a spreadsheet (the files themselves are binary)."""
from __future__ import annotations

from rest_framework import serializers

from ...selectors.spreadsheets import FILE_FORMATS
from ...services.imports import MAX_FILE_BYTES
from .common import UnitRefSerializer
from .reports import ReportImportResultSerializer


class SpreadsheetUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=False, max_length=200,
        help_text="The quarter's spreadsheet: an Excel workbook (.xlsx, its first worksheet) or a CSV file in "
        f"UTF-8 (.csv), at most {MAX_FILE_BYTES:,} bytes. Its first row names the columns: `village_key` "
        "(required) and any of the template's columns, by their names in the template or by `full_members`, "
        "`probationary_members`, `admissions`, `ethnic_minority_members`, `candidates`, `status`, `cell`, "
        "`source_url`, `source_location`, `note`; then one row a village. Values, not formulas.",
    )


class SpreadsheetResultSerializer(ReportImportResultSerializer):
    unit = UnitRefSerializer()
    file_format = serializers.ChoiceField(FILE_FORMATS, help_text="How the file was read.")
