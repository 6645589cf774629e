"""The OpenAPI schema: the error responses every operation documents, query-parameter enums
named like the body enums, and the forms every generator and linter accepts (the examples of the
docs: ``examples``)."""
import json
import re

from drf_spectacular import renderers
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .errors import ApiErrorSerializer
from .examples import LOCKED, MAP_LOCKED
from .parsing import IF_MATCH_PATTERN

_ERROR_EXAMPLES = {
    400: ("validation_error", "admissions: Admissions (4) cannot exceed the probationary members (2).",
          [{"path": "admissions", "code": "invalid", "message": "Admissions (4) cannot exceed the probationary members (2)."}]),
    401: ("not_authenticated", "Authentication credentials were not provided.", []),
    403: ("permission_denied", "You do not have permission to perform this action.", []),
    404: ("not_found", "No unit has the code 999.", []),
    405: ("method_not_allowed", 'Method "PATCH" not allowed.', []),
    412: ("precondition_failed", "village “Huổi Chổn” changed since you read it (now \"village-6-14\"): read it again.", []),
    413: ("request_too_large", "The body has 2000000 bytes; at most 1000000 are accepted.", []),
    409: ("conflict", "Still referenced by quarterly village report “Hoa 2019Q4”: close it with an end date instead of deleting it.", []),
    415: ("unsupported_media_type", 'Unsupported media type "text/plain" in request.', []),
    429: ("throttled", "Request was throttled. Expected available in 42 seconds.", []),
}
_ERROR_TEXT = {
    400: "Invalid input: each field in error is listed with its path.",
    401: "Not signed in: no token (or session), or a wrong one.",
    403: "Your roles do not allow this change here (the reason says which area).",
    404: "Not found, or outside the area of your roles (also a page number past the last page).",
    405: "Method not allowed.",
    409: "Conflict with the current state.",
    412: "The record changed since the version named in If-Match.",
    413: "The body is larger than the server accepts.",
    415: "The body is not JSON.",
    429: "Too many attempts from this address: wait the seconds `Retry-After` gives.",
}


def _error(status_code: int, more=()) -> OpenApiResponse:
    code, detail, errors = _ERROR_EXAMPLES[status_code]
    return OpenApiResponse(
        response=ApiErrorSerializer,
        description=_ERROR_TEXT[status_code],
        examples=[OpenApiExample(code, value={"status": status_code, "code": code, "detail": detail, "errors": errors},
                                 status_codes=[str(status_code)], response_only=True), *more],
    )


def _changes_villages_of_quarters(path: str) -> bool:
    """The operations that change which villages a quarter's figures count, which an approved
    quarter refuses (409 ``locked``): changes of the map that move villages, villages added or closed."""
    return path in ("/api/v1/reorganisations/transfer/", "/api/v1/reorganisations/split/",
                    "/api/v1/reorganisations/merge/", "/api/v1/reorganisations/abolish-level/",
                    "/api/v1/villages/", "/api/v1/villages/{id}/")


def _writes_reports(path: str) -> bool:
    """The operations that write reports, which an approved quarter locks (409 ``locked``)."""
    return (path.startswith("/api/v1/reports/") or path.endswith("/reports/{period}/")
            or path.endswith("/spreadsheets/{quarter}/"))


class AutoSchema(SpectacularAutoSchema):
    """Adds the documented error responses every operation can return."""

    def _versioned(self) -> bool:
        # Note: a flag of the view (views.base.ServiceViewSet sets it) rather than a class to
        # import: the views load this module as they are declared.
        return getattr(self.view, "versioned", False)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method.upper() in ("PATCH", "DELETE") and "{" in self.path and self._versioned():
            parameters = [*parameters, OpenApiParameter(
                "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                pattern=IF_MATCH_PATTERN,
                description="The ETag of the version you read (GET returns it): the change is refused with 412 "
                "if the record changed since.",
            )]
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # Note: drf-spectacular gives the length limits of a ListField but not those of a list of
        # nested serializers (`many=True`).
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListSerializer) and isinstance(schema, dict) and schema.get("type") == "array":
            least = field.min_length if field.min_length is not None else (0 if field.allow_empty else 1)
            if least:
                schema["minItems"] = least
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

    def get_operation_id(self):
        # Note: operations without an explicit id (the history of each resource) would be named
        # after the URL prefix, "v1_units_history_list"; drop the version and the list suffix.
        operation_id = super().get_operation_id()
        if operation_id.startswith("v1_"):
            operation_id = operation_id.removeprefix("v1_").removesuffix("_list")
        return operation_id

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        # Note: every operation but getting a token needs a signed-in user (401).
        codes = [400, 401, 405]
        if method not in ("GET", "HEAD", "OPTIONS"):
            codes += [403, 409]
        if method in ("POST", "PUT", "PATCH"):
            codes += [413, 415]
        # Note: a view whose query names the unit it reads (``names_a_unit``) answers 404 for one
        # the user may not see, as a path does.
        if ("{" in self.path or (method == "GET" and self._is_list_view() and self._get_paginator())
                or getattr(self.view, "names_a_unit", False)):
            codes.append(404)
        if method == "POST" and getattr(self.view, "throttle_scope", None):
            codes.append(429)
        if method in ("PATCH", "DELETE") and "{" in self.path and self._versioned():
            codes.append(412)
        for code in sorted(set(codes)):
            if str(code) not in responses:
                more = []
                if code == 409 and _writes_reports(self.path):
                    more = [LOCKED]
                elif code == 409 and _changes_villages_of_quarters(self.path) and method in ("POST", "PATCH"):
                    more = [MAP_LOCKED]
                responses[str(code)] = self._get_response_for_code(_error(code, more), str(code), direction=direction)
        return responses


