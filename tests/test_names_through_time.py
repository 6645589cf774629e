"""Names through time: a renaming gives a unit its new name from its day only. Figures, lists,
events and exports of earlier days name the unit as it was called then, with today's name beside
it (``current_name``); a list of children on a past day shows their parents and paths of that day."""
import csv
import datetime
import io

import pytest

from tests import factories
from tracking.models import Reorganisation

OLD, NEW = "Nà Nhạn", "Nà Nhạn Mới"


@pytest.fixture
def renamed(tree, staff_api):
    """03317 Nà Nhạn renamed Nà Nhạn Mới on 2020-01-01 through the API, with a blank village that
    reported in 2019Q2 and again in 2020Q2; 03316 moved from district 100 to 101 the same day."""
    village = factories.village(tree["north"], name="Huổi Chổn")
    factories.report(village, "2019Q2", full=0, probationary=0)
    factories.report(village, "2020Q2", full=0, probationary=0)
    factories.village(tree["south"], name="Hoa")
    response = staff_api.post("/api/v1/reorganisations/rename/", {"unit": "03317", "name": NEW, "on": "2020-01-01"},
                              format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["former_name"], response.json()["kind"]) == (OLD, "rename")
    moved = staff_api.post("/api/v1/reorganisations/transfer/", {"unit": "03316", "parent": "101", "on": "2020-01-01"},
                           format="json")
    assert moved.status_code == 201, moved.json()
    return tree


def names(ref: dict) -> tuple[str, str]:
    return ref["name"], ref["current_name"]


def test_figures_name_the_unit_of_their_period(renamed, api):
    before = api.get("/api/v1/units/03317/progress/?period=2019Q2").json()
    after = api.get("/api/v1/units/03317/progress/?period=2020Q2").json()
    assert names(before["unit"]) == (OLD, NEW)
    assert names(after["unit"]) == (NEW, NEW)
    assert before["blank_villages"] == after["blank_villages"] == 1  # the figures themselves do not change
    # On today's map, a past quarter's figures name the unit as it is called today.
    today = api.get("/api/v1/units/03317/progress/?period=2019Q2&boundaries=current").json()
    assert names(today["unit"]) == (NEW, NEW)
    timeline = api.get("/api/v1/units/03317/progress/timeline/?from=2019Q4&to=2020Q1").json()
    assert [(row["period"], row["unit"]["name"]) for row in timeline] == [("2019Q4", OLD), ("2020Q1", NEW)]
    # The district's children, ranked for a quarter, and its blank villages.
    for period, name in (("2019Q2", OLD), ("2020Q2", NEW)):
        blank = api.get(f"/api/v1/units/100/blank-villages/?period={period}").json()["results"]
        assert [(row["name"], names(row["unit"])) for row in blank] == [("Huổi Chổn", (name, NEW))]
        communes = api.get(f"/api/v1/completeness/?within=100&quarter={period}").json()["results"]
        assert names(next(row["unit"] for row in communes if row["unit"]["code"] == "03317")) == (name, NEW)


def test_the_lineage_names_each_side_of_the_renaming(renamed, api):
    for period in ("2019Q2", "2020Q2"):
        lineage = api.get(f"/api/v1/units/03317/progress/?period={period}").json()["lineage"]
        (event,) = [event for event in lineage if event["kind"] == "rename"]
        assert event["effective_on"] == "2020-01-01"
        assert [names(ref) for ref in event["before"]] == [(OLD, NEW)]
        assert [names(ref) for ref in event["after"]] == [(NEW, NEW)]


def test_children_on_a_day_have_that_days_names_parents_and_paths(renamed, api):
    def children(code, day):
        rows = api.get(f"/api/v1/units/{code}/children/?active_on={day}").json()["results"]
        return {row["code"]: (row["name"], row["current_name"], row["parent"], row["path"]) for row in rows}

    assert children("100", "2019-12-31") == {
        "03316": ("Nà Tấu", "Nà Tấu", "100", "/11/100/03316/"),
        "03317": (OLD, NEW, "100", "/11/100/03317/"),
    }
    assert children("100", "2020-01-01") == {"03317": (NEW, NEW, "100", "/11/100/03317/")}
    assert children("101", "2020-01-01") == {"03316": ("Nà Tấu", "Nà Tấu", "101", "/11/101/03316/")}
    # The list of units takes the day too.
    listed = api.get("/api/v1/units/?parent=100&active_on=2019-06-30").json()["results"]
    assert {row["code"]: (row["name"], row["parent"]) for row in listed} == {"03316": ("Nà Tấu", "100"),
                                                                             "03317": (OLD, "100")}
    # Without a day: today.
    unit = api.get("/api/v1/units/03317/").json()
    assert (unit["name"], unit["current_name"]) == (NEW, NEW)


