"""One error shape for every 4xx, ``{status, code, detail, errors}``, and no input a 500.

The clients here return a server error as a response instead of raising it, as a real client
would see it: each test asserts the status is below 500.
"""
import json

import pytest
from rest_framework.test import APIClient

from tracking.models import AdministrativeUnit, PartyCell, QuarterReport, Village

HUGE = 10**30  # beyond any database integer


@pytest.fixture
def anonymous():
    return APIClient(raise_request_exception=False)


# ----- each kind of error ----------------------------------------------------------------


def test_validation_error_lists_each_field_with_its_path(staff, tree, api_error):
    body = api_error(staff.post("/api/v1/units/", {"code": "1", "name": "", "kind": "nowhere", "level": "commune"}, format="json"),
                     400, "validation_error", "code", "name", "kind")
    assert {error["code"] for error in body["errors"]} >= {"invalid", "blank", "invalid_choice"}
    assert all(error["path"] in body["detail"] for error in body["errors"])


def test_nested_validation_paths(staff, data, api_error):
    body = {"reports": [{"village": data["village"].pk, "full_members": 1, "probationary_members": 0},
                        {"village": data["village"].pk, "full_members": "many", "probationary_members": 0}]}
    api_error(staff.put("/api/v1/units/03317/reports/2019Q3/", body, format="json"), 400, "validation_error", "reports.1.full_members")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/units/999/",
        "/api/v1/villages/999999/",
        "/api/v1/cells/999999/",
        "/api/v1/reports/999999/",
        "/api/v1/reported-figures/999999/",
        "/api/v1/goals/999999/",
        "/api/v1/nothing-here/",
        "/api/v1/units/abc/",
        "/api/v1/units/11/nothing/",
        "/api/v2/units/",
        "/api/",
        "/api/v1/units/11",  # no trailing slash
        "/api/v1/villages/1.5/",
    ],
)
def test_not_found(staff, tree, api_error, url):
    response = staff.get(url)
    assert response["Content-Type"].startswith("application/json")
    api_error(response, 404, "not_found")


def test_not_found_for_any_method_under_api(staff, tree, api_error):
    for method in ("post", "put", "patch", "delete"):
        api_error(getattr(staff, method)("/api/v1/nowhere/", {}, format="json"), 404, "not_found")


@pytest.mark.usefixtures("article")
def test_writes_to_unknown_api_paths_get_the_json_404(staff_api, api_error):
    api_error(staff_api.post("/api/v1/units", {}, format="json"), 404, "not_found")


def test_conflict(staff, data, api_error):
    body = api_error(staff.delete(f"/api/v1/villages/{data['village'].pk}/"), 409, "conflict")
    assert body["errors"] == [] and "Huổi Chổn 2019Q2" in body["detail"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("put", "/api/v1/units/11/"),
        ("post", "/api/v1/units/11/"),
        ("put", "/api/v1/villages/VILLAGE/"),
        ("put", "/api/v1/goals/GOAL/"),
        ("delete", "/api/v1/units/"),
        ("patch", "/api/v1/reports/"),
        ("post", "/api/v1/units/11/children/"),
        ("post", "/api/v1/units/11/progress/"),
        ("delete", "/api/v1/units/11/progress/timeline/"),
        ("get", "/api/v1/units/03317/reports/2019Q2/"),
        ("post", "/api/v1/units/03317/reports/2019Q2/"),
        ("put", "/api/v1/goals/GOAL/progress/"),
    ],
)
def test_method_not_allowed(staff, data, api_error, method, url):
    goal = staff.post("/api/v1/goals/", {"unit": "03317", "title": "Mục tiêu", "metric": "blank_villages",
                                         "set_by": "Đảng ủy xã"}, format="json").json()
    url = url.replace("VILLAGE", str(data["village"].pk)).replace("GOAL", str(goal["id"]))
    response = getattr(staff, method)(url, {}, format="json")
    body = api_error(response, 405, "method_not_allowed")
    assert method.upper() in body["detail"] and "Allow" in response


