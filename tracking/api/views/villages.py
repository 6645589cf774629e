"""Villages: read, created, renamed, closed or deleted by id."""
from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from ... import services
from ...models import Village, VillagePlacement, names_prefetch
from .. import examples
from ..examples import ID_PARAM
from ..filters import VillageFilter
from ..parsing import validated
from ..serializers.villages import (
    VillageCreateSerializer,
    VillageSerializer,
    VillageUpdateSerializer,
)
from .base import ServiceViewSet


@extend_schema_view(
    list=extend_schema(summary="List villages", operation_id="villages_list", examples=[examples.VILLAGE]),
    retrieve=extend_schema(summary="Read a village", operation_id="villages_retrieve", parameters=[ID_PARAM], examples=[examples.VILLAGE]),
    create=extend_schema(summary="Create a village", operation_id="villages_create", request=VillageCreateSerializer,
                         responses={201: VillageSerializer},
                         examples=[OpenApiExample("A village", request_only=True, value={"name": "Huổi Chổn", "unit": "03317"})]),
    partial_update=extend_schema(summary="Rename or close a village", operation_id="villages_update", parameters=[ID_PARAM],
                                 request=VillageUpdateSerializer, responses={200: VillageSerializer},
                                 examples=[OpenApiExample("Close", request_only=True, value={"valid_to": "2025-07-01"})]),
    destroy=extend_schema(summary="Delete a village entered by mistake", operation_id="villages_delete", parameters=[ID_PARAM],
                          description="Only a village without reports; one with history is closed with `valid_to` instead (409).",
                          examples=[OpenApiExample("Huổi Chổn", value=6, parameter_only=("id", "path"))]),
)
@extend_schema(tags=["villages"])
class VillageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = VillageSerializer
    filterset_class = VillageFilter
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]
    queryset = Village.objects.prefetch_related(Prefetch(
        "placements", queryset=VillagePlacement.objects.select_related("unit").prefetch_related(names_prefetch("unit__"))))

    def create(self, request):
        data = validated(VillageCreateSerializer, request.data, context={"request": request})
        village = services.village_create(by=request.user, **data)
        return Response(VillageSerializer(self.get_queryset().get(pk=village.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = validated(VillageUpdateSerializer, request.data, context={"request": request})
        village = services.village_update(by=request.user, village=self.get_object(), **data)
        return Response(VillageSerializer(self.get_queryset().get(pk=village.pk)).data)