def postprocess_parameter_enums(result, generator, **kwargs):
    """Query parameters whose choices are those of a named enum refer to it, so a generated client
    has one ``GoalStatusEnum`` rather than one enum class per parameter."""
    schemas = result.get("components", {}).get("schemas", {})
    by_values: dict[frozenset, list[str]] = {}
    for name, schema in schemas.items():
        if "enum" in schema:
            by_values.setdefault(frozenset(schema["enum"]), []).append(name)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                names = by_values.get(frozenset(parameter["schema"].get("enum", ())), [])
                if len(names) == 1:
                    parameter["schema"] = {"$ref": f"#/components/schemas/{names[0]}"}
    return result


def postprocess_closed_requests(result, generator, **kwargs):
    """Request bodies take no other field than those listed (the API refuses an unknown field)."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
    return result


def postprocess_request_defaults(result, generator, **kwargs):
    """Request bodies declare no ``default``; the description says it instead. The server applies
    it to a field left out, so the field is optional: a generator that makes every field with a
    default required (openapi-typescript's default ``defaultNonNullable``) would otherwise ask the
    caller for it, and a PATCH body's default would overwrite the fields the caller left out."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if not (name.endswith("Request") or name.startswith("Patched")):
            continue
        for field in schema.get("properties", {}).values():
            defaults = [part.pop("default") for part in [field, *field.get("oneOf", []), *field.get("allOf", [])]
                        if "default" in part]
            if defaults and not name.startswith("Patched"):  # a PATCH applies no default at all
                said = "Default: empty." if defaults[0] == "" else f"Default: `{json.dumps(defaults[0])}`."
                described = field.get("description", "")
                separator = "\n\n" if "\n" in described else " "  # after an enum's list of values
                field["description"] = f"{described}{separator}{said}" if described else said
    return result


NULL_ENUM = {"$ref": "#/components/schemas/NullEnum"}


def postprocess_nullable_types(result, generator, **kwargs):
    """``nullable`` only beside a ``type``, as OpenAPI 3.0 wants it (Redocly's
    ``nullable-type-sibling``). drf-spectacular writes a nullable nested object as
    ``allOf: [X], nullable: true``: it becomes ``oneOf: [X, NullEnum]``, the form it already gives
    a nullable choice (``oneOf: [XEnum, NullEnum]``, whose ``nullable`` is then redundant)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node:
                if len(node.get("allOf", [])) == 1 and "oneOf" not in node:
                    node.pop("nullable")
                    node["oneOf"] = [node.pop("allOf")[0], NULL_ENUM]
                    found.append(node)
                elif NULL_ENUM in node.get("oneOf", []):
                    node.pop("nullable")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result.get("paths", {}))
    walk(result.get("components", {}).get("schemas", {}))
    if found:
        result["components"]["schemas"].setdefault("NullEnum", {"enum": [None]})
    return result


def postprocess_security(result, generator, **kwargs):
    """Every operation states its security; the one open to all (getting a token) says so with an
    empty list rather than by leaving it out (Redocly's ``security-defined``)."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation.setdefault("security", [])
    return result


def _quote_yaml_12_numbers() -> None:
    """The schema's YAML is written with YAML 1.1 rules, which read ``094`` (a district's code) as
    text, so it goes out unquoted; a YAML 1.2 reader (Redocly, openapi-typescript, Swagger UI's
    JavaScript) reads it as the number 94. Such strings are quoted."""
    numbers = re.compile(r"^(?:[-+]?0[0-9_]+|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|0o[0-7]+)$")
    # Note: the dumper class drf-spectacular's renderer derives from (only dumping is affected).
    renderers.SafeDumper.add_implicit_resolver("tag:yaml.org,2002:int", numbers, list("-+0123456789"))


_quote_yaml_12_numbers()
