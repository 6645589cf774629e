"""Pages of a list: their size, and their query parameters as the schema gives them."""
from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

MAX_PAGE_SIZE = 500


# The query parameters of a page, as the schema gives them (views that declare them use these too).
PAGE_SCHEMA = {"type": "integer", "minimum": 1}
PAGE_SIZE_SCHEMA = {"type": "integer", "minimum": 1}
PAGE_SIZE_HELP = f"Number of results to return per page (more than {MAX_PAGE_SIZE} gives {MAX_PAGE_SIZE})."


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        # Note: DRF falls back to the default size for a page_size it cannot read ("ten", 0, -1);
        # that is refused instead, as any other parameter in error. A larger one than the most
        # still gives the most.
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        size = int(text) if text.isascii() and text.isdigit() else 0
        if size < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Give a whole number, 1 or more.")]}, code="invalid"
            )
        return min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        # Note: DRF reads ``?page=`` as the first page; as any parameter sent without a value
        # (api.filters.FilterSet), it is refused instead.
        if request.query_params.get(self.page_query_param) == "":
            raise exceptions.ValidationError(
                {self.page_query_param: ["Give a value, or leave the parameter out."]}, code="blank"
            )
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = dict(PAGE_SCHEMA)
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = dict(PAGE_SIZE_SCHEMA)
                parameter["description"] = PAGE_SIZE_HELP
        return parameters

    def get_paginated_response_schema(self, schema):
        # Note: the docs wrap each list example in a page; DRF's own example points at a made-up
        # /accounts/ endpoint, so show a first and only page instead.
        response = super().get_paginated_response_schema(schema)
        for name, example in (("count", 1), ("next", None), ("previous", None)):
            response["properties"][name]["example"] = example
        return response
