"""Party cells: founded (with the villages they serve), renamed, dissolved or deleted."""
from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from ... import selectors, services
from ...models import CellCoverage, PartyCell
from .. import examples
from ..examples import ID_PARAM
from ..filters import PartyCellFilter
from ..parsing import validated
from ..serializers.cells import (
    PartyCellCreateSerializer,
    PartyCellSerializer,
    PartyCellUpdateSerializer,
)
from .base import ServiceViewSet


@extend_schema_view(
    list=extend_schema(summary="List party cells", operation_id="cells_list", examples=[examples.CELL]),
    retrieve=extend_schema(summary="Read a party cell", operation_id="cells_retrieve", parameters=[ID_PARAM], examples=[examples.CELL]),
    create=extend_schema(summary="Found a party cell", operation_id="cells_create", request=PartyCellCreateSerializer,
                         responses={201: PartyCellSerializer},
                         examples=[OpenApiExample("A merged cell", request_only=True, value={
                             "name": "Chi bộ ghép bản A - bản B", "founded_on": "2019-03-01", "villages": [6, 7]})]),
    partial_update=extend_schema(summary="Rename or dissolve a party cell", operation_id="cells_update", parameters=[ID_PARAM],
                                 request=PartyCellUpdateSerializer, responses={200: PartyCellSerializer},
                                 examples=[OpenApiExample("Dissolve", request_only=True, value={"dissolved_on": "2020-01-01"})]),
    destroy=extend_schema(summary="Delete a cell entered by mistake", operation_id="cells_delete", parameters=[ID_PARAM],
                          description="Only a cell no report names; otherwise dissolve it (409).",
                          examples=[OpenApiExample("Chi bộ bản Huổi Chổn", value=1, parameter_only=("id", "path"))]),
)
@extend_schema(tags=["cells"])
class PartyCellViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = PartyCellSerializer
    filterset_class = PartyCellFilter
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]
    queryset = PartyCell.objects.prefetch_related(Prefetch("coverage", queryset=CellCoverage.objects.all()))

    def create(self, request):
        data = validated(PartyCellCreateSerializer, request.data, context={"request": request})
        by = request.user
        organisation = None
        if data["organisation"] is not None:
            organisation = selectors.organisation_by_id(by=by, pk=data["organisation"], field="organisation")
        villages = selectors.villages_by_ids(by=by, ids=data["villages"], field="villages")
        cell = services.cell_create(
            by=by, name=data["name"], organisation=organisation, founded_on=data["founded_on"],
            villages=[villages[pk] for pk in data["villages"]],
            source_url=data["source_url"], source_location=data["source_location"], note=data["note"],
        )
        return Response(PartyCellSerializer(self.get_queryset().get(pk=cell.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = validated(PartyCellUpdateSerializer, request.data, context={"request": request})
        cell = services.cell_update(by=request.user, cell=self.get_object(), **data)
        return Response(PartyCellSerializer(self.get_queryset().get(pk=cell.pk)).data)
