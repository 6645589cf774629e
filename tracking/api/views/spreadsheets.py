"""``/units/{code}/spreadsheets/``: a unit's quarter as a spreadsheet to fill in (XLSX or CSV), the
same file loaded back (multipart), and the figures of its children quarter by quarter as a file.

Thin, as the other views: what the files hold is ``selectors.spreadsheets``', what a file loaded
writes is ``services.spreadsheets``' (the one import of reports, with its rules).
"""
from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import parsers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from ... import progress
from ...periods import QUARTER
from ...selectors import spreadsheets as sheets
from ...services import imports
from ...services.spreadsheets import quarter_spreadsheet_load
from ..errors import RequestTooLarge
from ..examples import CODE_PARAM, QUARTER_PARAM, period_param
from ..parsing import DryRunSerializer, only_params, parse_period, validated
from ..serializers.spreadsheets import SpreadsheetResultSerializer, SpreadsheetUploadSerializer

FORMAT_PARAM = OpenApiParameter("file_format", OpenApiTypes.STR, enum=list(sheets.FILE_FORMATS),
                                description="xlsx (default): an Excel workbook; csv: CSV in UTF-8.")
DISPOSITION = OpenApiParameter("Content-Disposition", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200],
                               description='attachment; filename="03317-2019Q3.xlsx"')
_EXAMPLES = [
    OpenApiExample("Nà Nhạn", value="03317", parameter_only=("code", "path")),
    OpenApiExample("2019Q3", value="2019Q3", parameter_only=("quarter", "path")),
]
# Room for the multipart framing around a file of the largest size read.
MAX_UPLOAD_BODY = imports.MAX_FILE_BYTES + 64_000


def _file_responses(what: str) -> dict:
    described = OpenApiResponse(OpenApiTypes.BINARY, description=f"{what} (XLSX or CSV).")
    return {(200, sheets.MEDIA_TYPES[file_format]): described for file_format in sheets.FILE_FORMATS}


