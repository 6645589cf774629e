"""A record outside the user's area, named in a request body, reads exactly like one that does not
exist: the same status, code and message (with the id or code in its place), and nothing of the
hidden record — not its name, nor its cell's, nor its unit's.

The user is an editor of huyện Tủa Chùa (098). Huổi Chổn (a village of xã Nà Nhạn, 03317, in huyện
Điện Biên, 100, then in Điện Biên Phủ) and its cell "Chi bộ bản Huổi Chổn" lie outside Tủa Chùa
at every time (``tests.moved_world``).
"""
import json
import re

import pytest

from tracking.access import SYSTEM
from tests import factories
from tracking import services
from tracking.models import AdministrativeUnit, PartyCell

UNKNOWN_ID = 999999
UNKNOWN_COMMUNE = "03399"
UNKNOWN_DISTRICT = "199"

# The names of the hidden records, which no answer to the Tủa Chùa editor may carry.
HIDDEN_NAMES = ("Huổi Chổn", "Chi bộ bản Huổi Chổn", "Nà Nhạn", "huyện Điện Biên", "Điện Biên (100)", "Đảng bộ xã Nà Nhạn")


@pytest.fixture
def tua_chua(moved):
    """Ids of the hidden records and of a village of Tủa Chùa's own, with a grassroots
    organisation of Nà Nhạn (outside the area)."""
    own = factories.village(AdministrativeUnit.objects.get(code="03217"), name="Bản Tủa")
    organisation = services.organisation_create(by=SYSTEM, name="Đảng bộ xã Nà Nhạn", unit=AdministrativeUnit.objects.get(code="03317"))
    return {
        "own": own.pk,
        "village": moved["huoi_chon"],
        "cell": PartyCell.objects.get(name="Chi bộ bản Huổi Chổn").pk,
        "organisation": organisation.pk,
    }


def entry(village, **values):
    return {"village": village, "full_members": 2, "probationary_members": 0, **values}


# (name, method, path, body with the hidden key, the same body with an unknown key, hidden key, unknown key)
# Keys: "village", "cell", "organisation" are ids of the fixture; anything else is a literal unit code.
CASES = [
    ("submission: a village of another district", "put", "/api/v1/units/098/reports/2019Q3/?dry_run=true",
     lambda k: {"reports": [entry(k["village"])]}, "village"),
    ("submission: the cell of another district", "put", "/api/v1/units/098/reports/2019Q3/?dry_run=true",
     lambda k: {"reports": [entry(k["own"], cell=k["cell"])]}, "cell"),
    ("report: a village of another district", "post", "/api/v1/reports/",
     lambda k: {**entry(k["village"]), "quarter": "2019Q3"}, "village"),
    ("report: the cell of another district", "post", "/api/v1/reports/",
     lambda k: {**entry(k["own"], cell=k["cell"]), "quarter": "2019Q3"}, "cell"),
    ("cell: a village of another district", "post", "/api/v1/cells/",
     lambda k: {"name": "Chi bộ mới", "villages": [k["own"], k["village"]]}, "village"),
    ("cell: the organisation of another district", "post", "/api/v1/cells/",
     lambda k: {"name": "Chi bộ mới", "villages": [k["own"]], "organisation": k["organisation"]}, "organisation"),
    ("village: a commune of another district", "post", "/api/v1/villages/",
     lambda k: {"name": "Bản mới", "unit": k["commune"]}, "commune"),
    ("unit: a parent in another province's part", "post", "/api/v1/units/",
     lambda k: {"code": "03396", "name": "Xã mới", "kind": "xa", "level": "commune", "parent": k["district"]}, "district"),
    ("reported figure: its unit", "post", "/api/v1/reported-figures/",
     lambda k: {"unit": k["district"], "period": "2019", "metric": "members", "value": 1, "source_url": "https://example.org/r"},
     "district"),
    ("reported figure: counted together with", "post", "/api/v1/reported-figures/",
     lambda k: {"unit": "098", "combined_with": [k["district"]], "period": "2019", "metric": "members", "value": 1,
                "source_url": "https://example.org/r"}, "district"),
    ("goal: its unit", "post", "/api/v1/goals/",
     lambda k: {"unit": k["district"], "title": "T", "metric": "blank_villages", "set_by": "Huyện ủy"}, "district"),
    ("rename: the unit", "post", "/api/v1/reorganisations/rename/",
     lambda k: {"unit": k["commune"], "name": "X", "on": "2019-06-01"}, "commune"),
    ("transfer: the new parent", "post", "/api/v1/reorganisations/transfer/",
     lambda k: {"unit": "03217", "parent": k["district"], "on": "2019-06-01"}, "district"),
    ("transfer: the unit", "post", "/api/v1/reorganisations/transfer/",
     lambda k: {"unit": k["commune"], "parent": "098", "on": "2019-06-01"}, "commune"),
    ("merge: a unit merged", "post", "/api/v1/reorganisations/merge/",
     lambda k: {"units": ["03217", k["commune"]], "into": "03217", "on": "2019-06-01"}, "commune"),
    ("merge: the unit merged into", "post", "/api/v1/reorganisations/merge/",
     lambda k: {"units": ["03217", "03220"], "into": k["commune"], "on": "2019-06-01"}, "commune"),
    ("split: a unit that moves", "post", "/api/v1/reorganisations/split/",
     lambda k: {"unit": "03217", "on": "2019-06-01", "parts": [{"code": "03398", "name": "X", "kind": "xa",
                                                                "units": [k["commune"]]}]}, "commune"),
    ("split: a village that moves", "post", "/api/v1/reorganisations/split/",
     lambda k: {"unit": "03217", "on": "2019-06-01", "parts": [{"code": "03398", "name": "X", "kind": "xa",
                                                                "villages": [k["village"]]}]}, "village"),
    ("establish: the parent", "post", "/api/v1/reorganisations/establish/",
     lambda k: {"code": "03397", "name": "X", "kind": "xa", "level": "commune", "parent": k["district"], "on": "2019-06-01"},
     "district"),
]

