"""Every example of the committed schema (docs/openapi.yaml) is valid for the schema it shows:
the request bodies, the answers, the parameters, and the ``example`` of a field.

The schema is OpenAPI 3.0, whose schema objects are JSON Schema (draft 4's keywords) plus
``nullable``; ``jsonschema`` validates them once ``nullable`` is written as JSON Schema says it
(``openapi_to_json_schema``). Formats are checked as the server checks them (``FORMATS``).
"""
from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_datetime
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
BASE = "urn:openapi"  # the schema's components are resolved in the document itself
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# Note: jsonschema checks `date` itself; `uri` and `date-time` only with packages the project does
# not need, so they are checked with Django's own parsers, as the server reads them.
FORMATS = jsonschema.FormatChecker()
FORMATS.checks("uri", raises=ValidationError)(lambda value: not isinstance(value, str) or URLValidator()(value) is None)
FORMATS.checks("date-time")(lambda value: not isinstance(value, str) or parse_datetime(value) is not None)


def openapi_to_json_schema(node, direction: str):
    """An OpenAPI 3.0 schema object as the JSON Schema it means, for a ``request`` body or a
    ``response``: ``nullable`` adds null; a ``readOnly`` field is not required of a request, nor a
    ``writeOnly`` one of a response; references point into the document."""
    if isinstance(node, list):
        return [openapi_to_json_schema(item, direction) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": BASE + node["$ref"]}
    schema = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            schema[key] = {name: openapi_to_json_schema(field, direction) for name, field in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "oneOf", "anyOf"):
            schema[key] = openapi_to_json_schema(value, direction)
        elif key != "nullable":
            schema[key] = value
    unsent = "readOnly" if direction == "request" else "writeOnly"
    if "required" in schema:
        schema["required"] = [name for name in schema["required"]
                              if not node.get("properties", {}).get(name, {}).get(unsent)]
    if node.get("nullable"):
        if isinstance(schema.get("type"), str):
            schema["type"] = [schema["type"], "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        if not {"type", "enum"} & set(schema):  # a composition: null, or what it says
            schema = {"anyOf": [{"type": "null"}, schema]}
    return schema


def registry_of(document: dict, direction: str) -> Registry:
    contents = {"components": {"schemas": {
        name: openapi_to_json_schema(component, direction)
        for name, component in document.get("components", {}).get("schemas", {}).items()
    }}}
    return Registry().with_resource(BASE, Resource.from_contents(contents, default_specification=DRAFT4))


def examples_of(document: dict):
    """(where, value, schema, direction) of every example in ``document``."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                yield from _named_examples(f"{where} {parameter['in']} parameter {parameter['name']}",
                                           parameter, parameter.get("schema", {}), "request")
                yield from _field_examples(f"{where} {parameter['name']}", parameter.get("schema", {}), "request")
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
                yield from _named_examples(f"{where} request {media_type}", media, media.get("schema", {}), "request")
                yield from _field_examples(f"{where} request", media.get("schema", {}), "request")
            for status, response in operation.get("responses", {}).items():
                for media_type, media in response.get("content", {}).items():
                    yield from _named_examples(f"{where} {status} {media_type}", media, media.get("schema", {}), "response")
                    yield from _field_examples(f"{where} {status}", media.get("schema", {}), "response")
    for name, component in document.get("components", {}).get("schemas", {}).items():
        direction = "request" if name.endswith("Request") else "response"
        yield from _field_examples(f"components/schemas/{name}", component, direction)


def _named_examples(where: str, holder: dict, schema: dict, direction: str):
    if "example" in holder:
        yield where, holder["example"], schema, direction
    for name, example in holder.get("examples", {}).items():
        if "value" in example:
            yield f"{where} example {name!r}", example["value"], schema, direction


def _field_examples(where: str, schema, direction: str):
    """The ``example`` of a schema object and of the schema objects inside it."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _field_examples(f"{where}/{index}", item, direction)
        return
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    if "example" in schema:
        yield f"{where} (example of the field)", schema["example"], schema, direction
    for key in ("properties", "patternProperties"):
        for name, field in schema.get(key, {}).items():
            yield from _field_examples(f"{where}.{name}", field, direction)
    for key in ("items", "additionalProperties", "not", "allOf", "oneOf", "anyOf"):
        if key in schema:
            yield from _field_examples(f"{where}/{key}", schema[key], direction)


def invalid_examples(document: dict) -> tuple[int, list[str]]:
    """How many examples ``document`` has, and why each invalid one is."""
    registries = {direction: registry_of(document, direction) for direction in ("request", "response")}
    checked, problems = 0, []
    for where, value, schema, direction in examples_of(document):
        checked += 1
        validator = jsonschema.Draft4Validator(
            openapi_to_json_schema(schema, direction), registry=registries[direction],
            format_checker=FORMATS,
        )
        for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            at = ".".join(str(part) for part in error.absolute_path) or "(the whole value)"
            problems.append(f"{where}: {at}: {error.message[:300]}")
    return checked, problems


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_every_example_is_valid_for_its_schema(document):
    checked, problems = invalid_examples(document)
    assert checked > 400, f"only {checked} examples found: does the walk still find them?"
    assert not problems, f"{len(problems)} examples do not match their schema:\n" + "\n".join(problems)


def test_every_operation_has_its_examples_checked(document):
    """The walk reaches the request body and the answers of every operation that shows any."""
    shown = {where.split(" example ")[0] for where, *_ in examples_of(document) if " example " in where}
    assert any(" request application/json" in where for where in shown)
    assert any(" 200 application/json" in where for where in shown) and any(" 400 application/json" in where for where in shown)
    assert any(" parameter " in where for where in shown)


def _component(document, name):
    return document["components"]["schemas"][name]


def test_a_wrong_example_is_found(document):
    """What the check finds: a required field left out, a value of another type, a bad date, a null
    where the schema has none; and null where ``nullable`` or ``NullEnum`` allows it passes."""
    figures = dict(document["paths"]["/api/v1/units/{code}/progress/"]["get"]["responses"]["200"]["content"]["application/json"]
                   ["examples"]["ĐiệnBiênProvinceIn2008"]["value"])
    broken = {**document, "paths": {"/figures/": {"get": {"responses": {"200": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/UnitFigures"},
        "examples": {
            "as shown": {"value": figures},
            "no map_date": {"value": {key: value for key, value in figures.items() if key != "map_date"}},
            "a number as text": {"value": {**figures, "villages_total": "7"}},
            "no such day": {"value": {**figures, "map_date": "2008-02-30"}},
            "null unit": {"value": {**figures, "unit": None}},
            "null members": {"value": {**figures, "members": None}},
        },
    }}}}}}}}
    _, problems = invalid_examples({**broken, "components": document["components"]})
    assert [problem.split(": ")[0].split("example ")[1] for problem in problems] == [
        "'no map_date'", "'a number as text'", "'no such day'", "'null unit'"], problems
    assert _component(document, "UnitFigures")["properties"]["members"]["nullable"] is True

    goal = _component(document, "GoalProgress")
    assert {"$ref": "#/components/schemas/NullEnum"} in goal["properties"]["baseline_source"]["oneOf"]
    no_source = {"paths": {"/goal/": {"get": {"responses": {"200": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ValueSource"}, "examples": {"null": {"value": None}}}}}}}}}}
    _, problems = invalid_examples({**no_source, "components": document["components"]})
    assert problems and "None is not of type 'object'" in problems[0]
