"""API of the completeness of a quarter: which communes of an area have reported, submitted and
been approved (``selectors.completeness``), with their counts per unit below the area.

Thin: the area check (an area outside the user's areas in that quarter reads like an unknown
code: 404, as a unit's figures do) and every count are the selector's.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ... import selectors
from .. import examples
from ..pagination import PAGE_SCHEMA, PAGE_SIZE_HELP, PAGE_SIZE_SCHEMA
from ..parsing import only_params, validated
from ..serializers.completeness import CompletenessQuerySerializer, CompletenessSerializer


class CompletenessView(GenericAPIView):
    """``/completeness/?within=CODE&quarter=YYYYQn``: the summary of every commune of the area,
    then a page of the communes that pass the filters."""

    serializer_class = CompletenessSerializer
    filter_backends: list = []
    # The area named in the query may not exist for the user (404): the schema says so.
    names_a_unit = True

    @extend_schema(
        summary="Which communes have reported, submitted and been approved", operation_id="completeness_retrieve",
        tags=["approvals"],
        description="For an area and a quarter, on the map of the quarter's last day: each commune with its villages "
        "then, how many have a report of the quarter (`reported`: all, some, none; no_villages), its own quarter's "
        "`state` (draft without a row, submitted, approved; who and when) and whether its reports are `locked` "
        "(by its approval or a unit above's). A unit above the communes that holds villages directly is listed too. "
        "`summary` counts every commune of the area, whatever the filters, and per unit one level below the area "
        "(`by_unit`); `results` is a page of the communes that pass the filters. `within` is required; an area "
        "outside your areas in that quarter answers 404, as an unknown code.",
        parameters=[CompletenessQuerySerializer, OpenApiParameter("page", PAGE_SCHEMA),
                    OpenApiParameter("page_size", PAGE_SIZE_SCHEMA, description=PAGE_SIZE_HELP)],
        responses=CompletenessSerializer, filters=False, examples=[
            OpenApiExample("Huyện Điện Biên", value="100", parameter_only=("within", "query")),
            OpenApiExample("2019Q2", value="2019Q2", parameter_only=("quarter", "query")),
            OpenApiExample("all", value="all", parameter_only=("reported", "query")),
            examples.COMPLETENESS],
    )
    def get(self, request):
        only_params(request, "within", "quarter", "reported", "state", "page", "page_size")
        # Note: a plain dict, as DRF reads an empty value in a QueryDict as "not given".
        params = validated(CompletenessQuerySerializer, request.query_params.dict(), strict=False)
        result = selectors.completeness(by=request.user, code=params["within"], quarter=params.get("quarter"),
                                        reported=params.get("reported"), state=params.get("state"))
        page = self.paginate_queryset(result.pop("communes"))
        paginator = self.paginator
        return Response(CompletenessSerializer({
            **result, "count": paginator.page.paginator.count, "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(), "results": page,
        }).data)
