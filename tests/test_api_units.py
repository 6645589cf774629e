"""/api/v1/units/: list, filters, detail by official code, children, create, rename, close, delete."""
import datetime

import pytest

from tests import factories
from tracking.models import AdministrativeUnit

D = datetime.date
UNITS = "/api/v1/units/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


# ----- list ------------------------------------------------------------------------------


def test_list_is_paged_and_ordered_by_level_then_code(api, tree):
    response = api.get(UNITS)
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (6, None, None)
    assert codes(response) == ["VN", "11", "100", "101", "03316", "03317"]
    assert set(body["results"][0]) == {
        "code", "name", "current_name", "kind", "level", "parent", "path", "valid_from", "valid_to",
        "source_url", "source_location", "note",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=nation", ["VN"]),
        ("level=province", ["11"]),
        ("parent=VN", ["11"]),
        ("within=VN", ["11", "100", "101", "03316", "03317"]),
        ("level=commune", ["03316", "03317"]),
        ("parent=11", ["100", "101"]),
        ("parent=100", ["03316", "03317"]),
        ("parent=101", []),
        ("within=11", ["100", "101", "03316", "03317"]),
        ("within=100", ["03316", "03317"]),
        ("within=100&level=commune&search=Tấu", ["03316"]),
        ("search=Điện Biên", ["11", "100", "101"]),
        ("search=Đông", ["101"]),
        ("search=0331", ["03316", "03317"]),
        ("kind=huyen", ["100", "101"]),
    ],
)
def test_filters(api, tree, query, expected):
    assert codes(api.get(f"{UNITS}?{query}")) == expected


def test_active_on_uses_the_map_of_that_day(api, tree):
    factories.commune(tree["district"], code="03318", name="Xã mới", valid_from=D(2020, 1, 1))
    closed = factories.commune(tree["district"], code="03319", name="Xã cũ", valid_to=D(2012, 8, 25))
    assert closed.valid_to == D(2012, 8, 25)
    assert codes(api.get(f"{UNITS}?parent=100&active_on=2019-06-30")) == ["03316", "03317"]
    assert codes(api.get(f"{UNITS}?parent=100&active_on=2010-01-01")) == ["03316", "03317", "03319"]
    assert codes(api.get(f"{UNITS}?parent=100")) == ["03316", "03317", "03318"]
    assert codes(api.get(f"{UNITS}?level=commune&active_on=2019-06-30")) == ["03316", "03317"]
    # Without a day, the list holds every unit, closed or not.
    assert codes(api.get(f"{UNITS}?level=commune")) == ["03316", "03317", "03318", "03319"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ordering=-code", ["VN", "11", "101", "100", "03317", "03316"]),
        ("ordering=code", ["03316", "03317", "100", "101", "11", "VN"]),
        # Names are compared as the database collates them: keep to names it cannot reorder.
        ("level=commune&ordering=name", ["03317", "03316"]),
        ("level=commune&ordering=-name", ["03316", "03317"]),
        # Levels sort from the nation down, not as words.
        ("ordering=-level,code", ["03316", "03317", "100", "101", "11", "VN"]),
    ],
)
def test_ordering(api, tree, query, expected):
    assert codes(api.get(f"{UNITS}?{query}")) == expected


def test_pages_follow_each_other(api, tree):
    first = api.get(f"{UNITS}?page_size=2").json()
    assert first["count"] == 6 and len(first["results"]) == 2 and first["previous"] is None
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert third["next"] is None
    seen = [row["code"] for page in (first, second, third) for row in page["results"]]
    assert seen == ["VN", "11", "100", "101", "03316", "03317"]


def test_page_size_is_capped_at_500(api, tree):
    for number in range(496):
        factories.commune(tree["other"], code=f"{40000 + number:05d}", name=f"Xã {number}")
    body = api.get(f"{UNITS}?page_size=100000").json()
    assert body["count"] == 502
    assert len(body["results"]) == 500 and body["next"] is not None
    assert len(api.get(body["next"]).json()["results"]) == 2


def test_filter_errors(api, tree, api_error):
    api_error(api.get(f"{UNITS}?parent=999"), 400, "validation_error", "parent")
    api_error(api.get(f"{UNITS}?within=999"), 400, "validation_error", "within")
    api_error(api.get(f"{UNITS}?level=7"), 400, "validation_error", "level")
    api_error(api.get(f"{UNITS}?level=3"), 400, "validation_error", "level")  # the words only
    api_error(api.get(f"{UNITS}?active_on=2019-02-30"), 400, "validation_error", "active_on")
    api_error(api.get(f"{UNITS}?page=9"), 404, "not_found")


# ----- detail and children ---------------------------------------------------------------


