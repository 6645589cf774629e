"""The OpenAPI schema: committed, current, complete, and accepted by the server as it says.

The schema is generated with the database locked (its fixture asks for none) and under a
far-off date, so the committed file can depend on neither.
"""
import contextlib
import copy
import datetime
import difflib
import io
import itertools
import re
from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import CommandError
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
REGENERATE = ".venv/bin/python manage.py spectacular --lang en --file docs/openapi.yaml --validate --fail-on-warn"
WRITES = {"post", "put", "patch", "delete"}
HTTP_METHODS = WRITES | {"get"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    """The schema as ``manage.py spectacular`` writes it, on a date other than today."""
    target = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    warnings = io.StringIO()
    GENERATOR_STATS.reset()  # warnings of schemas served earlier in this process are not ours
    far_off = datetime.datetime(2041, 2, 3, 4, 5, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=far_off), contextlib.redirect_stderr(warnings):
        try:
            call_command("spectacular", "--lang", "en", "--file", str(target), "--validate", "--fail-on-warn")
        except CommandError as error:
            pytest.fail(f"Schema generation failed ({error}): fix the schema, then regenerate with\n"
                        f"    {REGENERATE}\n{warnings.getvalue()}")
    return target.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def schema(generated) -> dict:
    return yaml.safe_load(generated)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def resolve(schema, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_committed_schema_is_current(generated):
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    if committed != generated:
        diff = "".join(list(difflib.unified_diff(
            committed.splitlines(True), generated.splitlines(True), "docs/openapi.yaml (committed)", "generated",
        ))[:80])
        pytest.fail(f"docs/openapi.yaml is out of date. Regenerate it from the project folder with\n"
                    f"    {REGENERATE}\nand commit it. First differences:\n{diff}")


def test_every_operation_is_documented(schema):
    tag_names = {tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]}
    problems, ids = [], []
    for path, method, op in operations(schema):
        where = f"{method.upper()} {path}"
        ids.append(op.get("operationId"))
        if len(op.get("tags", [])) != 1 or op["tags"][0] not in tag_names:
            problems.append(f"{where}: tags {op.get('tags')} (one of {sorted(tag_names)})")
        if not op.get("summary"):
            problems.append(f"{where}: no summary")
        if not re.fullmatch(r"[a-z]+(_[a-z]+)+", op.get("operationId", "")) or op["operationId"].startswith("api_"):
            problems.append(f"{where}: operationId {op.get('operationId')!r} is not a readable snake_case name")

        has_body = "requestBody" in op
        has_path_param = any(p["in"] == "path" for p in op.get("parameters", []))
        expected = {"400", "401", "405"}
        expected |= {"403", "409"} if method in WRITES else set()
        expected |= {"415"} if has_body else set()
        expected |= {"404"} if has_path_param else set()
        errors = {code: response for code, response in op["responses"].items() if code.startswith("4")}
        if missing := expected - set(errors):
            problems.append(f"{where}: error responses {sorted(missing)} not documented")
        for code, response in errors.items():
            content = response.get("content", {})
            if list(content) != ["application/json"] or content["application/json"]["schema"] != {"$ref": "#/components/schemas/ApiError"}:
                problems.append(f"{where}: {code} is not documented with the ApiError shape (application/json)")
            elif not content["application/json"].get("examples"):
                problems.append(f"{where}: {code} has no example")

        # An example of its own: the request body, a successful answer, or (a DELETE) the path.
        request_examples = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("examples")
        success_examples = [
            response["content"]["application/json"].get("examples")
            for code, response in op["responses"].items()
            if code.startswith("2") and "application/json" in response.get("content", {})  # not a file
        ]
        path_examples = [p.get("examples") for p in op.get("parameters", []) if p["in"] == "path"]
        takes_nothing = not has_body and not op.get("parameters") and not success_examples  # DELETE …/auth/token/
        if not (request_examples or any(success_examples) or takes_nothing
                or (not has_body and not success_examples and any(path_examples))):
            problems.append(f"{where}: no example of a successful request or answer")
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"operationIds used twice: {duplicates}"
    assert not problems, "\n".join(problems)


def test_enums_are_named_components(schema):
    named = set(settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]) | {"BlankEnum", "NullEnum"}
    components = schema["components"]["schemas"]
    unnamed = sorted(name for name, component in components.items() if "enum" in component and name not in named)
    assert not unnamed, f"enums named by the generator, add them to ENUM_NAME_OVERRIDES: {unnamed}"

    inline = []

    def walk(node, where):
        if isinstance(node, dict):
            if "enum" in node:
                inline.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(schema["paths"], "paths")
    for name, component in components.items():
        walk(component.get("properties", {}), name)
    assert not inline, "enums not referring to a named component:\n" + "\n".join(inline)