def test_method_not_allowed_for_reads_too(staff, tree, api_error):
    api_error(staff.get("/api/v1/units/03317/reports/2019Q2/"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ("code=03320&name=X&kind=xa&level=commune&parent=100", "application/x-www-form-urlencoded"),
        ("code: 03320", "text/plain"),
        ("<unit code='03320'/>", "application/xml"),
        ('--xyz\r\nContent-Disposition: form-data; name="code"\r\n\r\n03320\r\n--xyz--\r\n', "multipart/form-data; boundary=xyz"),
    ],
)
def test_unsupported_media_type(staff, tree, api_error, content, content_type):
    body = api_error(staff.generic("POST", "/api/v1/units/", content, content_type=content_type), 415, "unsupported_media_type")
    assert content_type.split(";")[0] in body["detail"]
    assert not AdministrativeUnit.objects.filter(code="03320").exists()


def test_unsupported_media_type_on_the_submission(staff, data, api_error):
    api_error(staff.generic("PUT", "/api/v1/units/03317/reports/2019Q3/", "reports=1", content_type="text/plain"),
              415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content",
    ['{"name": "X",', "{'name': 'X'}", "nul", '{"name": "X"} trailing', "\x00\x01", '{"a": NaN}'],
)
def test_malformed_json(staff, tree, api_error, content):
    response = staff.generic("POST", "/api/v1/villages/", content, content_type="application/json")
    api_error(response, 400, "parse_error")


def test_malformed_json_on_each_write(staff, data, api_error):
    for method, url in (("POST", "/api/v1/reports/"), ("PATCH", f"/api/v1/reports/{data['report'].pk}/"),
                        ("PUT", "/api/v1/units/03317/reports/2019Q3/"), ("POST", "/api/v1/goals/"),
                        ("PATCH", "/api/v1/units/03317/")):
        api_error(staff.generic(method, url, "{", content_type="application/json"), 400, "parse_error")


@pytest.mark.usefixtures("article")
def test_deeply_nested_json_is_a_parse_error(staff_api, api_error):
    body = "[" * 5000 + "]" * 5000
    api_error(staff_api.generic("POST", "/api/v1/villages/", body, content_type="application/json"), 400, "parse_error")


def test_not_authenticated_and_permission_denied(anonymous, django_user_model, tree, api_error):
    body = api_error(anonymous.post("/api/v1/villages/", {"name": "X", "unit": "03317"}, format="json"), 401, "not_authenticated")
    assert body["errors"] == []
    wrong = APIClient(raise_request_exception=False)
    wrong.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")  # no such token
    api_error(wrong.get("/api/v1/units/"), 401, "authentication_failed")
    reader = APIClient(raise_request_exception=False)
    reader.force_authenticate(django_user_model.objects.create_user(username="reader", password="pw"))
    api_error(reader.post("/api/v1/villages/", {"name": "X", "unit": "03317"}, format="json"), 403, "permission_denied")


# ----- wrong types, overlong values, dates out of range ----------------------------------


