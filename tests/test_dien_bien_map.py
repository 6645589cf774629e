"""The real Điện Biên hierarchy of the fixtures: 2008 to today, on the map of each period and on today's."""
import datetime
import io

import pytest
from django.core.management import call_command

from tests import factories
from tracking import progress
from tracking.models import AdministrativeUnit, Goal, Level, Reorganisation, Village
from tracking.periods import Period

D = datetime.date
P = Period.parse
pytestmark = pytest.mark.usefixtures("article")


def unit(code):
    return AdministrativeUnit.objects.with_code(code).first()


def figures(code, period, boundaries="historical"):
    return progress.unit_progress(unit(code), P(period), boundaries=boundaries)


def count(level, day):
    return AdministrativeUnit.objects.within(unit("11"), day).filter(level=level).count()


def test_129_communes_on_2025_06_30_and_45_on_2025_07_01():
    assert (count(Level.DISTRICT, D(2025, 6, 30)), count(Level.COMMUNE, D(2025, 6, 30))) == (10, 129)
    assert (count(Level.DISTRICT, D(2025, 7, 1)), count(Level.COMMUNE, D(2025, 7, 1))) == (0, 45)
    assert count(Level.DISTRICT, D(2008, 12, 31)) == 9  # before Nậm Pồ
    kinds = AdministrativeUnit.objects.within(unit("11"), D(2025, 7, 1)).values_list("kind", flat=True)
    assert sorted(set(kinds)) == ["phuong", "xa"] and list(kinds).count("phuong") == 3


def test_huyen_dien_bien_before_and_after_2020_on_both_maps():
    assert figures("100", "2019Q2")["villages_total"] == 2
    assert figures("100", "2020Q1")["villages_total"] == 0
    assert figures("094", "2020Q1")["villages_total"] == 2
    # On today's map huyện Điện Biên (closed in 2025) is its last day's map: without the two.
    assert figures("100", "2019Q2", "current")["villages_total"] == 0
    assert unit("03325").parent_on(D(2019, 1, 1)).code == "100"  # Mường Phăng moved too
    assert unit("03325").parent_on(D(2021, 1, 1)).code == "094"


def test_the_province_is_the_same_on_both_maps_and_across_the_reform():
    for period in ("2008", "2019Q2", "2019Q4", "2025Q2", "2025Q3"):
        then, now = figures("11", period), figures("11", period, "current")
        for key in ("villages_total", "blank_villages", "villages_with_own_cell"):
            assert then[key] == now[key], (period, key)
    assert figures("11", "2025Q2")["villages_total"] == figures("11", "2025Q3")["villages_total"] == 7


def test_a_post_2025_commune_adds_up_the_villages_now_inside_it():
    # Mường Phăng (03325) took in Nà Nhạn, with Huổi Chổn, on 2025-07-01.
    assert set(Village.objects.within(unit("03325"), D(2025, 9, 30)).values_list("name", flat=True)) == {"Huổi Chổn"}
    now = figures("03325", "2019Q4", "current")
    assert (now["villages_total"], now["villages_with_own_cell"]) == (1, 1)
    assert figures("03325", "2019Q4")["villages_total"] == 0  # on the 2019 map Huổi Chổn was in Nà Nhạn
    assert figures("03325", "2008", "current")["blank_villages"] == 1


def test_the_82_belongs_to_muong_nhe_as_it_was_with_its_lineage():
    muong_nhe = figures("096", "2008")
    assert [(e["metric"], e["value"]) for e in muong_nhe["reported"]] == [("blank_villages", 82)]
    [split] = [e for e in muong_nhe["lineage"] if e["kind"] == "split"]
    assert (split["effective_on"], {u["code"] for u in split["after"]}) == ("2012-08-25", {"096", "103"})
    assert not [e for e in figures("103", "2013")["reported"] if e["period"] == "2008"]


def test_district_goals_still_report_after_the_districts_were_abolished():
    rows = {row["id"]: row for row in progress.goals_progress(list(Goal.objects.select_related("unit")), as_of=P("2026Q3"))}
    assert (rows[4]["status"], rows[4]["projected_period"]) == ("achieved", "2019Q2")
    assert (rows[5]["status"], rows[1]["current"]) == ("achieved", 17)
    assert unit("100").valid_to == unit("101").valid_to == D(2025, 7, 1)


def test_villages_without_a_known_commune_go_up_to_the_province():
    reform = Reorganisation.objects.get(kind="abolish_level")
    assert reform.villages_moved == 5 + 1 + 1  # the five of Điện Biên Đông, and one in each moved commune
    assert Village.objects.get(name="Pú Nhi D").unit_on(D(2025, 9, 30)).code == "11"
    assert Village.objects.get(name="Pú Nhi D").unit_on(D(2019, 6, 30)).code == "101"


def test_importing_again_changes_nothing():
    before = (AdministrativeUnit.objects.count(), Reorganisation.objects.count())
    out = io.StringIO()
    call_command("import_units", "--user", factories.clerk(), "--province", "11", stdout=out, stderr=io.StringIO())
    assert "Units created: 0" in out.getvalue() and "events recorded: 0" in out.getvalue()
    assert (AdministrativeUnit.objects.count(), Reorganisation.objects.count()) == before


def test_the_2019_map_has_130_communes_with_ta_leng():
    assert count(Level.COMMUNE, D(2019, 6, 30)) == 130
    assert unit("03144").valid_to == D(2020, 1, 1)
    [merge] = Reorganisation.objects.filter(kind="merge", predecessors=unit("03144"))
    assert [u.code for u in merge.successors.all()] == ["03145"]
