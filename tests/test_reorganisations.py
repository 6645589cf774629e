"""Changes of the map, and figures that stay right across them, on the article's Điện Biên data."""
import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import F

from tests import factories
from tracking import progress, services
from tracking.access import SYSTEM
from tracking.models import (
    AdministrativeUnit,
    Goal,
    Level,
    QuarterReport,
    Reorganisation,
    ReportedFigure,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from tracking.periods import Period
from tracking.services import reorganisations

D = datetime.date
P = Period.parse
TRANSFER_DAY = D(2020, 1, 1)
REFORM_DAY = D(2025, 7, 1)


def unit(code):
    return AdministrativeUnit.objects.with_code(code).first()


def figures(code, period, boundaries="historical"):
    return progress.unit_progress(unit(code), P(period), boundaries=boundaries)


def village_names(code, period, boundaries="historical"):
    day = P(period).last_quarter.end
    map_day = progress.last_day_on_map(unit(code)) if boundaries == "current" else None
    return set(Village.objects.within(unit(code), day, map_day).values_list("name", flat=True))


@pytest.fixture
def transferred(article_only):
    """Nà Nhạn and Nà Tấu move from huyện Điện Biên to the city of Điện Biên Phủ on 2020-01-01."""
    for code in ("03317", "03316"):
        reorganisations.unit_transfer(by=SYSTEM, unit=unit(code), parent=unit("094"), on=TRANSFER_DAY)


# ----- transfer ------------------------------------------------------------------------


def test_huyen_dien_bien_counts_the_two_communes_until_2020(transferred):
    assert village_names("100", "2019Q2") == {"Huổi Chổn", "Hoa"}
    assert figures("100", "2019Q2")["villages_total"] == 2
    assert figures("100", "2020Q1")["villages_total"] == 0
    assert village_names("094", "2020Q1") == {"Huổi Chổn", "Hoa"}
    assert figures("094", "2019Q2")["villages_total"] == 0


def test_boundaries_current_counts_the_past_on_todays_map(transferred):
    assert figures("100", "2019Q2", "current")["villages_total"] == 0
    city = figures("094", "2019Q2", "current")
    assert (city["villages_total"], city["blank_villages"], city["boundaries"]) == (2, 0, "current")
    assert figures("094", "2008", "current")["blank_villages"] == 2  # their 2008 status, today's map
    assert figures("100", "2019Q2")["boundaries"] == "historical"


def test_transfer_moves_placements_and_keeps_reports(transferred):
    huoi_chon = Village.objects.get(name="Huổi Chổn")
    rows = list(VillagePlacement.objects.filter(village=huoi_chon)
                .order_by(F("valid_from").asc(nulls_first=True)).values_list("path", "valid_from", "valid_to"))
    assert rows == [("/11/100/03317/", None, TRANSFER_DAY), ("/11/094/03317/", TRANSFER_DAY, None)]
    assert QuarterReport.objects.filter(village=huoi_chon).count() == 3  # nothing copied or lost
    assert unit("03317").parent_on(D(2019, 6, 30)).code == "100"
    assert unit("03317").parent_on(D(2020, 6, 30)).code == "094"
    event = Reorganisation.objects.get(subject=unit("03317"))
    assert (event.kind, event.villages_moved, [u.code for u in event.predecessors.all()], [u.code for u in event.successors.all()]) == (
        "transfer", 1, ["100"], ["094"])


def test_the_province_is_unchanged_by_a_transfer(article_only):
    before = {period: figures("11", period) for period in ("2008", "2019Q2", "2020Q1")}
    for code in ("03317", "03316"):
        reorganisations.unit_transfer(by=SYSTEM, unit=unit(code), parent=unit("094"), on=TRANSFER_DAY)
    for period, row in before.items():
        after = figures("11", period)
        assert {k: after[k] for k in ("villages_total", "blank_villages", "villages_with_own_cell")} == {
            k: row[k] for k in ("villages_total", "blank_villages", "villages_with_own_cell")}


# ----- split: the 82 baseline across the 2012 split --------------------------------------


@pytest.fixture
def split_2012(db):
    province = factories.province(code="11")
    muong_nhe = factories.district(province, code="096", name="Mường Nhé")
    kept = factories.commune(muong_nhe, code="03158", name="Chung Chải")
    moving = factories.commune(muong_nhe, code="03181", name="Nà Hỳ")
    for name, commune in (("Bản A", kept), ("Bản B", moving), ("Bản C", moving)):
        village = factories.village(commune, name=name)
        factories.report(village, "2008Q4", status="no_member")
    services.reported_figure_save(by=SYSTEM, figure=ReportedFigure(
        unit=muong_nhe, period=P("2008"), metric="blank_villages", value=82, source_url="https://example.org/article"))
    event = reorganisations.unit_split(by=SYSTEM, unit=muong_nhe, on=D(2012, 8, 25), parts=[
        {"code": "103", "name": "Nậm Pồ", "kind": "huyen", "units": [moving]}])
    return {"event": event, "muong_nhe": muong_nhe, "nam_po": unit("103")}


def test_the_2008_baseline_stays_with_muong_nhe_as_it_was(split_2012):
    then = figures("096", "2008")
    assert then["villages_total"] == 3 and then["blank_villages"] == 3
    assert [(e["metric"], e["value"]) for e in then["reported"]] == [("blank_villages", 82)]
    assert [e["kind"] for e in then["lineage"]] == ["split"]
    assert {u["code"] for u in then["lineage"][0]["after"]} == {"096", "103"}
    assert figures("096", "2013")["villages_total"] == 1
    assert figures("103", "2013")["villages_total"] == 2
    assert figures("103", "2013")["reported"] == []  # the 82 is not Nậm Pồ's
    with pytest.raises(ValidationError, match="not on the map in 2008"):
        figures("103", "2008")
    assert figures("103", "2008", "current")["blank_villages"] == 2  # its villages in 2008, today's map
    assert figures("11", "2008")["blank_villages"] == figures("11", "2013")["blank_villages"] == 3


# ----- the 2025 reform ---------------------------------------------------------------------


@pytest.fixture
def reform(transferred):
    """The district level abolished and two communes merged into a new one on 2025-07-01."""
    goal = Goal.objects.get(pk=5)  # Điện Biên Đông's goal, a district abolished in 2025
    dbd_commune = factories.commune(unit("101"), code="03253", name="Xã thử", valid_from=D(2015, 1, 1))
    for village in Village.objects.within(unit("101"), D(2015, 1, 1)):
        reorganisations.village_move(by=SYSTEM, village=village, unit=dbd_commune, on=D(2015, 1, 1))
    reorganisations.level_abolish(by=SYSTEM, province=unit("11"), level=Level.DISTRICT, on=REFORM_DAY)
    reorganisations.units_merge(by=SYSTEM, units=[unit("03316"), unit("03317")], on=REFORM_DAY,
                                new={"code": "03334", "name": "Mường Thanh", "kind": "phuong"})
    return goal


def test_after_the_reform_communes_sit_under_the_province(reform):
    day = D(2025, 9, 30)
    assert not AdministrativeUnit.objects.active_on(day).filter(level=Level.DISTRICT).exists()
    assert unit("03334").parent_on(day).code == "11"
    assert unit("094").valid_to == REFORM_DAY


def test_the_province_is_unchanged_by_the_reform(article_only):
    before = [figures("11", period) for period in ("2008", "2019Q4", "2025Q2")]
    dbd_commune = factories.commune(unit("101"), code="03253", name="Xã thử", valid_from=D(2015, 1, 1))
    for village in Village.objects.within(unit("101"), D(2015, 1, 1)):
        reorganisations.village_move(by=SYSTEM, village=village, unit=dbd_commune, on=D(2015, 1, 1))
    reorganisations.level_abolish(by=SYSTEM, province=unit("11"), level=Level.DISTRICT, on=REFORM_DAY)
    after = [figures("11", period) for period in ("2008", "2019Q4", "2025Q2")]
    keys = ("villages_total", "blank_villages", "villages_with_members", "villages_with_own_cell")
    assert [{k: row[k] for k in keys} for row in after] == [{k: row[k] for k in keys} for row in before]
    assert figures("11", "2025Q3")["villages_total"] == 7


def test_a_post_2025_commune_adds_up_the_villages_now_inside_it(reform):
    merged = figures("03334", "2019Q4", "current")
    assert (merged["villages_total"], merged["villages_with_own_cell"], merged["blank_villages"]) == (2, 2, 0)
    assert figures("03334", "2008", "current")["blank_villages"] == 2
    with pytest.raises(ValidationError, match="not on the map"):
        figures("03334", "2019Q4")
    assert figures("03334", "2025Q3")["villages_total"] == 2


def test_an_abolished_districts_goal_still_reports_on_its_villages(reform):
    row = progress.goal_progress(reform, as_of=P("2026Q1"))
    assert (row["status"], row["baseline"], row["current"]) == ("achieved", 5, 0)
    # Its figures stay reachable: on its last day's map for today's boundaries.
    assert figures("101", "2019Q4", "current")["villages_total"] == 5


def test_an_abolished_districts_goal_on_village_reports_goes_on_counting(db):
    province = factories.province(code="11")
    district = factories.district(province, code="101", name="Điện Biên Đông")
    commune = factories.commune(district, code="03253")
    villages = [factories.village(commune, name=f"Bản {i}") for i in range(2)]
    for village in villages:
        factories.report(village, "2024Q1", full=0)
    goal = services.goal_save(by=SYSTEM, goal=Goal(unit=district, title="t", metric="blank_villages", baseline_period=P("2024Q1"), set_by="Huyện ủy"))
    reorganisations.level_abolish(by=SYSTEM, province=province, level=Level.DISTRICT, on=REFORM_DAY)
    factories.report(villages[0], "2025Q4", full=2)
    row = progress.goal_progress(Goal.objects.select_related("unit").get(pk=goal.pk), as_of=P("2026Q1"))
    assert (row["basis"], row["baseline"], row["current"], row["current_period"]) == ("village_reports", 2, 1, "2026Q1")


# ----- refused events ------------------------------------------------------------------------


def test_abolishing_a_level_with_a_village_directly_in_a_district_is_refused(article_only):
    with pytest.raises(ValidationError, match="belongs directly to huyện Điện Biên Đông"):
        reorganisations.level_abolish(by=SYSTEM, province=unit("11"), level=Level.DISTRICT, on=REFORM_DAY)
    assert not Reorganisation.objects.exists()
    assert unit("101").valid_to is None


def test_events_out_of_date_order_are_refused(transferred):
    with pytest.raises(ValidationError, match="record changes in date order"):
        reorganisations.unit_transfer(by=SYSTEM, unit=unit("03317"), parent=unit("101"), on=D(2018, 1, 1))
    assert UnitPlacement.objects.filter(unit=unit("03317")).count() == 2


def test_a_move_into_a_unit_that_moves_later_is_refused_until_dated_after_it(tree):
    # The path copied from the unit moved into would go stale once that unit moves in its turn.
    lai_chau = factories.province(code="12", name="Lai Châu")
    far = factories.commune(tree["other"], code="03200", name="Xa Dung")
    reorganisations.unit_transfer(by=SYSTEM, unit=tree["other"], parent=lai_chau, on=D(2021, 1, 1))
    village = factories.village(tree["north"], name="Huổi Chổn")
    later = r"huyện Điện Biên Đông \(101\) ⊂ tỉnh Điện Biên \(11\) already changes on 2021-01-01, after 2020-01-01"
    with pytest.raises(ValidationError, match=later):
        reorganisations.unit_transfer(by=SYSTEM, unit=tree["north"], parent=tree["other"], on=D(2020, 1, 1))
    with pytest.raises(ValidationError, match=r"xã Xa Dung \(03200\) ⊂ huyện Điện Biên Đông \(101\) already changes on 2021-01-01"):
        reorganisations.village_move(by=SYSTEM, village=village, unit=far, on=D(2020, 1, 1))
    assert tree["north"].path_on(D(2022, 1, 1)) == "/11/100/03317/" and village.unit_on(D(2022, 1, 1)) == tree["north"]
    reorganisations.unit_transfer(by=SYSTEM, unit=tree["north"], parent=tree["other"], on=D(2021, 1, 1))
    assert tree["north"].path_on(D(2022, 1, 1)) == "/12/101/03317/"
    assert village.placements.active_on(D(2022, 1, 1)).get().path == "/12/101/03317/"


def test_a_unit_cannot_move_under_itself_or_where_it_is(article_only):
    with pytest.raises(ValidationError, match="already sits under"):
        reorganisations.unit_transfer(by=SYSTEM, unit=unit("03317"), parent=unit("100"), on=TRANSFER_DAY)
    with pytest.raises(ValidationError, match="higher level"):
        reorganisations.unit_transfer(by=SYSTEM, unit=unit("03317"), parent=unit("03316"), on=TRANSFER_DAY)


def test_merging_a_unit_into_a_code_still_in_use_is_refused(article_only):
    with pytest.raises(ValidationError, match="Another unit has code 03317"):
        reorganisations.units_merge(by=SYSTEM, units=[unit("03316")], on=REFORM_DAY, new={"code": "03317", "name": "x", "kind": "xa"})
    assert unit("03316").valid_to is None


def test_split_of_a_child_that_is_elsewhere_is_refused(article_only):
    with pytest.raises(ValidationError, match="is not under"):
        reorganisations.unit_split(by=SYSTEM, unit=unit("096"), on=D(2013, 1, 1), parts=[
            {"code": "104", "name": "Mới", "kind": "huyen", "units": [unit("03317")]}])
    assert not AdministrativeUnit.objects.filter(code="104").exists()


def test_closing_the_original_of_a_split_with_villages_left_is_refused(article_only):
    with pytest.raises(ValidationError, match="still has 5 villages"):
        reorganisations.unit_split(by=SYSTEM, unit=unit("101"), on=D(2013, 1, 1), parts=[
            {"code": "104", "name": "Mới", "kind": "huyen"}], close_original=True)


@pytest.mark.usefixtures("article")
def test_events_far_in_time_and_self_merges_are_refused(staff_api, api_error):
    api_error(staff_api.post("/api/v1/reorganisations/rename/", {"on": "9999-12-31", "unit": "03325", "name": "X"},
                             format="json"), 400, "validation_error", "on")
    api_error(staff_api.post("/api/v1/reorganisations/merge/", {"on": "2026-05-01", "units": ["03325"], "into": "03325"},
                             format="json"), 400, "validation_error", "units")
    assert AdministrativeUnit.objects.get(code="03325", valid_to__isnull=True).name == "Mường Phăng"
    assert not Reorganisation.objects.filter(effective_on__year__gt=2025).exists()


# ----- commands ------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_reorganise_command_and_progress_boundaries(article_only):
    assert "Recorded" in run("reorganise", "transfer", "--user", factories.clerk(), "--unit", "03317", "--to", "094", "--on", "2020-01-01")
    now = json.loads(run("progress", "094", "--period", "2019Q2", "--boundaries", "current", "--json"))
    assert (now["villages_total"], now["boundaries"]) == (1, "current")
    then = json.loads(run("progress", "094", "--period", "2019Q2", "--json"))
    assert then["villages_total"] == 0
    with pytest.raises(CommandError, match="already sits under"):
        run("reorganise", "transfer", "--user", factories.clerk(), "--unit", "03317", "--to", "094", "--on", "2020-01-01")
    with pytest.raises(CommandError, match="not a date"):
        run("reorganise", "transfer", "--user", factories.clerk(), "--unit", "03317", "--to", "100", "--on", "2020-13-01")


def test_import_builds_the_map_of_the_fixtures_from_the_official_lists(article_only):
    out = io.StringIO()
    call_command("import_units", "--user", factories.clerk(), "--province", "11", stdout=out, stderr=io.StringIO())
    assert "Units created: 128, already there: 13, differing from the official list: 0" in out.getvalue()
    assert AdministrativeUnit.objects.within(unit("11"), D(2025, 7, 1)).count() == 45
    with pytest.raises(CommandError, match="No province has the code"):
        call_command("import_units", "--user", factories.clerk(), "--province", "99", stdout=io.StringIO())


def test_a_transfer_dated_before_a_later_move_below_it_is_refused(article_only):
    huoi_chon = Village.objects.get(name="Huổi Chổn")
    reorganisations.village_move(by=SYSTEM, village=huoi_chon, unit=unit("03316"), on=D(2021, 1, 1))
    with pytest.raises(ValidationError, match="record changes in date order"):
        reorganisations.unit_transfer(by=SYSTEM, unit=unit("03316"), parent=unit("094"), on=TRANSFER_DAY)
    assert huoi_chon.unit_on(D(2021, 6, 30)).code == "03316"
    assert not Reorganisation.objects.filter(kind="transfer").exists()


def test_import_of_a_province_merged_in_2025_brings_its_partner(db):
    out = io.StringIO()
    call_command("import_units", "--user", factories.clerk(), "--province", "96", stdout=out, stderr=io.StringIO())
    assert "merged with 95" in out.getvalue()
    ca_mau, bac_lieu = unit("96"), unit("95")
    assert bac_lieu.valid_to == REFORM_DAY and ca_mau.valid_to is None
    assert AdministrativeUnit.objects.within(ca_mau, REFORM_DAY).filter(level=Level.COMMUNE).count() == 64
    assert AdministrativeUnit.objects.within(bac_lieu, D(2025, 6, 30)).filter(level=Level.DISTRICT).exists()
    merge = Reorganisation.objects.get(kind="merge", predecessors=bac_lieu)
    assert [u.code for u in merge.successors.all()] == ["96"]


def test_every_kind_of_event_from_the_command_line(article_only):
    for args in (
        ("merge", "--units", "03316", "03317", "--into", "03316", "--on", "2020-01-01"),
        ("split", "--unit", "100", "--code", "104", "--name", "Mới", "--kind", "huyen", "--units", "03316", "--on", "2021-01-01"),
        ("rename", "--unit", "104", "--name", "Mới 2", "--on", "2022-01-01"),
        ("establish", "--code", "105", "--name", "X", "--kind", "huyen", "--level", "2", "--parent", "11", "--on", "2023-01-01"),
        ("abolish-level", "--province", "11", "--villages-up", "--on", "2025-07-01"),
    ):
        assert "Recorded" in run("reorganise", *args, "--user", factories.clerk())
    assert [e.kind for e in Reorganisation.objects.order_by("effective_on")] == ["merge", "split", "rename", "create", "abolish_level"]
    assert Village.objects.get(name="Huổi Chổn").unit_on(D(2021, 6, 30)).code == "03316"
    assert unit("03316").parent_on(D(2021, 6, 30)).code == "104"
    assert Village.objects.get(name="Tà Té D").unit_on(D(2025, 9, 30)).code == "11"


def test_import_on_an_empty_database(db):
    out = io.StringIO()
    call_command("import_units", "--user", factories.clerk(), "--province", "11", stdout=out, stderr=io.StringIO())
    assert "Units created: 141" in out.getvalue()
    assert unit("103").valid_from == D(2012, 8, 25)
    assert Reorganisation.objects.filter(kind="split", predecessors=unit("096")).exists()
    assert AdministrativeUnit.objects.within(unit("11"), D(2019, 6, 30)).filter(level=Level.COMMUNE).count() == 130


def test_import_where_new_communes_pass_codes_round_in_a_circle(db):
    """Cao Bằng (04): three communes of 2025 each take the code of an old commune that went elsewhere."""
    out = io.StringIO()
    call_command("import_units", "--user", factories.clerk(), "--province", "04", stdout=out, stderr=io.StringIO())
    assert "Units created: 172" in out.getvalue()
    old, new = sorted(AdministrativeUnit.objects.filter(code="01537"), key=lambda u: u.valid_from or D.min)
    assert (old.valid_to, new.valid_from) == (REFORM_DAY, REFORM_DAY)
    assert new.path_on(REFORM_DAY) == "/04/01537@20250701/"
    again = io.StringIO()
    call_command("import_units", "--user", factories.clerk(), "--province", "04", stdout=again, stderr=io.StringIO())
    assert "Units created: 0, already there: 172, differing from the official list: 0" in again.getvalue()
