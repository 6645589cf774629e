"""Reorganisations: changes of the map, each kind by its own POST, never edited or deleted."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ... import selectors
from ...models import Reorganisation
from ...services import reorganisations
from .. import examples
from ..examples import ID_PARAM
from ..filters import ReorganisationFilter
from ..parsing import validated
from ..serializers.reorganisations import (
    AbolishLevelSerializer,
    EstablishSerializer,
    MergeSerializer,
    RenameSerializer,
    ReorganisationSerializer,
    SplitSerializer,
    TransferSerializer,
)
from .base import InAreaMixin


def _sources(data: dict) -> dict:
    return {name: data[name] for name in ("source_url", "source_location", "note")}


def _event_schema(summary: str, operation_id: str, request, example: dict, answer=examples.REORGANISATION, **more):
    return extend_schema(
        summary=summary, operation_id=operation_id, request=request, responses={201: ReorganisationSerializer},
        filters=False, examples=[OpenApiExample(summary, request_only=True, value=example), answer], **more,
    )


@extend_schema_view(
    list=extend_schema(summary="List reorganisations", operation_id="reorganisations_list",
                       examples=[examples.REORGANISATION, examples.RENAMING]),
    retrieve=extend_schema(summary="Read a reorganisation", operation_id="reorganisations_retrieve", parameters=[ID_PARAM],
                           examples=[examples.REORGANISATION]),
)
@extend_schema(tags=["reorganisations"])
class ReorganisationViewSet(InAreaMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Changes of the map. Each kind has its own POST; a change is never edited or deleted
    (record the reverse change instead), so the history of every figure stays explainable."""

    serializer_class = ReorganisationSerializer
    filterset_class = ReorganisationFilter
    ordering_fields = ["effective_on", "id"]
    ordering = ["effective_on", "id"]
    queryset = Reorganisation.objects.select_related("subject").prefetch_related("predecessors", "successors")

    def _created(self, event):
        return Response(ReorganisationSerializer(self.get_queryset().get(pk=event.pk)).data, status=status.HTTP_201_CREATED)

    @_event_schema("Establish a unit", "reorganisations_establish", EstablishSerializer,
                   {"on": "2012-08-25", "code": "103", "name": "Nậm Pồ", "kind": "huyen", "level": "district", "parent": "11"})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def establish(self, request):
        data = validated(EstablishSerializer, request.data, context={"request": request})
        unit = reorganisations.unit_establish(by=request.user, on=data["on"], code=data["code"], name=data["name"], kind=data["kind"],
                                              level=data["level"], parent=data["parent"], **_sources(data))
        return self._created(unit.reorganisations_as_subject.latest("id"))

    @_event_schema("Rename a unit", "reorganisations_rename", RenameSerializer,
                   {"on": "2025-07-01", "unit": "03328", "name": "Thanh Nưa"}, answer=examples.RENAMING,
                   description="The unit takes the new name from `on`; the event keeps its former name "
                   "(`former_name`), by which figures, lists, exports and events of earlier days name it "
                   "(with today's name beside it, `current_name`). Renamings of a unit are recorded in date "
                   "order. To correct the spelling of the current name, `PATCH /api/v1/units/{code}/` instead.")
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def rename(self, request):
        data = validated(RenameSerializer, request.data, context={"request": request})
        return self._created(reorganisations.unit_rename(by=request.user, unit=data["unit"], name=data["name"], on=data["on"], **_sources(data)))

    @_event_schema("Move a unit to another parent", "reorganisations_transfer", TransferSerializer,
                   {"on": "2020-01-01", "unit": "03317", "parent": "094"})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def transfer(self, request):
        data = validated(TransferSerializer, request.data, context={"request": request})
        return self._created(reorganisations.unit_transfer(by=request.user, unit=data["unit"], parent=data["parent"], on=data["on"], **_sources(data)))

    @_event_schema("Split a unit", "reorganisations_split", SplitSerializer,
                   {"on": "2012-08-25", "unit": "096", "parts": [{"code": "103", "name": "Nậm Pồ", "kind": "huyen", "units": ["03181"]}]})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def split(self, request):
        data = validated(SplitSerializer, request.data, context={"request": request})
        by = request.user
        parts = []
        for index, part in enumerate(data["parts"]):
            villages = selectors.villages_by_ids(by=by, ids=part["villages"], field=f"parts.{index}.villages")
            units = selectors.units_by_codes(by=by, codes=part["units"], field=f"parts.{index}.units")
            parts.append({**part, "units": units, "villages": [villages[pk] for pk in part["villages"]]})
        event = reorganisations.unit_split(by=by, unit=data["unit"], on=data["on"], parts=parts,
                                           close_original=data["close_original"], **_sources(data))
        return self._created(event)

    @_event_schema("Merge units", "reorganisations_merge", MergeSerializer,
                   {"on": "2025-07-01", "units": ["03316", "03317"], "new": {"code": "03316", "name": "Nà Tấu", "kind": "xa"}})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def merge(self, request):
        data = validated(MergeSerializer, request.data, context={"request": request})
        new = dict(data["new"]) if data["new"] else None
        units = selectors.units_by_codes(by=request.user, codes=data["units"], field="units")
        event = reorganisations.units_merge(by=request.user, units=units, on=data["on"], into=data["into"], new=new,
                                            **_sources(data))
        return self._created(event)

    @_event_schema("Abolish a level", "reorganisations_abolish_level", AbolishLevelSerializer,
                   {"on": "2025-07-01", "province": "11", "level": "district"})
    @action(detail=False, methods=["post"], url_path="abolish-level", filterset_class=None, pagination_class=None)
    def abolish_level(self, request):
        data = validated(AbolishLevelSerializer, request.data, context={"request": request})
        return self._created(reorganisations.level_abolish(by=request.user, province=data["province"], level=data["level"], on=data["on"], **_sources(data)))