class SpreadsheetParser(parsers.MultiPartParser):
    """A multipart body carrying one file of at most ``imports.MAX_FILE_BYTES``: a larger body is
    refused (413) before it is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > MAX_UPLOAD_BODY:
            raise RequestTooLarge(_("The body has %(length)s bytes; at most %(limit)s are accepted.")
                                  % {"length": length, "limit": MAX_UPLOAD_BODY})
        return super().parse(stream, media_type, parser_context)


def _file_format(request) -> str:
    value = request.query_params.get("file_format", sheets.XLSX)
    if value not in sheets.FILE_FORMATS:
        raise ValidationError({"file_format": [_("Write xlsx or csv.")]}, code="invalid_choice")
    return value


def _file(sheet: sheets.Sheet, file_format: str) -> HttpResponse:
    content, media_type, name = sheets.sheet_file(sheet, file_format)
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@extend_schema(tags=["reports"])
class UnitSpreadsheetViewSet(viewsets.GenericViewSet):
    """A unit's quarter as a file, and back; its children's figures as a file."""

    lookup_field = "quarter"
    lookup_value_regex = "[^/]+"
    parser_classes = [SpreadsheetParser]
    filterset_class = None
    ordering = None
    pagination_class = None

    def get_object(self):
        # Note: a spreadsheet is made for the asking, not a stored record; OPTIONS, describing
        # the PUT, asks for one and leaves the description of its body out.
        raise NotFound()

    def perform_content_negotiation(self, request, force=False):
        # Note: a file is the answer whatever the Accept header asks for; an error is JSON.
        return super().perform_content_negotiation(request, force=True)

    def _quarter(self):
        text = self.kwargs["quarter"]
        quarter = parse_period("quarter", text)
        if quarter.kind != QUARTER:
            raise ValidationError({"quarter": [_("“%(value)s” is not a quarter: write it as 2019Q2.") % {"value": text}]},
                                  code="invalid_period")
        return quarter

    @extend_schema(
        summary="A unit's quarter as a spreadsheet to fill in", operation_id="units_spreadsheets_retrieve",
        description="One row per village under the unit on the quarter's last day: its key (`village_key`), "
        "its commune and name, the quarter's report in the columns a committee fills in (empty where the "
        "village has none yet), and beside them its latest report at or before the quarter (`last report: …`: "
        "which quarter, and its values). Fill it in and load it back with PUT. Headers are in the language "
        "asked for (`Accept-Language`); the village key stays `village_key`.",
        parameters=[CODE_PARAM, QUARTER_PARAM, FORMAT_PARAM, DISPOSITION], responses=_file_responses("The spreadsheet"),
        filters=False, examples=_EXAMPLES,
    )
    def retrieve(self, request, code=None, quarter=None):
        only_params(request, "file_format")
        file_format = _file_format(request)
        return _file(sheets.quarter_template(by=request.user, code=code, quarter=self._quarter()), file_format)

    @extend_schema(
        summary="Load a unit's quarter from a spreadsheet", operation_id="units_spreadsheets_load",
        description="The spreadsheet of GET, filled in (or any file of reports), as a multipart upload in `file`: "
        "an Excel workbook (.xlsx) or a CSV file in UTF-8. The same rules as every write, all or nothing: every "
        "error is named by its row and column (`rows.3.admissions`, the header being row 1); a village not under "
        "the unit on the quarter's last day, or outside your editor area, is an error; an approved quarter is "
        "refused (409 `locked`, each locked row named). A row that gives only the village's key writes nothing "
        "(`empty`). `dry_run=true` checks every row and saves nothing: send it first, then the same file "
        "without it.",
        parameters=[CODE_PARAM, QUARTER_PARAM,
                    OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Check only; save nothing.")],
        request={"multipart/form-data": SpreadsheetUploadSerializer}, responses=SpreadsheetResultSerializer,
        filters=False,
        examples=[*_EXAMPLES, OpenApiExample("Checked", response_only=True, value={
            "unit": {"code": "03317", "name": "Nà Nhạn", "current_name": "Nà Nhạn", "level": "commune"}, "file_format": "xlsx",
            "quarter": "2019Q3", "dry_run": True, "rows": 2, "created": 1, "updated": 0, "unchanged": 0, "empty": 1})],
    )
    def update(self, request, code=None, quarter=None):
        only_params(request, "dry_run")
        quarter = self._quarter()
        dry_run = validated(DryRunSerializer, request.query_params.dict(), strict=False)["dry_run"]
        upload = validated(SpreadsheetUploadSerializer, request.data)["file"]
        outcome = quarter_spreadsheet_load(by=request.user, code=code, quarter=quarter, file_name=upload.name,
                                           content=upload.read(imports.MAX_FILE_BYTES + 1), dry_run=dry_run)
        return Response(SpreadsheetResultSerializer({**outcome, "unit": progress.unit_ref(outcome["unit"], quarter.end)}).data)

    @extend_schema(
        summary="The figures of a unit's children as a spreadsheet", operation_id="units_spreadsheets_children_figures",
        tags=["figures"],
        description="One row per unit directly under this one and quarter, from `from` to `to`, each child on "
        "that quarter's map: the figures `GET /api/v1/units/{code}/progress/?period=…` gives for that child and "
        "quarter (computed from village reports, carry-forward included), and where its quarter stands "
        "(draft, submitted, approved). Only the quarters when the unit lay in your area.",
        parameters=[CODE_PARAM, period_param("from", "First quarter (default: three quarters before `to`)."),
                    period_param("to", "Last quarter (default: the latest quarter with data)."), FORMAT_PARAM,
                    DISPOSITION],
        responses=_file_responses("The figures"), filters=False,
        examples=[OpenApiExample("Huyện Điện Biên", value="100", parameter_only=("code", "path"))],
    )
    @action(detail=False, methods=["get"], url_path="children-figures")
    def children_figures(self, request, code=None):
        only_params(request, "from", "to", "file_format")
        file_format = _file_format(request)
        first = parse_period("from", request.query_params.get("from"))
        last = parse_period("to", request.query_params.get("to"))
        return _file(sheets.children_figures(by=request.user, code=code, first=first, last=last), file_format)