def test_detail_by_official_code(api, tree):
    province = api.get(f"{UNITS}11/").json()
    assert province == {
        "code": "11", "name": "Điện Biên", "current_name": "Điện Biên", "kind": "tinh", "level": "province", "parent": "VN", "path": "/11/",
        "valid_from": None, "valid_to": None, "source_url": "", "source_location": "", "note": "",
    }
    commune = api.get(f"{UNITS}03317/").json()
    assert (commune["parent"], commune["level"], commune["kind"], commune["path"]) == ("100", "commune", "xa", "/11/100/03317/")


def test_detail_shows_the_validity_range(api, tree):
    factories.commune(tree["district"], code="03318", name="Xã mới", valid_from=D(2020, 1, 1), valid_to=D(2025, 7, 1))
    body = api.get(f"{UNITS}03318/").json()
    assert (body["valid_from"], body["valid_to"], body["parent"]) == ("2020-01-01", "2025-07-01", "100")


def test_detail_of_an_unknown_code_is_404(api, tree, api_error):
    body = api_error(api.get(f"{UNITS}999/"), 404, "not_found")
    assert "999" in body["detail"]


def test_children(api, tree, api_error):
    assert codes(api.get(f"{UNITS}11/children/")) == ["100", "101"]
    assert codes(api.get(f"{UNITS}100/children/")) == ["03316", "03317"]
    assert codes(api.get(f"{UNITS}03317/children/")) == []
    factories.commune(tree["district"], code="03318", name="Xã mới", valid_from=D(2020, 1, 1))
    assert codes(api.get(f"{UNITS}100/children/?active_on=2019-06-30")) == ["03316", "03317"]
    assert codes(api.get(f"{UNITS}100/children/")) == ["03316", "03317", "03318"]
    assert len(api.get(f"{UNITS}100/children/?page_size=1").json()["results"]) == 1
    api_error(api.get(f"{UNITS}999/children/"), 404, "not_found")
    api_error(api.get(f"{UNITS}100/children/?level=commune"), 400, "validation_error", "level")
    api_error(api.get(f"{UNITS}100/children/?active_on=yesterday"), 400, "validation_error", "active_on")


# ----- create ----------------------------------------------------------------------------


NEW_COMMUNE = {"code": "03320", "name": "Mường Phăng", "kind": "xa", "level": "commune", "parent": "100"}


def test_create_needs_a_login_and_a_permission(anonymous, api, viewer_api, tree, api_error):
    api_error(anonymous.post(UNITS, NEW_COMMUNE, format="json"), 401, "not_authenticated")
    api_error(viewer_api.post(UNITS, NEW_COMMUNE, format="json"), 403, "permission_denied")
    assert not AdministrativeUnit.objects.filter(code="03320").exists()


def test_create_a_commune(staff_api, tree):
    response = staff_api.post(UNITS, {**NEW_COMMUNE, "valid_from": "2005-01-01", "source_url": "https://example.org/decree"},
                              format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["code"], body["parent"], body["level"], body["path"], body["valid_from"]) == (
        "03320", "100", "commune", "/11/100/03320/", "2005-01-01"
    )
    assert staff_api.get(f"{UNITS}03320/").json() == body
    assert "03320" in codes(staff_api.get(f"{UNITS}100/children/"))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"code": "0332"}, "code"),  # a commune has 5 digits
        ({"code": "03317"}, "code"),  # taken
        ({"code": "3x317"}, "code"),
        ({"kind": "huyen"}, "kind"),  # a commune is not a rural district
        ({"parent": None}, "parent"),  # only a province has no parent
        ({"parent": "999"}, "parent"),
        ({"parent": "03316"}, "parent"),  # a commune under a commune
        ({"level": 4}, "level"),
        ({"level": "hamlet"}, "level"),
        ({"level": "Commune"}, "level"),
        ({"name": "   "}, "name"),
        ({"valid_from": "2020-01-01", "valid_to": "2019-01-01"}, ""),
    ],
)
def test_create_refuses_what_the_services_refuse(staff_api, tree, api_error, change, path):
    before = AdministrativeUnit.objects.count()
    api_error(staff_api.post(UNITS, {**NEW_COMMUNE, **change}, format="json"), 400, "validation_error", path)
    assert AdministrativeUnit.objects.count() == before


def test_a_level_is_a_word_in_every_answer_and_request(staff_api, tree, api_error):
    """One form: the unit, the units it refers to, the filter, a new unit and the unit's history
    say nation, province, district or commune; a number (the former form) is refused, naming the
    word that replaces it, and changes nothing."""
    assert [staff_api.get(f"{UNITS}{code}/").json()["level"] for code in ("VN", "11", "100", "03317")] == [
        "nation", "province", "district", "commune"]
    figures = staff_api.get(f"{UNITS}100/progress/?period=2019Q2").json()
    assert figures["unit"]["level"] == "district"
    assert codes(staff_api.get(f"{UNITS}?level=district")) == ["100", "101"]

    assert staff_api.post(UNITS, NEW_COMMUNE, format="json").status_code == 201
    [created] = staff_api.get(f"{UNITS}03320/history/").json()["results"]
    assert created["changes"]["level"] == {"before": None, "after": "commune"}

    body = api_error(staff_api.post(UNITS, {**NEW_COMMUNE, "code": "03321", "level": 3}, format="json"),
                     400, "validation_error", "level")
    assert body["errors"][0]["message"] == "Write the level as a word: “commune”, not 3."
    api_error(staff_api.post(UNITS, {**NEW_COMMUNE, "code": "03321", "level": "3"}, format="json"),
              400, "validation_error", "level")
    assert not AdministrativeUnit.objects.filter(code="03321").exists()


