"""What the viewsets share: the user's area, the audit trail of a record, its version (ETag and
If-Match), writes and deletes through the services, and a page of computed rows."""
from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from ... import audit, selectors, services
from ...models import AdministrativeUnit
from .. import examples
from ..errors import PreconditionFailed
from ..pagination import PAGE_SCHEMA, PAGE_SIZE_HELP, PAGE_SIZE_SCHEMA
from ..parsing import IF_MATCH_PATTERN, only_params
from ..serializers.history import HistoryEntrySerializer


def paged(view, request, rows, serializer_class, **context):
    page = view.paginate_queryset(rows)
    return view.get_paginated_response(serializer_class(page, many=True, context={"request": request, **context}).data)


class HistoryMixin:
    """``GET …/{id}/history/``: the record's audit trail, newest first (two queries)."""

    # Stored values the API writes in another form, by field (a unit's level: its word).
    history_forms: dict = {}

    @extend_schema(
        summary="The change history of this record", filters=False, responses=HistoryEntrySerializer(many=True),
        description="Who changed it, when, through which path (admin, API, command), and each field before "
        "and after. The history is append-only.",
        parameters=[OpenApiParameter("page", PAGE_SCHEMA), OpenApiParameter("page_size", PAGE_SIZE_SCHEMA, description=PAGE_SIZE_HELP)],
        examples=[examples.HISTORY],
    )
    @action(detail=True, methods=["get"], filterset_class=None, ordering=None)
    def history(self, request, *args, **kwargs):
        only_params(request, "page", "page_size")
        records = list(self.get_object().history.select_related("history_user").order_by("-history_date", "-history_id"))
        entries = audit.changes(records)
        for entry in entries:
            for field, change in entry["changes"].items():
                if field in self.history_forms:
                    written = self.history_forms[field]
                    entry["changes"][field] = {side: None if value is None else written(value) for side, value in change.items()}
        return paged(self, request, entries, HistoryEntrySerializer)


def etag(record) -> str:
    """A version tag of ``record`` that changes with every saved change (its audit trail's latest row)."""
    latest = record.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return f'"{record._meta.model_name}-{record.pk}-{latest or 0}"'


class InAreaMixin:
    """A viewset of what the user may see (``selectors.visible``): records elsewhere answer 404,
    like a wrong id or code."""

    def get_queryset(self):
        return selectors.visible(by=self.request.user, queryset=super().get_queryset())

    def unit_in_area(self, code: str, day=None) -> AdministrativeUnit:
        """The unit with ``code`` (on ``day``) that the user may see (``selectors.unit_by_code``)."""
        return selectors.unit_by_code(by=self.request.user, code=code, day=day)


class ServiceViewSet(InAreaMixin, HistoryMixin, viewsets.GenericViewSet):
    """Create, update and delete through the services. PATCH updates; PUT is only the quarterly submission.

    A record read alone carries an ETag; a PATCH or DELETE that sends ``If-Match`` with another
    tag is refused with 412, so nobody overwrites a change they have not seen.
    """

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    # The schema documents If-Match (and 412) for the PATCH and DELETE of a record (api.schema).
    versioned = True

    def find_object(self):
        """The record the URL names (a viewset that looks records up otherwise overrides this)."""
        if (self.lookup_url_kwarg or self.lookup_field) not in self.kwargs:
            # Note: a route that names no record (``OPTIONS`` on a list action asks for one).
            raise NotFound()
        return super().get_object()

    def dispatch(self, request, *args, **kwargs):
        # A PATCH or DELETE is one transaction in which its record stays locked from the version
        # check to the write (``get_object``): two writers sending one ETag get one 200, one 412.
        if request.method in ("PATCH", "DELETE"):
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        record = self._record = self.find_object()
        if self.request.method in ("PATCH", "DELETE"):
            # Note: the services check this again in the write; asked first so that a user who
            # may not change the record learns that (403), not whether their copy is current.
            record = self._record = services.lock_for_change(by=self.request.user, record=record)
            expected = self.request.headers.get("If-Match")
            if expected is not None and not re.fullmatch(IF_MATCH_PATTERN, expected):
                raise ValidationError({"If-Match": [_('Write * or the ETag of the version you read, e.g. "report-13-2".')]},
                                      code="invalid")
            if expected and expected.strip() != "*" and etag(record) not in [tag.strip() for tag in expected.split(",")]:
                raise PreconditionFailed(
                    _("%(what)s “%(record)s” changed since you read it (now %(etag)s): read it again.")
                    % {"what": record._meta.verbose_name, "record": record, "etag": etag(record)}
                )
        return record

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "_record", None)
        if self.action in ("retrieve", "partial_update") and response.status_code == 200 and record is not None:
            response["ETag"] = etag(record)  # one query: the latest row of its audit trail
        return response

    def perform_destroy(self, instance):
        services.record_delete(by=self.request.user, record=instance)

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
