"""The nation (level 0, code VN): the root of every map, with the path ``/``.

Its figures are those of every village under it, so they add up over its provinces, before the
2025 reform and after it; only superusers and roles granted on the nation read them; no change of
the map moves, merges, splits or closes it, and a province sits under it and under nothing else.
"""
import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from tests import factories
from tracking import locks, progress, readmodel, selectors, services
from tracking.access import SYSTEM
from tracking.errors import Locked, NotPermitted
from tracking.models import (
    AdministrativeUnit,
    Goal,
    GoalMetric,
    Level,
    Reorganisation,
    Role,
    RoleGrant,
    UnitKind,
    UnitPlacement,
)
from tracking.periods import Period
from tracking.services import approvals as approval_steps
from tracking.services import reorganisations

D = datetime.date
P = Period.parse
REFORM = D(2025, 7, 1)
# Figures that count villages, members or admissions: a sum over the units that share the villages.
ADDITIVE = (
    "villages_total", "blank_villages", "villages_with_members", "villages_with_own_cell",
    "villages_in_merged_cells", "merged_cells", "members", "villages_counted", "villages_status_only",
    "villages_carried_forward", "admissions", "villages_without_report",
)


def nation() -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(level=Level.NATION)


@pytest.fixture
def country(tree):
    """Two provinces with reports in 2019 and, after each one's districts are abolished on
    2025-07-01, in 2025Q3: own cells, a merged cell, blank villages, counts and a status-only
    report, a village that does not report and one directly in a district."""
    lai_chau = factories.province(code="12", name="Lai Châu")
    sin_ho = factories.district(lai_chau, code="110", name="Sìn Hồ")
    commune = factories.commune(sin_ho, code="03500", name="Xã thử")
    villages = {
        "a": factories.village(tree["north"], name="A"),
        "b": factories.village(tree["north"], name="B"),
        "c": factories.village(tree["south"], name="C"),
        "d": factories.village(tree["other"], name="D"),  # directly in a district: its commune is not known
        "e": factories.village(commune, name="E"),
        "f": factories.village(commune, name="F"),
        "g": factories.village(commune, name="G"),
    }
    own = factories.cell(villages["a"], name="Chi bộ A")
    merged = factories.cell(villages["e"], villages["f"], name="Chi bộ ghép E-F")
    factories.report(villages["a"], "2019Q2", full=3, probationary=1, admissions=1, cell=own)
    factories.report(villages["b"], "2019Q2", full=0, probationary=0)
    factories.report(villages["c"], "2019Q2", status="no_member")
    factories.report(villages["d"], "2019Q2", full=1, probationary=0)
    factories.report(villages["e"], "2019Q2", full=2, probationary=1, admissions=1, cell=merged)
    factories.report(villages["f"], "2019Q2", full=1, probationary=2, admissions=2, cell=merged)
    for province in (tree["province"], lai_chau):
        reorganisations.level_abolish(by=SYSTEM, province=province, level=Level.DISTRICT, on=REFORM, villages_up=True)
    factories.report(villages["b"], "2025Q3", full=1, probationary=1, admissions=1)
    factories.report(villages["c"], "2025Q3", full=0, probationary=1, admissions=1)
    factories.report(villages["g"], "2025Q3", full=0, probationary=0)
    return {**tree, "lai_chau": lai_chau, "villages": villages, "provinces": [tree["province"], lai_chau]}


# ---------------------------------------------------------------------------------------
# The root of the map


def test_the_first_province_records_the_nation_and_sits_under_it(db):
    assert not AdministrativeUnit.objects.nation().exists()
    province = factories.province(code="11")
    root = nation()
    assert (root.code, root.name, root.kind, root.valid_from, root.valid_to) == ("VN", "Việt Nam", UnitKind.NATION, None, None)
    assert str(root) == "Việt Nam (VN)"
    [placement] = root.placements.all()
    assert (placement.parent, placement.path) == (None, "/")
    assert (province.parent_on(D(2019, 6, 30)), province.path_on(D(2019, 6, 30))) == (root, "/11/")
    factories.province(code="12", name="Lai Châu")
    assert AdministrativeUnit.objects.nation().count() == 1
    assert set(AdministrativeUnit.objects.children_of(root, D(2019, 6, 30)).values_list("code", flat=True)) == {"11", "12"}
    assert root.history.get().history_type == "+"  # in the audit trail like any unit


