"""Figures: a unit's progress for a period, its timeline, the villages still blank, and the
article's facts read through the API."""
import datetime

import pytest

from tests import factories
from tracking import services
from tracking.access import SYSTEM
from tracking.models import ReportedFigure
from tracking.periods import Period

D = datetime.date
ARTICLE = "http://nhandan.com.vn/chinhtri/dang-va-cuoc-song/item/42762402-chon-trong-tam-de-lanh-dao-nang-cao-vai-tro-to-chuc-co-so-dang.html"
FIELDS = {
    "unit", "period", "villages_total", "blank_villages", "villages_with_own_cell", "villages_in_merged_cells",
    "members", "admissions", "villages_without_report", "reported",
}


@pytest.fixture
def reports(tree):
    """Huyện Điện Biên: A (own cell), B (blank, then members), C (blank by status), D (no report);
    Điện Biên Đông: Far (blank). A figure cited for 2008."""
    villages = {
        "a": factories.village(tree["north"], name="A"),
        "b": factories.village(tree["north"], name="B"),
        "c": factories.village(tree["south"], name="C"),
        "d": factories.village(tree["south"], name="D"),
        "far": factories.village(tree["other"], name="Far"),
    }
    own = factories.cell(villages["a"], name="Chi bộ A")
    factories.report(villages["a"], "2019Q1", full=3, probationary=1, cell=own)
    factories.report(villages["b"], "2019Q1", full=0, probationary=0)
    factories.report(villages["b"], "2019Q2", full=1, probationary=1, admissions=1)
    factories.report(villages["c"], "2019Q2", status="no_member")
    factories.report(villages["far"], "2019Q2", full=0, probationary=0)
    services.reported_figure_save(by=SYSTEM, figure=ReportedFigure(
        unit=tree["district"], period=Period.parse("2008"), metric="blank_villages", value=9,
        source_url="https://example.org/report", source_location="table 2",
    ))
    return villages


