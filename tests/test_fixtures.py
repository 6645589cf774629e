"""What the article's fixtures must show, computed by the product from the fixtures alone."""
import json

import pytest
from django.apps import apps
from django.core.management import call_command

from tracking import progress
from tracking.models import (
    DERIVED_MODELS,
    AdministrativeUnit,
    Goal,
    QuarterReport,
    ReportedFigure,
    Village,
)
from tracking.periods import Period

ARTICLE = "http://nhandan.com.vn/chinhtri/dang-va-cuoc-song/item/42762402-chon-trong-tam-de-lanh-dao-nang-cao-vai-tro-to-chuc-co-so-dang.html"
P = Period.parse
pytestmark = pytest.mark.usefixtures("article")


def unit(code):
    return AdministrativeUnit.objects.get(code=code)


def reported(row, metric):
    return {entry["value"] for entry in row["reported"] if entry["metric"] == metric}


def goals():
    return {row["id"]: row for row in progress.goals_progress(list(Goal.objects.select_related("unit")))}


def test_every_fixture_row_keeps_the_rules():
    for model in apps.get_app_config("tracking").get_models():
        if model in DERIVED_MODELS or model.__name__.startswith("Historical"):
            continue  # derived from the rows loaded, and the audit rows that loading starts
        for obj in model.objects.all():
            obj.full_clean()


def test_the_province_and_its_ten_districts_of_2019():
    province = unit("11")
    districts = AdministrativeUnit.objects.children_of(province, P("2019Q2").end)
    assert sorted(d.code for d in districts) == ["094", "095", "096", "097", "098", "099", "100", "101", "102", "103"]
    assert unit("103").valid_from.isoformat() == "2012-08-25"
    assert AdministrativeUnit.objects.children_of(province, P("2008").end).count() == 9  # before Nậm Pồ


def test_the_nation_is_the_root_and_holds_no_fact_of_its_own():
    nation = unit("VN")
    assert (nation.level, nation.path_on(P("2019Q2").end), nation.parent_on(P("2019Q2").end)) == (0, "/", None)
    for period in ("2008", "2019Q2", "2025Q3"):
        assert unit("11").parent_on(P(period).end) == nation
        national, provincial = progress.unit_progress(nation, P(period)), progress.unit_progress(unit("11"), P(period))
        computed = {key: value for key, value in provincial.items() if key not in ("unit", "reported", "lineage", "approval")}
        assert {key: national[key] for key in computed} == computed  # the one province it holds
        # The article gives no national figure or goal: the province's 134 stays the province's.
        assert national["reported"] == [] and not nation.goals.exists()
    assert nation.source_url == "https://www.iso.org/obp/ui/#iso:code:3166:VN"


def test_province_2008_134_blank_of_1459():
    row = progress.unit_progress(unit("11"), P("2008"))
    assert reported(row, "villages_total") == {1459}
    assert reported(row, "blank_villages") == {134}
    assert all(entry["source_url"] == ARTICLE for entry in row["reported"])


def test_district_baselines_add_up_to_the_province():
    figures = ReportedFigure.objects.filter(period="2008", metric="blank_villages").exclude(unit__code="11")
    assert {f.unit.code: f.value for f in figures} == {
        "096": 82, "097": 20, "100": 11, "101": 5, "102": 7, "095": 2, "099": 7,
    }
    assert sum(f.value for f in figures) == 134


def test_province_goal_baseline_134_resolved_117_current_17():
    row = goals()[1]
    assert (row["baseline"], row["resolved"], row["current"]) == (134, 117, 17)
    assert row["basis"] == "reported_figure"
    assert row["current_source"]["source"] == "derived_from_reported_figures"
    assert row["status"] != "achieved"


def test_the_17_left_are_all_in_muong_nhe_and_nam_po():
    province = progress.unit_progress(unit("11"), P("2019"))
    muong_nhe = progress.unit_progress(unit("096"), P("2019"))
    assert reported(province, "blank_villages") == {17}
    derived = [e for e in muong_nhe["reported"] if e["metric"] == "blank_villages"]
    assert [(e["value"], [u["code"] for u in e["combined_with"]]) for e in derived] == [(17, ["103"])]
    for code in ("097", "100", "101"):
        assert reported(progress.unit_progress(unit(code), P("2019")), "blank_villages") == {0}


def test_huyen_dien_bien_goal_achieved_in_2019q2():
    row = goals()[4]
    assert (row["status"], row["projected_period"], row["baseline"]) == ("achieved", "2019Q2", 11)


def test_nam_po_goals_have_no_data_rather_than_invented_baselines():
    rows = goals()
    assert rows[2]["status"] == rows[3]["status"] == "no_data"
    assert rows[2]["deadline"] == "2020"


def test_dien_bien_dong_named_villages_have_members():
    names = {"Thẩm Chấu", "Háng Pa", "Pú Nhi D", "Tà Té D", "Háng Lìa 1"}
    district = unit("101")
    assert set(Village.objects.within(district, P("2019").end).values_list("name", flat=True)) == names
    row = progress.unit_progress(district, P("2019"))
    assert (row["villages_total"], row["blank_villages"], row["villages_with_members"]) == (5, 0, 5)
    assert progress.unit_progress(district, P("2008"))["blank_villages"] == 5
    assert goals()[5]["status"] == "achieved"


def test_huoi_chon_and_hoa_have_their_own_cells():
    for name, commune in (("Huổi Chổn", "03317"), ("Hoa", "03316")):
        village = Village.objects.get(name=name)
        assert village.unit_on(P("2019Q4").end).code == commune
        latest = QuarterReport.objects.filter(village=village).order_by("-quarter").first()
        assert latest.status == "has_own_cell" and latest.cell.villages_served_on(latest.quarter.end) == [village.pk]
    # At the end of 2019 both communes were still in huyện Điện Biên (they moved on 2020-01-01).
    row = progress.unit_progress(unit("100"), P("2019Q4"))
    assert (row["villages_with_own_cell"], row["blank_villages"]) == (2, 0)


def test_fixtures_store_no_invented_counts():
    assert not QuarterReport.objects.filter(full_members__isnull=False).exists()
    row = progress.unit_progress(unit("11"), P("2019"))
    assert row["members"] is None and reported(row, "members") == {36932}


def test_every_fact_cites_the_article():
    for model in (Village, QuarterReport, ReportedFigure, Goal):
        for obj in model.objects.all():
            assert obj.source_url == ARTICLE and obj.source_location.startswith("paragraph"), obj


def test_loading_twice_changes_nothing():
    before = json.dumps(progress.goals_progress(list(Goal.objects.select_related("unit"))))
    call_command("loaddata", "dien_bien", verbosity=0)
    assert json.dumps(progress.goals_progress(list(Goal.objects.select_related("unit")))) == before
    assert QuarterReport.objects.count() == 16