@pytest.mark.parametrize(
    ("url", "body", "path"),
    [
        ("/api/v1/reports/", {"village": "VILLAGE", "quarter": "2019Q3", "full_members": "three", "probationary_members": 0}, "full_members"),
        ("/api/v1/reports/", {"village": "VILLAGE", "quarter": "2019Q3", "full_members": 2.5, "probationary_members": 0}, "full_members"),
        ("/api/v1/reports/", {"village": "VILLAGE", "quarter": "2019Q3", "full_members": True, "probationary_members": 0}, "full_members"),
        ("/api/v1/reports/", {"village": "VILLAGE", "quarter": "2019Q3", "full_members": [1], "probationary_members": 0}, "full_members"),
        ("/api/v1/reports/", {"village": "VILLAGE", "quarter": 2019, "full_members": 1, "probationary_members": 0}, "quarter"),
        ("/api/v1/reports/", {"village": "VILLAGE", "quarter": {"year": 2019}, "full_members": 1, "probationary_members": 0}, "quarter"),
        ("/api/v1/reports/", {"village": None, "quarter": "2019Q3", "full_members": 1, "probationary_members": 0}, "village"),
        ("/api/v1/reports/", {"village": [1], "quarter": "2019Q3", "full_members": 1, "probationary_members": 0}, "village"),
        ("/api/v1/reports/", {"village": "VILLAGE", "quarter": None, "full_members": 1, "probationary_members": 0}, "quarter"),
        ("/api/v1/reports/", {"village": "VILLAGE", "quarter": "2019Q3", "full_members": 1, "probationary_members": 0, "status": None}, "status"),
        ("/api/v1/reports/", [{"village": "VILLAGE", "quarter": "2019Q3"}], ""),
        ("/api/v1/reports/", "a string", ""),
        ("/api/v1/reports/", 42, ""),
        ("/api/v1/villages/", {"name": {"vi": "Bản"}, "unit": "03317"}, "name"),
        ("/api/v1/villages/", {"name": ["Bản"], "unit": "03317"}, "name"),
        ("/api/v1/villages/", {"name": "Bản", "unit": ["03317"]}, "unit"),
        ("/api/v1/villages/", {"name": "Bản", "unit": "03317", "valid_from": 20190101}, "valid_from"),
        ("/api/v1/villages/", {"name": "Bản", "unit": "03317", "valid_from": None, "note": None}, "note"),
        ("/api/v1/cells/", {"name": "Chi bộ", "villages": {"0": "VILLAGE"}}, "villages"),
        ("/api/v1/cells/", {"name": "Chi bộ", "villages": [None]}, "villages.0"),
        ("/api/v1/cells/", {"name": "Chi bộ", "villages": ["VILLAGE"] * 101}, "villages"),
        ("/api/v1/units/", {"code": 3320, "name": "X", "kind": "xa", "level": "three", "parent": "100"}, "level"),
        ("/api/v1/units/", {"code": "03320", "name": "X", "kind": "xa", "level": "commune", "parent": 100}, "parent"),
        ("/api/v1/units/", {"code": None, "name": "X", "kind": "xa", "level": "commune", "parent": "100"}, "code"),
        ("/api/v1/goals/", {"unit": "03317", "title": "T", "metric": "blank_villages", "set_by": "S", "deadline": 2020.5}, "deadline"),
        ("/api/v1/goals/", {"unit": 3317, "title": "T", "metric": "blank_villages", "set_by": "S"}, "unit"),
        ("/api/v1/reported-figures/", {"unit": "11", "period": "2008", "metric": "blank_villages", "value": "134"}, "source_url"),
        ("/api/v1/reported-figures/", {"unit": "11", "period": "2008", "metric": "blank_villages", "value": -1,
                                       "source_url": "https://example.org"}, "value"),
        ("/api/v1/reported-figures/", {"unit": "11", "period": "2008", "metric": "blank_villages", "value": 1,
                                       "source_url": "https://example.org", "combined_with": "096"}, "combined_with"),
    ],
)
def test_wrong_types(staff, data, api_error, url, body, path):
    text = json.dumps(body).replace('"VILLAGE"', str(data["village"].pk))
    api_error(staff.generic("POST", url, text, content_type="application/json"), 400, "validation_error", path)