def progress_of(client, code, query=""):
    response = client.get(f"/api/v1/units/{code}/progress/" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.json()
    return response.json()


# ----- progress --------------------------------------------------------------------------


def test_progress_of_a_district_for_a_quarter(api, reports):
    row = progress_of(api, "100", "period=2019Q2")
    assert FIELDS <= set(row)
    assert row["unit"] == {"code": "100", "name": "Điện Biên", "current_name": "Điện Biên", "level": "district"}
    assert (row["period"], row["as_of_quarter"]) == ("2019Q2", "2019Q2")
    assert (row["villages_total"], row["blank_villages"], row["villages_with_own_cell"], row["villages_in_merged_cells"]) == (4, 1, 1, 0)
    # A's 2019Q1 report is carried forward: 4 members in A and 2 in B.
    assert (row["members"], row["admissions"], row["villages_without_report"], row["villages_carried_forward"]) == (6, 1, 1, 1)
    assert (row["source"], row["reported"]) == ("village_reports", [])


def test_reported_figures_stand_beside_with_their_source(api, reports):
    row = progress_of(api, "100", "period=2008")
    assert (row["villages_total"], row["blank_villages"], row["villages_without_report"]) == (4, 0, 4)
    assert [{key: entry[key] for key in ("metric", "value", "period", "source", "source_url", "source_location")}
            for entry in row["reported"]] == [
        {"metric": "blank_villages", "value": 9, "period": "2008", "source": "reported_figure",
         "source_url": "https://example.org/report", "source_location": "table 2"}
    ]


def test_progress_of_a_year_and_a_month(api, reports):
    assert progress_of(api, "03317", "period=2019")["as_of_quarter"] == "2019Q4"
    may = progress_of(api, "03317", "period=2019-05")
    assert (may["period"], may["as_of_quarter"], may["admissions"]) == ("2019-05", "2019Q2", 1)


def test_progress_without_a_period_is_the_latest_quarter_with_data(api, tree, reports):
    assert progress_of(api, "100")["period"] == "2019Q2"
    assert progress_of(api, "03317")["period"] == "2019Q2"
    factories.report(reports["a"], "2020Q3", full=5, probationary=0)
    latest = progress_of(api, "03317")
    assert (latest["period"], latest["members"]) == ("2020Q3", 7)
    assert progress_of(api, "03316")["period"] == "2019Q2"
    assert progress_of(api, "11")["period"] == "2020Q3"


def test_a_closed_unit_defaults_to_its_latest_quarter_with_data(api, staff_api, reports):
    # Nà Tấu's villages and then the commune itself are closed at the end of 2019.
    for name in ("c", "d"):
        assert staff_api.patch(f"/api/v1/villages/{reports[name].pk}/", {"valid_to": "2020-01-01"}, format="json").status_code == 200
    assert staff_api.patch("/api/v1/units/03316/", {"valid_to": "2020-01-01"}, format="json").status_code == 200
    row = progress_of(api, "03316")
    assert (row["period"], row["villages_total"], row["blank_villages"]) == ("2019Q2", 2, 1)
    rows = api.get("/api/v1/units/03316/progress/timeline/").json()
    assert (len(rows), rows[-1]["period"]) == (20, "2019Q2")


def test_the_province_adds_up_its_districts(api, reports):
    row = progress_of(api, "11", "period=2019Q2")
    assert (row["villages_total"], row["blank_villages"], row["villages_without_report"]) == (5, 2, 1)


# ----- timeline --------------------------------------------------------------------------


def test_timeline_has_one_row_per_quarter(api, reports):
    response = api.get("/api/v1/units/100/progress/timeline/?from=2008&to=2019Q4")
    assert response.status_code == 200, response.json()
    rows = response.json()
    assert [row["period"] for row in rows] == [str(Period.from_index(i)) for i in range(2008 * 4, 2019 * 4 + 4)]
    by_period = {row["period"]: row for row in rows}
    assert by_period["2019Q2"] == progress_of(api, "100", "period=2019Q2")
    assert (by_period["2019Q1"]["blank_villages"], by_period["2019Q3"]["villages_carried_forward"]) == (1, 3)
    # The figure cited for 2008 stands beside each quarter of 2008.
    assert [entry["value"] for entry in by_period["2008Q3"]["reported"]] == [9]


def test_timeline_defaults_to_twenty_quarters_up_to_the_latest_data(api, reports):
    rows = api.get("/api/v1/units/100/progress/timeline/").json()
    assert (len(rows), rows[0]["period"], rows[-1]["period"]) == (20, "2014Q3", "2019Q2")
    rows = api.get("/api/v1/units/100/progress/timeline/?to=2019").json()
    assert (len(rows), rows[-1]["period"]) == (20, "2019Q4")


def test_timeline_leaves_out_the_quarters_a_unit_was_not_on_the_map(api, tree):
    factories.commune(tree["district"], code="03318", name="Xã mới", valid_from=D(2019, 4, 1))
    rows = api.get("/api/v1/units/03318/progress/timeline/?from=2019&to=2019").json()
    assert [row["period"] for row in rows] == ["2019Q2", "2019Q3", "2019Q4"]


def test_timeline_at_the_first_years_of_the_calendar(api, tree):
    response = api.get("/api/v1/units/100/progress/timeline/?to=1945")
    assert response.status_code == 200, response.json()
    assert [row["period"] for row in response.json()] == ["1945Q1", "1945Q2", "1945Q3", "1945Q4"]


# ----- blank villages --------------------------------------------------------------------


def blank(client, code, query=""):
    response = client.get(f"/api/v1/units/{code}/blank-villages/" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.json()
    return response.json()


def test_blank_villages_of_a_quarter(api, reports):
    body = blank(api, "11", "period=2019Q2")
    assert body["count"] == 2
    assert body["results"] == [
        {"id": reports["c"].pk, "name": "C", "unit": {"code": "03316", "name": "Nà Tấu", "current_name": "Nà Tấu", "level": "commune"}, "latest_quarter": "2019Q2"},
        {"id": reports["far"].pk, "name": "Far", "unit": {"code": "101", "name": "Điện Biên Đông", "current_name": "Điện Biên Đông", "level": "district"}, "latest_quarter": "2019Q2"},
    ]
    assert [row["name"] for row in blank(api, "100", "period=2019Q1")["results"]] == ["B"]
    assert [row["name"] for row in blank(api, "100", "period=2019Q2")["results"]] == ["C"]
    assert blank(api, "100", "period=2018")["count"] == 0


def test_blank_villages_agree_with_the_figures(api, reports):
    for code in ("11", "100", "101", "03317"):
        for period in ("2019Q1", "2019Q2", "2019"):
            assert blank(api, code, f"period={period}")["count"] == progress_of(api, code, f"period={period}")["blank_villages"]


def test_blank_villages_are_paged(api, tree, reports):
    for number in range(3):
        factories.report(factories.village(tree["other"], name=f"Z{number}"), "2019Q2", full=0)
    first = blank(api, "11", "period=2019Q2&page_size=2")
    assert (first["count"], len(first["results"]), first["previous"]) == (5, 2, None)
    rest = api.get(first["next"]).json()
    last = api.get(rest["next"]).json()
    assert [row["name"] for page in (first, rest, last) for row in page["results"]] == ["C", "Far", "Z0", "Z1", "Z2"]
    assert last["next"] is None


def test_blank_villages_default_to_the_current_quarter(api, reports):
    # Latest reports carried forward to today: B has members since 2019Q2.
    assert [row["name"] for row in blank(api, "11")["results"]] == ["C", "Far"]


# ----- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/api/v1/units/100/progress/?period=2019Q5", "period"),
        ("/api/v1/units/100/progress/?period=19", "period"),
        ("/api/v1/units/100/progress/?period=2019Q2&periode=2019", "periode"),
        ("/api/v1/units/100/progress/?as_of=2019", "as_of"),
        ("/api/v1/units/100/progress/timeline/?from=2019Q3&to=2019Q1", "from"),
        ("/api/v1/units/100/progress/timeline/?from=1950&to=2019", "from"),  # too long a range
        ("/api/v1/units/100/progress/timeline/?from=2019Q0", "from"),
        ("/api/v1/units/100/progress/timeline/?to=2019-13", "to"),
        ("/api/v1/units/100/progress/timeline/?period=2019", "period"),
        ("/api/v1/units/100/blank-villages/?period=2019Q2&within=100", "within"),
        ("/api/v1/units/100/blank-villages/?period=Q2", "period"),
    ],
)
def test_bad_queries_are_400(api, reports, api_error, url, path):
    api_error(api.get(url), 400, "validation_error", path)


