"""Quarterly village reports, one at a time (a unit's whole quarter at once: ``units``), and a
quarter's reports loaded from CSV text."""
from __future__ import annotations

from django.utils.translation import gettext as _
import io

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.views import APIView
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ... import selectors, services
from ...models import QuarterReport
from ...periods import QUARTER_PATTERN
from ...services import imports
from .. import examples
from ..examples import ID_PARAM
from ..filters import QuarterReportFilter
from ..parsing import DryRunSerializer, only_params, parse_period, validated
from ..serializers.reports import (
    QuarterReportCreateSerializer,
    QuarterReportSerializer,
    ReportImportResultSerializer,
    ReportImportSerializer,
    ReportValuesSerializer,
)
from .base import ServiceViewSet


@extend_schema_view(
    list=extend_schema(summary="List quarterly village reports", operation_id="reports_list", examples=[examples.REPORT]),
    retrieve=extend_schema(summary="Read a report", operation_id="reports_retrieve", parameters=[ID_PARAM], examples=[examples.REPORT]),
    create=extend_schema(summary="Report one village for one quarter", operation_id="reports_create",
                         request=QuarterReportCreateSerializer, responses={201: QuarterReportSerializer},
                         description="409 if the village already has a report for the quarter: change that one instead.",
                         examples=[OpenApiExample("Counts", request_only=True, value={
                             "village": 6, "quarter": "2019Q2", "full_members": 3, "probationary_members": 1,
                             "admissions": 1, "ethnic_minority_members": 4, "candidates": 2, "cell": 1}),
                             OpenApiExample("Status only", request_only=True, value={
                                 "village": 6, "quarter": "2008Q4", "status": "no_member",
                                 "source_url": "https://example.org/report", "source_location": "table 2"})]),
    partial_update=extend_schema(summary="Change a report", operation_id="reports_update", parameters=[ID_PARAM],
                                 request=ReportValuesSerializer, responses={200: QuarterReportSerializer},
                                 description="The fields sent replace those of the report; the village and quarter stay.",
                                 examples=[OpenApiExample("Correct a count", request_only=True, value={"admissions": 0})]),
    destroy=extend_schema(summary="Delete a report", operation_id="reports_delete", parameters=[ID_PARAM],
                          examples=[OpenApiExample("Huổi Chổn, 2019Q4", value=13, parameter_only=("id", "path"))]),
)
@extend_schema(tags=["reports"])
class QuarterReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = QuarterReportSerializer
    filterset_class = QuarterReportFilter
    ordering_fields = ["quarter", "village", "id"]
    ordering = ["-quarter", "village", "id"]
    queryset = QuarterReport.objects.all()

    def create(self, request):
        data = validated(QuarterReportCreateSerializer, request.data, context={"request": request})
        village = selectors.village_by_id(by=request.user, pk=data.pop("village"), field="village")
        result = services.quarter_report_create(by=request.user, village=village, **data)
        return Response(QuarterReportSerializer(result.report).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        given = set(request.data) if isinstance(request.data, dict) else set()
        data = validated(ReportValuesSerializer, request.data, context={"request": request}, partial=True)
        result = services.quarter_report_update(by=request.user, report=self.get_object(),
                                                **{name: data[name] for name in given if name in data})
        return Response(QuarterReportSerializer(result.report).data)


class ReportImportView(APIView):
    """``PUT /report-imports/{quarter}/``: a quarter's reports from CSV text (``services.imports``).

    Note: not under ``/reports/``, where ``reports/import/{quarter}/`` and ``reports/{id}/history/``
    were one path to a router (and to Redocly's ``no-ambiguous-paths``).
    """

    @extend_schema(
        summary="Load a quarter's reports from a CSV file", operation_id="reports_import", tags=["reports"],
        description="The reports of any villages of your editor area, one CSV line a village named by its key "
        "(`village_key`, see the villages' `key`). The same rules as every write; all or nothing: every error "
        "is named by its line and column (`rows.3.admissions`, the header being line 1); an approved quarter is "
        "refused (409 `locked`, each locked line named). `dry_run=true` checks every line and saves nothing. "
        "Bodies up to 1 MB; a larger file goes through `manage.py import_reports`.",
        parameters=[OpenApiParameter("quarter", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=QUARTER_PATTERN,
                                     description="The quarter, e.g. 2019Q3."),
                    OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Check only; save nothing.")],
        request=ReportImportSerializer, responses=ReportImportResultSerializer, filters=False,
        examples=[OpenApiExample("Two villages", request_only=True, value={
            "csv": "village_key,full_members,probationary_members,admissions\n03317-0001,3,1,1\n03316-0001,0,0,\n"}),
            OpenApiExample("2019Q3", value="2019Q3", parameter_only=("quarter", "path")),
            OpenApiExample("Loaded", response_only=True, value={
                "quarter": "2019Q3", "dry_run": False, "rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                "empty": 0})],
    )
    def put(self, request, quarter=None):
        only_params(request, "dry_run")
        period = parse_period("quarter", quarter)
        if period.kind != "quarter":
            raise ValidationError({"quarter": [_("“%(value)s” is not a quarter: write it as 2019Q2.") % {"value": quarter}]},
                                  code="invalid_period")
        dry_run = validated(DryRunSerializer, request.query_params.dict(), strict=False)["dry_run"]
        text = validated(ReportImportSerializer, request.data)["csv"]
        rows = imports.read_csv(io.StringIO(text, newline=""))
        return Response(imports.reports_import(by=request.user, quarter=period, rows=rows, dry_run=dry_run))


@extend_schema_view(put=extend_schema(exclude=True))
class FormerReportImportView(ReportImportView):
    """The import's former path, ``PUT /reports/import/{quarter}/``: deprecated, answered as before
    for the clients that use it, and left out of the schema."""
