"""/api/v1/goals/: goals with their progress, filters, create, change, delete; the article's goals."""
import pytest

from tests import factories
from tracking import services
from tracking.access import SYSTEM
from tracking.models import Goal
from tracking.periods import Period

GOALS = "/api/v1/goals/"
PROGRESS_FIELDS = {
    "id", "title", "unit", "metric", "target", "set_by", "baseline_period", "deadline", "as_of", "baseline",
    "baseline_source", "current", "current_period", "current_source", "resolved", "progress", "status",
    "projected_period", "data_as_of", "basis", "explanation", "source_url", "source_location",
}


def blank_in(villages, quarter, blank_count):
    for index, village in enumerate(villages):
        factories.report(village, quarter, full=0 if index < blank_count else 2)


def goal(unit, *, title="Không còn bản trắng", baseline="2018Q1", deadline="2020", metric="blank_villages"):
    return services.goal_save(by=SYSTEM, goal=Goal(
        unit=unit, title=title, metric=metric, baseline_period=Period.parse(baseline) if baseline else None,
        deadline=Period.parse(deadline) if deadline else None, set_by="Đảng ủy xã",
    ))


@pytest.fixture
def goals(tree):
    """Nà Nhạn loses one blank village a quarter (8 → 5 in 2018); Nà Tấu's 2 are resolved in 2018Q3."""
    north = [factories.village(tree["north"], name=f"Bản {i}") for i in range(8)]
    south = [factories.village(tree["south"], name=f"Bản Nam {i}") for i in range(2)]
    for quarter, count in (("2018Q1", 8), ("2018Q2", 7), ("2018Q3", 6), ("2018Q4", 5)):
        blank_in(north, quarter, count)
    blank_in(south, "2018Q1", 2)
    blank_in(south, "2018Q3", 0)
    return {
        "on_track": goal(tree["north"], title="Nà Nhạn 2020"),
        "at_risk": goal(tree["north"], title="Nà Nhạn 2019Q2", deadline="2019Q2"),
        "achieved": goal(tree["south"], title="Nà Tấu"),
        "no_data": goal(tree["district"], title="Huyện", baseline=None),
    }


def rows(client, query=""):
    response = client.get(f"{GOALS}?{query}")
    assert response.status_code == 200, response.json()
    return {row["title"]: row for row in response.json()["results"]}


def test_goal_progress(api, goals):
    response = api.get(f"{GOALS}{goals['on_track'].pk}/progress/?as_of=2018Q4")
    assert response.status_code == 200, response.json()
    row = response.json()
    assert set(row) == PROGRESS_FIELDS
    assert (row["baseline"], row["current"], row["resolved"], row["progress"], row["status"]) == (8, 5, 3, 0.375, "on_track")
    assert (row["deadline"], row["projected_period"], row["as_of"], row["current_period"]) == ("2020", "2020Q1", "2018Q4", "2018Q4")
    assert row["baseline_source"]["source"] == row["current_source"]["source"] == row["basis"] == "village_reports"
    assert (row["baseline_source"]["period"], row["baseline_source"]["villages"]) == ("2018Q1", 8)
    assert row["unit"] == {"code": "03317", "name": "Nà Nhạn", "current_name": "Nà Nhạn", "level": "commune"}
    assert "2020Q1" in row["explanation"]


def test_goal_detail_is_its_progress_today(api, goals):
    detail = api.get(f"{GOALS}{goals['achieved'].pk}/").json()
    assert detail == api.get(f"{GOALS}{goals['achieved'].pk}/progress/").json()
    assert (detail["status"], detail["projected_period"], detail["resolved"]) == ("achieved", "2018Q3", 2)


def test_list_with_the_same_fields_and_filters(api, goals):
    listed = rows(api, "as_of=2018Q4")
    assert set(listed) == {"Nà Nhạn 2020", "Nà Nhạn 2019Q2", "Nà Tấu", "Huyện"}
    assert listed["Nà Nhạn 2020"] == api.get(f"{GOALS}{goals['on_track'].pk}/progress/?as_of=2018Q4").json()
    assert {title: row["status"] for title, row in listed.items()} == {
        "Nà Nhạn 2020": "on_track", "Nà Nhạn 2019Q2": "at_risk", "Nà Tấu": "achieved", "Huyện": "no_data",
    }
    assert set(rows(api, "as_of=2018Q4&unit=03317")) == {"Nà Nhạn 2020", "Nà Nhạn 2019Q2"}
    assert set(rows(api, "as_of=2018Q4&status=at_risk")) == {"Nà Nhạn 2019Q2"}
    assert set(rows(api, "as_of=2018Q4&unit=03317&status=achieved")) == set()
    assert set(rows(api, "as_of=2018Q4&metric=blank_villages")) == set(listed)
    # Later, the deadline of 2019Q2 has passed with villages still blank.
    assert set(rows(api, "as_of=2019Q3&status=overdue")) == {"Nà Nhạn 2019Q2"}


