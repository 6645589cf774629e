"""Goals, with their progress computed as of a period."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ... import selectors, services
from ...models import Goal
from .. import examples
from ..examples import ID_PARAM, period_param
from ..filters import GoalFilter
from ..parsing import only_params, parse_period, validated
from ..serializers.goals import GoalProgressSerializer, GoalWriteSerializer
from .base import ServiceViewSet, paged


@extend_schema_view(
    list=extend_schema(summary="List goals with their progress", operation_id="goals_list",
                       parameters=[period_param("as_of", "Evaluate as of this period (default: the current quarter).")],
                       examples=[examples.GOAL_PROVINCE]),
    retrieve=extend_schema(summary="Read a goal with its progress", operation_id="goals_retrieve", parameters=[ID_PARAM],
                           examples=[examples.GOAL_DISTRICT]),
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
        as_of = parse_period("as_of", request.query_params.get("as_of"))
        goals = self.filter_queryset(self.get_queryset())
        wanted = self.request.query_params.get("status")
        if not wanted:
            # The page first, then the progress of its goals only.
            page = self.paginate_queryset(goals)
            rows = selectors.goals_progress(by=request.user, goals=page, as_of=as_of)
            return self.get_paginated_response(GoalProgressSerializer(rows, many=True).data)
        # Note: a status is computed, not stored: every goal is computed to find those in it.
        rows = selectors.goals_progress(by=request.user, goals=list(goals), as_of=as_of)
        return paged(self, request, [row for row in rows if row["status"] == wanted], GoalProgressSerializer)

    def retrieve(self, request, pk=None):
        return Response(selectors.goal_progress(by=request.user, goal=self.get_object()))

    @extend_schema(summary="A goal's progress", operation_id="goals_progress_retrieve", tags=["figures"],
                   parameters=[ID_PARAM, period_param("as_of", "Evaluate as of this period (default: the current quarter).")],
                   responses=GoalProgressSerializer, filters=False, examples=[examples.GOAL_DISTRICT])
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def progress(self, request, pk=None):
        only_params(request, "as_of")
        as_of = parse_period("as_of", request.query_params.get("as_of"))
        return Response(selectors.goal_progress(by=request.user, goal=self.get_object(), as_of=as_of))

    def _save(self, goal, data):
        for name, value in data.items():
            setattr(goal, name, value)
        goal = services.goal_save(by=self.request.user, goal=goal)
        return selectors.goal_progress(by=self.request.user, goal=self.get_queryset().get(pk=goal.pk))

    def create(self, request):
        return Response(self._save(Goal(), validated(GoalWriteSerializer, request.data, context={"request": request})), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = validated(GoalWriteSerializer, request.data, context={"request": request}, partial=True)
        return Response(self._save(self.get_object(), data))
