"""/api/v1/cells/: found a village's own cell or a merged cell, dissolve, filter by village, delete;
an editor cannot found a cell that would lie in nobody's area, through the API or in the admin."""
import datetime

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tracking import services
from tracking.access import SYSTEM
from tracking.models import (
    AdministrativeUnit,
    CellCoverage,
    PartyCell,
    RoleGrant,
    Village,
)

D = datetime.date
CELLS = "/api/v1/cells/"


@pytest.fixture
def villages(tree):
    return {
        "a": factories.village(tree["north"], name="Huổi Chổn"),
        "b": factories.village(tree["north"], name="Huổi Lực"),
        "c": factories.village(tree["south"], name="Hoa"),
        "late": factories.village(tree["south"], name="Bản Mới", valid_from=D(2020, 1, 1)),
    }


def served(response) -> dict[str, list[int]]:
    assert response.status_code == 200, response.json()
    return {row["name"]: row["villages"] for row in response.json()["results"]}


def test_found_a_village_own_cell(staff_api, villages):
    a = villages["a"]
    response = staff_api.post(CELLS, {"name": "Chi bộ bản Huổi Chổn", "founded_on": "2019-03-01", "villages": [a.pk],
                                      "source_url": "https://example.org/decision"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["founded_on"], body["dissolved_on"], body["villages"], body["organisation"]) == (
        "Chi bộ bản Huổi Chổn", "2019-03-01", None, [a.pk], None
    )
    assert staff_api.get(f"{CELLS}{body['id']}/").json() == body
    coverage = CellCoverage.objects.get(cell_id=body["id"])
    assert (coverage.village, coverage.valid_from) == (a, D(2019, 3, 1))


def test_found_a_merged_cell(staff_api, villages):
    ids = [villages["a"].pk, villages["c"].pk]
    response = staff_api.post(CELLS, {"name": "Chi bộ ghép Huổi Chổn - Hoa", "villages": ids}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["villages"] == sorted(ids)
    # A report may now name the merged cell for either village, and the figures see it merged.
    for village in (villages["a"], villages["c"]):
        report = {"village": village.pk, "quarter": "2019Q2", "full_members": 1, "probationary_members": 0, "cell": response.json()["id"]}
        assert staff_api.post("/api/v1/reports/", report, format="json").status_code == 201
    figures = staff_api.get("/api/v1/units/100/progress/?period=2019Q2").json()
    assert (figures["villages_in_merged_cells"], figures["merged_cells"], figures["villages_with_own_cell"]) == (2, 1, 0)


def test_found_an_agency_cell_serving_no_village(staff_api, villages):
    response = staff_api.post(CELLS, {"name": "Chi bộ cơ quan"}, format="json")
    assert response.status_code == 201 and response.json()["villages"] == []


def test_found_a_cell_in_an_organisation(staff_api, tree, villages):
    organisation = services.organisation_create(by=SYSTEM, name="Đảng bộ xã Nà Nhạn", unit=tree["north"])
    response = staff_api.post(CELLS, {"name": "Chi bộ bản Huổi Lực", "organisation": organisation.pk,
                                      "villages": [villages["b"].pk]}, format="json")
    assert response.status_code == 201 and response.json()["organisation"] == organisation.pk


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"villages": [999999]}, "villages"),
        ({"villages": "all"}, "villages"),
        ({"villages": [0]}, "villages.0"),
        ({"organisation": 999999}, "organisation"),
        ({"name": ""}, "name"),
        ({"founded_on": "2019-02-30"}, "founded_on"),
    ],
)
def test_found_errors(staff_api, villages, api_error, body, path):
    before = PartyCell.objects.count()
    api_error(staff_api.post(CELLS, {"name": "Chi bộ", "villages": [villages["a"].pk], **body}, format="json"),
              400, "validation_error", path)
    assert PartyCell.objects.count() == before


def test_found_a_cell_for_a_village_that_does_not_exist_yet_is_refused(staff_api, villages, api_error):
    before = PartyCell.objects.count()
    body = {"name": "Chi bộ ghép", "villages": [villages["a"].pk, villages["late"].pk], "founded_on": "2019-01-01"}
    api_error(staff_api.post(CELLS, body, format="json"), 400, "validation_error", "villages.1")
    assert PartyCell.objects.count() == before and not CellCoverage.objects.exists()