UNKNOWN = {"village": UNKNOWN_ID, "cell": UNKNOWN_ID, "organisation": UNKNOWN_ID, "commune": UNKNOWN_COMMUNE,
           "district": UNKNOWN_DISTRICT}
HIDDEN_CODES = {"commune": "03317", "district": "100"}


def normalised(response, key) -> str:
    """The body as text, the hidden or unknown key replaced by a placeholder."""
    text = json.dumps(response.json(), ensure_ascii=False, sort_keys=True)
    return re.sub(rf"(?<![\d.]){re.escape(str(key))}(?![\d])", "KEY", text)


@pytest.mark.parametrize(("method", "path", "body", "kind"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_record_outside_the_area_in_a_body_reads_like_one_that_does_not_exist(tua_chua, client_of, api_error, method, path,
                                                                               body, kind):
    client = client_of("outsider", raise_errors=False)
    hidden_keys = {**tua_chua, **HIDDEN_CODES}
    unknown_keys = {**tua_chua, **HIDDEN_CODES, kind: UNKNOWN[kind]}
    hidden = getattr(client, method)(path, body(hidden_keys), format="json")
    unknown = getattr(client, method)(path, body(unknown_keys), format="json")
    assert unknown.status_code == 400, unknown.content  # the reference: a key that names nothing
    api_error(hidden, unknown.status_code, unknown.json()["code"])
    assert normalised(hidden, hidden_keys[kind]) == normalised(unknown, UNKNOWN[kind])
    text = json.dumps(hidden.json(), ensure_ascii=False)
    for name in HIDDEN_NAMES:
        assert name not in text, (name, text)


def test_a_unit_outside_the_area_in_the_path_of_a_submission_reads_like_an_unknown_code(tua_chua, client_of, api_error):
    client = client_of("outsider")
    body = {"reports": [entry(tua_chua["village"])]}
    hidden = api_error(client.put("/api/v1/units/100/reports/2019Q3/?dry_run=true", body, format="json"), 404, "not_found")
    unknown = api_error(client.put(f"/api/v1/units/{UNKNOWN_DISTRICT}/reports/2019Q3/?dry_run=true", body, format="json"),
                        404, "not_found")
    assert hidden["detail"].replace("100", "KEY") == unknown["detail"].replace(UNKNOWN_DISTRICT, "KEY")


def test_changing_a_report_to_a_cell_outside_the_area_reads_like_an_unknown_cell(tua_chua, client_of, api_error):
    client = client_of("outsider")
    report = client.post("/api/v1/reports/", {**entry(tua_chua["own"]), "quarter": "2019Q3"}, format="json")
    assert report.status_code == 201, report.content
    url = f"/api/v1/reports/{report.json()['id']}/"
    hidden = api_error(client.patch(url, {"cell": tua_chua["cell"]}, format="json"), 400, "validation_error", "cell")
    unknown = api_error(client.patch(url, {"cell": UNKNOWN_ID}, format="json"), 400, "validation_error", "cell")
    assert normalised_detail(hidden, tua_chua["cell"]) == normalised_detail(unknown, UNKNOWN_ID)
    assert "Huổi Chổn" not in json.dumps(hidden, ensure_ascii=False)


def normalised_detail(body: dict, key) -> str:
    return re.sub(rf"\b{key}\b", "KEY", json.dumps(body, ensure_ascii=False, sort_keys=True))