def test_create_under_a_parent_that_did_not_exist_yet_names_the_parent(staff_api, tree, api_error):
    factories.district(tree["province"], code="103", name="Nậm Pồ", valid_from=D(2012, 8, 25))
    body = {**NEW_COMMUNE, "parent": "103"}
    api_error(staff_api.post(UNITS, body, format="json"), 400, "validation_error", "parent")
    assert staff_api.post(UNITS, {**body, "valid_from": "2012-08-25"}, format="json").status_code == 201


# ----- rename, close ---------------------------------------------------------------------


def test_rename(staff_api, tree):
    response = staff_api.patch(f"{UNITS}03317/", {"name": "Nà Nhạn mới", "source_location": "article 2"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["source_location"]) == ("Nà Nhạn mới", "article 2")
    assert staff_api.get(f"{UNITS}03317/").json()["name"] == "Nà Nhạn mới"


def test_close_an_empty_unit(staff_api, tree):
    response = staff_api.patch(f"{UNITS}03316/", {"valid_to": "2020-01-01"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["valid_to"] == "2020-01-01"
    assert codes(staff_api.get(f"{UNITS}100/children/")) == ["03317"]
    assert codes(staff_api.get(f"{UNITS}100/children/?active_on=2019-12-31")) == ["03316", "03317"]


def test_close_refused_while_villages_belong_to_it(staff_api, tree, api_error):
    factories.village(tree["north"], name="Huổi Chổn")
    body = api_error(staff_api.patch(f"{UNITS}03317/", {"valid_to": "2020-01-01"}, format="json"), 400, "validation_error", "valid_to")
    assert "1 villages" in body["detail"]
    assert staff_api.get(f"{UNITS}03317/").json()["valid_to"] is None


def test_close_before_the_unit_began_is_a_validation_error(staff_api, tree, api_error):
    factories.commune(tree["district"], code="03318", name="Xã mới", valid_from=D(2020, 1, 1))
    api_error(staff_api.patch(f"{UNITS}03318/", {"valid_to": "2019-01-01"}, format="json"), 400, "validation_error", "valid_to")
    assert staff_api.get(f"{UNITS}03318/").json()["valid_to"] is None


@pytest.mark.parametrize(
    ("body", "path"),
    [({"name": ""}, "name"), ({"kind": "tinh"}, "kind"), ({"valid_to": None}, "valid_to"), ({"valid_to": "soon"}, "valid_to")],
)
def test_update_errors(staff_api, tree, api_error, body, path):
    api_error(staff_api.patch(f"{UNITS}03317/", body, format="json"), 400, "validation_error", path)
    assert staff_api.get(f"{UNITS}03317/").json()["name"] == "Nà Nhạn"


def test_update_needs_a_permission(anonymous, api, viewer_api, tree, api_error):
    api_error(anonymous.patch(f"{UNITS}03317/", {"name": "X"}, format="json"), 401, "not_authenticated")
    api_error(viewer_api.patch(f"{UNITS}03317/", {"name": "X"}, format="json"), 403, "permission_denied")
    assert AdministrativeUnit.objects.get(code="03317").name == "Nà Nhạn"


# ----- delete ----------------------------------------------------------------------------


def test_delete_a_unit_nothing_refers_to(staff_api, tree, api_error):
    factories.commune(tree["other"], code="03400", name="Nhập nhầm")
    response = staff_api.delete(f"{UNITS}03400/")
    assert response.status_code == 204 and response.content == b""
    api_error(staff_api.get(f"{UNITS}03400/"), 404, "not_found")


@pytest.mark.parametrize(("code", "blocker"), [("100", "unit placement"), ("03317", "village placement")])
def test_delete_of_a_referenced_unit_is_a_conflict(staff_api, tree, api_error, code, blocker):
    factories.village(tree["north"], name="Huổi Chổn")
    body = api_error(staff_api.delete(f"{UNITS}{code}/"), 409, "conflict")
    assert blocker in body["detail"] and "close it with an end date" in body["detail"]
    assert staff_api.get(f"{UNITS}{code}/").status_code == 200


def test_delete_needs_a_permission(anonymous, api, viewer_api, tree, api_error):
    api_error(anonymous.delete(f"{UNITS}101/"), 401, "not_authenticated")
    api_error(viewer_api.delete(f"{UNITS}101/"), 403, "permission_denied")
    assert AdministrativeUnit.objects.filter(code="101").exists()
