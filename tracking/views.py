"""API views: thin. Reads call querysets and ``progress``; writes call ``services``."""
from __future__ import annotations

import re

from django.contrib.auth import authenticate
from django.db.models import Prefetch
from django.views.decorators.csrf import csrf_exempt
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, ErrorDetail, NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.settings import api_settings

from . import audit, progress, reorganisations, schema, services
from .access import SignInThrottle, scope_of
from .api import IF_MATCH_PATTERN, PAGE_SCHEMA, PAGE_SIZE_HELP, PAGE_SIZE_SCHEMA, Conflict, PreconditionFailed
from .filters import (
    GoalFilter,
    PartyCellFilter,
    QuarterReportFilter,
    ReorganisationFilter,
    ReportedFigureFilter,
    UnitFilter,
    VillageFilter,
)
from .models import (
    AdministrativeUnit,
    CellCoverage,
    Goal,
    GrassrootsOrganisation,
    PartyCell,
    QuarterReport,
    Reorganisation,
    ReportedFigure,
    RoleGrant,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from .periods import MIN_YEAR, PATTERN, QUARTER_PATTERN, Period, current_quarter, quarter_range
from .serializers import (
    HistoryEntrySerializer,
    AbolishLevelSerializer,
    EstablishSerializer,
    MeSerializer,
    MergeSerializer,
    RenameSerializer,
    ReorganisationSerializer,
    SplitSerializer,
    SignInSerializer,
    TokenSerializer,
    TransferSerializer,
    BlankVillageSerializer,
    GoalProgressSerializer,
    GoalWriteSerializer,
    PartyCellCreateSerializer,
    PartyCellSerializer,
    PartyCellUpdateSerializer,
    QuarterReportCreateSerializer,
    QuarterReportSerializer,
    ReportedFigureSerializer,
    ReportedFigureWriteSerializer,
    ReportValuesSerializer,
    SubmissionResultSerializer,
    SubmissionSerializer,
    UnitCreateSerializer,
    UnitFiguresSerializer,
    UnitSerializer,
    UnitUpdateSerializer,
    VillageCreateSerializer,
    VillageSerializer,
    VillageUpdateSerializer,
    unit_for_code,
)

MAX_TIMELINE_QUARTERS = 200
CODE_PARAM = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[0-9]{2,5}$",
                              description="Official code of the unit, e.g. 11 (province) or 100 (district).")
ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of the record.")


BOUNDARIES_PARAM = OpenApiParameter(
    "boundaries", OpenApiTypes.STR, enum=["historical", "current"],
    description="historical (default): the map as it was in the period; current: today's map "
    "(a unit closed since: its map on its last day).",
)


def _boundaries(request) -> str:
    value = request.query_params.get("boundaries", progress.HISTORICAL)
    if value not in progress.BOUNDARIES:
        raise ValidationError({"boundaries": ["Write historical or current."]}, code="invalid_choice")
    return value


def period_param(name: str, description: str, quarter: bool = False) -> OpenApiParameter:
    pattern = QUARTER_PATTERN if quarter else PATTERN
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, pattern=pattern, description=description)