def test_only_a_superuser_records_the_nation(db, django_user_model):
    clerk = django_user_model.objects.create_user(username="clerk", password="pw")
    with pytest.raises(NotPermitted, match="Only a superuser records the nation"):
        services.unit_create(by=clerk, code="11", name="Điện Biên", kind=UnitKind.PROVINCE, level=Level.PROVINCE)
    with pytest.raises(NotPermitted):
        services.nation_ensure(by=clerk)
    assert not AdministrativeUnit.objects.exists()


def test_there_is_one_nation(tree):
    with pytest.raises(ValidationError, match="one nation"):
        services.unit_create(by=SYSTEM, code="VN", name="Việt Nam", kind=UnitKind.NATION, level=Level.NATION)
    # The database holds the rule too, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        AdministrativeUnit.objects.create(code="VN", name="Việt Nam", kind=UnitKind.NATION, level=Level.NATION,
                                          valid_from=D(2000, 1, 1))


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"code": "VN", "kind": UnitKind.PROVINCE, "level": Level.PROVINCE}, "code"),  # VN is the nation's
        ({"code": "00", "kind": UnitKind.NATION, "level": Level.NATION}, "code"),
        ({"code": "VN", "kind": UnitKind.PROVINCE, "level": Level.NATION}, "kind"),
        ({"code": "vn", "kind": UnitKind.NATION, "level": Level.NATION}, "code"),
    ],
)
def test_the_nation_has_its_own_code_and_kind(db, values, field):
    with pytest.raises(ValidationError) as refused:
        services.unit_create(by=SYSTEM, name="X", **values)
    assert field in refused.value.message_dict


def test_the_nation_has_no_dates(db):
    with pytest.raises(ValidationError) as refused:
        services.unit_create(by=SYSTEM, code="VN", name="Việt Nam", kind=UnitKind.NATION, level=Level.NATION,
                             valid_from=D(1945, 9, 2))
    assert "valid_from" in refused.value.message_dict


@pytest.mark.parametrize(
    ("level", "kind", "code", "parent", "reason"),
    [
        (Level.PROVINCE, UnitKind.PROVINCE, "12", "district", "A province sits directly under the nation"),
        (Level.DISTRICT, UnitKind.RURAL_DISTRICT, "105", "nation", "Only provinces sit directly under the nation"),
        (Level.COMMUNE, UnitKind.COMMUNE, "03999", "nation", "Only provinces sit directly under the nation"),
        (Level.COMMUNE, UnitKind.COMMUNE, "03999", None, "Only the nation has no parent unit"),
    ],
)
def test_a_unit_is_placed_where_its_level_belongs(tree, level, kind, code, parent, reason):
    parents = {"district": tree["district"], "nation": nation(), None: None}
    with pytest.raises(ValidationError, match=reason):
        services.unit_create(by=SYSTEM, code=code, name="X", kind=kind, level=level, parent=parents[parent])
    with pytest.raises(ValidationError, match=reason):
        reorganisations.unit_establish(by=SYSTEM, on=D(2020, 1, 1), code=code, name="X", kind=kind, level=level,
                                       parent=parents[parent])


def test_no_village_sits_directly_in_the_nation(tree):
    village = factories.village(tree["north"], name="A")
    with pytest.raises(ValidationError, match="belongs to a commune"):
        services.village_create(by=SYSTEM, name="B", unit=nation())
    with pytest.raises(ValidationError, match="belongs to a commune"):
        reorganisations.village_move(by=SYSTEM, village=village, unit=nation(), on=D(2020, 1, 1))


# ---------------------------------------------------------------------------------------
# Figures: prefix matching on "/" reads every village of the country


@pytest.mark.parametrize("period", ["2019Q2", "2019", "2024Q4", "2025Q3", "2025"])
def test_the_nations_figures_add_up_over_its_provinces(country, period):
    national = progress.unit_progress(nation(), P(period))
    provincial = [progress.unit_progress(province, P(period)) for province in country["provinces"]]
    for name in ADDITIVE:
        values = [figures[name] for figures in provincial]
        expected = None if all(value is None for value in values) else sum(value or 0 for value in values)
        assert national[name] == expected, name
    assert national["villages_total"] == 7
    assert national["unit"] == {"code": "VN", "name": "Việt Nam", "current_name": "Việt Nam", "level": "nation"}


