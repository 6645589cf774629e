"""/api/v1/villages/: list and filters, detail, create under a commune, rename, close, delete."""
import datetime

import pytest

from tests import factories
from tracking.models import QuarterReport, Village

D = datetime.date
VILLAGES = "/api/v1/villages/"


@pytest.fixture
def villages(tree):
    """Four villages of huyện Điện Biên, one of Điện Biên Đông, and their reports."""
    made = {
        "huoi_chon": factories.village(tree["north"], name="Huổi Chổn"),
        "huoi_luc": factories.village(tree["north"], name="Huổi Lực"),
        "hoa": factories.village(tree["south"], name="Hoa"),
        "tham_chau": factories.village(tree["other"], name="Thẩm Chấu"),
        "new": factories.village(tree["north"], name="Bản Mới", valid_from=D(2020, 1, 1)),
    }
    factories.report(made["huoi_chon"], "2019Q1", full=2, probationary=1)
    factories.report(made["huoi_luc"], "2019Q1", full=0, probationary=0)
    factories.report(made["hoa"], "2019Q2", status="no_member")
    return made


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


# ----- list ------------------------------------------------------------------------------


def test_list_shows_each_village_with_its_unit(api, villages):
    body = api.get(VILLAGES).json()
    assert body["count"] == 5
    assert [row["name"] for row in body["results"]] == ["Bản Mới", "Hoa", "Huổi Chổn", "Huổi Lực", "Thẩm Chấu"]
    hoa = body["results"][1]
    assert hoa == {
        "id": villages["hoa"].pk, "key": "03316-0001", "name": "Hoa",
        "unit": {"code": "03316", "name": "Nà Tấu", "current_name": "Nà Tấu", "level": "commune"},
        "valid_from": None, "valid_to": None, "source_url": "", "source_location": "", "note": "",
    }


def test_a_village_keeps_its_key_and_is_found_by_it(api, villages, staff_api):
    """Files name villages by their key: its unit's code when it was recorded and a number, which
    a rename or a change of the map never changes."""
    keys = {row["name"]: row["key"] for row in api.get(VILLAGES).json()["results"]}
    assert keys["Huổi Chổn"].startswith("03317-") and keys["Bản Mới"].startswith("03317-")
    assert len(set(keys.values())) == len(keys)
    created = staff_api.post(VILLAGES, {"name": "Nà Lốc", "unit": "03317"}, format="json").json()
    assert created["key"] == f"03317-{max(int(key[6:]) for key in keys.values() if key.startswith('03317-')) + 1:04d}"
    staff_api.patch(f"{VILLAGES}{created['id']}/", {"name": "Nà Lốc mới"}, format="json")
    found = api.get(f"{VILLAGES}?key={created['key']}").json()["results"]
    assert [(row["id"], row["name"], row["key"]) for row in found] == [(created["id"], "Nà Lốc mới", created["key"])]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("within=03317", ["Bản Mới", "Huổi Chổn", "Huổi Lực"]),
        ("within=03317&active_on=2019-06-30", ["Huổi Chổn", "Huổi Lực"]),
        ("within=100&active_on=2019-06-30", ["Hoa", "Huổi Chổn", "Huổi Lực"]),
        ("within=11&active_on=2019-06-30", ["Hoa", "Huổi Chổn", "Huổi Lực", "Thẩm Chấu"]),
        ("within=101", ["Thẩm Chấu"]),
        ("active_on=2019-06-30", ["Hoa", "Huổi Chổn", "Huổi Lực", "Thẩm Chấu"]),
        ("active_on=2020-01-01", ["Bản Mới", "Hoa", "Huổi Chổn", "Huổi Lực", "Thẩm Chấu"]),
        ("search=huổi", ["Huổi Chổn", "Huổi Lực"]),
        ("search=Lực", ["Huổi Lực"]),
        ("search=nowhere", []),
        ("ordering=-name&within=03317", ["Huổi Lực", "Huổi Chổn", "Bản Mới"]),
    ],
)
def test_filters(api, villages, query, expected):
    assert names(api.get(f"{VILLAGES}?{query}")) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Huổi Lực reported no member in 2019Q1; Hoa said so (status only) in 2019Q2.
        ("period=2019Q2&blank=true", ["Hoa", "Huổi Lực"]),
        ("period=2019Q2&blank=false", ["Huổi Chổn"]),
        ("period=2019Q1&blank=true", ["Huổi Lực"]),
        # A year is read at its last quarter; villages without a report are in neither list.
        ("period=2019&blank=true", ["Hoa", "Huổi Lực"]),
        ("period=2018&blank=true", []),
        ("period=2018&blank=false", []),
        # Without a period: the current quarter, with the latest reports carried forward.
        ("blank=true", ["Hoa", "Huổi Lực"]),
        ("within=03317&period=2019Q2&blank=true", ["Huổi Lực"]),
        ("period=2019Q2", ["Bản Mới", "Hoa", "Huổi Chổn", "Huổi Lực", "Thẩm Chấu"]),
    ],
)
def test_blank_at_a_period(api, villages, query, expected):
    assert names(api.get(f"{VILLAGES}?{query}")) == expected