def test_exports_name_the_units_of_each_quarter(renamed, api):
    sheet = api.get("/api/v1/units/100/spreadsheets/children-figures/?from=2019Q4&to=2020Q1&file_format=csv")
    assert sheet.status_code == 200, sheet.content
    _header, *lines = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert [(line[0], line[1], line[2]) for line in lines] == [
        ("03316", "Nà Tấu", "2019Q4"), ("03317", OLD, "2019Q4"), ("03317", NEW, "2020Q1")]
    for quarter, name in (("2019Q2", OLD), ("2020Q2", NEW)):
        template = api.get(f"/api/v1/units/03317/spreadsheets/{quarter}/?file_format=csv")
        _header, *rows = list(csv.reader(io.StringIO(template.content.decode("utf-8-sig"))))
        assert [row[1:3] for row in rows] == [[name, "Huổi Chổn"]]


def test_cited_figures_and_approvals_name_the_unit_of_their_period(renamed, staff_api, api, admin_client):
    cited = staff_api.post("/api/v1/reported-figures/", {
        "unit": "03317", "metric": "blank_villages", "value": 1, "period": "2019",
        "source_url": "https://example.org/report"}, format="json")
    assert cited.status_code == 201, cited.json()
    reported = api.get("/api/v1/units/03317/progress/?period=2019").json()["reported"]
    assert [names(entry["unit"]) for entry in reported] == [(OLD, NEW)]
    for quarter, name in (("2019Q2", OLD), ("2020Q2", NEW)):
        submitted = staff_api.post(f"/api/v1/units/03317/approvals/{quarter}/submit/", format="json")
        assert submitted.status_code == 200, submitted.json()
        assert names(submitted.json()["unit"]) == (name, NEW)
    listed = api.get("/api/v1/approvals/?unit=03317").json()["results"]
    assert sorted((row["quarter"], row["unit"]["name"]) for row in listed) == [("2019Q2", OLD), ("2020Q2", NEW)]
    # The admin's lists of quarters and of cited figures, one row a period.
    for url in ("/admin/tracking/quarterapproval/", "/admin/tracking/reportedfigure/"):
        page = admin_client.get(url).content.decode()
        assert f"xã {OLD} (03317), now {NEW}" in page, url
    assert f"xã {NEW} (03317)<" in admin_client.get("/admin/tracking/quarterapproval/").content.decode()
    unit = admin_client.get(f"/admin/tracking/administrativeunit/{renamed['north'].pk}/change/").content.decode()
    assert f"{OLD} (until Dec. 31, 2019)" in unit
    event = Reorganisation.objects.get(kind="rename")
    page = admin_client.get(f"/admin/tracking/reorganisation/{event.pk}/change/").content.decode()
    assert f">xã {OLD} (03317)</a>" in page and f">xã {NEW} (03317)</a>" in page


def test_renamings_keep_date_order_and_refuse_the_same_name(renamed, staff_api, api, api_error):
    api_error(staff_api.post("/api/v1/reorganisations/rename/", {"unit": "03317", "name": "Nà Nhạn Cũ", "on": "2019-01-01"},
                             format="json"), 400, "validation_error", "on")
    api_error(staff_api.post("/api/v1/reorganisations/rename/", {"unit": "03317", "name": NEW, "on": "2021-01-01"},
                             format="json"), 400, "validation_error", "name")
    assert Reorganisation.objects.filter(kind="rename").count() == 1
    # A second renaming chains: each period keeps its own name.
    again = staff_api.post("/api/v1/reorganisations/rename/", {"unit": "03317", "name": "Nà Nhạn Ba", "on": "2021-01-01"},
                           format="json")
    assert again.json()["former_name"] == NEW
    for day, name in (("2019-12-31", OLD), ("2020-06-30", NEW), ("2021-01-01", "Nà Nhạn Ba")):
        (row,) = [row for row in api.get(f"/api/v1/units/100/children/?active_on={day}").json()["results"]
                  if row["code"] == "03317"]
        assert (row["name"], row["current_name"]) == (name, "Nà Nhạn Ba")


def test_a_spelling_correction_changes_the_current_name_only(renamed, staff_api, api):
    response = staff_api.patch("/api/v1/units/03317/", {"name": "Nà Nhạn Mơí"}, format="json")
    assert response.status_code == 200, response.json()
    assert names(api.get("/api/v1/units/03317/progress/?period=2019Q2").json()["unit"]) == (OLD, "Nà Nhạn Mơí")


def test_the_dien_bien_renamings_of_2025_leave_2019_with_its_own_names(article, api):
    """Before the reform, district 100 had one Thanh Nưa; 03328 (Thanh Luông) took the name in 2025.
    And 03172 was Mường Chà until 03166 (Chà Cang) took that name on the same day."""
    rows = api.get("/api/v1/units/100/children/?active_on=2019-12-31&page_size=100").json()["results"]
    named = [row["name"] for row in rows]
    assert len(named) == len(set(named)), sorted(named)
    assert {row["code"]: row["name"] for row in rows}["03328"] == "Thanh Luông"
    today = {row["code"]: names(row) for row in api.get("/api/v1/units/?search=Mường Chà&level=commune").json()["results"]}
    assert today["03166"] == ("Mường Chà", "Mường Chà")
    # Found by a former name too, accents or not.
    found = api.get("/api/v1/units/?search=thanh luong").json()["results"]
    assert [(row["code"], row["name"]) for row in found] == [("03328", "Thanh Nưa")]
    for code, then in (("03166", "Chà Cang"), ("03172", "Mường Chà")):
        figures = api.get(f"/api/v1/units/{code}/progress/?period=2019Q4").json()
        assert figures["unit"]["name"] == then, figures["unit"]