@pytest.mark.parametrize("period", ["2019Q2", "2019", "2024Q4", "2025Q3", "2025"])
def test_the_nations_stored_figures_are_its_provinces_sums_and_the_reference(country, period):
    """The nation's figures are read from the stored sums (``readmodel``), like any unit's: on
    either map, before and after the reform, they equal the reference computation from the raw
    rows, and each count adds up over the provinces' stored figures."""
    root = nation()
    assert readmodel.UnitFigureDelta.objects.filter(unit_id=root.pk).exists()
    for boundaries, map_day in ((progress.HISTORICAL, None), (progress.CURRENT, progress.last_day_on_map(root))):
        national = progress.unit_progress(root, P(period), boundaries=boundaries)
        reference = progress.UnitData.load([root], P(period).last_quarter).computed(root, P(period), map_day)
        assert {name: national[name] for name in reference} == reference
        stored = progress.Stored([root, *country["provinces"]], P(period).last_quarter)
        provincial = [stored.computed(province, P(period), map_day) for province in country["provinces"]]
        for name in ADDITIVE:
            values = [figures[name] for figures in provincial]
            expected = None if all(value is None for value in values) else sum(value or 0 for value in values)
            assert stored.computed(root, P(period), map_day)[name] == expected, (boundaries, name)
    assert readmodel.verify() == []


def test_the_nations_figures_before_and_after_the_reform(country):
    before = progress.unit_progress(nation(), P("2019Q2"))
    assert (before["villages_total"], before["blank_villages"], before["villages_with_own_cell"],
            before["villages_in_merged_cells"], before["merged_cells"], before["members"], before["admissions"],
            before["villages_without_report"]) == (7, 2, 1, 2, 1, 11, 4, 1)
    after = progress.unit_progress(nation(), P("2025Q3"))
    # B and C have members now; G reports none; A, D, E and F carry 2019 forward.
    assert (after["blank_villages"], after["members"], after["admissions"], after["villages_carried_forward"],
            after["villages_without_report"]) == (1, 14, 2, 4, 0)
    # The districts are gone: the communes sit directly under the provinces, under the nation.
    assert country["north"].path_on(REFORM) == "/11/03317/"
    assert AdministrativeUnit.objects.within(nation(), REFORM).filter(level=Level.DISTRICT).count() == 0


def test_the_nations_timeline_adds_up_quarter_by_quarter(country):
    rows = progress.unit_timeline(nation(), P("2019Q1"), P("2025Q3"))
    assert len(rows) == 27
    by_province = [progress.unit_timeline(province, P("2019Q1"), P("2025Q3")) for province in country["provinces"]]
    for index, row in enumerate(rows):
        assert row["blank_villages"] == sum(timeline[index]["blank_villages"] for timeline in by_province)
        assert row["villages_total"] == sum(timeline[index]["villages_total"] for timeline in by_province)


def test_the_nations_blank_villages_are_those_of_every_province(country, api):
    body = api.get("/api/v1/units/VN/blank-villages/?period=2019Q2").json()
    assert sorted(row["name"] for row in body["results"]) == ["B", "C"]
    body = api.get("/api/v1/units/VN/blank-villages/?period=2025Q3").json()
    assert [row["name"] for row in body["results"]] == ["G"]
    assert body["results"][0]["unit"] == {"code": "03500", "name": "Xã thử", "current_name": "Xã thử", "level": "commune"}


def test_a_goal_of_the_nation_follows_every_village(country, api):
    goal = services.goal_save(by=SYSTEM, goal=Goal(
        unit=nation(), title="Không còn bản trắng đảng viên", metric=GoalMetric.BLANK_VILLAGES,
        baseline_period=P("2025Q3"), deadline=P("2030"), set_by="test",
    ))
    row = progress.goal_progress(goal, as_of=P("2025Q3"))
    assert (row["basis"], row["baseline"], row["current"], row["status"]) == ("village_reports", 1, 1, "at_risk")
    listed = api.get("/api/v1/goals/?unit=VN&as_of=2025Q3").json()["results"]
    assert [(entry["id"], entry["unit"]["code"], entry["baseline"]) for entry in listed] == [(goal.pk, "VN", 1)]
    assert api.get(f"/api/v1/goals/{goal.pk}/progress/?as_of=2025Q3").json()["unit"]["code"] == "VN"