def request_bodies(schema):
    for path, method, op in operations(schema):
        if "requestBody" in op:
            content = op["requestBody"]["content"]  # JSON, or a file as multipart/form-data
            media = content.get("application/json") or next(iter(content.values()))
            yield f"{method.upper()} {path}", resolve(schema, media["schema"])


def string_properties(schema, component: dict, prefix: str = ""):
    """(path, schema) of every string field of a request body, nested objects and lists included."""
    for name, node in component.get("properties", {}).items():
        node = resolve(schema, node)
        if node.get("type") == "array":
            items = resolve(schema, node["items"])
            if items.get("type") == "object":
                yield from string_properties(schema, items, f"{prefix}{name}.0.")
            elif items.get("type") == "string":
                yield f"{prefix}{name}.0", items, component.get("required", []), name
        elif "enum" in node or node.get("format") == "binary":  # a file is no text
            continue
        elif node.get("type") == "string" or all(b.get("type") == "string" for b in node.get("oneOf", [{}])):
            yield f"{prefix}{name}", node, component.get("required", []), name


def test_string_fields_state_their_constraints(schema):
    """Free text has a maxLength; codes and periods a pattern; required text cannot be empty."""
    problems = []
    for where, body in request_bodies(schema):
        for path, node, required, name in string_properties(schema, body):
            branches = node.get("oneOf", [node])
            if not all("maxLength" in b or "pattern" in b or b.get("format") == "date" for b in branches):
                problems.append(f"{where} {path}: no maxLength or pattern")
            if name in required and not all(b.get("minLength", 0) >= 1 or "pattern" in b or b.get("format") == "date" for b in branches):
                problems.append(f"{where} {path}: required but may be empty")
            if where.startswith("PATCH") and any("default" in b for b in [node, *branches]):
                problems.append(f"{where} {path}: a PATCH applies no default")
    for path, method, op in operations(schema):
        for parameter in op.get("parameters", []):
            node = resolve(schema, parameter["schema"])
            constrained = "enum" in node or "pattern" in node or node.get("format") == "date"
            if node.get("type") == "string" and not constrained and parameter["name"] not in ("search", "ordering"):
                problems.append(f"{method.upper()} {path} ?{parameter['name']}: no pattern")
    assert not problems, "\n".join(problems)


