"""The dashboard: a committee's start page, one page per unit, every number the API's."""
import re

import pytest

from tests import factories
from tracking import services
from tracking.access import SYSTEM
from tracking.models import Goal, Role, RoleGrant

CARD = re.compile(r'data-figure="(\w+)"><dt>[^<]*</dt><dd>([^<]*)</dd>')
ROW = re.compile(r'<tr data-unit="(\w+)">(.*?)</tr>', re.S)
CELL = re.compile(r'data-figure="(\w+)">([^<]*)</td>')


def number(text: str):
    return None if text.strip() == "–" else int(text)


@pytest.fixture
def viewer(db, django_user_model, client):
    def make(unit, role=Role.VIEWER):
        user = django_user_model.objects.create_user(username=f"{role}-{unit.code}", password="pw", is_staff=True)
        RoleGrant.objects.create(user=user, unit=unit, role=role)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def reported_tree(tree):
    """Two communes of district 100, three villages, reports of 2025Q1: one village blank."""
    north = [factories.village(tree["north"], name=name) for name in ("Huổi Chổn", "Nà Sáy")]
    south = factories.village(tree["south"], name="Bản Mới")
    factories.report(north[0], "2025Q1", full=3)
    factories.report(north[1], "2025Q1", full=0)
    factories.report(south, "2025Q1", full=5, probationary=1)
    return {**tree, "villages": [*north, south]}


def test_a_viewer_starts_on_the_dashboard_of_their_unit(reported_tree, viewer):
    client = viewer(reported_tree["district"])
    page = client.get("/admin/").content.decode()
    assert 'data-unit="100"' in page
    assert 'data-quarter="2025Q1"' in page  # the latest quarter with data
    assert dict(CARD.findall(page))["blank_villages"] == "1"


def test_staff_without_a_role_keep_the_list_of_records(db, django_user_model, client):
    user = django_user_model.objects.create_user(username="staff", password="pw", is_staff=True)
    client.force_login(user)
    page = client.get("/admin/").content.decode()
    assert 'id="dashboard"' not in page


def test_every_number_on_the_dashboard_equals_the_api(article, api, client, django_user_model):
    user = django_user_model.objects.create_superuser(username="boss", email="boss@example.org", password="pw")
    client.force_login(user)
    page = client.get("/admin/dashboard/11/?quarter=2019Q4").content.decode()

    figures = api.get("/api/v1/units/11/progress/?period=2019Q4").json()
    cards = {name: number(value) for name, value in CARD.findall(page)}
    assert len(cards) == 8
    assert cards == {name: figures[name] for name in cards}

    children = ROW.findall(page)
    assert len(children) >= 10
    for code, row in children:
        child = api.get(f"/api/v1/units/{code}/progress/?period=2019Q4").json()
        cells = {name: number(value) for name, value in CELL.findall(row)}
        assert cells == {name: child[name] for name in cells}, code
    blanks = [api.get(f"/api/v1/units/{code}/progress/?period=2019Q4").json()["blank_villages"] for code, _ in children]
    assert blanks == sorted(blanks, reverse=True)
    # The article's figure is cited beside the computed ones, with its source.
    assert "36932" in page and "paragraph 8" in page


def test_a_commune_lists_its_blank_villages_as_the_api_does(reported_tree, viewer, api):
    client = viewer(reported_tree["district"])
    page = client.get("/admin/dashboard/03317/?quarter=2025Q1").content.decode()
    listed = re.findall(r'<li data-village="(\d+)">', page)
    expected = [row["id"] for row in api.get("/api/v1/units/03317/blank-villages/?period=2025Q1").json()["results"]]
    assert [int(pk) for pk in listed] == expected == [reported_tree["villages"][1].pk]


def test_the_district_drills_down_to_its_communes(reported_tree, viewer):
    client = viewer(reported_tree["district"])
    page = client.get("/admin/dashboard/100/?quarter=2025Q1").content.decode()
    assert [code for code, _ in ROW.findall(page)] == ["03317", "03316"]  # one blank village first
    assert 'href="/admin/dashboard/03317/?quarter=2025Q1"' in page


def test_a_unit_outside_the_area_is_not_found(reported_tree, viewer):
    client = viewer(reported_tree["district"])
    assert client.get("/admin/dashboard/101/").status_code == 404
    assert client.get("/admin/dashboard/11/").status_code == 404
    assert client.get("/admin/dashboard/99999/").status_code == 404


def test_a_wrong_quarter_says_so_and_shows_the_latest(reported_tree, viewer):
    client = viewer(reported_tree["district"])
    response = client.get("/admin/dashboard/100/?quarter=2025Q7", follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not a period" in page
    assert 'data-quarter="2025Q1"' in page


def test_the_chart_draws_the_goal_and_its_deadline(reported_tree, viewer):
    services.goal_save(by=SYSTEM, goal=Goal(unit=reported_tree["district"], title="Không còn bản trắng",
                                            metric="blank_villages", baseline_period="2025Q1", deadline="2026Q4",
                                            set_by="Huyện ủy"))
    client = viewer(reported_tree["district"])
    page = client.get("/admin/dashboard/100/?quarter=2025Q1").content.decode()
    assert '<svg class="chart"' in page
    assert 'class="goal blank"' in page
    assert "Không còn bản trắng" in page


def test_the_dashboard_reads_in_a_fixed_number_of_queries(reported_tree, viewer, django_assert_max_num_queries):
    client = viewer(reported_tree["district"])
    client.get("/admin/dashboard/100/?quarter=2025Q1")
    with django_assert_max_num_queries(48) as small:  # with the renamings of the units it names (one query a part)
        client.get("/admin/dashboard/100/?quarter=2025Q1")
    for i in range(6):
        commune = factories.commune(reported_tree["district"], name=f"Xã {i}")
        for j in range(4):
            factories.report(factories.village(commune, name=f"Bản {j}"), "2025Q1", full=j)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/admin/dashboard/100/?quarter=2025Q1")


def test_an_editor_opens_the_quarter_from_the_communes_dashboard_and_sees_where_it_stands(reported_tree, viewer):
    client = viewer(reported_tree["north"], role=Role.EDITOR)
    page = client.get("/admin/dashboard/03317/?quarter=2025Q1").content.decode()
    assert 'id="dashboard-entry" href="/admin/entry/03317/2025Q1/"' in page
    assert 'id="dashboard-approval" data-state="draft"' in page
    reader = viewer(reported_tree["district"])
    assert 'id="dashboard-entry"' not in reader.get("/admin/dashboard/100/?quarter=2025Q1").content.decode()


def test_the_dashboard_says_which_communes_reported_submitted_and_were_approved(reported_tree, viewer, api):
    client = viewer(reported_tree["district"])
    page = client.get("/admin/dashboard/100/?quarter=2025Q1").content.decode()
    shown = dict(re.findall(r'data-count="(\w+)"><dt>[^<]*</dt><dd>([^<]*)</dd>', page))
    summary = api.get("/api/v1/completeness/", {"within": "100", "quarter": "2025Q1"}).json()["summary"]
    assert shown["villages_reported"] == f"{summary['villages_reported']} / {summary['villages']}" == "3 / 3"
    assert {name: int(shown[name]) for name in ("reported_all", "reported_some", "reported_none", "submitted", "approved")} == {
        name: summary[name] for name in ("reported_all", "reported_some", "reported_none", "submitted", "approved")}