def test_the_nations_figures_read_no_lock_of_a_province(country):
    """The nation's quarter stands as its own approvals say, not a province's."""
    approval_steps.quarter_submit(by=SYSTEM, unit=country["province"], quarter="2019Q2")
    approval_steps.quarter_approve(by=SYSTEM, unit=country["province"], quarter="2019Q2")
    assert progress.unit_progress(nation(), P("2019Q2"))["approval"]["state"] == "draft"
    assert progress.unit_progress(country["province"], P("2019Q2"))["approval"]["state"] == "approved"


# ---------------------------------------------------------------------------------------
# The API and the commands address it by its code


def test_the_api_serves_the_nation_by_its_code(country, api):
    unit = api.get("/api/v1/units/VN/").json()
    assert {key: unit[key] for key in ("code", "name", "kind", "level", "parent", "path")} == {
        "code": "VN", "name": "Việt Nam", "kind": "quoc_gia", "level": "nation", "parent": None, "path": "/",
    }
    assert api.get("/api/v1/units/11/").json()["parent"] == "VN"
    children = api.get("/api/v1/units/VN/children/").json()["results"]
    assert [child["code"] for child in children] == ["11", "12"]
    assert [row["code"] for row in api.get("/api/v1/units/?level=nation").json()["results"]] == ["VN"]
    figures = api.get("/api/v1/units/VN/progress/?period=2019Q2").json()
    assert (figures["unit"]["level"], figures["villages_total"], figures["blank_villages"]) == ("nation", 7, 2)
    timeline = api.get("/api/v1/units/VN/progress/timeline/?from=2019Q2&to=2019Q4").json()
    assert [row["period"] for row in timeline] == ["2019Q2", "2019Q3", "2019Q4"]
    current = api.get("/api/v1/units/VN/progress/?period=2019Q2&boundaries=current").json()
    assert current["villages_total"] == 7
    assert api.get("/api/v1/villages/?within=VN&page_size=50").json()["count"] == 7
    assert api.get("/api/v1/units/VN/approvals/2019Q2/").json()["reports"] == {"villages": 7, "reported": 6}


def test_a_code_is_digits_or_vn(tree, api, api_error):
    api_error(api.get("/api/v1/units/?parent=vn"), 400, "validation_error", "parent")
    api_error(api.get("/api/v1/units/?within=VNM"), 400, "validation_error", "within")
    assert api.get("/api/v1/units/VNM/").status_code == 404
    api_error(api.post("/api/v1/units/", {"code": "VN", "name": "X", "kind": "tinh", "level": "province"}, format="json"),
              400, "validation_error", "code")