@pytest.mark.parametrize(
    ("method", "url", "body", "path"),
    [
        ("post", "/api/v1/cells/", {"name": 0}, "name"),
        ("post", "/api/v1/goals/", {"unit": "03317", "title": "T", "metric": "blank_villages", "set_by": 1}, "set_by"),
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


@pytest.mark.parametrize(
    ("url", "body", "path"),
    [
        ("/api/v1/villages/", {"name": "B" * 201, "unit": "03317"}, "name"),
        ("/api/v1/villages/", {"name": "Bản", "unit": "03317", "note": "n" * 5001}, "note"),
        ("/api/v1/villages/", {"name": "Bản", "unit": "03317", "source_url": "https://example.org/" + "a" * 500}, "source_url"),
        ("/api/v1/villages/", {"name": "Bản", "unit": "03317", "source_location": "p" * 201}, "source_location"),
        ("/api/v1/villages/", {"name": "Bản", "unit": "0" * 1000}, "unit"),
        ("/api/v1/units/", {"code": "1" * 1000, "name": "X", "kind": "xa", "level": "commune", "parent": "100"}, "code"),
        ("/api/v1/goals/", {"unit": "03317", "title": "T" * 301, "metric": "blank_villages", "set_by": "S"}, "title"),
        ("/api/v1/goals/", {"unit": "03317", "title": "T", "metric": "blank_villages", "set_by": "S",
                            "baseline_period": "2" * 10000}, "baseline_period"),
        ("/api/v1/reports/", {"village": "VILLAGE", "quarter": "2019Q3" * 1000, "full_members": 1, "probationary_members": 0}, "quarter"),
    ],
)
def test_overlong_strings(staff, data, api_error, url, body, path):
    before = Village.objects.count()
    text = json.dumps(body).replace('"VILLAGE"', str(data["village"].pk))
    api_error(staff.generic("POST", url, text, content_type="application/json"), 400, "validation_error", path)
    assert Village.objects.count() == before


@pytest.mark.parametrize(
    ("method", "url", "body", "path"),
    [
        ("post", "/api/v1/reports/", {"village": HUGE, "quarter": "2019Q3", "full_members": 1, "probationary_members": 0}, "village"),
        ("post", "/api/v1/reports/", {"village": "VILLAGE", "quarter": "2019Q3", "full_members": 1, "probationary_members": 0,
                                      "cell": HUGE}, "cell"),
        ("post", "/api/v1/reports/", {"village": "VILLAGE", "quarter": "2019Q3", "full_members": HUGE, "probationary_members": 0},
         "full_members"),
        ("post", "/api/v1/cells/", {"name": "Chi bộ", "villages": [HUGE]}, "villages.0"),
        ("post", "/api/v1/cells/", {"name": "Chi bộ", "organisation": HUGE}, "organisation"),
        ("put", "/api/v1/units/03317/reports/2019Q3/", {"reports": [{"village": HUGE, "full_members": 1, "probationary_members": 0}]},
         "reports.0.village"),
        ("put", "/api/v1/units/03317/reports/2019Q3/", {"reports": [{"village": "VILLAGE", "full_members": 1, "probationary_members": 0,
                                                                     "cell": HUGE}]}, "reports.0.cell"),
        ("patch", "/api/v1/reports/REPORT/", {"cell": HUGE}, "cell"),
    ],
)
def test_integers_beyond_the_database(staff, data, api_error, method, url, body, path):
    before = QuarterReport.objects.count()
    text = json.dumps(body).replace('"VILLAGE"', str(data["village"].pk))
    url = url.replace("REPORT", str(data["report"].pk))
    api_error(staff.generic(method.upper(), url, text, content_type="application/json"), 400, "validation_error", path)
    assert QuarterReport.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/reports/?village={HUGE}",
        f"/api/v1/cells/?village={HUGE}",
        f"/api/v1/reports/?village=-{HUGE}",
        "/api/v1/reports/?village=1e400",
        "/api/v1/reports/?village=NaN",
        "/api/v1/cells/?village=Infinity",
    ],
)
def test_query_integers_beyond_the_database(staff, data, api_error, url):
    api_error(staff.get(url), 400, "validation_error", "village")


@pytest.mark.usefixtures("article")
@pytest.mark.parametrize(("url", "body", "field"), [
    ("/api/v1/villages/6/", {"valid_to": "1900-01-01"}, "valid_to"),
    ("/api/v1/cells/1/", {"dissolved_on": "1900-01-01"}, "dissolved_on"),
    ("/api/v1/units/100/", {"valid_to": "2026-01-01"}, "valid_to"),  # closed in 2025: not reopened
])
def test_out_of_range_or_moved_closing_dates_are_refused(staff_api, api_error, url, body, field):
    api_error(staff_api.patch(url, body, format="json"), 400, "validation_error", field)
    assert AdministrativeUnit.objects.get(code="100").valid_to.isoformat() == "2025-07-01"
    assert Village.objects.get(pk=6).valid_to is None and PartyCell.objects.get(pk=1).dissolved_on is None


# ----- query parameters: an empty value, a page size -------------------------------------


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


@pytest.mark.parametrize("url", ["/api/v1/approvals/?within=", "/api/v1/approvals/?unit=", "/api/v1/approvals/?quarter="])
def test_empty_query_values_on_approvals_are_refused(staff_api, tree, api_error, url):
    api_error(staff_api.get(url), 400, "validation_error", url.split("?")[1].rstrip("="))


def test_an_empty_search_is_no_filter(staff, data):
    assert staff.get("/api/v1/villages/?search=").json()["count"] == 1


