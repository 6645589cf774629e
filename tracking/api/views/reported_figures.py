"""Reported figures: the figures of cited documents, recorded, corrected or deleted."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from ... import selectors, services
from ...models import ReportedFigure
from .. import examples
from ..examples import ID_PARAM
from ..filters import ReportedFigureFilter
from ..parsing import validated
from ..serializers.reported_figures import (
    ReportedFigureSerializer,
    ReportedFigureWriteSerializer,
)
from .base import ServiceViewSet


@extend_schema_view(
    list=extend_schema(summary="List reported figures", operation_id="reported_figures_list", examples=[examples.REPORTED_FIGURE]),
    retrieve=extend_schema(summary="Read a reported figure", operation_id="reported_figures_retrieve", parameters=[ID_PARAM],
                           examples=[examples.REPORTED_FIGURE]),
    create=extend_schema(summary="Record a figure from a document", operation_id="reported_figures_create",
                         request=ReportedFigureWriteSerializer, responses={201: ReportedFigureSerializer},
                         examples=[OpenApiExample("2008 baseline", request_only=True, value={
                             "unit": "11", "period": "2008", "metric": "blank_villages", "value": 134,
                             "source_url": "https://example.org/article", "source_location": "paragraph 3"})]),
    partial_update=extend_schema(summary="Correct a reported figure", operation_id="reported_figures_update", parameters=[ID_PARAM],
                                 request=ReportedFigureWriteSerializer(partial=True), responses={200: ReportedFigureSerializer},
                                 examples=[OpenApiExample("Value", request_only=True, value={"value": 135})]),
    destroy=extend_schema(summary="Delete a reported figure", operation_id="reported_figures_delete", parameters=[ID_PARAM],
                          examples=[OpenApiExample("134 blank villages in 2008", value=2, parameter_only=("id", "path"))]),
)
@extend_schema(tags=["reported-figures"])
class ReportedFigureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = ReportedFigureSerializer
    filterset_class = ReportedFigureFilter
    ordering_fields = ["id", "period", "metric"]
    ordering = ["id"]
    queryset = ReportedFigure.objects.select_related("unit").prefetch_related("combined_with")

    def _save(self, figure, data):
        for name in ("unit", "period", "since", "metric", "value", "source_url", "source_location", "note"):
            if name in data:
                setattr(figure, name, data[name])
        combined = None
        if "combined_with" in data:
            combined = selectors.units_by_codes(by=self.request.user, codes=data["combined_with"], field="combined_with")
        figure = services.reported_figure_save(by=self.request.user, figure=figure, combined_with=combined)
        return ReportedFigureSerializer(self.get_queryset().get(pk=figure.pk)).data

    def create(self, request):
        return Response(self._save(ReportedFigure(), validated(ReportedFigureWriteSerializer, request.data, context={"request": request})), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = validated(ReportedFigureWriteSerializer, request.data, context={"request": request}, partial=True)
        return Response(self._save(self.get_object(), data))