def test_unknown_query_parameters_are_named(api, reports, api_error):
    body = api_error(api.get("/api/v1/units/100/progress/?perod=2019Q2"), 400, "validation_error", "perod")
    assert body["errors"][0]["code"] == "unknown_parameter" and "period" in body["errors"][0]["message"]


@pytest.mark.parametrize("path", ["progress/", "progress/timeline/", "blank-villages/"])
def test_unknown_unit_is_404(api, reports, api_error, path):
    body = api_error(api.get(f"/api/v1/units/99999/{path}"), 404, "not_found")
    assert "99999" in body["detail"]


def test_a_unit_not_on_the_map_in_the_period(api, tree, api_error):
    factories.commune(tree["district"], code="03318", name="Xã mới", valid_from=D(2020, 1, 1))
    body = api_error(api.get("/api/v1/units/03318/progress/?period=2019Q2"), 400, "validation_error")
    assert "not on the map in 2019Q2" in body["detail"]


def test_the_last_page_and_beyond(api, reports, api_error):
    api_error(api.get("/api/v1/units/11/blank-villages/?period=2019Q2&page=3"), 404, "not_found")


def test_the_browsable_api_format_link_is_not_an_unknown_parameter(api, reports):
    response = api.get("/api/v1/units/100/progress/?period=2019Q2&format=json")
    assert response.status_code == 200 and response.json()["period"] == "2019Q2"
    assert api.get("/api/v1/units/100/progress/timeline/?from=2019&to=2019&format=json").status_code == 200
    assert api.get("/api/v1/units/100/blank-villages/?period=2019Q2&format=json").status_code == 200


# ----- reported figures ------------------------------------------------------------------


FIGURES = "/api/v1/reported-figures/"
CITED = {"unit": "100", "period": "2019", "since": "2008", "metric": "formerly_blank_with_members", "value": 7,
         "source_url": "https://example.org/report", "source_location": "table 3"}


def test_record_a_cited_figure_and_see_it_beside_the_computed_ones(staff_api, reports):
    response = staff_api.post(FIGURES, CITED, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in CITED} == CITED and body["combined_with"] == []
    row = progress_of(staff_api, "100", "period=2019Q4")
    # 9 blank in 2008 (cited) - 7 of them with members by 2019 (cited) = 2, derived and said so.
    derived = [entry for entry in row["reported"] if entry["source"] == "derived_from_reported_figures"]
    assert [(entry["metric"], entry["value"]) for entry in derived] == [("blank_villages", 2)]
    assert row["blank_villages"] == 1  # the village register's own figure, never mixed in


