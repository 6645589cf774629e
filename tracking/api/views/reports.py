"""Quarterly village reports, one at a time (a unit's whole quarter at once: ``units``)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from ... import selectors, services
from ...models import QuarterReport
from .. import examples
from ..examples import ID_PARAM
from ..filters import QuarterReportFilter
from ..parsing import validated
from ..serializers.reports import (
    QuarterReportCreateSerializer,
    QuarterReportSerializer,
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