def test_list_is_paged(api, goals):
    body = api.get(f"{GOALS}?page_size=3").json()
    assert (body["count"], len(body["results"])) == (4, 3) and body["next"]


@pytest.mark.parametrize(
    ("url", "status", "code", "path"),
    [
        (f"{GOALS}?status=late", 400, "validation_error", "status"),
        (f"{GOALS}?unit=999", 400, "validation_error", "unit"),
        (f"{GOALS}?metric=members", 400, "validation_error", "metric"),
        (f"{GOALS}?as_of=2018Q7", 400, "validation_error", "as_of"),
        (f"{GOALS}999999/", 404, "not_found", None),
        (f"{GOALS}999999/progress/", 404, "not_found", None),
        ("GOAL/progress/?as_of=2019Q9", 400, "validation_error", "as_of"),
        ("GOAL/progress/?period=2019", 400, "validation_error", "period"),
    ],
)
def test_errors(api, goals, api_error, url, status, code, path):
    url = url.replace("GOAL", f"{GOALS}{goals['on_track'].pk}")
    api_error(api.get(url), status, code, *([path] if path else []))


def test_list_orders_by_id_or_title(api, goals):
    assert [row["title"] for row in api.get(f"{GOALS}?ordering=-id").json()["results"]] == [
        "Huyện", "Nà Tấu", "Nà Nhạn 2019Q2", "Nà Nhạn 2020"
    ]
    assert api.get(f"{GOALS}?ordering=title").json()["results"][0]["title"] == "Huyện"
    # As on every list, an ordering on something else (here a computed figure) is ignored.
    response = api.get(f"{GOALS}?ordering=baseline")
    assert response.status_code == 200 and response.json()["count"] == 4


# ----- create, change, delete ------------------------------------------------------------


NEW_GOAL = {"unit": "03316", "title": "Không còn bản chưa có chi bộ", "metric": "villages_without_own_cell",
            "baseline_period": "2018Q1", "deadline": "2030", "set_by": "Đảng ủy xã Nà Tấu",
            "source_url": "https://example.org/resolution", "source_location": "article 2"}


def test_create(staff_api, goals):
    response = staff_api.post(GOALS, NEW_GOAL, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == PROGRESS_FIELDS
    assert (body["unit"]["code"], body["metric"], body["baseline_period"], body["deadline"], body["set_by"]) == (
        "03316", "villages_without_own_cell", "2018Q1", "2030", "Đảng ủy xã Nà Tấu"
    )
    # Both villages have members without a cell of their own: nothing resolved yet. Their reports
    # are of 2018, years before today: no trend is projected from them.
    assert (body["baseline"], body["current"], body["status"], body["projected_period"]) == (2, 2, "stale", None)
    assert body["data_as_of"] == "2018Q3"  # the quarter of the latest reports, said beside the status
    assert staff_api.get(f"{GOALS}{body['id']}/").json() == body


def test_change_the_deadline(staff_api, goals):
    url = f"{GOALS}{goals['at_risk'].pk}/"
    response = staff_api.patch(url, {"deadline": "2021"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["deadline"] == "2021"
    assert staff_api.get(f"{url}progress/?as_of=2018Q4").json()["status"] == "on_track"
    goals["at_risk"].refresh_from_db()
    assert str(goals["at_risk"].deadline) == "2021" and goals["at_risk"].title == "Nà Nhạn 2019Q2"


def test_delete(staff_api, goals, api_error):
    url = f"{GOALS}{goals['no_data'].pk}/"
    assert staff_api.delete(url).status_code == 204
    api_error(staff_api.get(url), 404, "not_found")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"deadline": "2017"}, "deadline"),  # before the baseline
        ({"unit": "999"}, "unit"),
        ({"unit": None}, "unit"),
        ({"metric": "members"}, "metric"),
        ({"baseline_period": "2018Q5"}, "baseline_period"),
        ({"deadline": "20200"}, "deadline"),
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"set_by": None}, "set_by"),
    ],
)
def test_create_errors_change_nothing(staff_api, goals, api_error, change, path):
    before = Goal.objects.count()
    api_error(staff_api.post(GOALS, {**NEW_GOAL, **change}, format="json"), 400, "validation_error", path)
    assert Goal.objects.count() == before


