"""Units: read, created, renamed, closed or deleted by official code; their children, their
figures (for a period, quarter by quarter, the villages still blank) and the quarterly submission
of all their villages' reports."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ... import progress, selectors, services
from ...models import UNIT_CODE_REGEX, AdministrativeUnit, Level, UnitPlacement, names_prefetch
from ...periods import QUARTER_PATTERN
from .. import examples
from ..examples import BOUNDARIES_PARAM, CODE_PARAM, period_param
from ..filters import UnitFilter
from ..pagination import PAGE_SCHEMA, PAGE_SIZE_HELP, PAGE_SIZE_SCHEMA
from ..parsing import (
    DaySerializer,
    DryRunSerializer,
    only_params,
    parse_boundaries,
    parse_period,
    validated,
)
from ..serializers.figures import BlankVillageSerializer, UnitFiguresSerializer
from ..serializers.reports import SubmissionResultSerializer, SubmissionSerializer
from ..serializers.units import (
    UnitCreateSerializer,
    UnitSerializer,
    UnitUpdateSerializer,
)
from .base import ServiceViewSet, paged


@extend_schema_view(
    list=extend_schema(summary="List units", operation_id="units_list",
                       examples=[OpenApiExample("A district", response_only=True, value={
                           "code": "100", "name": "Điện Biên", "current_name": "Điện Biên", "kind": "huyen", "level": "district", "parent": "11",
                           "path": "/11/100/", "valid_from": None, "valid_to": None,
                           "source_url": "", "source_location": "", "note": ""})]),
    retrieve=extend_schema(summary="Read a unit", operation_id="units_retrieve", examples=[examples.UNIT], parameters=[
        CODE_PARAM, OpenApiParameter("active_on", OpenApiTypes.DATE, description="The unit as it was on this day "
                                     "(its name, parent and path then; default today).")]),
    create=extend_schema(summary="Create a unit", operation_id="units_create", request=UnitCreateSerializer, responses={201: UnitSerializer},
                         examples=[OpenApiExample("A commune", request_only=True, value={
                             "code": "03317", "name": "Nà Nhạn", "kind": "xa", "level": "commune", "parent": "100"})]),
    partial_update=extend_schema(summary="Correct or close a unit", operation_id="units_update", parameters=[CODE_PARAM],
                                 description="`name` corrects the spelling of the unit's current name (every day it "
                                 "has borne it). A new name from a given day is a renaming: "
                                 "`POST /api/v1/reorganisations/rename/`, which keeps the former name for the days before.",
                                 request=UnitUpdateSerializer, responses={200: UnitSerializer},
                                 examples=[OpenApiExample("Correct the spelling", request_only=True, value={"name": "Điện Biên Phủ"})]),
    destroy=extend_schema(summary="Delete a unit entered by mistake", operation_id="units_delete", parameters=[CODE_PARAM],
                          description="Only a unit nothing refers to; a unit with history is closed with `valid_to` instead (409).",
                          examples=[OpenApiExample("Nà Nhạn", value="03317", parameter_only=("code", "path"))]),
)
@extend_schema(tags=["units"])
class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["code", "name", "level"]
    ordering = ["level", "code"]  # the levels' numbers order them from the nation down
    history_forms = {"level": lambda number: Level(number).word}
    lookup_field = "code"
    lookup_value_regex = UNIT_CODE_REGEX
    queryset = AdministrativeUnit.objects.prefetch_related(
        Prefetch("placements", queryset=UnitPlacement.objects.select_related("parent")), names_prefetch(),
    )

    def get_serializer_context(self):
        # The units as they were on ``active_on`` (their name, parent and path then).
        context = super().get_serializer_context()
        return {**context, "day": _day_asked(self.request)} if self.action in ("list", "retrieve") else context

    def find_object(self):
        unit = self.unit_in_area(self.kwargs["code"])
        self.check_object_permissions(self.request, unit)
        return unit

    def retrieve(self, request, code=None):
        only_params(request, "active_on")
        unit = self.get_object()
        # One query for the placements and parents the serializer reads (a province's parent:
        # the nation), as the list prefetches them.
        prefetch_related_objects([unit], *self.queryset._prefetch_related_lookups)
        return Response(UnitSerializer(unit, context=self.get_serializer_context()).data)

    def create(self, request):
        data = validated(UnitCreateSerializer, request.data, context={"request": request})
        unit = services.unit_create(by=request.user, **data)
        return Response(UnitSerializer(self.get_queryset().get(pk=unit.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, code=None):
        data = validated(UnitUpdateSerializer, request.data, context={"request": request})  # a body in error is a 400 before any 412
        unit = services.unit_update(by=request.user, unit=self.get_object(), **data)
        return Response(UnitSerializer(self.get_queryset().get(pk=unit.pk)).data)

    @extend_schema(summary="List a unit's direct children", operation_id="units_children_list", parameters=[
        CODE_PARAM, OpenApiParameter("active_on", OpenApiTypes.DATE, description="The map of this day (default today)."),
    ], responses=UnitSerializer(many=True), filters=False, examples=[examples.UNIT_CHILD])
    @action(detail=True, methods=["get"], filterset_class=None, ordering=None)
    def children(self, request, code=None):
        only_params(request, "active_on", "page", "page_size")
        day = _day_asked(request) or timezone.localdate()
        children = self.get_queryset().filter(pk__in=AdministrativeUnit.objects.children_of(self.get_object(), day).values("pk"))
        return paged(self, request, children.order_by("code"), UnitSerializer, day=day)

    @extend_schema(
        summary="A unit's figures for a period", operation_id="units_progress_retrieve", tags=["figures"],
        description="Figures computed from village reports (carry-forward for villages that did not report), "
        "with the reported figures of cited documents for the same unit and period beside them.",
        parameters=[CODE_PARAM, period_param("period", "2008, 2019Q2 or 2019-05; default: the latest quarter with data."),
                    BOUNDARIES_PARAM],
        responses=UnitFiguresSerializer, filters=False, examples=[examples.UNIT_PROGRESS],
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def progress(self, request, code=None):
        only_params(request, "period", "boundaries")
        period = parse_period("period", request.query_params.get("period"))
        return Response(selectors.unit_figures(by=request.user, code=code, period=period,
                                               boundaries=parse_boundaries(request)))

    @extend_schema(
        summary="A unit's figures quarter by quarter", operation_id="units_progress_timeline", tags=["figures"],
        parameters=[CODE_PARAM, period_param("from", "First period (default: five years before `to`)."),
                    period_param("to", "Last period (default: the latest quarter with data)."), BOUNDARIES_PARAM],
        responses=UnitFiguresSerializer(many=True), filters=False, examples=[examples.UNIT_TIMELINE],
    )
    @action(detail=True, methods=["get"], url_path="progress/timeline", filterset_class=None, pagination_class=None)
    def timeline(self, request, code=None):
        only_params(request, "from", "to", "boundaries")
        boundaries = parse_boundaries(request)
        last = parse_period("to", request.query_params.get("to"))
        first = parse_period("from", request.query_params.get("from"))
        return Response(selectors.unit_timeline(by=request.user, code=code, first=first, last=last, boundaries=boundaries))

    @extend_schema(
        summary="The villages still blank", operation_id="units_blank_villages_list", tags=["figures"],
        description="Villages under the unit whose latest report at the period says they have no party member.",
        parameters=[CODE_PARAM, period_param("period", "Default: the current quarter."), BOUNDARIES_PARAM,
                    OpenApiParameter("page", PAGE_SCHEMA), OpenApiParameter("page_size", PAGE_SIZE_SCHEMA, description=PAGE_SIZE_HELP)],
        responses=BlankVillageSerializer(many=True), filters=False, examples=[examples.BLANK_VILLAGE],
    )
    @action(detail=True, methods=["get"], url_path="blank-villages", filterset_class=None)
    def blank_villages(self, request, code=None):
        only_params(request, "period", "boundaries", "page", "page_size")
        boundaries = parse_boundaries(request)
        period = parse_period("period", request.query_params.get("period"))
        _unit, quarter, villages = selectors.blank_villages(by=request.user, code=code, period=period, boundaries=boundaries)
        page = self.paginate_queryset(villages)
        rows = [
            {"id": v.pk, "name": v.name, "unit": progress.unit_ref(_unit_of(v, quarter.end), quarter.end),
             "latest_quarter": str(v.latest_quarter)}
            for v in page
        ]
        return self.get_paginated_response(BlankVillageSerializer(rows, many=True).data)

    @extend_schema(
        summary="Submit a quarter for all the villages of a unit", operation_id="units_reports_submit", tags=["reports"],
        description="All or nothing: one bad entry rejects the whole request, and the error names the entry "
        "(`reports.2.admissions`). Idempotent: the same body again changes nothing. `dry_run=true` "
        "validates and returns the same summary without saving.",
        parameters=[CODE_PARAM, OpenApiParameter("period", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=QUARTER_PATTERN,
                                                 description="The quarter, e.g. 2019Q2."),
                    OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Validate only; save nothing.")],
        request=SubmissionSerializer, responses=SubmissionResultSerializer, filters=False,
        examples=[OpenApiExample("Two villages", request_only=True, value={"reports": [
            {"village": 6, "full_members": 3, "probationary_members": 1, "admissions": 1, "cell": 1},
            {"village": 7, "full_members": 0, "probationary_members": 0}]}),
            OpenApiExample("Huyện Điện Biên", value="100", parameter_only=("code", "path")),
            OpenApiExample("2019Q2", value="2019Q2", parameter_only=("period", "path")),
            examples.SUBMISSION_RESULT],
    )
    @action(detail=True, methods=["put"], url_path=r"reports/(?P<period>[^/]+)", filterset_class=None, pagination_class=None)
    def submit_reports(self, request, code=None, period=None):
        only_params(request, "dry_run")
        self.get_object()  # an unknown code is a 404 before a badly written quarter is a 400
        quarter = parse_period("period", period)
        if quarter.kind != "quarter":
            raise ValidationError({"period": [_("“%(value)s” is not a quarter: write it as 2019Q2.") % {"value": period}]},
                                  code="invalid_period")
        # Another committee's quarter of the unit does not exist for the user.
        unit = selectors.unit_in_period(by=request.user, code=code, period=quarter)
        dry_run = validated(DryRunSerializer, request.query_params.dict(), strict=False)["dry_run"]
        entries = validated(SubmissionSerializer, request.data, context={"request": request})["reports"]
        outcome = services.quarter_submission_submit(by=request.user, unit=unit, quarter=quarter,
                                                      entries=[dict(e) for e in entries], dry_run=dry_run)
        return Response({"unit": progress.unit_ref(unit, quarter.end), "quarter": str(quarter), "dry_run": dry_run, **outcome})


def _day_asked(request):
    """The day of ``active_on`` (validated), or None."""
    # Note: a plain dict, as DRF reads an empty value in a QueryDict as "not given".
    return validated(DaySerializer, request.query_params.dict(), strict=False).get("active_on")


def _unit_of(village, day):
    placements = list(village.placements.all())
    match = next((p for p in placements if p.is_active_on(day)), placements[-1] if placements else None)
    return match.unit if match else None