@pytest.mark.parametrize("value", ["0", "-1", "ten", "null", "1.5", "٣"])
def test_page_size_must_be_a_whole_number_from_1(staff, data, api_error, value):
    api_error(staff.get("/api/v1/units/", {"page_size": value}), 400, "validation_error", "page_size")
    api_error(staff.get(f"/api/v1/reports/{data['report'].pk}/history/", {"page_size": value}), 400, "validation_error", "page_size")


# ----- no input is a 500 -----------------------------------------------------------------


NASTY_VALUES = [None, "", " ", "x" * 10_000, -1, 0, HUGE, 1.5, True, [], {}, [None], {"": None}, "2019Q2",
                "٣", "\u0000", "'; DROP TABLE tracking_village; --", "💥"]
# Each write with a body it accepts; each field of it is then replaced, one at a time, by each
# nasty value, so that the request gets past the other fields to the services.
WRITES = [
    ("POST", "/api/v1/units/", {"code": "03320", "name": "X", "kind": "xa", "level": "commune", "parent": "100", "valid_from": "2001-01-01"}),
    ("PATCH", "/api/v1/units/03316/", {"name": "X", "kind": "phuong", "valid_to": "2030-01-01", "source_url": "https://example.org"}),
    ("POST", "/api/v1/villages/", {"name": "X", "unit": "03317", "valid_from": "2001-01-01", "valid_to": "2030-01-01"}),
    ("PATCH", "/api/v1/villages/VILLAGE/", {"name": "X", "valid_to": "2030-01-01", "note": "n"}),
    ("POST", "/api/v1/cells/", {"name": "X", "villages": ["VILLAGE"], "founded_on": "2001-01-01", "organisation": None}),
    ("PATCH", "/api/v1/cells/CELL/", {"name": "X", "dissolved_on": "2030-01-01"}),
    ("POST", "/api/v1/reports/", {"village": "VILLAGE", "quarter": "2019Q3", "full_members": 3, "probationary_members": 1,
                                  "admissions": 1, "status": "", "cell": "CELL"}),
    ("PATCH", "/api/v1/reports/REPORT/", {"full_members": 3, "admissions": 1, "cell": "CELL", "status": ""}),
    ("PUT", "/api/v1/units/03317/reports/2019Q3/", {"reports": [{"village": "VILLAGE", "full_members": 3, "probationary_members": 1,
                                                                 "admissions": 1, "cell": "CELL", "status": ""}]}),
    ("POST", "/api/v1/reported-figures/", {"unit": "11", "combined_with": ["100"], "period": "2008", "since": None,
                                           "metric": "blank_villages", "value": 1, "source_url": "https://example.org"}),
    ("POST", "/api/v1/goals/", {"unit": "03317", "title": "T", "metric": "blank_villages", "baseline_period": "2018",
                                "deadline": "2020", "set_by": "S"}),
]


def _url(url, data):
    return (url.replace("VILLAGE", str(data["village"].pk)).replace("CELL", str(data["cell"].pk))
            .replace("REPORT", str(data["report"].pk)))


def _fill(value, data):
    """The body with the ids of the records of ``data`` in place of their names."""
    ids = {"VILLAGE": data["village"].pk, "CELL": data["cell"].pk, "REPORT": data["report"].pk}
    if isinstance(value, dict):
        return {key: _fill(item, data) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, data) for item in value]
    return ids.get(value, value) if isinstance(value, str) else value


def _variants(body: dict):
    """The body with one field replaced by one nasty value, for every field and value (also inside
    the entries of a submission), then the nasty values as the whole body."""
    for field in body:
        for value in NASTY_VALUES:
            yield {**body, field: value}
    if "reports" in body:
        entry = body["reports"][0]
        for field in entry:
            for value in NASTY_VALUES:
                yield {"reports": [{**entry, field: value}]}
    yield from NASTY_VALUES


@pytest.mark.parametrize(("method", "url", "body"), WRITES, ids=[f"{m} {u}" for m, u, _ in WRITES])
def test_no_write_body_gets_a_server_error(staff, data, method, url, body):
    url = _url(url, data)
    body = _fill(body, data)
    assert staff.generic(method, url, json.dumps(body), content_type="application/json").status_code < 300
    for variant in _variants(body):
        response = staff.generic(method, url, json.dumps(variant), content_type="application/json")
        assert response.status_code < 500, (method, url, variant, response.content[:300])
        if response.status_code >= 400:
            assert set(response.json()) == {"status", "code", "detail", "errors"}, (variant, response.json())


