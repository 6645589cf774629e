"""API of quarter approvals: the list, a unit's quarter, its four transitions and its history.

Thin, as the other views: the rules (who may do what, which transition from which state, the reason)
are ``tracking.approvals``'. A unit out of the user's visible area is answered as an unknown
code (404); visible but without the role, 403 with the reason; a wrong transition, 409.
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ... import audit, selectors
from ...models import QuarterApproval
from ...periods import QUARTER
from ...selectors import approvals as approval_reads
from ...services import approvals as approval_steps
from .. import examples
from ..examples import CODE_PARAM, QUARTER_PARAM
from ..filters import QuarterApprovalFilter
from ..parsing import only_params, parse_period, validated
from ..serializers.approvals import (
    ApprovalDetailSerializer,
    ApprovalReasonSerializer,
    ApprovalSerializer,
    NoBodySerializer,
)
from ..serializers.history import HistoryEntrySerializer
from .base import InAreaMixin, paged

_COMMUNE_EXAMPLES = [
    OpenApiExample("Nà Nhạn", value="03317", parameter_only=("code", "path")),
    OpenApiExample("2019Q2", value="2019Q2", parameter_only=("quarter", "path")),
]


@extend_schema_view(
    list=extend_schema(
        summary="List quarter approvals", operation_id="approvals_list", examples=[examples.APPROVAL],
        description="The quarters submitted, approved, returned or reopened, of the units in your area. A unit "
        "and quarter without a row is a draft. `locked`: the reports of its villages cannot change.",
    ),
)
@extend_schema(tags=["approvals"])
class ApprovalViewSet(InAreaMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ApprovalSerializer
    filterset_class = QuarterApprovalFilter
    ordering_fields = ["quarter", "updated_at", "id"]
    ordering = ["-quarter", "id"]
    queryset = QuarterApproval.objects.select_related("unit", "submitted_by", "approved_by")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ApprovalSerializer(approval_reads.describe(page), many=True).data)


def _transition_schema(summary: str, operation_id: str, description: str, request=None, example=None):
    shown = [*_COMMUNE_EXAMPLES, examples.APPROVAL_REOPENED if request else examples.APPROVAL_DETAIL]
    if example:
        shown.insert(0, OpenApiExample(summary, request_only=True, value=example))
    return extend_schema(
        summary=summary, operation_id=operation_id, description=description, parameters=[CODE_PARAM, QUARTER_PARAM],
        request=request or NoBodySerializer, responses=ApprovalDetailSerializer, filters=False, examples=shown,
    )


@extend_schema(tags=["approvals"])
class UnitApprovalViewSet(InAreaMixin, viewsets.GenericViewSet):
    """``/units/{code}/approvals/{quarter}/``: where a unit's quarter stands, and its transitions.

    Each transition answers with the new state. Rights are checked on the quarter's last day,
    in the map of that day.
    """

    serializer_class = ApprovalDetailSerializer
    lookup_field = "quarter"
    lookup_value_regex = "[^/]+"
    # Note: a viewer reaches the transitions so that the service says which role is missing.
    approver_action = True
    filterset_class = None
    ordering = None

    def _quarter(self):
        text = self.kwargs["quarter"]
        quarter = parse_period("quarter", text)
        if quarter.kind != QUARTER:
            raise ValidationError({"quarter": [_("“%(value)s” is not a quarter: write it as 2019Q2.") % {"value": text}]},
                                  code="invalid_period")
        return quarter

    def _target(self):
        """The unit the URL names, as it was on the quarter's last day, and the quarter: one of
        the user's quarters (another committee's quarter does not exist for them)."""
        quarter = self._quarter()
        return selectors.approval_unit(by=self.request.user, code=self.kwargs["code"], quarter=quarter), quarter

    @extend_schema(
        summary="Where a unit's quarter stands", operation_id="units_approvals_retrieve",
        parameters=[CODE_PARAM, QUARTER_PARAM], responses=ApprovalDetailSerializer, filters=False,
        description="draft (also when nothing was ever submitted), submitted or approved; who submitted and approved "
        "it and when; the reason it was last returned or reopened; `locked` when its reports cannot change "
        "(approved, for the unit or a unit above it: `approved_by_unit`); and how many of its villages have "
        "a report for the quarter.",
        examples=[*_COMMUNE_EXAMPLES, examples.APPROVAL_DETAIL],
    )
    def retrieve(self, request, code=None, quarter=None):
        only_params(request)
        overview = selectors.approval_overview(by=request.user, code=code, quarter=self._quarter())
        return Response(ApprovalDetailSerializer(overview).data)

    def _transition(self, request, name: str, body_serializer):
        only_params(request)
        unit, quarter = self._target()
        data = validated(body_serializer, request.data)
        approval_steps.TRANSITIONS[name](unit=unit, quarter=quarter, by=request.user, **data)
        return Response(ApprovalDetailSerializer(approval_reads.overview(unit, quarter)).data)

    @_transition_schema(
        "Submit a unit's quarter for approval", "units_approvals_submit",
        "draft → submitted. Needs an editor role on the unit's area on the quarter's last day. 409 unless it is a draft.",
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def submit(self, request, code=None, quarter=None):
        return self._transition(request, "submit", NoBodySerializer)

    @_transition_schema(
        "Approve a unit's quarter", "units_approvals_approve",
        "submitted → approved: the reports of every village under the unit on the quarter's last day lock (409 "
        "`locked` on any change, for everyone) until an approver of a unit above reopens it. Needs an approver "
        "role on the unit's area. A draft is submitted first (409).",
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def approve(self, request, code=None, quarter=None):
        return self._transition(request, "approve", NoBodySerializer)

    @_transition_schema(
        "Return a submitted quarter", "units_approvals_return",
        "submitted → draft, with the reason (kept in the history). Needs an approver role on the unit's area.",
        request=ApprovalReasonSerializer, example={"reason": "Nà Lốc has not reported yet."},
    )
    @action(detail=True, methods=["post"], url_path="return", filterset_class=None, pagination_class=None)
    def return_quarter(self, request, code=None, quarter=None):
        return self._transition(request, "return", ApprovalReasonSerializer)

    @_transition_schema(
        "Reopen an approved quarter", "units_approvals_reopen",
        "approved → draft, with the reason (kept in the history); the reports unlock. Only an approver of a unit "
        "above this one (or a superuser): an approver of the unit itself gets 403.",
        request=ApprovalReasonSerializer, example={"reason": "Huổi Chổn's admissions were counted twice."},
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def reopen(self, request, code=None, quarter=None):
        return self._transition(request, "reopen", ApprovalReasonSerializer)

    @extend_schema(
        summary="The history of a unit's quarter", operation_id="units_approvals_history", filters=False,
        description="Each transition, newest first: who, when, through which path (admin, API, command), and each "
        "field before and after, the reason included. Empty for a quarter never submitted.",
        parameters=[CODE_PARAM, QUARTER_PARAM, OpenApiParameter("page", OpenApiTypes.INT),
                    OpenApiParameter("page_size", OpenApiTypes.INT)],
        responses=HistoryEntrySerializer(many=True), examples=[*_COMMUNE_EXAMPLES, examples.APPROVAL_HISTORY],
    )
    @action(detail=True, methods=["get"], filterset_class=None, ordering=None)
    def history(self, request, code=None, quarter=None):
        only_params(request, "page", "page_size")
        records = selectors.approval_history(by=request.user, code=code, quarter=self._quarter())
        return paged(self, request, audit.changes(records), HistoryEntrySerializer)