def test_a_province_posted_without_a_parent_goes_under_the_nation(tree, staff_api):
    response = staff_api.post("/api/v1/units/", {"code": "12", "name": "Lai Châu", "kind": "tinh", "level": "province"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["parent"], response.json()["path"]) == ("VN", "/12/")


def test_the_commands_read_the_nation(country):
    out = io.StringIO()
    call_command("progress", "VN", "--period", "2019Q2", "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert (document["unit"]["code"], document["villages_total"], document["members"]) == ("VN", 7, 11)
    out = io.StringIO()
    call_command("progress", "VN", "--period", "2025Q3", stdout=out)
    assert out.getvalue().startswith("Việt Nam (VN) — 2025Q3")
    # Every village has reported by 2025Q3 (G, added since, first then): the merged cell E-F is left.
    services.goal_save(by=SYSTEM, goal=Goal(unit=nation(), title="Toàn quốc", metric=GoalMetric.MERGED_CELLS,
                                            baseline_period=P("2025Q3"), set_by="test"))
    out = io.StringIO()
    call_command("goals", "--unit", "VN", "--as-of", "2025Q3", stdout=out)
    assert "Toàn quốc (Việt Nam)" in out.getvalue() and "baseline 1 (2025Q3)" in out.getvalue()


# ---------------------------------------------------------------------------------------
# Who reads the nation's figures


@pytest.fixture
def readers(country, django_user_model):
    def user(name, unit, role=Role.VIEWER):
        person = django_user_model.objects.create_user(username=name, password="pw")
        RoleGrant.objects.create(user=person, unit=unit, role=role)
        return person

    return {
        "province": user("province", country["province"]),
        "both_provinces": user("both_provinces", country["province"]),
        "nation": user("nation", nation()),
    }


def test_provincial_roles_do_not_read_the_nation(country, readers, client_of):
    RoleGrant.objects.create(user=readers["both_provinces"], unit=country["lai_chau"], role=Role.EDITOR)
    for name in ("province", "both_provinces"):
        client = client_of(name)
        for path in ("/api/v1/units/VN/", "/api/v1/units/VN/progress/?period=2019Q2",
                     "/api/v1/units/VN/progress/timeline/", "/api/v1/units/VN/blank-villages/?period=2019Q2",
                     "/api/v1/units/VN/children/", "/api/v1/units/VN/approvals/2019Q2/"):
            assert client.get(path).status_code == 404, (name, path)
        assert "VN" not in [row["code"] for row in client.get("/api/v1/units/?page_size=50").json()["results"]]
        assert client.get("/api/v1/units/11/progress/?period=2019Q2").status_code == 200
        # Its province still names its parent, as a district names its province.
        assert client.get("/api/v1/units/11/").json()["parent"] == "VN"
    with pytest.raises(CommandError, match="No unit has the code VN"):
        call_command("progress", "VN", "--period", "2019Q2", "--user", "province", stdout=io.StringIO())


def test_a_role_on_the_nation_reads_the_nation_and_every_province(country, readers, client_of):
    client = client_of("nation")
    figures = client.get("/api/v1/units/VN/progress/?period=2025Q3").json()
    assert figures["villages_total"] == 7
    assert client.get("/api/v1/units/12/progress/?period=2019Q2").json()["villages_total"] == 3
    assert client.get("/api/v1/units/?page_size=50").json()["count"] == AdministrativeUnit.objects.count()
    # A viewer changes nothing.
    assert client.post("/api/v1/units/", {"code": "13", "name": "X", "kind": "tinh", "level": "province"},
                       format="json").status_code == 403


def test_a_nations_goal_is_not_a_provinces(country, readers, client_of):
    goal = services.goal_save(by=SYSTEM, goal=Goal(unit=nation(), title="Toàn quốc", metric=GoalMetric.BLANK_VILLAGES,
                                                   baseline_period=P("2019Q2"), set_by="test"))
    assert client_of("province").get(f"/api/v1/goals/{goal.pk}/").status_code == 404
    assert client_of("province").get("/api/v1/goals/").json()["count"] == 0
    assert client_of("nation").get(f"/api/v1/goals/{goal.pk}/").status_code == 200
    # Only an editor of the nation sets one.
    province_editor = RoleGrant.objects.create(user=readers["province"], unit=country["province"], role=Role.EDITOR).user
    with pytest.raises(NotPermitted):
        services.goal_save(by=province_editor, goal=Goal(unit=nation(), title="X", metric=GoalMetric.BLANK_VILLAGES,
                                                         set_by="test"))


# ---------------------------------------------------------------------------------------
# Approvals: the nation's approval locks every village; its approvers are above the provinces


def test_the_nations_approval_locks_the_villages_of_every_province(country):
    approval_steps.quarter_submit(by=SYSTEM, unit=nation(), quarter="2019Q2")
    approval_steps.quarter_approve(by=SYSTEM, unit=nation(), quarter="2019Q2")
    for village in country["villages"].values():
        assert locks.lock_for(village, "2019Q2").unit == nation()
    with pytest.raises(Locked):
        factories.report(country["villages"]["g"], "2019Q2", full=1)
    assert progress.unit_progress(country["province"], P("2019Q2"))["approval"] == {
        "quarter": "2019Q2", "state": "approved", "approved_by_unit": "VN"}
    assert locks.lock_for(country["villages"]["g"], "2019Q3") is None


def test_an_approver_of_the_nation_reopens_a_provinces_quarter(country, django_user_model):
    province_approver = django_user_model.objects.create_user(username="p", password="pw")
    RoleGrant.objects.create(user=province_approver, unit=country["province"], role=Role.APPROVER)
    nation_approver = django_user_model.objects.create_user(username="n", password="pw")
    RoleGrant.objects.create(user=nation_approver, unit=nation(), role=Role.APPROVER)
    approval_steps.quarter_submit(by=province_approver, unit=country["province"], quarter="2019Q2")
    approval_steps.quarter_approve(by=province_approver, unit=country["province"], quarter="2019Q2")
    with pytest.raises(NotPermitted):
        approval_steps.quarter_reopen(by=province_approver, unit=country["province"], quarter="2019Q2", reason="x")
    row = approval_steps.quarter_reopen(by=nation_approver, unit=country["province"], quarter="2019Q2", reason="Sai số liệu.")
    assert row.state == "draft"
    # Nobody is above the nation: its own approval is reopened by a superuser only.
    approval_steps.quarter_submit(by=nation_approver, unit=nation(), quarter="2019Q2")
    approval_steps.quarter_approve(by=nation_approver, unit=nation(), quarter="2019Q2")
    with pytest.raises(NotPermitted):
        approval_steps.quarter_reopen(by=nation_approver, unit=nation(), quarter="2019Q2", reason="x")
    assert approval_steps.quarter_reopen(by=SYSTEM, unit=nation(), quarter="2019Q2", reason="x").state == "draft"


# ---------------------------------------------------------------------------------------
# No change of the map reshapes the nation; a province moves under nothing else


def _map() -> tuple:
    return (set(UnitPlacement.objects.values_list("pk", "unit", "parent", "path", "valid_from", "valid_to")),
            set(AdministrativeUnit.objects.values_list("pk", "valid_to")), Reorganisation.objects.count())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda t: reorganisations.unit_transfer(by=SYSTEM, unit=nation(), parent=t["province"], on=D(2020, 1, 1)),
         "it does not move"),
        (lambda t: reorganisations.units_merge(by=SYSTEM, units=[nation(), t["province"]], on=D(2020, 1, 1), into=t["province"]),
         "it is not merged"),
        (lambda t: reorganisations.units_merge(by=SYSTEM, units=[t["province"], t["lai_chau"]], on=D(2020, 1, 1), into=nation()),
         "it is not merged"),
        (lambda t: reorganisations.unit_split(by=SYSTEM, unit=nation(), on=D(2020, 1, 1),
                                              parts=[{"code": "VN", "name": "X", "kind": "quoc_gia", "units": [t["lai_chau"]]}]),
         "it is not split"),
        (lambda t: reorganisations.level_abolish(by=SYSTEM, province=nation(), level=Level.NATION, on=D(2020, 1, 1)),
         "it is not abolished"),
        (lambda t: reorganisations.level_abolish(by=SYSTEM, province=nation(), level=Level.PROVINCE, on=D(2020, 1, 1)),
         "Provinces are not abolished as a level"),
        (lambda t: services.unit_update(by=SYSTEM, unit=nation(), valid_to=D(2020, 1, 1)), "it is not closed"),
        (lambda t: reorganisations.unit_transfer(by=SYSTEM, unit=t["lai_chau"], parent=t["province"], on=D(2020, 1, 1)),
         "A province sits directly under the nation"),
        (lambda t: reorganisations.unit_transfer(by=SYSTEM, unit=t["lai_chau"], parent=t["district"], on=D(2020, 1, 1)),
         "A province sits directly under the nation"),
        (lambda t: reorganisations.unit_transfer(by=SYSTEM, unit=t["lai_chau"], parent=nation(), on=D(2020, 1, 1)),
         "already sits under"),
        (lambda t: reorganisations.unit_transfer(by=SYSTEM, unit=t["district"], parent=nation(), on=D(2020, 1, 1)),
         "Only provinces sit directly under the nation"),
        (lambda t: reorganisations.units_merge(by=SYSTEM, units=[t["district"], t["other"]], on=D(2020, 1, 1),
                                               new={"code": "105", "name": "X", "kind": "huyen", "parent": nation()}),
         "Only provinces sit directly under the nation"),
    ],
)
def test_no_change_of_the_map_reshapes_the_nation(country, change, reason):
    before = _map()
    with pytest.raises(ValidationError, match=reason), transaction.atomic():
        change(country)
    assert _map() == before


