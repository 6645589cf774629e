"""A role covers what was under its unit at the time: the period data of a unit that moved.

Xã Nà Tấu (03316) sat in huyện Điện Biên (100, "A") until 2020-01-01, then in thành phố Điện
Biên Phủ (094, "B") until 2025-07-01 (``tests.moved_world``). Both districts keep reading the
commune and the villages that were ever theirs; but the figures, blank villages, timeline,
quarter approvals, reported figures, goals and village reports of a period belong to the district
that held the commune (for a report: the village) on the period's last day. Outside it they do not
exist: 404 exactly as for a code or id that does not exist, rows left out of lists.

The same, for records written through the API on the article's data rather than taken from
``tests.moved_world``: ``test_moved_unit_periods_recorded_through_the_api.py`` (its data is built
per test, so it cannot share this module, whose world is built once).
"""
import json
import re

import pytest

from tests.moved_world import POST_MOVE_MARKS, PRE_MOVE_MARKS

PRE, POST = "2019Q4", "2021Q1"
UNKNOWN_CODE = "03399"
UNKNOWN_ID = 999999

pytestmark = pytest.mark.usefixtures("moved")


def body_text(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def assert_reads_like_unknown(hidden, unknown, hidden_key: str, unknown_key: str, api_error) -> None:
    """A 404 with the one error shape, word for word the answer for a code or id that does not exist."""
    hidden_body = api_error(hidden, 404, "not_found")
    unknown_body = api_error(unknown, 404, "not_found")
    pattern = re.compile(rf"\b{re.escape(hidden_key)}\b")
    assert pattern.sub("KEY", hidden_body["detail"]) == re.sub(rf"\b{re.escape(unknown_key)}\b", "KEY", unknown_body["detail"])


def assert_no_marks(response, marks) -> None:
    text = body_text(response)
    for mark in marks:
        assert mark not in text, (mark, text[:500])


# ----- the unit and its villages: readable by both districts, as before ----------------------


def test_both_districts_read_the_commune_and_the_villages_that_were_ever_theirs(moved, client_of):
    for user in ("a_viewer", "b_viewer"):
        client = client_of(user)
        assert client.get("/api/v1/units/03316/").status_code == 200, user
        assert client.get(f"/api/v1/villages/{moved['hoa']}/").status_code == 200, user
        assert client.get(f"/api/v1/cells/{moved['hoa_cell']}/").status_code == 200, user


def test_a_village_created_after_the_move_does_not_exist_for_the_former_district(moved, client_of, api_error):
    a_viewer = client_of("a_viewer")
    assert_reads_like_unknown(a_viewer.get(f"/api/v1/villages/{moved['na_loc']}/"),
                              a_viewer.get(f"/api/v1/villages/{UNKNOWN_ID}/"), str(moved["na_loc"]), str(UNKNOWN_ID), api_error)
    assert client_of("b_viewer").get(f"/api/v1/villages/{moved['na_loc']}/").status_code == 200
    names = [village["name"] for village in a_viewer.get("/api/v1/villages/?page_size=500").json()["results"]]
    assert "Hoa" in names and "Nà Lốc" not in names


# ----- figures and quarters of the unit, by period -----------------------------------------

PERIOD_ENDPOINTS = {
    "figures": "/api/v1/units/{code}/progress/?period={period}",
    "blank villages": "/api/v1/units/{code}/blank-villages/?period={period}",
    "timeline": "/api/v1/units/{code}/progress/timeline/?from={period}&to={period}",
    "quarter approval": "/api/v1/units/{code}/approvals/{period}/",
    "quarter history": "/api/v1/units/{code}/approvals/{period}/history/",
}


@pytest.mark.parametrize("endpoint", PERIOD_ENDPOINTS)
@pytest.mark.parametrize(("user", "period", "visible"), [
    ("a_viewer", PRE, True), ("a_viewer", POST, False),
    ("b_viewer", PRE, False), ("b_viewer", POST, True),
])
def test_a_units_quarter_is_seen_only_by_the_district_that_held_it(client_of, api_error, endpoint, user, period, visible):
    client = client_of(user)
    path = PERIOD_ENDPOINTS[endpoint]
    response = client.get(path.format(code="03316", period=period))
    if visible:
        assert response.status_code == 200, response.content[:300]
        assert_no_marks(response, POST_MOVE_MARKS if user.startswith("a") else PRE_MOVE_MARKS)
    else:
        assert_reads_like_unknown(response, client.get(path.format(code=UNKNOWN_CODE, period=period)), "03316", UNKNOWN_CODE,
                                  api_error)


def test_a_timeline_across_the_move_holds_only_the_quarters_of_the_district_asking(client_of):
    path = "/api/v1/units/03316/progress/timeline/?from=2019Q1&to=2021Q4"
    a_rows = client_of("a_viewer").get(path)
    assert a_rows.status_code == 200
    assert [row["period"] for row in a_rows.json()] == ["2019Q1", "2019Q2", "2019Q3", "2019Q4"]
    assert_no_marks(a_rows, POST_MOVE_MARKS)
    b_rows = client_of("b_viewer").get(path)
    assert b_rows.status_code == 200
    assert [row["period"] for row in b_rows.json()] == [f"{year}Q{q}" for year in (2020, 2021) for q in (1, 2, 3, 4)]
    assert_no_marks(b_rows, PRE_MOVE_MARKS)


def test_a_timeline_with_no_quarter_of_the_district_does_not_exist(client_of, api_error):
    a_viewer = client_of("a_viewer")
    assert_reads_like_unknown(a_viewer.get("/api/v1/units/03316/progress/timeline/?from=2021Q1&to=2021Q4"),
                              a_viewer.get(f"/api/v1/units/{UNKNOWN_CODE}/progress/timeline/?from=2021Q1&to=2021Q4"),
                              "03316", UNKNOWN_CODE, api_error)
    b_viewer = client_of("b_viewer")
    assert_reads_like_unknown(b_viewer.get("/api/v1/units/03316/progress/timeline/?from=2019Q1&to=2019Q4"),
                              b_viewer.get(f"/api/v1/units/{UNKNOWN_CODE}/progress/timeline/?from=2019Q1&to=2019Q4"),
                              "03316", UNKNOWN_CODE, api_error)


def test_the_default_timeline_of_the_former_district_stops_at_the_move(client_of):
    response = client_of("a_viewer").get("/api/v1/units/03316/progress/timeline/")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert all(row["period"] < "2020Q1" for row in response.json()), [row["period"] for row in response.json()]
    assert_no_marks(response, POST_MOVE_MARKS)


def test_figures_on_todays_boundaries_do_not_open_another_districts_quarter(client_of, api_error):
    # boundaries=current counts the villages on today's map: still the quarter of the district then.
    a_viewer = client_of("a_viewer")
    response = a_viewer.get(f"/api/v1/units/03316/progress/?period={POST}&boundaries=current")
    assert_reads_like_unknown(response, a_viewer.get(f"/api/v1/units/{UNKNOWN_CODE}/progress/?period={POST}&boundaries=current"),
                              "03316", UNKNOWN_CODE, api_error)


# ----- lists: the rows of the other district's periods are left out --------------------------

LISTS = {
    # name: (path, what identifies a row, A's rows, B's rows)
    "approvals of the unit": ("/api/v1/approvals/?unit=03316", "quarter", {"2019Q3", "2019Q4"}, {"2021Q1", "2021Q2"}),
    "reported figures of the unit": ("/api/v1/reported-figures/?unit=03316", "period", {"2019"}, {"2024"}),
    "goals of the unit": ("/api/v1/goals/?unit=03316", "title", {"Nà Tấu: no blank village by the end of 2019"},
                          {"Nà Tấu: every village its own cell by mid-2025"}),
    "reports of Hoa": ("/api/v1/reports/?village={hoa}", "quarter", {"2008Q4", "2019Q2", "2019Q3", "2019Q4"},
                       {"2021Q1", "2021Q2"}),
}


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("user", ["a_viewer", "b_viewer"])
def test_lists_hold_only_the_periods_of_the_district_asking(moved, client_of, name, user):
    path, key, a_rows, b_rows = LISTS[name]
    response = client_of(user).get(path.format(**moved))
    assert response.status_code == 200, response.content[:300]
    rows = {str(row[key]) for row in response.json()["results"]}
    assert rows == (a_rows if user == "a_viewer" else b_rows)


def test_the_former_districts_lists_hold_nothing_after_the_move(client_of):
    a_viewer = client_of("a_viewer")
    for path in ("/api/v1/reports/?page_size=500", "/api/v1/approvals/?page_size=500"):
        response = a_viewer.get(path)
        assert response.status_code == 200
        quarters = [row["quarter"] for row in response.json()["results"]]
        assert quarters and all(quarter < "2020Q1" for quarter in quarters), (path, quarters)
    for path in ("/api/v1/reported-figures/?page_size=500", "/api/v1/goals/?page_size=500", "/api/v1/cells/?page_size=500",
                 "/api/v1/villages/?page_size=500"):
        response = a_viewer.get(path)
        assert response.status_code == 200
        assert_no_marks(response, POST_MOVE_MARKS)


def test_the_new_districts_lists_hold_nothing_from_before_the_move(moved, client_of):
    b_viewer = client_of("b_viewer")
    reports = b_viewer.get(f"/api/v1/reports/?village={moved['hoa']}").json()["results"]
    assert all(row["quarter"] >= "2020Q1" for row in reports)
    for path in ("/api/v1/reported-figures/?page_size=500", "/api/v1/goals/?page_size=500",
                 "/api/v1/approvals/?page_size=500"):
        response = b_viewer.get(path)
        assert response.status_code == 200
        assert_no_marks(response, PRE_MOVE_MARKS)
        assert all(row.get("quarter", "2020Q1") >= "2020Q1" for row in response.json()["results"]), path


# ----- one record of a period, by its id -----------------------------------------------------

RECORDS = {
    # name: (path with {id}, the pre-move record, the post-move record)
    "report": ("/api/v1/reports/{id}/", "hoa_2019q3", "hoa_2021q1"),
    "report history": ("/api/v1/reports/{id}/history/", "hoa_2019q3", "hoa_2021q1"),
    "reported figure": ("/api/v1/reported-figures/{id}/", "figure_2019", "figure_2024"),
    "reported figure history": ("/api/v1/reported-figures/{id}/history/", "figure_2019", "figure_2024"),
    "goal": ("/api/v1/goals/{id}/", "goal_2019", "goal_2024"),
    "goal progress": ("/api/v1/goals/{id}/progress/", "goal_2019", "goal_2024"),
    "goal history": ("/api/v1/goals/{id}/history/", "goal_2019", "goal_2024"),
}


@pytest.mark.parametrize("name", RECORDS)
@pytest.mark.parametrize(("user", "which", "visible"), [
    ("a_viewer", "pre", True), ("a_viewer", "post", False),
    ("b_viewer", "pre", False), ("b_viewer", "post", True),
])
def test_a_periods_record_is_seen_only_by_the_district_that_held_it(moved, client_of, api_error, name, user, which, visible):
    path, pre, post = RECORDS[name]
    record = moved[pre if which == "pre" else post]
    client = client_of(user)
    response = client.get(path.format(id=record))
    if visible:
        assert response.status_code == 200, response.content[:300]
    else:
        assert_reads_like_unknown(response, client.get(path.format(id=UNKNOWN_ID)), str(record), str(UNKNOWN_ID), api_error)