def test_blank_follows_a_later_report(api, villages):
    factories.report(villages["huoi_luc"], "2019Q3", full=0, probationary=1, admissions=1)
    assert names(api.get(f"{VILLAGES}?period=2019Q3&blank=true")) == ["Hoa"]
    assert names(api.get(f"{VILLAGES}?period=2019Q2&blank=true")) == ["Hoa", "Huổi Lực"]


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("within=999", "within"),
        ("period=2019Q5&blank=true", "period"),
        ("period=Q2-2019", "period"),
        ("blank=maybe", "blank"),
        ("active_on=30/06/2019", "active_on"),
    ],
)
def test_filter_errors(api, villages, api_error, query, path):
    api_error(api.get(f"{VILLAGES}?{query}"), 400, "validation_error", path)


def test_detail(api, villages, api_error):
    body = api.get(f"{VILLAGES}{villages['huoi_chon'].pk}/").json()
    assert (body["name"], body["unit"]["code"]) == ("Huổi Chổn", "03317")
    api_error(api.get(f"{VILLAGES}999999/"), 404, "not_found")
    api_error(api.get(f"{VILLAGES}abc/"), 404, "not_found")


# ----- create ----------------------------------------------------------------------------


def test_create_under_a_commune(staff_api, villages):
    response = staff_api.post(
        VILLAGES,
        {"name": "Nà Lốc", "unit": "03317", "valid_from": "2015-01-01", "source_url": "https://example.org/decision",
         "source_location": "article 1"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["unit"], body["valid_from"], body["source_location"]) == (
        "Nà Lốc", {"code": "03317", "name": "Nà Nhạn", "current_name": "Nà Nhạn", "level": "commune"}, "2015-01-01", "article 1"
    )
    assert staff_api.get(f"{VILLAGES}{body['id']}/").json() == body
    assert "Nà Lốc" in names(staff_api.get(f"{VILLAGES}?within=100"))
    assert "Nà Lốc" not in names(staff_api.get(f"{VILLAGES}?within=100&active_on=2014-12-31"))


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"unit": "11"}, "unit"),  # a province holds no village directly
        ({"unit": "999"}, "unit"),
        ({"unit": 3317}, "unit"),
        ({"unit": None}, "unit"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"valid_from": "2019-02-30"}, "valid_from"),
        ({"source_url": "not a url"}, "source_url"),
    ],
)
def test_create_errors(staff_api, villages, api_error, body, path):
    before = Village.objects.count()
    api_error(staff_api.post(VILLAGES, {"name": "Nà Lốc", "unit": "03317", **body}, format="json"), 400, "validation_error", path)
    assert Village.objects.count() == before


def test_create_in_a_unit_that_does_not_cover_the_village_life(staff_api, tree, api_error):
    factories.commune(tree["district"], code="03318", name="Xã mới", valid_from=D(2020, 1, 1))
    api_error(staff_api.post(VILLAGES, {"name": "Bản cũ", "unit": "03318"}, format="json"), 400, "validation_error", "unit")
    response = staff_api.post(VILLAGES, {"name": "Bản cũ", "unit": "03318", "valid_from": "2020-01-01"}, format="json")
    assert response.status_code == 201, response.json()


def test_create_needs_a_login(anonymous, api, viewer_api, villages, api_error):
    api_error(anonymous.post(VILLAGES, {"name": "Nà Lốc", "unit": "03317"}, format="json"), 401, "not_authenticated")
    api_error(viewer_api.post(VILLAGES, {"name": "Nà Lốc", "unit": "03317"}, format="json"), 403, "permission_denied")
    assert not Village.objects.filter(name="Nà Lốc").exists()


# ----- rename, close ---------------------------------------------------------------------