def test_provinces_still_merge_under_the_nation(tree):
    lai_chau = factories.province(code="12", name="Lai Châu")
    factories.village(tree["north"], name="A")
    factories.village(factories.commune(factories.district(lai_chau, code="110"), code="03500"), name="B")
    reorganisations.units_merge(by=SYSTEM, units=[tree["province"], lai_chau], on=D(2020, 1, 1),
                                new={"code": "13", "name": "Tây Bắc", "kind": "tinh"})
    merged = AdministrativeUnit.objects.get(code="13")
    assert (merged.parent_on(D(2020, 1, 1)), merged.path_on(D(2020, 1, 1))) == (nation(), "/13/")
    assert tree["north"].path_on(D(2020, 1, 1)) == "/13/100/03317/"
    for period in ("2019Q4", "2020Q1"):
        assert progress.unit_progress(nation(), P(period))["villages_total"] == 2


def test_nobody_but_a_superuser_reaches_above_a_province(country, django_user_model, staff_api, api_error):
    editor = django_user_model.objects.create_user(username="nation_editor", password="pw")
    RoleGrant.objects.create(user=editor, unit=nation(), role=Role.EDITOR)
    # An editor of the nation is above the provinces: it adds one under the nation...
    province = services.unit_create(by=editor, code="13", name="X", kind=UnitKind.PROVINCE, level=Level.PROVINCE)
    assert province.parent_on(D(2020, 1, 1)) == nation()
    # ...but nobody is above the nation: its map changes are a superuser's, and refused anyway.
    with pytest.raises(NotPermitted):
        reorganisations.unit_rename(by=editor, unit=nation(), name="X", on=D(2020, 1, 1))
    assert reorganisations.reshape_refusal(by=editor, units=[nation()]) is not None
    body = api_error(staff_api.post("/api/v1/reorganisations/transfer/", {"unit": "VN", "parent": "11", "on": "2020-01-01"},
                                    format="json"), 400, "validation_error", "unit")
    assert "does not move" in body["detail"]
    api_error(staff_api.post("/api/v1/reorganisations/abolish-level/", {"province": "VN", "level": "nation", "on": "2020-01-01"},
                             format="json"), 400, "validation_error", "level")