def test_the_dashboard_names_the_unit_and_its_children_of_the_quarter(renamed, admin_client):
    page = admin_client.get("/admin/dashboard/100/?quarter=2019Q2").content.decode()
    assert f"{OLD}</a>" in page and f"now {NEW}" in page
    later = admin_client.get("/admin/dashboard/100/?quarter=2020Q2").content.decode()
    assert f"{NEW}</a>" in later and "now " not in later
    own = admin_client.get("/admin/dashboard/03317/?quarter=2019Q2").content.decode()
    assert f"<h1>Commune {OLD} <small>(03317; now {NEW})</small></h1>" in own


def test_renamings_recorded_before_former_names_were_kept_read_them_from_their_description():
    import importlib

    migration = importlib.import_module("tracking.migrations.0013_renamings_keep_former_names")
    assert migration.former_name("xã Thanh Luông (03328) đổi tên thành Thanh Nưa", "03328") == "Thanh Luông"
    assert migration.former_name("thị trấn Mường Ảng (03256) renamed Mường Ảng Mới", "03256") == "Mường Ảng"
    assert migration.former_name("thành phố Điện Biên Phủ (094) renamed X", "094") == "Điện Biên Phủ"
    assert migration.former_name("something else", "094") == ""


def test_a_renaming_needs_the_unit_on_the_map_and_takes_one_name_a_day(renamed, staff_api, api, api_error):
    closed = factories.commune(renamed["district"], code="03400", name="Xã cũ", valid_to=datetime.date(2020, 1, 1))
    body = api_error(staff_api.post("/api/v1/reorganisations/rename/", {"unit": closed.code, "name": "Xã mới", "on": "2021-01-01"},
                                    format="json"), 400, "validation_error", "on")
    assert "is not on the map on 2021-01-01" in body["errors"][0]["message"]
    body = api_error(staff_api.post("/api/v1/reorganisations/rename/", {"unit": "03317", "name": "Nà Nhạn Hai", "on": "2020-01-01"},
                                    format="json"), 400, "validation_error", "on")
    assert "already renamed on 2020-01-01" in body["errors"][0]["message"]
    assert Reorganisation.objects.filter(kind="rename").count() == 1
    # A unit read as it was on a day.
    then = api.get("/api/v1/units/03317/?active_on=2019-06-30").json()
    assert (then["name"], then["current_name"], then["parent"]) == (OLD, NEW, "100")
    api_error(api.get("/api/v1/units/03317/?active_on=yesterday"), 400, "validation_error", "active_on")


def test_the_admin_names_past_records_and_finds_former_names(renamed, staff_api, admin_client):
    # A quarter of the past: its entry, its completeness, its approval's own page.
    entry = admin_client.get("/admin/entry/03317/2019Q2/").content.decode()
    assert f"2019Q2 of xã {OLD} (03317)" in entry
    completeness = admin_client.get(f"/admin/completeness/?area={renamed['north'].pk}&quarter=2019Q2").content.decode()
    assert f"xã {OLD} (03317), 2019Q2" in completeness and f"now {NEW}" in completeness
    staff_api.post("/api/v1/units/03317/approvals/2019Q2/submit/", format="json")
    approval = admin_client.get("/admin/tracking/quarterapproval/").content.decode()
    assert f"xã {OLD} (03317), now {NEW}" in approval
    from tracking.models import QuarterApproval

    page = admin_client.get(f"/admin/tracking/quarterapproval/{QuarterApproval.objects.get().pk}/change/").content.decode()
    assert f"xã {OLD} (03317) 2019Q2" in page
    # The placements of 03316 before and after its move.
    placements = admin_client.get("/admin/tracking/unitplacement/?q=03316").content.decode()
    assert "huyện Điện Biên (100)" in placements and "huyện Điện Biên Đông (101)" in placements
    # The search boxes and the pickers find a unit by a name it bore.
    renamed_again = staff_api.post("/api/v1/reorganisations/rename/", {"unit": "03316", "name": "Tả Lèng", "on": "2021-01-01"},
                                   format="json")
    assert renamed_again.status_code == 201, renamed_again.json()
    for term in ("Nà Tấu", "na tau"):
        found = admin_client.get("/admin/tracking/administrativeunit/", {"q": term}).content.decode()
        assert "03316" in found and "03317" not in found, term
    picked = admin_client.get("/admin/autocomplete/", {"term": "na tau", "app_label": "tracking",
                                                      "model_name": "goal", "field_name": "unit"}).json()
    assert [row["text"] for row in picked["results"]] == ["xã Tả Lèng (03316)"]
    assert "03316" not in admin_client.get("/admin/tracking/administrativeunit/", {"q": "tau leng"}).content.decode()  # words of two names
