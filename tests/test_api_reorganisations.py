"""Changes of the map through /api/v1/reorganisations/, and figures on both boundary modes."""
import pytest

from tracking.models import AdministrativeUnit, Reorganisation, VillagePlacement

URL = "/api/v1/reorganisations/"
pytestmark = pytest.mark.usefixtures("article_only")


def transfer(client, code, parent, on="2020-01-01"):
    return client.post(f"{URL}transfer/", {"unit": code, "parent": parent, "on": on, "source_url": "https://example.org/nq"}, format="json")


def test_transfer_then_figures_on_both_maps(staff_api, api):
    for code in ("03317", "03316"):
        response = transfer(staff_api, code, "094")
        assert response.status_code == 201, response.json()
        assert (response.json()["kind"], response.json()["successors"], response.json()["villages_moved"]) == ("transfer", ["094"], 1)
    then = api.get("/api/v1/units/100/progress/?period=2019Q2").json()
    assert (then["villages_total"], then["boundaries"], then["map_date"]) == (2, "historical", "2019-06-30")
    assert api.get("/api/v1/units/100/progress/?period=2020Q1").json()["villages_total"] == 0
    now = api.get("/api/v1/units/100/progress/?period=2019Q2&boundaries=current").json()
    assert now["villages_total"] == 0 and now["boundaries"] == "current"
    city = api.get("/api/v1/units/094/progress/?period=2019Q2&boundaries=current").json()
    assert city["villages_total"] == 2 and [e["kind"] for e in city["lineage"]] == ["transfer", "transfer"]
    rows = api.get("/api/v1/units/094/progress/timeline/?from=2019Q3&to=2020Q2").json()
    assert [row["villages_total"] for row in rows] == [0, 0, 2, 2]
    blank = api.get("/api/v1/units/094/blank-villages/?period=2008&boundaries=current").json()
    assert {row["name"] for row in blank["results"]} == {"Huổi Chổn", "Hoa"}
    listed = api.get(f"{URL}?unit=03317").json()
    assert [row["kind"] for row in listed["results"]] == ["transfer"]


def test_refused_events_give_the_reason_and_change_nothing(staff_api, api_error):
    body = api_error(transfer(staff_api, "03317", "100"), 400, "validation_error", "parent")
    assert "already sits under" in body["detail"]
    body = api_error(staff_api.post(f"{URL}abolish-level/", {"province": "11", "level": "district", "on": "2025-07-01"}, format="json"),
                     400, "validation_error", "level")
    assert "belongs directly to" in body["detail"]
    assert not Reorganisation.objects.exists()
    assert AdministrativeUnit.objects.get(code="101").valid_to is None
    api_error(transfer(staff_api, "99999", "094"), 400, "validation_error", "unit")
    api_error(transfer(staff_api, "03317", "094", on="2020-02-30"), 400, "validation_error", "on")


def test_split_and_merge(staff_api, api):
    split = staff_api.post(f"{URL}split/", {"unit": "100", "on": "2021-01-01", "parts": [
        {"code": "104", "name": "Mới", "kind": "huyen", "units": ["03317"]}]}, format="json")
    assert split.status_code == 201, split.json()
    assert sorted(split.json()["successors"]) == ["100", "104"]
    assert api.get("/api/v1/units/104/progress/?period=2021Q1").json()["villages_total"] == 1
    merge = staff_api.post(f"{URL}merge/", {"units": ["03316", "03317"], "on": "2025-07-01",
                                            "new": {"code": "03334", "name": "Mường Thanh", "kind": "phuong"}}, format="json")
    # Communes of different districts merge (as in 2025): the new one sits under the first one's parent.
    assert merge.status_code == 201, merge.json()
    assert (sorted(merge.json()["predecessors"]), merge.json()["successors"]) == (["03316", "03317"], ["03334"])
    assert api.get("/api/v1/units/03334/progress/?period=2019Q4&boundaries=current").json()["villages_with_own_cell"] == 2
    assert api.get("/api/v1/units/03334/progress/?period=2019Q4").status_code == 400  # not on that map


def test_writes_need_rights_and_unknown_boundaries_are_refused(anonymous, api, viewer_api, staff_api, api_error):
    api_error(transfer(anonymous, "03317", "094"), 401, "not_authenticated")
    api_error(transfer(viewer_api, "03317", "094"), 403, "permission_denied")
    api_error(api.get("/api/v1/units/11/progress/?boundaries=today"), 400, "validation_error", "boundaries")
    api_error(staff_api.post(f"{URL}", {}, format="json"), 405, "method_not_allowed")
    assert not VillagePlacement.objects.filter(valid_to__isnull=False).exists()