def test_the_nation_may_be_renamed(country):
    reorganisations.unit_rename(by=SYSTEM, unit=nation(), name="Cộng hòa Xã hội chủ nghĩa Việt Nam", on=D(2020, 1, 1))
    assert nation().name == "Cộng hòa Xã hội chủ nghĩa Việt Nam"


def test_a_national_import_of_units_records_the_nation_once(db):
    out = io.StringIO()
    call_command("import_units", "--user", factories.clerk(), "--province", "11", "--no-reform", stdout=out,
                 stderr=io.StringIO())
    assert "Recording the nation" in out.getvalue()
    province = AdministrativeUnit.objects.get(code="11")
    assert province.parent_on(D(2019, 6, 30)) == nation()
    again = io.StringIO()
    call_command("import_units", "--user", factories.clerk(), "--province", "11", "--no-reform", stdout=again,
                 stderr=io.StringIO())
    assert "Recording the nation" not in again.getvalue() and "differing from the official list: 0" in again.getvalue()
    assert AdministrativeUnit.objects.nation().count() == 1


def test_an_import_after_the_reform_keeps_the_provinces_under_the_nation(db):
    call_command("import_units", "--user", factories.clerk(), "--province", "11", stdout=io.StringIO(),
                 stderr=io.StringIO())
    province = AdministrativeUnit.objects.get(code="11")
    assert province.parent_on(REFORM) == nation() and province.path_on(REFORM) == "/11/"
    assert selectors.unit_by_code(by=SYSTEM, code="VN") == nation()


def test_the_nation_is_not_deleted_while_provinces_sit_under_it(country, staff_api, readers, client_of, api_error):
    api_error(staff_api.delete("/api/v1/units/VN/"), 409, "conflict")
    RoleGrant.objects.create(user=readers["province"], unit=country["province"], role=Role.EDITOR)
    api_error(client_of("province").delete("/api/v1/units/VN/"), 404, "not_found")
    api_error(client_of("nation").delete("/api/v1/units/VN/"), 403, "permission_denied")
    assert AdministrativeUnit.objects.nation().exists()