def test_change_errors_change_nothing(staff_api, goals, api_error):
    url = f"{GOALS}{goals['on_track'].pk}/"
    api_error(staff_api.patch(url, {"deadline": "2010"}, format="json"), 400, "validation_error", "deadline")
    api_error(staff_api.patch(url, {"metric": "everything"}, format="json"), 400, "validation_error", "metric")
    goals["on_track"].refresh_from_db()
    assert str(goals["on_track"].deadline) == "2020"


def test_writes_need_a_permission(anonymous, api, viewer_api, goals, api_error):
    url = f"{GOALS}{goals['on_track'].pk}/"
    for client, status, code in ((anonymous, 401, "not_authenticated"), (viewer_api, 403, "permission_denied")):
        api_error(client.post(GOALS, NEW_GOAL, format="json"), status, code)
        api_error(client.patch(url, {"deadline": "2030"}, format="json"), status, code)
        api_error(client.delete(url), status, code)
    assert Goal.objects.count() == 4 and str(Goal.objects.get(pk=goals["on_track"].pk).deadline) == "2020"


# ----- the article's goals ---------------------------------------------------------------


def test_province_goal_baseline_134_resolved_117_current_17(api, article):
    row = api.get(f"{GOALS}1/progress/").json()
    assert (row["baseline"], row["resolved"], row["current"]) == (134, 117, 17)
    assert (row["basis"], row["baseline_source"]["source"], row["current_source"]["source"]) == (
        "reported_figure", "reported_figure", "derived_from_reported_figures"
    )
    assert row["status"] != "achieved" and row["unit"]["code"] == "11"


def test_huyen_dien_bien_goal_achieved_in_2019q2(api, article):
    row = api.get(f"{GOALS}4/progress/").json()
    assert (row["status"], row["projected_period"], row["baseline"], row["current"]) == ("achieved", "2019Q2", 11, 0)
    assert row["unit"]["code"] == "100"


def test_article_goals_by_unit_and_status(api, article):
    assert {row["id"] for row in api.get(f"{GOALS}?unit=103").json()["results"]} == {2, 3}
    assert {row["status"] for row in api.get(f"{GOALS}?unit=103").json()["results"]} == {"no_data"}
    assert {row["id"] for row in api.get(f"{GOALS}?status=achieved").json()["results"]} == {4, 5}


def test_a_trend_too_slow_to_reach_zero_before_2100_says_so_and_breaks_nothing(article, role_api):
    """An editor of district 098 cites 100 blank villages in 2008 and 99 in 2019, and sets a goal:
    at that pace zero lies past the last year a period can name. Every goal endpoint still
    answers, for that editor and for the province above."""
    from tracking.models import AdministrativeUnit

    district = AdministrativeUnit.objects.get(code="098")
    editor = role_api("editor", district)
    cite = {"unit": "098", "metric": "blank_villages", "source_url": "https://example.org/report", "source_location": "p. 1"}
    for period, value in (("2008", 100), ("2019", 99)):
        response = editor.post("/api/v1/reported-figures/", {**cite, "period": period, "value": value}, format="json")
        assert response.status_code == 201, response.json()
    response = editor.post(GOALS, {"unit": "098", "title": "Không còn bản trắng — Tủa Chùa", "metric": "blank_villages",
                                   "baseline_period": "2008", "set_by": "Huyện ủy Tủa Chùa"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["projected_period"], body["data_as_of"]) == ("stale", None, "2019")  # today

    province = role_api("viewer", AdministrativeUnit.objects.get(code="11"))
    for client in (editor, province):
        assert client.get(GOALS).status_code == 200
        assert client.get(f"{GOALS}{body['id']}/").status_code == 200
        in_2019 = client.get(f"{GOALS}{body['id']}/progress/?as_of=2019Q4").json()
        assert (in_2019["status"], in_2019["projected_period"]) == ("at_risk", None)
        assert "zero is not reached before 2100" in in_2019["explanation"]