def _parse_period(name: str, text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except Exception as error:
        raise ValidationError({name: getattr(error, "messages", [str(error)])}, code="invalid_period")


def _only_params(request, *allowed: str) -> None:
    """Figure endpoints refuse query parameters they do not know, rather than ignore a typo.

    DRF's own ``?format=json`` (the links of the browsable API) is known everywhere.
    """
    unknown = sorted(set(request.query_params) - set(allowed) - {api_settings.URL_FORMAT_OVERRIDE})
    if unknown:
        raise ValidationError(
            {name: [f"Unknown query parameter; this endpoint takes: {', '.join(allowed) or 'none'}."] for name in unknown},
            code="unknown_parameter",
        )


def _wrong_type(field, value) -> str | None:
    """Why ``value`` is not of the JSON type the schema gives ``field``, where DRF would convert it
    (``"name": 0`` to "0", ``"level": "1"`` to 1, ``"dry_run": "yes"`` to true)."""
    if value is None:
        return None  # whether null is allowed is the field's to say
    if isinstance(field, drf_serializers.ChoiceField):
        if all(isinstance(key, int) for key in field.choices) and (not isinstance(value, int) or isinstance(value, bool)):
            return "Must be one of the integers " + ", ".join(str(key) for key in field.choices) + "."
    elif isinstance(field, drf_serializers.CharField):
        if not isinstance(value, str):
            return "Must be a string."
    elif isinstance(field, drf_serializers.BooleanField):
        if not isinstance(value, bool):
            return "Must be true or false."
    elif isinstance(field, drf_serializers.IntegerField):
        if isinstance(value, str):
            return "Must be an integer, not a string."
    return None


def _unknown_fields(serializer, data, path: str = "") -> dict:
    """Keys of ``data`` that ``serializer`` does not take, at any depth, by their path; and values
    of another JSON type than the schema gives (DRF would convert them)."""
    if isinstance(serializer, (drf_serializers.ListSerializer, drf_serializers.ListField)):
        if not isinstance(data, list):
            return {}
        unknown = {}
        for index, item in enumerate(data):
            unknown.update(_unknown_fields(serializer.child, item, f"{path}.{index}" if path else str(index)))
        return unknown
    if not isinstance(serializer, drf_serializers.Serializer):
        problem = _wrong_type(serializer, data)
        return {path: [ErrorDetail(problem, code="invalid_type")]} if problem else {}
    if not isinstance(data, dict):
        return {}
    unknown = {}
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        field = serializer.fields.get(key)
        if field is None or field.read_only:
            unknown[where] = [ErrorDetail("Unknown field: this request does not take it.", code="unknown_field")]
        else:
            unknown.update(_unknown_fields(field, value, where))
    return unknown


def _validated(serializer_class, data, *, strict: bool = True, **kwargs):
    """``data`` checked by ``serializer_class``. For a request body (``strict``), a field the
    serializer does not take is an error, not silently dropped: a misspelt field name would
    otherwise change nothing, unnoticed; so is a value of another JSON type than the schema's.
    Query strings are checked by ``_only_params``."""
    serializer = serializer_class(data=data, **kwargs)
    unknown = _unknown_fields(serializer, data) if strict else {}
    serializer.is_valid(raise_exception=not unknown)
    if unknown:
        raise ValidationError({**serializer.errors, **unknown})  # each error keeps its own code
    return serializer.validated_data


def _paged(view, request, rows, serializer_class):
    page = view.paginate_queryset(rows)
    return view.get_paginated_response(serializer_class(page, many=True, context={"request": request}).data)


class HistoryMixin:
    """``GET …/{id}/history/``: the record's audit trail, newest first (two queries)."""

    @extend_schema(
        summary="The change history of this record", filters=False, responses=HistoryEntrySerializer(many=True),
        description="Who changed it, when, through which path (admin, API, command), and each field before "
        "and after. The history is append-only.",
        parameters=[OpenApiParameter("page", PAGE_SCHEMA), OpenApiParameter("page_size", PAGE_SIZE_SCHEMA, description=PAGE_SIZE_HELP)],
        examples=[schema.HISTORY],
    )
    @action(detail=True, methods=["get"], filterset_class=None, ordering=None)
    def history(self, request, *args, **kwargs):
        _only_params(request, "page", "page_size")
        records = list(self.get_object().history.select_related("history_user").order_by("-history_date", "-history_id"))
        return _paged(self, request, audit.changes(records), HistoryEntrySerializer)


def etag(record) -> str:
    """A version tag of ``record`` that changes with every saved change (its audit trail's latest row)."""
    latest = record.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return f'"{record._meta.model_name}-{record.pk}-{latest or 0}"'


class InAreaMixin:
    """A viewset of the user's areas only (tracking.access): records elsewhere answer 404,
    like a wrong id or code."""

    @property
    def scope(self):
        return scope_of(self.request.user)

    def get_queryset(self):
        return self.scope.visible(super().get_queryset())

    def unit_in_area(self, code: str, day=None) -> AdministrativeUnit:
        """The unit with ``code`` (on ``day``); 404 when there is none or it lies outside the areas."""
        unit = unit_for_code(code, day)
        if unit is None or not self.scope.sees(unit):
            raise NotFound(f"No unit has the code {code}.")
        return unit


class ServiceViewSet(InAreaMixin, HistoryMixin, viewsets.GenericViewSet):
    """Create, update and delete through the services. PATCH updates; PUT is only the quarterly submission.

    A record read alone carries an ETag; a PATCH or DELETE that sends ``If-Match`` with another
    tag is refused with 412, so nobody overwrites a change they have not seen.
    """

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def check_change(self, record) -> None:
        """403 with the reason unless the user may change or delete ``record`` (tracking.access)."""
        self.scope.require_change(record)

    def find_object(self):
        """The record the URL names (a viewset that looks records up otherwise overrides this)."""
        return super().get_object()

    def get_object(self):
        record = self._record = self.find_object()
        if self.request.method in ("PATCH", "DELETE"):
            self.check_change(record)
            expected = self.request.headers.get("If-Match")
            if expected is not None and not re.fullmatch(IF_MATCH_PATTERN, expected):
                raise ValidationError({"If-Match": ['Write * or the ETag of the version you read, e.g. "report-13-2".']},
                                      code="invalid")
            if expected and expected.strip() != "*" and etag(record) not in [tag.strip() for tag in expected.split(",")]:
                raise PreconditionFailed(
                    f"{record._meta.verbose_name} “{record}” changed since you read it (now {etag(record)}): read it again."
                )
        return record

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "_record", None)
        if self.action in ("retrieve", "partial_update") and response.status_code == 200 and record is not None:
            response["ETag"] = etag(record)  # one query: the latest row of its audit trail
        return response

    def perform_destroy(self, instance):
        services.record_delete(record=instance)

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------
# Units