def test_found_a_cell_serving_a_village_twice_is_refused(staff_api, villages, api_error):
    body = {"name": "Chi bộ", "villages": [villages["a"].pk, villages["a"].pk]}
    api_error(staff_api.post(CELLS, body, format="json"), 400, "validation_error", "villages.1")
    assert not PartyCell.objects.exists()


def test_found_needs_a_permission(anonymous, api, viewer_api, villages, api_error):
    api_error(anonymous.post(CELLS, {"name": "Chi bộ"}, format="json"), 401, "not_authenticated")
    api_error(viewer_api.post(CELLS, {"name": "Chi bộ"}, format="json"), 403, "permission_denied")
    assert not PartyCell.objects.exists()


# ----- rename, dissolve ------------------------------------------------------------------


def test_rename(staff_api, villages):
    cell = factories.cell(villages["a"], name="Chi bộ A")
    response = staff_api.patch(f"{CELLS}{cell.pk}/", {"name": "Chi bộ bản Huổi Chổn"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Chi bộ bản Huổi Chổn"


def test_dissolve_stops_serving_the_villages(staff_api, villages):
    cell = factories.cell(villages["a"], villages["b"], name="Chi bộ ghép", founded_on=D(2015, 1, 1))
    response = staff_api.patch(f"{CELLS}{cell.pk}/", {"dissolved_on": "2020-01-01"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["dissolved_on"], response.json()["villages"]) == ("2020-01-01", [])
    assert set(cell.villages_served_on(D(2019, 12, 31))) == {villages["a"].pk, villages["b"].pk}
    assert cell.villages_served_on(D(2020, 1, 1)) == []
    assert served(staff_api.get(f"{CELLS}?village={villages['a'].pk}")) == {}
    assert served(staff_api.get(f"{CELLS}?village={villages['a'].pk}&active_on=2019-06-30")) == {"Chi bộ ghép": []}


def test_dissolve_refused_while_reports_name_the_cell(staff_api, villages, api_error):
    cell = factories.cell(villages["a"], name="Chi bộ A")
    factories.report(villages["a"], "2019Q4", full=3, cell=cell)
    body = api_error(staff_api.patch(f"{CELLS}{cell.pk}/", {"dissolved_on": "2019-11-01"}, format="json"),
                     400, "validation_error", "dissolved_on")
    assert "2019Q4" in body["detail"]
    cell.refresh_from_db()
    assert cell.dissolved_on is None and cell.villages_served_on(D(2025, 1, 1)) == [villages["a"].pk]
    assert staff_api.patch(f"{CELLS}{cell.pk}/", {"dissolved_on": "2020-01-01"}, format="json").status_code == 200


def test_dissolve_before_the_founding_is_refused(staff_api, villages, api_error):
    cell = factories.cell(villages["a"], name="Chi bộ A", founded_on=D(2019, 3, 1))
    api_error(staff_api.patch(f"{CELLS}{cell.pk}/", {"dissolved_on": "2019-01-01"}, format="json"),
              400, "validation_error", "dissolved_on")
    cell.refresh_from_db()
    assert cell.dissolved_on is None and cell.coverage.get().valid_to is None


@pytest.mark.parametrize(("body", "path"), [({"name": ""}, "name"), ({"dissolved_on": None}, "dissolved_on"),
                                            ({"dissolved_on": "later"}, "dissolved_on")])
def test_update_errors(staff_api, villages, api_error, body, path):
    cell = factories.cell(villages["a"], name="Chi bộ A")
    api_error(staff_api.patch(f"{CELLS}{cell.pk}/", body, format="json"), 400, "validation_error", path)
    cell.refresh_from_db()
    assert (cell.name, cell.dissolved_on) == ("Chi bộ A", None)


# ----- list, filter by village -----------------------------------------------------------


def test_filter_by_village(api, villages):
    own = factories.cell(villages["a"], name="Chi bộ bản Huổi Chổn", founded_on=D(2019, 3, 1))
    merged = factories.cell(villages["b"], villages["c"], name="Chi bộ ghép Huổi Lực - Hoa", founded_on=D(2010, 1, 1))
    factories.cell(name="Chi bộ cơ quan")
    assert served(api.get(CELLS)) == {
        "Chi bộ bản Huổi Chổn": [villages["a"].pk],
        "Chi bộ cơ quan": [],
        "Chi bộ ghép Huổi Lực - Hoa": sorted([villages["b"].pk, villages["c"].pk]),
    }
    assert list(served(api.get(f"{CELLS}?village={villages['a'].pk}"))) == [own.name]
    assert list(served(api.get(f"{CELLS}?village={villages['c'].pk}"))) == [merged.name]
    # Before its founding, the village's own cell did not serve it.
    assert served(api.get(f"{CELLS}?village={villages['a'].pk}&active_on=2019-01-01")) == {}
    assert list(served(api.get(f"{CELLS}?search=ghép"))) == [merged.name]
    assert served(api.get(f"{CELLS}?village=999999")) == {}


@pytest.mark.parametrize(("query", "path"), [("village=abc", "village"), ("active_on=tomorrow", "active_on")])
def test_filter_errors(api, villages, api_error, query, path):
    api_error(api.get(f"{CELLS}?{query}"), 400, "validation_error", path)


# ----- delete ----------------------------------------------------------------------------


def test_delete_a_cell_no_report_names(staff_api, villages, api_error):
    cell = factories.cell(villages["a"], name="Chi bộ nhầm")
    assert staff_api.delete(f"{CELLS}{cell.pk}/").status_code == 204
    api_error(staff_api.get(f"{CELLS}{cell.pk}/"), 404, "not_found")
    assert not CellCoverage.objects.exists()


def test_delete_a_cell_named_by_a_report_is_a_conflict(staff_api, villages, api_error):
    cell = factories.cell(villages["a"], name="Chi bộ A")
    factories.report(villages["a"], "2019Q2", full=3, cell=cell)
    body = api_error(staff_api.delete(f"{CELLS}{cell.pk}/"), 409, "conflict")
    assert "Huổi Chổn 2019Q2" in body["detail"]
    assert PartyCell.objects.filter(pk=cell.pk).exists()


# ----- a cell in nobody's area ------------------------------------------------------------
# A cell serving no village and of no organisation would lie in nobody's area: an editor cannot
# found one (400 with the reason, nothing saved), whichever way they ask. Never a server error.


@pytest.fixture
def editor_100(article, django_user_model):
    """An editor of huyện Điện Biên (100), staff, on the article's Điện Biên."""
    user = django_user_model.objects.create_user(username="a_editor", password="pw", is_staff=True)
    RoleGrant.objects.create(user=user, unit=AdministrativeUnit.objects.get(code="100"), role="editor")
    return user


def test_the_api_refuses_a_cell_with_neither_villages_nor_organisation(editor_100, client_of, api_error):
    client = client_of("a_editor", raise_errors=False)  # a server error comes back as a 500 response
    before = PartyCell.objects.count()
    response = client.post("/api/v1/cells/", {"name": "Orphan", "founded_on": "2019-03-01"}, format="json")
    assert response.status_code == 400, response.content[:500]
    body = api_error(response, 400, "validation_error")
    assert {error["path"] for error in body["errors"]} <= {"", "villages", "organisation"}, body
    assert PartyCell.objects.count() == before
    assert not PartyCell.objects.filter(name="Orphan").exists()


def test_a_cell_serving_a_village_until_today_needs_an_editor_of_today(editor_100, client_of, role_api):
    """District 100 had Huổi Chổn in 2019 but was abolished in 2025: it cannot found a cell that
    serves the village from 2019 on, into today's map; an editor of the province can."""
    from tracking.models import AdministrativeUnit

    huoi_chon = Village.objects.get(name="Huổi Chổn")
    body = {"name": "Chi bộ ghép", "founded_on": "2019-03-01", "villages": [huoi_chon.pk]}
    before = PartyCell.objects.count()
    response = client_of("a_editor").post("/api/v1/cells/", body, format="json")
    assert response.status_code == 403, response.content[:500]
    assert "(map of " in response.json()["detail"]
    assert PartyCell.objects.count() == before
    province_editor = role_api("editor", AdministrativeUnit.objects.get(code="11"))
    response = province_editor.post("/api/v1/cells/", body, format="json")
    assert response.status_code == 201, response.content[:500]


def test_the_admin_refuses_a_cell_with_neither_villages_nor_organisation(editor_100):
    client = Client()
    client.force_login(editor_100)
    before = PartyCell.objects.count()
    response = client.post(reverse("admin:tracking_partycell_add"), {"name": "Orphan", "founded_on": "2019-03-01"})
    assert response.status_code == 200  # the form again, with the reason
    assert response.context["adminform"].form.errors
    assert PartyCell.objects.count() == before