def test_list_filter_change_and_delete_cited_figures(staff_api, reports, api_error):
    combined = staff_api.post(FIGURES, {**CITED, "combined_with": ["101"]}, format="json").json()
    assert combined["combined_with"] == ["101"]

    def listed(query):
        return [(row["unit"], row["period"], row["metric"]) for row in staff_api.get(f"{FIGURES}?{query}").json()["results"]]

    assert listed("unit=100") == [("100", "2008", "blank_villages"), ("100", "2019", "formerly_blank_with_members")]
    assert listed("unit=101") == [("100", "2019", "formerly_blank_with_members")]  # reported together with 100
    assert listed("period=2008Q4") == [("100", "2008", "blank_villages")]
    assert listed("period=2019-05&metric=formerly_blank_with_members") == [("100", "2019", "formerly_blank_with_members")]
    assert listed("unit=03317") == []
    url = f"{FIGURES}{combined['id']}/"
    changed = staff_api.patch(url, {"value": 8, "combined_with": []}, format="json")
    assert changed.status_code == 200 and (changed.json()["value"], changed.json()["combined_with"]) == (8, [])
    assert staff_api.delete(url).status_code == 204
    api_error(staff_api.get(url), 404, "not_found")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"source_url": ""}, "source_url"),  # a cited figure needs its source
        ({"since": "2020"}, "since"),  # counting from after the period
        ({"combined_with": ["100"]}, "combined_with"),  # a unit with itself
        ({"combined_with": ["999"]}, "combined_with"),
        ({"unit": "999"}, "unit"),
        ({"period": "2019Q5"}, "period"),
        ({"metric": "happiness"}, "metric"),
        ({"value": -1}, "value"),
    ],
)
def test_cited_figure_errors(staff_api, reports, api_error, change, path):
    before = ReportedFigure.objects.count()
    api_error(staff_api.post(FIGURES, {**CITED, **change}, format="json"), 400, "validation_error", path)
    assert ReportedFigure.objects.count() == before


def test_the_same_figure_from_the_same_source_twice_is_refused(staff_api, reports, api_error):
    assert staff_api.post(FIGURES, CITED, format="json").status_code == 201
    body = api_error(staff_api.post(FIGURES, CITED, format="json"), 400, "validation_error")
    assert "already gives this figure" in body["detail"]


def test_cited_figures_need_a_permission(anonymous, api, viewer_api, reports, api_error):
    api_error(anonymous.post(FIGURES, CITED, format="json"), 401, "not_authenticated")
    api_error(viewer_api.post(FIGURES, CITED, format="json"), 403, "permission_denied")


# ----- the article's facts ---------------------------------------------------------------


def reported(row, metric):
    return {entry["value"] for entry in row["reported"] if entry["metric"] == metric}


def test_province_2008_reported_134_blank_of_1459(api, article):
    row = progress_of(api, "11", "period=2008")
    assert (reported(row, "villages_total"), reported(row, "blank_villages")) == ({1459}, {134})
    assert {(entry["source"], entry["source_url"]) for entry in row["reported"]} == {("reported_figure", ARTICLE)}
    # Computed from the village register the fixtures hold (7 villages), never mixed with 1,459.
    assert (row["villages_total"], row["blank_villages"], row["source"]) == (7, 7, "village_reports")


def test_province_2019_17_still_blank_derived_from_two_cited_figures(api, article):
    row = progress_of(api, "11", "period=2019")
    derived = [entry for entry in row["reported"] if entry["metric"] == "blank_villages"]
    assert [(entry["value"], entry["source"]) for entry in derived] == [(17, "derived_from_reported_figures")]
    assert "134" in derived[0]["derivation"] and "117" in derived[0]["derivation"]


def test_dien_bien_dong_named_villages_have_members(api, article):
    body = api.get("/api/v1/villages/?within=101&active_on=2019-12-31").json()
    assert {row["name"] for row in body["results"]} == {"Thẩm Chấu", "Háng Pa", "Pú Nhi D", "Tà Té D", "Háng Lìa 1"}
    assert blank(api, "101", "period=2008")["count"] == 5
    assert blank(api, "101", "period=2019")["count"] == 0


def test_nam_po_was_not_on_the_map_in_2008(api, article, api_error):
    body = api_error(api.get("/api/v1/units/103/progress/?period=2008"), 400, "validation_error")
    assert "not on the map" in body["detail"]
    rows = api.get("/api/v1/units/103/progress/timeline/?from=2012&to=2012").json()
    assert [row["period"] for row in rows] == ["2012Q3", "2012Q4"]