def test_rename(staff_api, villages):
    url = f"{VILLAGES}{villages['hoa'].pk}/"
    response = staff_api.patch(url, {"name": "Bản Hoa"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Bản Hoa"
    assert staff_api.get(url).json()["name"] == "Bản Hoa"


def test_close_keeps_the_history_and_refuses_later_reports(staff_api, villages, api_error):
    village = villages["huoi_chon"]
    response = staff_api.patch(f"{VILLAGES}{village.pk}/", {"valid_to": "2020-01-01"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["valid_to"], response.json()["unit"]["code"]) == ("2020-01-01", "03317")
    assert "Huổi Chổn" not in names(staff_api.get(f"{VILLAGES}?within=03317"))
    assert "Huổi Chổn" in names(staff_api.get(f"{VILLAGES}?within=03317&active_on=2019-12-31"))
    report = {"village": village.pk, "full_members": 3, "probationary_members": 0}
    api_error(staff_api.post("/api/v1/reports/", {**report, "quarter": "2020Q1"}, format="json"), 400, "validation_error", "quarter")
    assert staff_api.post("/api/v1/reports/", {**report, "quarter": "2019Q4"}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("valid_to", "reason"),
    [("2019-03-31", "reports after this date"), ("2019-01-01", "reports after this date")],
)
def test_close_before_a_report_is_refused(staff_api, villages, api_error, valid_to, reason):
    village = villages["huoi_chon"]  # reported 2019Q1
    body = api_error(staff_api.patch(f"{VILLAGES}{village.pk}/", {"valid_to": valid_to}, format="json"), 400, "validation_error", "valid_to")
    assert reason in body["detail"]
    village.refresh_from_db()
    assert village.valid_to is None and village.placements.get().valid_to is None


def test_close_before_the_village_began_is_refused(staff_api, villages, api_error):
    village = villages["new"]  # from 2020-01-01
    api_error(staff_api.patch(f"{VILLAGES}{village.pk}/", {"valid_to": "2019-06-01"}, format="json"), 400, "validation_error", "valid_to")
    village.refresh_from_db()
    assert village.valid_to is None and village.placements.get().valid_to is None


def test_close_before_the_village_joined_its_cell_is_refused(staff_api, villages, api_error):
    village = villages["huoi_luc"]
    factories.cell(village, name="Chi bộ Huổi Lực", founded_on=D(2021, 3, 1))
    api_error(staff_api.patch(f"{VILLAGES}{village.pk}/", {"valid_to": "2020-06-01"}, format="json"), 400, "validation_error", "valid_to")
    assert village.cell_coverage.get().valid_to is None


@pytest.mark.parametrize(("body", "path"), [({"name": ""}, "name"), ({"valid_to": None}, "valid_to"), ({"valid_to": 2020}, "valid_to")])
def test_update_errors(staff_api, villages, api_error, body, path):
    api_error(staff_api.patch(f"{VILLAGES}{villages['hoa'].pk}/", body, format="json"), 400, "validation_error", path)
    assert Village.objects.get(pk=villages["hoa"].pk).name == "Hoa"


def test_update_needs_a_permission(anonymous, api, viewer_api, villages, api_error):
    url = f"{VILLAGES}{villages['hoa'].pk}/"
    api_error(anonymous.patch(url, {"name": "X"}, format="json"), 401, "not_authenticated")
    api_error(viewer_api.patch(url, {"name": "X"}, format="json"), 403, "permission_denied")


# ----- delete ----------------------------------------------------------------------------


def test_delete_a_village_without_history(staff_api, villages, api_error):
    village = villages["tham_chau"]
    assert staff_api.delete(f"{VILLAGES}{village.pk}/").status_code == 204
    api_error(staff_api.get(f"{VILLAGES}{village.pk}/"), 404, "not_found")
    assert "Thẩm Chấu" not in names(staff_api.get(f"{VILLAGES}?within=11"))


def test_delete_a_village_with_reports_is_a_conflict(staff_api, villages, api_error):
    village = villages["hoa"]
    body = api_error(staff_api.delete(f"{VILLAGES}{village.pk}/"), 409, "conflict")
    assert "quarterly village report" in body["detail"] and "Hoa 2019Q2" in body["detail"]
    assert Village.objects.filter(pk=village.pk).exists() and QuarterReport.objects.filter(village=village).count() == 1


def test_delete_needs_a_permission(anonymous, api, viewer_api, villages, api_error):
    url = f"{VILLAGES}{villages['tham_chau'].pk}/"
    api_error(anonymous.delete(url), 401, "not_authenticated")
    api_error(viewer_api.delete(url), 403, "permission_denied")
    assert Village.objects.filter(pk=villages["tham_chau"].pk).exists()


def test_a_key_filter_that_is_no_key_is_refused(api, villages, api_error):
    api_error(api.get(f"{VILLAGES}?key=huoi-chon"), 400, "validation_error", "key")
    assert api.get(f"{VILLAGES}?key=03317-9999").json()["count"] == 0
