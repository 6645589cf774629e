"""What the property-based run of the API (`.ci/schemathesis`) found, one test per finding: the
server accepted input the schema rules out, refused input the schema allows, or answered with a
status the schema did not document."""
import json
import re

import pytest
from django.conf import settings

from tracking.models import AdministrativeUnit, PartyCell, QuarterReport
from tracking.periods import PATTERN, QUARTER_PATTERN, Period

# ----- values of another JSON type were converted, not refused ------------------------------


@pytest.mark.parametrize(
    ("method", "url", "body", "path"),
    [
        ("post", "/api/v1/cells/", {"name": 0}, "name"),
        ("post", "/api/v1/goals/", {"unit": "03317", "title": "T", "metric": "blank_villages", "set_by": 1}, "set_by"),
        ("post", "/api/v1/units/", {"code": "03320", "name": "X", "kind": "xa", "level": "3", "parent": "100"}, "level"),
        ("post", "/api/v1/reorganisations/rename/", {"on": "2020-01-01", "unit": "03317", "name": 0}, "name"),
        ("post", "/api/v1/reorganisations/split/", {"on": "2020-01-01", "unit": "100", "close_original": "yes",
                                                    "parts": [{"code": "104", "name": "X", "kind": "huyen"}]}, "close_original"),
        ("patch", "/api/v1/reports/REPORT/", {"full_members": "4"}, "full_members"),
        ("put", "/api/v1/units/03317/reports/2019Q3/", {"reports": [{"village": "VILLAGE", "full_members": 1,
                                                                     "probationary_members": 0, "cell": "CELL"}]}, "reports.0.cell"),
    ],
)
def test_values_of_another_json_type_are_refused(staff, data, api_error, method, url, body, path):
    url = url.replace("REPORT", str(data["report"].pk))
    text = json.dumps(body).replace('"VILLAGE"', str(data["village"].pk)).replace('"CELL"', f'"{data["cell"].pk}"')
    before = (PartyCell.objects.count(), AdministrativeUnit.objects.count(), QuarterReport.objects.count())
    result = api_error(staff.generic(method.upper(), url, text, content_type="application/json"), 400, "validation_error", path)
    assert "Must be" in result["detail"]
    assert (PartyCell.objects.count(), AdministrativeUnit.objects.count(), QuarterReport.objects.count()) == before
    assert QuarterReport.objects.get(pk=data["report"].pk).full_members == 3


# ----- a query parameter sent without a value was read as "not given" ------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/api/v1/reports/?period=", "period"),
        ("/api/v1/cells/?village=", "village"),
        ("/api/v1/units/?level=", "level"),
        ("/api/v1/villages/?active_on=", "active_on"),
        ("/api/v1/units/11/children/?active_on=", "active_on"),
        ("/api/v1/units/11/progress/?period=", "period"),
        ("/api/v1/units/11/progress/timeline/?from=", "from"),
        ("/api/v1/units/11/blank-villages/?period=", "period"),
        ("/api/v1/goals/?as_of=", "as_of"),
    ],
)
def test_an_empty_query_value_is_refused(staff, data, api_error, url, path):
    api_error(staff.get(url), 400, "validation_error", path)


def test_an_empty_search_is_no_filter(staff, data):
    assert staff.get("/api/v1/villages/?search=").json()["count"] == 1


@pytest.mark.parametrize("value", ["0", "-1", "ten", "null", "1.5", "٣"])
def test_page_size_must_be_a_whole_number_from_1(staff, data, api_error, value):
    api_error(staff.get("/api/v1/units/", {"page_size": value}), 400, "validation_error", "page_size")
    api_error(staff.get(f"/api/v1/reports/{data['report'].pk}/history/", {"page_size": value}), 400, "validation_error", "page_size")


# ----- If-Match --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "", "abc", '"unclosed', '"a" "b"', "*, *"])
def test_a_malformed_if_match_is_a_400_not_a_412(staff, data, api_error, value):
    url = f"/api/v1/reports/{data['report'].pk}/"
    api_error(staff.patch(url, {"full_members": 4}, format="json", HTTP_IF_MATCH=value), 400, "validation_error", "If-Match")
    api_error(staff.delete(url, HTTP_IF_MATCH=value), 400, "validation_error", "If-Match")
    assert QuarterReport.objects.get(pk=data["report"].pk).full_members == 3


def test_a_body_in_error_is_a_400_even_with_a_stale_if_match(staff, data, api_error):
    url = f"/api/v1/cells/{data['cell'].pk}/"
    api_error(staff.patch(url, {"dissolved_on": 1966}, format="json", HTTP_IF_MATCH='"stale"'), 400, "validation_error", "dissolved_on")
    api_error(staff.patch(url, {"name": "Chi bộ"}, format="json", HTTP_IF_MATCH='"stale"'), 412, "precondition_failed")
    tag = staff.get(url)["ETag"]
    assert staff.patch(url, {"name": "Chi bộ"}, format="json", HTTP_IF_MATCH=f'"other" ,\t{tag}').status_code == 200


# ----- the schema says what the server does --------------------------------------------------


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


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


@pytest.mark.parametrize("text", ["1944", "1945", "2019", "2100", "2101", "0000", "9999", "2019Q2", "2100Q4", "1944Q4",
                                  "2019-05", "2101-01", "2019-13", "19450", "2019Q5"])
def test_the_period_patterns_accept_what_the_server_accepts(text):
    try:
        period = Period.parse(text)
    except Exception:
        period = None
    assert bool(re.match(PATTERN, text)) == (period is not None), text
    assert bool(re.match(QUARTER_PATTERN, text)) == (period is not None and period.kind == "quarter"), text


def test_sqlite_write_transactions_wait_for_the_lock():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    # Concurrent writes from runserver's threads were "database is locked" 500s.
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("url", ["/api/v1/approvals/?within=", "/api/v1/approvals/?unit=", "/api/v1/approvals/?quarter="])
def test_empty_query_values_on_approvals_are_refused(staff_api, tree, api_error, url):
    api_error(staff_api.get(url), 400, "validation_error", url.split("?")[1].rstrip("="))