def test_412_is_documented_wherever_if_match_is_taken(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            takes_if_match = any(p["name"] == "If-Match" for p in operation.get("parameters", []))
            assert takes_if_match == ("412" in operation["responses"]), (method, path)
            takes_if_match_expected = method in ("patch", "delete") and "{" in path
            assert takes_if_match == takes_if_match_expected, (method, path)


def test_only_getting_a_token_is_documented_as_open(schema):
    open_operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if operation.get("security", [{}]) in ([], [{}]) or {} in operation.get("security", []):
                open_operations.append(f"{method.upper()} {path}")
            else:
                assert {"tokenAuth": []} in operation["security"], (method, path)
    assert open_operations == ["POST /api/v1/auth/token/"]


def test_request_bodies_take_no_other_field_and_lists_give_their_lengths(schema):
    components = schema["components"]["schemas"]
    requests = [name for name in components if name.endswith("Request")]
    assert requests and all(components[name]["additionalProperties"] is False for name in requests)
    reports = components["SubmissionRequest"]["properties"]["reports"]
    assert (reports["minItems"], reports["maxItems"]) == (1, 5000)
    assert components["SplitRequest"]["properties"]["parts"]["minItems"] == 1
    assert components["MergeRequest"]["properties"]["units"]["minItems"] == 1


# ---------------------------------------------------------------------------------------
# What the schema allows, the server accepts


def allows(schema, node: dict, value: str) -> bool:
    """Whether a string ``value`` is valid for ``node`` (the keywords this schema uses)."""
    node = resolve(schema, node)
    if "oneOf" in node:
        return any(allows(schema, branch, value) for branch in node["oneOf"])
    if "allOf" in node:
        return all(allows(schema, branch, value) for branch in node["allOf"])
    if "enum" in node:
        return value in node["enum"]
    if len(value) < node.get("minLength", 0) or len(value) > node.get("maxLength", len(value)):
        return False
    if "pattern" in node and not re.search(node["pattern"], value):
        return False
    if node.get("format") == "uri":
        return bool(re.fullmatch(r"[a-z][a-z0-9+.-]*://\S+", value))
    if node.get("format") == "date":
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
    return True


def candidates(node: dict) -> list[str]:
    longest = max((b.get("maxLength", 0) for b in node.get("oneOf", [node])), default=0) or 10_000
    return ["", "   ", "Bản Huổi Chổn", "x" * longest, "http://example.org/" + "x" * (longest - 19)]


def set_path(body, path: str, value) -> None:
    """Put ``value`` at a dotted path such as ``reports.0.note``, creating what is missing."""
    keys = path.split(".")
    for key, following in itertools.pairwise(keys):
        if isinstance(body, list):
            body = body[int(key)]
        else:
            body = body.setdefault(key, [{}] if following.isdigit() else {})
    if isinstance(body, list):
        body[int(keys[-1])] = value
    else:
        body[keys[-1]] = value


@pytest.fixture
def superuser_api(article, django_user_model):
    user = django_user_model.objects.create_superuser(username="schema", email="schema@example.org", password="pw")
    client = APIClient()
    client.force_authenticate(user)
    return client


def fill(schema, path: str) -> str:
    """``path`` with the path parameters of its examples (records of the fixtures)."""
    values = {"code": "100", "id": "4"}
    for op in schema["paths"][path].values():
        for parameter in op.get("parameters", []):
            if parameter["in"] == "path" and parameter.get("examples"):
                values[parameter["name"]] = str(next(iter(parameter["examples"].values()))["value"])
    return re.sub(r"{(\w+)}", lambda match: values[match.group(1)], path)


def first_example(media: dict):
    examples = media.get("examples") or {}
    return copy.deepcopy(next(iter(examples.values()))["value"]) if examples else {}


def test_the_server_accepts_every_string_the_schema_allows(schema, superuser_api):
    """Each text field of each request body, and each free-text query parameter, gets the values
    the schema allows among: empty, blank, words, and text of the longest allowed length. None
    may be refused with an error on that field (what schemathesis reports as ST202)."""
    refused = []
    for path, method, op in operations(schema):
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            media = op["requestBody"]["content"]["application/json"]
            body_schema = resolve(schema, media["schema"])
            url = fill(schema, path) + ("?dry_run=true" if "dry_run" in {p["name"] for p in op.get("parameters", [])} else "")
            for field, node, _, _ in string_properties(schema, body_schema):
                for value in candidates(node):
                    if not allows(schema, node, value):
                        continue
                    body = first_example(media)
                    set_path(body, field, value)
                    response = getattr(superuser_api, method)(url, body, format="json")
                    if response.status_code == 400 and field in [e["path"] for e in response.json()["errors"]]:
                        refused.append(f"{method.upper()} {path} {field}={value[:30]!r}: {response.json()['detail']}")
        for parameter in op.get("parameters", []):
            node = resolve(schema, parameter["schema"])
            if parameter["in"] != "query" or node.get("type") != "string":
                continue
            for value in candidates(node):
                if allows(schema, node, value):
                    response = superuser_api.get(fill(schema, path), {parameter["name"]: value})
                    if response.status_code == 400 and parameter["name"] in [e["path"] for e in response.json()["errors"]]:
                        refused.append(f"GET {path}?{parameter['name']}={value[:30]!r}: {response.json()['detail']}")
    assert not refused, "The schema allows what the server refuses:\n" + "\n".join(refused)


# ---------------------------------------------------------------------------------------
# The pages of the docs


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_need_no_internet(client, url):
    """Swagger UI and Redoc load every script, style and icon from this server (the sidecar)."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), "the page refers to another host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    static = "/" + settings.STATIC_URL.lstrip("/")
    assert assets and all(asset.startswith(static + "drf_spectacular_sidecar/") for asset in assets), assets
    for asset in assets:
        assert finders.find(asset.removeprefix(static)), f"{asset} is not among the static files"
    assert "/api/schema/" in html


def test_schema_is_served(client, schema):
    response = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    served = yaml.safe_load(response.content)
    assert served["paths"].keys() == schema["paths"].keys()
    assert served["components"]["schemas"].keys() == schema["components"]["schemas"].keys()