@extend_schema_view(
    list=extend_schema(summary="List units", operation_id="units_list",
                       examples=[OpenApiExample("A district", response_only=True, value={
                           "code": "100", "name": "Điện Biên", "kind": "huyen", "level": 2, "parent": "11",
                           "path": "/11/100/", "valid_from": None, "valid_to": None,
                           "source_url": "", "source_location": "", "note": ""})]),
    retrieve=extend_schema(summary="Read a unit", operation_id="units_retrieve", parameters=[CODE_PARAM], examples=[schema.UNIT]),
    create=extend_schema(summary="Create a unit", operation_id="units_create", request=UnitCreateSerializer, responses={201: UnitSerializer},
                         examples=[OpenApiExample("A commune", request_only=True, value={
                             "code": "03317", "name": "Nà Nhạn", "kind": "xa", "level": 3, "parent": "100"})]),
    partial_update=extend_schema(summary="Rename or close a unit", operation_id="units_update", parameters=[CODE_PARAM],
                                 request=UnitUpdateSerializer, responses={200: UnitSerializer},
                                 examples=[OpenApiExample("Rename", request_only=True, value={"name": "Điện Biên Phủ"})]),
    destroy=extend_schema(summary="Delete a unit entered by mistake", operation_id="units_delete", parameters=[CODE_PARAM],
                          description="Only a unit nothing refers to; a unit with history is closed with `valid_to` instead (409).",
                          examples=[OpenApiExample("Nà Nhạn", value="03317", parameter_only=("code", "path"))]),
)
@extend_schema(tags=["units"])
class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["code", "name", "level"]
    ordering = ["level", "code"]
    lookup_field = "code"
    lookup_value_regex = "[0-9]{2,5}"
    queryset = AdministrativeUnit.objects.prefetch_related(
        Prefetch("placements", queryset=UnitPlacement.objects.select_related("parent"))
    )

    def find_object(self):
        unit = self.unit_in_area(self.kwargs["code"])
        self.check_object_permissions(self.request, unit)
        return unit

    def create(self, request):
        data = _validated(UnitCreateSerializer, request.data, context={"request": request})
        if data["parent"] is None:
            if not self.scope.everything:
                raise PermissionDenied("Only a superuser adds a province.")
        else:
            self.scope.require_unit(data["parent"], data.get("valid_from") or timezone.localdate())
        unit = services.unit_create(**data)
        return Response(UnitSerializer(self.get_queryset().get(pk=unit.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, code=None):
        data = _validated(UnitUpdateSerializer, request.data, context={"request": request})  # a body in error is a 400 before any 412
        unit = services.unit_update(unit=self.get_object(), **data)
        return Response(UnitSerializer(self.get_queryset().get(pk=unit.pk)).data)

    @extend_schema(summary="List a unit's direct children", operation_id="units_children_list", parameters=[
        CODE_PARAM, OpenApiParameter("active_on", OpenApiTypes.DATE, description="The map of this day (default today)."),
    ], responses=UnitSerializer(many=True), filters=False, examples=[schema.UNIT_CHILD])
    @action(detail=True, methods=["get"], filterset_class=None, ordering=None)
    def children(self, request, code=None):
        _only_params(request, "active_on", "page", "page_size")
        # Note: a plain dict, as DRF reads an empty value in a QueryDict as "not given".
        day = _validated(_DaySerializer, request.query_params.dict(), strict=False).get("active_on") or timezone.localdate()
        children = self.get_queryset().filter(pk__in=AdministrativeUnit.objects.children_of(self.get_object(), day).values("pk"))
        return _paged(self, request, children.order_by("code"), UnitSerializer)

    @extend_schema(
        summary="A unit's figures for a period", operation_id="units_progress_retrieve", tags=["figures"],
        description="Figures computed from village reports (carry-forward for villages that did not report), "
        "with the reported figures of cited documents for the same unit and period beside them.",
        parameters=[CODE_PARAM, period_param("period", "2008, 2019Q2 or 2019-05; default: the latest quarter with data."),
                    BOUNDARIES_PARAM],
        responses=UnitFiguresSerializer, filters=False, examples=[schema.UNIT_PROGRESS],
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def progress(self, request, code=None):
        _only_params(request, "period", "boundaries")
        period = _parse_period("period", request.query_params.get("period"))
        return Response(progress.unit_progress(self.get_object(), period, boundaries=_boundaries(request)))

    @extend_schema(
        summary="A unit's figures quarter by quarter", operation_id="units_progress_timeline", tags=["figures"],
        parameters=[CODE_PARAM, period_param("from", "First period (default: five years before `to`)."),
                    period_param("to", "Last period (default: the latest quarter with data)."), BOUNDARIES_PARAM],
        responses=UnitFiguresSerializer(many=True), filters=False, examples=[schema.UNIT_TIMELINE],
    )
    @action(detail=True, methods=["get"], url_path="progress/timeline", filterset_class=None, pagination_class=None)
    def timeline(self, request, code=None):
        _only_params(request, "from", "to", "boundaries")
        boundaries = _boundaries(request)
        unit = self.get_object()
        last = _parse_period("to", request.query_params.get("to")) or progress.latest_period(unit)
        # Note: five years back, but never before the first quarter a period can name.
        earliest = Period.quarter(MIN_YEAR, 1).index
        first = _parse_period("from", request.query_params.get("from")) or Period.from_index(max(last.index - 19, earliest))
        quarters = len(quarter_range(first, last))
        if quarters < 1:
            raise ValidationError({"from": ["`from` comes after `to`."]}, code="invalid_range")
        if quarters > MAX_TIMELINE_QUARTERS:
            raise ValidationError({"from": [f"At most {MAX_TIMELINE_QUARTERS} quarters at once."]}, code="range_too_long")
        return Response(progress.unit_timeline(unit, first, last, boundaries=boundaries))

    @extend_schema(
        summary="The villages still blank", operation_id="units_blank_villages_list", tags=["figures"],
        description="Villages under the unit whose latest report at the period says they have no party member.",
        parameters=[CODE_PARAM, period_param("period", "Default: the current quarter."), BOUNDARIES_PARAM,
                    OpenApiParameter("page", PAGE_SCHEMA), OpenApiParameter("page_size", PAGE_SIZE_SCHEMA, description=PAGE_SIZE_HELP)],
        responses=BlankVillageSerializer(many=True), filters=False, examples=[schema.BLANK_VILLAGE],
    )
    @action(detail=True, methods=["get"], url_path="blank-villages", filterset_class=None)
    def blank_villages(self, request, code=None):
        _only_params(request, "period", "boundaries", "page", "page_size")
        boundaries = _boundaries(request)
        unit = self.get_object()
        period = _parse_period("period", request.query_params.get("period")) or current_quarter()
        quarter = period.last_quarter
        map_day = progress.last_day_on_map(unit) if boundaries == progress.CURRENT else None
        if unit.path_on(map_day or quarter.end) is None:
            raise ValidationError({"period": [f"{unit} is not on the map in {period}: ask for boundaries=current."]},
                                  code="unit_not_on_map")
        villages = (
            Village.objects.within(unit, quarter.end, map_day).blank_at(quarter)
            .prefetch_related(Prefetch("placements", queryset=VillagePlacement.objects.select_related("unit")))
            .order_by("name", "pk")
        )
        page = self.paginate_queryset(villages)
        rows = [
            {"id": v.pk, "name": v.name, "unit": progress.unit_ref(_unit_of(v, quarter.end)), "latest_quarter": str(v.latest_quarter)}
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
            schema.SUBMISSION_RESULT],
    )
    @action(detail=True, methods=["put"], url_path=r"reports/(?P<period>[^/]+)", filterset_class=None, pagination_class=None)
    def submit_reports(self, request, code=None, period=None):
        _only_params(request, "dry_run")
        unit = self.get_object()
        quarter = _parse_period("period", period)
        if quarter.kind != "quarter":
            raise ValidationError({"period": [f"“{period}” is not a quarter: write it as 2019Q2."]}, code="invalid_period")
        dry_run = _validated(_DryRunSerializer, request.query_params.dict(), strict=False)["dry_run"]
        entries = _validated(SubmissionSerializer, request.data, context={"request": request})["reports"]
        self.scope.require_unit(unit, quarter.end)
        outcome = services.quarter_submission_submit(unit=unit, quarter=quarter, entries=[dict(e) for e in entries], dry_run=dry_run)
        return Response({"unit": progress.unit_ref(unit), "quarter": str(quarter), "dry_run": dry_run, **outcome})



def _unit_of(village, day):
    placements = list(village.placements.all())
    match = next((p for p in placements if p.is_active_on(day)), placements[-1] if placements else None)
    return match.unit if match else None


class _DaySerializer(drf_serializers.Serializer):
    active_on = drf_serializers.DateField(required=False)


class _DryRunSerializer(drf_serializers.Serializer):
    dry_run = drf_serializers.BooleanField(required=False, default=False)


# ---------------------------------------------------------------------------------------
# Villages


@extend_schema_view(
    list=extend_schema(summary="List villages", operation_id="villages_list", examples=[schema.VILLAGE]),
    retrieve=extend_schema(summary="Read a village", operation_id="villages_retrieve", parameters=[ID_PARAM], examples=[schema.VILLAGE]),
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
    queryset = Village.objects.prefetch_related(Prefetch("placements", queryset=VillagePlacement.objects.select_related("unit")))

    def create(self, request):
        data = _validated(VillageCreateSerializer, request.data, context={"request": request})
        self.scope.require_unit(data["unit"], data.get("valid_from") or timezone.localdate())
        village = services.village_create(**data)
        return Response(VillageSerializer(self.get_queryset().get(pk=village.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = _validated(VillageUpdateSerializer, request.data, context={"request": request})
        village = services.village_update(village=self.get_object(), **data)
        return Response(VillageSerializer(self.get_queryset().get(pk=village.pk)).data)


# ---------------------------------------------------------------------------------------
# Cells


@extend_schema_view(
    list=extend_schema(summary="List party cells", operation_id="cells_list", examples=[schema.CELL]),
    retrieve=extend_schema(summary="Read a party cell", operation_id="cells_retrieve", parameters=[ID_PARAM], examples=[schema.CELL]),
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
        data = _validated(PartyCellCreateSerializer, request.data, context={"request": request})
        organisation = None
        if data["organisation"] is not None:
            organisation = GrassrootsOrganisation.objects.filter(pk=data["organisation"]).select_related("unit").first()
            if organisation is None or not self.scope.sees(organisation.unit):
                raise ValidationError({"organisation": [f"No organisation has the id {data['organisation']}."]}, code="does_not_exist")
        villages = self.scope.visible(Village.objects.all()).in_bulk(data["villages"])
        missing = [pk for pk in data["villages"] if pk not in villages]
        if missing:
            raise ValidationError({"villages": [f"No village has the id {pk}." for pk in missing]}, code="does_not_exist")
        if organisation is not None:
            self.scope.require_unit(organisation.unit, data["founded_on"])
        for village in villages.values():
            self.scope.require_village(village, data["founded_on"] or timezone.localdate())
        cell = services.cell_create(
            name=data["name"], organisation=organisation, founded_on=data["founded_on"],
            villages=[villages[pk] for pk in data["villages"]],
            source_url=data["source_url"], source_location=data["source_location"], note=data["note"],
        )
        return Response(PartyCellSerializer(self.get_queryset().get(pk=cell.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = _validated(PartyCellUpdateSerializer, request.data, context={"request": request})
        cell = services.cell_update(cell=self.get_object(), **data)
        return Response(PartyCellSerializer(self.get_queryset().get(pk=cell.pk)).data)


# ---------------------------------------------------------------------------------------
# Reports


def _report_values(data: dict, cells) -> dict:
    values = {name: value for name, value in data.items() if name not in ("village", "quarter")}
    if values.get("cell"):
        cell = cells.filter(pk=values["cell"]).first()
        if cell is None:
            raise ValidationError({"cell": [f"No party cell has the id {values['cell']}."]}, code="does_not_exist")
        values["cell"] = cell
    return values


@extend_schema_view(
    list=extend_schema(summary="List quarterly village reports", operation_id="reports_list", examples=[schema.REPORT]),
    retrieve=extend_schema(summary="Read a report", operation_id="reports_retrieve", parameters=[ID_PARAM], examples=[schema.REPORT]),
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
        data = _validated(QuarterReportCreateSerializer, request.data, context={"request": request})
        village = self.scope.visible(Village.objects.all()).filter(pk=data["village"]).first()
        if village is None:
            raise ValidationError({"village": [f"No village has the id {data['village']}."]}, code="does_not_exist")
        self.scope.require_village(village, data["quarter"].end)
        existing = QuarterReport.objects.filter(village=village, quarter=data["quarter"]).first()
        if existing:
            raise Conflict(f"{village} already has a report for {data['quarter']} (id {existing.pk}): change that one.")
        result = services.quarter_report_submit(village=village, quarter=data["quarter"], **_report_values(data, self.scope.visible(PartyCell.objects.all())))
        return Response(QuarterReportSerializer(result.report).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        given = set(request.data) if isinstance(request.data, dict) else set()
        data = _validated(ReportValuesSerializer, request.data, context={"request": request}, partial=True)
        report = self.get_object()
        current = {name: getattr(report, name if name != "cell" else "cell_id") for name in services.REPORT_FIELDS}
        merged = {**current, **{name: data[name] for name in given if name in data}}
        result = services.quarter_report_submit(village=report.village, quarter=report.quarter, **_report_values(merged, self.scope.visible(PartyCell.objects.all())))
        return Response(QuarterReportSerializer(result.report).data)


# ---------------------------------------------------------------------------------------
# Reported figures


@extend_schema_view(
    list=extend_schema(summary="List reported figures", operation_id="reported_figures_list", examples=[schema.REPORTED_FIGURE]),
    retrieve=extend_schema(summary="Read a reported figure", operation_id="reported_figures_retrieve", parameters=[ID_PARAM],
                           examples=[schema.REPORTED_FIGURE]),
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
        if "unit" in data:
            self.scope.require_unit(data["unit"], None)
        for name in ("unit", "period", "since", "metric", "value", "source_url", "source_location", "note"):
            if name in data:
                setattr(figure, name, data[name])
        combined = None
        if "combined_with" in data:
            combined = []
            for code in data["combined_with"]:
                unit = unit_for_code(code)
                if unit is None or not self.scope.sees(unit):
                    raise ValidationError({"combined_with": [f"No unit has the code {code}."]}, code="does_not_exist")
                combined.append(unit)
        figure = services.reported_figure_save(figure=figure, combined_with=combined)
        return ReportedFigureSerializer(self.get_queryset().get(pk=figure.pk)).data

    def create(self, request):
        return Response(self._save(ReportedFigure(), _validated(ReportedFigureWriteSerializer, request.data, context={"request": request})), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = _validated(ReportedFigureWriteSerializer, request.data, context={"request": request}, partial=True)
        return Response(self._save(self.get_object(), data))


# ---------------------------------------------------------------------------------------
# Goals


@extend_schema_view(
    list=extend_schema(summary="List goals with their progress", operation_id="goals_list",
                       parameters=[period_param("as_of", "Evaluate as of this period (default: the current quarter).")],
                       examples=[schema.GOAL_PROVINCE]),
    retrieve=extend_schema(summary="Read a goal with its progress", operation_id="goals_retrieve", parameters=[ID_PARAM],
                           examples=[schema.GOAL_DISTRICT]),
    create=extend_schema(summary="Set a goal", operation_id="goals_create", request=GoalWriteSerializer, responses={201: GoalProgressSerializer},
                         examples=[OpenApiExample("No blank village by 2020", request_only=True, value={
                             "unit": "103", "title": "Không còn bản chưa có đảng viên", "metric": "blank_villages",
                             "baseline_period": "2015", "deadline": "2020", "set_by": "Huyện ủy Nậm Pồ"})]),
    partial_update=extend_schema(summary="Change a goal", operation_id="goals_update", parameters=[ID_PARAM],
                                 request=GoalWriteSerializer(partial=True), responses={200: GoalProgressSerializer},
                                 examples=[OpenApiExample("Deadline", request_only=True, value={"deadline": "2021"})]),
    destroy=extend_schema(summary="Delete a goal", operation_id="goals_delete", parameters=[ID_PARAM],
                          examples=[OpenApiExample("Nậm Pồ's goal", value=2, parameter_only=("id", "path"))]),
)
@extend_schema(tags=["goals"])
class GoalViewSet(mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = GoalProgressSerializer
    filterset_class = GoalFilter
    # Note: without this list, ordering would accept every field of the progress rows, most of
    # them computed (`?ordering=baseline` was a 500).
    ordering_fields = ["id", "title"]
    ordering = ["id"]
    queryset = Goal.objects.select_related("unit").order_by("id")

    def list(self, request):
        as_of = _parse_period("as_of", request.query_params.get("as_of"))
        goals = list(self.filter_queryset(self.get_queryset()))
        rows = progress.goals_progress(goals, as_of=as_of.last_quarter if as_of else None)
        wanted = self.request.query_params.get("status")
        if wanted:
            rows = [row for row in rows if row["status"] == wanted]
        return _paged(self, request, rows, GoalProgressSerializer)

    def retrieve(self, request, pk=None):
        return Response(progress.goal_progress(self.get_object()))

    @extend_schema(summary="A goal's progress", operation_id="goals_progress_retrieve", tags=["figures"],
                   parameters=[ID_PARAM, period_param("as_of", "Evaluate as of this period (default: the current quarter).")],
                   responses=GoalProgressSerializer, filters=False, examples=[schema.GOAL_DISTRICT])
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def progress(self, request, pk=None):
        _only_params(request, "as_of")
        as_of = _parse_period("as_of", request.query_params.get("as_of"))
        return Response(progress.goal_progress(self.get_object(), as_of=as_of.last_quarter if as_of else None))

    def _save(self, goal, data):
        if "unit" in data:
            self.scope.require_unit(data["unit"], None)
        for name, value in data.items():
            setattr(goal, name, value)
        goal = services.goal_save(goal=goal)
        return progress.goal_progress(self.get_queryset().get(pk=goal.pk))

    def create(self, request):
        return Response(self._save(Goal(), _validated(GoalWriteSerializer, request.data, context={"request": request})), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = _validated(GoalWriteSerializer, request.data, context={"request": request}, partial=True)
        return Response(self._save(self.get_object(), data))


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any other path under /api/: the JSON error shape, not an HTML page."""
    from django.http import JsonResponse

    return JsonResponse(
        {"status": 404, "code": "not_found", "detail": f"No API endpoint at {request.path}.", "errors": []}, status=404
    )


# ---------------------------------------------------------------------------------------
# Reorganisations


def _units(codes: list[str], field: str, scope) -> list[AdministrativeUnit]:
    units, missing = [], []
    for code in codes:
        unit = unit_for_code(code)
        unit = unit if unit is not None and scope.sees(unit) else None
        (units if unit else missing).append(unit or code)
    if missing:
        raise ValidationError({field: [f"No unit has the code {code}." for code in missing]}, code="does_not_exist")
    return units


def _sources(data: dict) -> dict:
    return {name: data[name] for name in ("source_url", "source_location", "note")}


def _event_schema(summary: str, operation_id: str, request, example: dict):
    return extend_schema(
        summary=summary, operation_id=operation_id, request=request, responses={201: ReorganisationSerializer},
        filters=False, examples=[OpenApiExample(summary, request_only=True, value=example), schema.REORGANISATION],
    )


@extend_schema_view(
    list=extend_schema(summary="List reorganisations", operation_id="reorganisations_list", examples=[schema.REORGANISATION]),
    retrieve=extend_schema(summary="Read a reorganisation", operation_id="reorganisations_retrieve", parameters=[ID_PARAM],
                           examples=[schema.REORGANISATION]),
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
                   {"on": "2012-08-25", "code": "103", "name": "Nậm Pồ", "kind": "huyen", "level": 2, "parent": "11"})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def establish(self, request):
        data = _validated(EstablishSerializer, request.data, context={"request": request})
        if data["parent"] is None and not self.scope.everything:
            raise PermissionDenied("Only a superuser establishes a province.")
        self.scope.require_reshape(data["on"], parent=data["parent"])
        unit = reorganisations.unit_establish(on=data["on"], code=data["code"], name=data["name"], kind=data["kind"],
                                              level=data["level"], parent=data["parent"], **_sources(data))
        return self._created(unit.reorganisations_as_subject.latest("id"))

    @_event_schema("Rename a unit", "reorganisations_rename", RenameSerializer,
                   {"on": "2020-01-01", "unit": "03317", "name": "Nà Nhạn"})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def rename(self, request):
        data = _validated(RenameSerializer, request.data, context={"request": request})
        self.scope.require_reshape(data["on"], data["unit"])
        return self._created(reorganisations.unit_rename(unit=data["unit"], name=data["name"], on=data["on"], **_sources(data)))

    @_event_schema("Move a unit to another parent", "reorganisations_transfer", TransferSerializer,
                   {"on": "2020-01-01", "unit": "03317", "parent": "094"})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def transfer(self, request):
        data = _validated(TransferSerializer, request.data, context={"request": request})
        self.scope.require_reshape(data["on"], data["unit"], parent=data["parent"])
        return self._created(reorganisations.unit_transfer(unit=data["unit"], parent=data["parent"], on=data["on"], **_sources(data)))

    @_event_schema("Split a unit", "reorganisations_split", SplitSerializer,
                   {"on": "2012-08-25", "unit": "096", "parts": [{"code": "103", "name": "Nậm Pồ", "kind": "huyen", "units": ["03181"]}]})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def split(self, request):
        data = _validated(SplitSerializer, request.data, context={"request": request})
        self.scope.require_reshape(data["on"], data["unit"])
        parts = []
        for index, part in enumerate(data["parts"]):
            villages = self.scope.visible(Village.objects.all()).in_bulk(part["villages"])
            missing = [pk for pk in part["villages"] if pk not in villages]
            if missing:
                raise ValidationError({f"parts.{index}.villages": [f"No village has the id {pk}." for pk in missing]}, code="does_not_exist")
            units = _units(part["units"], f"parts.{index}.units", self.scope)
            self.scope.require_reshape(data["on"], *units)
            for village in villages.values():
                self.scope.require_village(village, data["on"])
            parts.append({**part, "units": units,
                          "villages": [villages[pk] for pk in part["villages"]]})
        event = reorganisations.unit_split(unit=data["unit"], on=data["on"], parts=parts,
                                           close_original=data["close_original"], **_sources(data))
        return self._created(event)

    @_event_schema("Merge units", "reorganisations_merge", MergeSerializer,
                   {"on": "2025-07-01", "units": ["03316", "03317"], "new": {"code": "03316", "name": "Nà Tấu", "kind": "xa"}})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def merge(self, request):
        data = _validated(MergeSerializer, request.data, context={"request": request})
        new = dict(data["new"]) if data["new"] else None
        units = _units(data["units"], "units", self.scope)
        self.scope.require_reshape(data["on"], *units, *([data["into"]] if data["into"] else []))
        event = reorganisations.units_merge(units=units, on=data["on"], into=data["into"], new=new,
                                            **_sources(data))
        return self._created(event)

    @_event_schema("Abolish a level", "reorganisations_abolish_level", AbolishLevelSerializer,
                   {"on": "2025-07-01", "province": "11", "level": 2})
    @action(detail=False, methods=["post"], url_path="abolish-level", filterset_class=None, pagination_class=None)
    def abolish_level(self, request):
        data = _validated(AbolishLevelSerializer, request.data, context={"request": request})
        self.scope.require_reshape(data["on"], parent=data["province"])
        return self._created(reorganisations.level_abolish(province=data["province"], level=data["level"], on=data["on"], **_sources(data)))


# ---------------------------------------------------------------------------------------
# Sign-in


@extend_schema(tags=["auth"])
class TokenView(APIView):
    """An API token for a username and password; DELETE revokes the token in use."""

    throttle_scope = "login"

    def get_authenticators(self):
        # Getting a token needs no authentication (a stale token in the header must not block it).
        return [] if self._signing_in() else super().get_authenticators()

    def get_authenticate_header(self, request):
        return "Token"  # a refused sign-in is 401, with the scheme to use

    def _signing_in(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_permissions(self):
        return [permissions.AllowAny()] if self._signing_in() else [permissions.IsAuthenticated()]

    def get_throttles(self):
        return [SignInThrottle()] if self._signing_in() else []

    @extend_schema(
        summary="Get an API token", operation_id="auth_token_create", auth=[], request=SignInSerializer,
        responses={200: TokenSerializer},
        description="The user's token (the same one until it is revoked). At most 10 attempts a minute "
        "from one address (429 with `Retry-After`).",
        examples=[OpenApiExample("Sign in", request_only=True, value={"username": "namp0", "password": "…"}),
                  OpenApiExample("Token", response_only=True, value={
                      "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "created": "2026-11-26T08:00:00Z"})],
    )
    def post(self, request):
        data = _validated(SignInSerializer, request.data)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            raise AuthenticationFailed("Wrong username or password.", code="invalid_credentials")
        token, _ = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key, "created": token.created}).data)

    @extend_schema(summary="Revoke the token in use", operation_id="auth_token_delete", request=None,
                   responses={204: None},
                   description="Deletes the caller's token: every client holding it is signed out. "
                   "Get a new one with POST.")
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["auth"])
class MeView(APIView):
    @extend_schema(summary="Who am I, and which areas are mine", operation_id="auth_me_retrieve",
                   responses=MeSerializer, examples=[OpenApiExample("An editor", response_only=True, value={
                       "username": "namp0", "superuser": False,
                       "roles": [{"role": "editor", "unit": {"code": "103", "name": "Nậm Pồ", "level": "district"}}]})])
    def get(self, request):
        grants = RoleGrant.objects.filter(user=request.user).select_related("unit").order_by("unit__level", "unit__code", "role")
        return Response({
            "username": request.user.get_username(),
            "superuser": request.user.is_superuser,
            "roles": [{"role": grant.role, "unit": progress.unit_ref(grant.unit)} for grant in grants],
        })