COMMON = ["page", "page_size", "ordering", "format", "unknown"]
READS = [
    ("/api/v1/units/", ["level", "kind", "parent", "within", "active_on", "search"]),
    ("/api/v1/units/11/children/", ["active_on"]),
    ("/api/v1/villages/", ["within", "active_on", "period", "blank", "search"]),
    ("/api/v1/cells/", ["village", "active_on", "search"]),
    ("/api/v1/reports/", ["village", "within", "period", "status"]),
    ("/api/v1/reported-figures/", ["unit", "period", "metric"]),
    ("/api/v1/goals/", ["unit", "metric", "status", "as_of"]),
    ("/api/v1/units/11/progress/", ["period"]),
    ("/api/v1/units/11/progress/timeline/", ["from", "to"]),
    ("/api/v1/units/11/blank-villages/", ["period"]),
    ("/api/v1/goals/GOAL/progress/", ["as_of"]),
]
QUERY_VALUES = ["", "x", "-1", "0", str(HUGE), "1e400", "NaN", "1.5", "2019Q5", "2019-13", "1945", "1945Q1", "2100Q4",
                "true", "2019-02-30", "\x00", "x" * 5000, "💥", "-code", "11,100"]


@pytest.mark.parametrize(("url", "parameters"), READS, ids=[url for url, _ in READS])
def test_no_query_gets_a_server_error(staff, data, url, parameters):
    goal = staff.post("/api/v1/goals/", {"unit": "03317", "title": "T", "metric": "blank_villages", "baseline_period": "2019Q2",
                                         "set_by": "S"}, format="json").json()
    url = url.replace("GOAL", str(goal["id"]))
    for parameter in parameters + COMMON:
        for value in QUERY_VALUES:
            response = staff.get(url, {parameter: value})
            assert response.status_code < 500, (url, parameter, value, response.content[:300])
            if response.status_code >= 400:
                assert set(response.json()) == {"status", "code", "detail", "errors"}, (url, parameter, value)


def test_unknown_fields_are_refused_by_path_and_change_nothing(tree, staff_api, api_error):
    from tests import factories
    from tracking.models import QuarterReport

    village = factories.village(tree["north"], name="Huổi Chổn")
    body = api_error(staff_api.post("/api/v1/reports/", {"village": village.pk, "quarter": "2019Q2", "full_members": 1,
                                                          "probationary_members": 0, "admisions": 1}, format="json"),
                     400, "validation_error", "admisions")
    assert "Unknown field" in body["detail"]
    api_error(staff_api.put("/api/v1/units/03317/reports/2019Q2/", {"reports": [
        {"village": village.pk, "full_members": 1, "probationary_members": 0, "cel": 3}]}, format="json"),
        400, "validation_error", "reports.0.cel")
    assert not QuarterReport.objects.exists()


def test_an_oversized_body_is_refused(tree, staff_api, api_error, settings):
    settings.API_MAX_BODY_BYTES = 1000
    body = api_error(staff_api.put("/api/v1/units/03317/reports/2019Q2/", {"reports": [
        {"village": 1, "full_members": 1, "probationary_members": 0, "note": "x" * 2000}]}, format="json"),
        413, "request_too_large")
    assert "at most 1000" in body["detail"]


@pytest.mark.parametrize("url, vi, en", [
    ("/api/v1/reports/999/", "Không có báo cáo quý của bản nào có mã số 999.", "No quarterly village report has the id 999."),
    ("/api/v1/villages/999/history/", "Không có bản nào có mã số 999.", "No village has the id 999."),
    ("/api/v1/goals/999/progress/", "Không có mục tiêu nào có mã số 999.", "No goal has the id 999."),
])
def test_a_record_that_is_not_there_is_named_in_the_asked_language(api, url, vi, en):
    """Not Django's "No QuarterReport matches the given query.": the record's name, in words."""
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="vi").json()["detail"] == vi
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == en
