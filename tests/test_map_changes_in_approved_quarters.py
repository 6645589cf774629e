"""A change of the map dated into an approved quarter (issue 12, point 6): refused like a report of
that quarter (409 ``locked``, naming the approval), and nothing saved, until the quarter is
reopened. A change dated D touches every quarter whose last day is on or after D while the
changed placement held; it is refused if one of them is approved for a unit that loses or gains
villages (a transfer's former and new parent, the unit split, the units merged and the one they
merge into, the units of an abolished level, a moved village's unit before and after) or for a
unit above it. A rename changes no figure: it is not refused. Through the API, the admin's map
actions, the services that have no other door (a village moved) and the official import."""
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests import edges, factories
from tracking import readmodel
from tracking.errors import Locked
from tracking.models import (
    AdministrativeUnit,
    QuarterApproval,
    Reorganisation,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from tracking.services import approvals as approval_steps
from tracking.services import records, reorganisations

D = datetime.date
URL = "/api/v1/reorganisations/"
IN_Q2 = "2019-05-01"  # inside 2019Q2, the quarter approved


@pytest.fixture
def world(tree, staff, django_user_model):
    """The ``tree``, with villages in both communes of huyện Điện Biên that reported in 2019Q1,
    a commune of the other district, and the superuser ``root`` (who signs ``staff``'s requests)."""
    villages = {
        "a": factories.village(tree["north"], name="Huổi Chổn"),
        "b": factories.village(tree["north"], name="Huổi Lực"),
        "hoa": factories.village(tree["south"], name="Hoa"),
    }
    for village in villages.values():
        factories.report(village, "2019Q1", full=1)
    far = factories.commune(tree["other"], code="03200", name="Xa Dung")
    return {**tree, **villages, "far": far, "root": django_user_model.objects.get(username="root")}


def approve(world, name, quarter="2019Q2") -> QuarterApproval:
    unit = world[name] if isinstance(name, str) else name
    approval_steps.quarter_submit(unit=unit, quarter=quarter, by=world["root"])
    return approval_steps.quarter_approve(unit=unit, quarter=quarter, by=world["root"])


def reopen(world, name, quarter="2019Q2") -> None:
    unit = world[name] if isinstance(name, str) else name
    approval_steps.quarter_reopen(unit=unit, quarter=quarter, by=world["root"], reason="The map changed in May 2019.")


def the_map() -> tuple:
    """Every unit, placement and event: to show that a refused change saved nothing."""
    return (
        sorted(AdministrativeUnit.objects.values_list("code", "name", "valid_from", "valid_to")),
        sorted(UnitPlacement.objects.values_list("unit", "parent", "path", "valid_from", "valid_to"), key=str),
        sorted(VillagePlacement.objects.values_list("village", "unit", "path", "valid_from", "valid_to"), key=str),
        sorted(Village.objects.values_list("name", "valid_from", "valid_to"), key=str),
        list(Reorganisation.objects.values_list("pk", flat=True)),
    )


def naming(world, name, quarter="2019Q2") -> str:
    """The start of the refusal: which unit's quarter, approved by whom and when."""
    unit = world[name] if isinstance(name, str) else name
    return f"{quarter} of {unit} was approved by root on {timezone.localdate().isoformat()}: this change of the map would change its figures"


def transfer(world, name="north", parent="other", on=IN_Q2):
    return root_api().post(f"{URL}transfer/", {"unit": world[name].code, "parent": world[parent].code, "on": on},
                                     format="json")


def root_api():
    """The API, as the superuser root (who approved the quarters)."""
    return edges.api("root")


def refused(response, api_error, world, approved, before) -> None:
    body = api_error(response, 409, "locked")
    assert body["detail"].startswith(naming(world, approved)), body
    assert "An approver of a unit above must reopen it first." in body["detail"]
    assert the_map() == before


# ----- transfer: the former parent, the new parent, and the units above them --------------------


@pytest.mark.parametrize("approved", ["district", "other", "province"])
def test_a_transfer_into_an_approved_quarter_is_refused_and_saves_nothing(world, api_error, approved):
    approve(world, approved)
    before = the_map()
    refused(transfer(world), api_error, world, approved, before)


def test_the_moved_unit_s_own_approval_does_not_stop_it_its_figures_do_not_change(world):
    approve(world, "north")
    assert transfer(world).status_code == 201


def test_after_reopening_the_quarter_the_transfer_is_done(world, api_error):
    approve(world, "district")
    before = the_map()
    refused(transfer(world), api_error, world, "district", before)
    reopen(world, "district")
    response = transfer(world)
    assert response.status_code == 201, response.json()
    assert world["a"].unit_on(D(2019, 6, 30)) == world["north"]
    assert world["north"].parent_on(D(2019, 6, 30)) == world["other"]
    assert readmodel.verify() == []


@pytest.mark.parametrize(("on", "status"), [
    ("2018-12-31", 409),  # earlier: the old placement held through 2019Q2
    ("2019-04-01", 409),  # the quarter's first day
    ("2019-06-30", 409),  # its last day: its figures are those of that day's map
    ("2019-07-01", 201),  # after it: the approved quarter keeps its map
])
def test_which_days_touch_the_approved_quarter(world, on, status):
    approve(world, "district")
    assert transfer(world, on=on).status_code == status


def test_an_approval_of_the_nation_stops_every_change_of_its_quarters(world, api_error):
    nation = AdministrativeUnit.objects.nation().get()
    approve(world, nation)
    before = the_map()
    refused(transfer(world), api_error, world, nation, before)


# ----- the other changes ----------------------------------------------------------------------------


def test_a_split_of_an_approved_commune_is_refused_until_reopened(world, api_error):
    approve(world, "north")
    before = the_map()
    body = {"unit": "03317", "on": IN_Q2, "parts": [{"code": "03318", "name": "Nà Nhạn Mới", "kind": "xa",
                                                      "villages": [world["a"].pk]}]}
    refused(root_api().post(f"{URL}split/", body, format="json"), api_error, world, "north", before)
    reopen(world, "north")
    assert root_api().post(f"{URL}split/", body, format="json").status_code == 201
    assert world["a"].unit_on(D(2019, 6, 30)).code == "03318"


@pytest.mark.parametrize("approved", ["south", "north"])  # the unit merged, the unit it merges into
def test_a_merge_into_an_approved_quarter_is_refused(world, api_error, approved):
    approve(world, approved)
    before = the_map()
    body = {"units": ["03316", "03317"], "into": "03317", "on": IN_Q2}
    refused(root_api().post(f"{URL}merge/", body, format="json"), api_error, world, approved, before)
    reopen(world, approved)
    assert root_api().post(f"{URL}merge/", body, format="json").status_code == 201


def test_a_merge_into_a_new_unit_under_an_approved_parent_is_refused(world):
    # The API puts the new unit under the first unit's parent; the admin and the service take another.
    approve(world, "other")
    before = the_map()
    with pytest.raises(Locked) as refusal:
        reorganisations.units_merge(by=world["root"], units=[world["south"], world["north"]], on=D(2019, 5, 1),
                                    new={"code": "03334", "name": "Mường Thanh", "kind": "xa", "parent": world["other"]})
    assert str(refusal.value).startswith(naming(world, "other"))
    assert the_map() == before


def test_abolishing_a_level_in_an_approved_quarter_is_refused(world, api_error):
    approve(world, "district")
    before = the_map()
    body = {"province": "11", "level": "district", "on": IN_Q2}
    refused(root_api().post(f"{URL}abolish-level/", body, format="json"), api_error, world, "district", before)
    assert root_api().post(f"{URL}abolish-level/", {**body, "on": "2019-07-01"}, format="json").status_code == 201


def test_a_rename_changes_no_figure_and_is_not_refused(world):
    for name in ("north", "district", "province"):
        approve(world, name)
    response = root_api().post(f"{URL}rename/", {"unit": "03317", "name": "Thanh Nưa", "on": IN_Q2}, format="json")
    assert response.status_code == 201, response.json()


def test_establishing_a_unit_changes_no_figure_and_is_not_refused(world):
    approve(world, "district")
    response = root_api().post(f"{URL}establish/", {"on": IN_Q2, "code": "03319", "name": "Mới", "kind": "xa",
                                                             "level": "commune", "parent": "100"}, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("approved", ["north", "far", "other"])  # its unit before, after, above after
def test_a_village_moved_into_an_approved_quarter_is_refused_until_reopened(world, approved):
    approve(world, approved)
    before = the_map()
    with pytest.raises(Locked) as refusal:
        reorganisations.village_move(by=world["root"], village=world["a"], unit=world["far"], on=D(2019, 5, 1))
    assert str(refusal.value).startswith(naming(world, approved))
    assert refusal.value.approval.unit == world[approved]
    assert the_map() == before
    reopen(world, approved)
    reorganisations.village_move(by=world["root"], village=world["a"], unit=world["far"], on=D(2019, 5, 1))
    assert world["a"].unit_on(D(2019, 6, 30)) == world["far"]


def test_only_the_quarters_while_the_changed_placement_held_count(world):
    # Huổi Chổn ends on 2019-10-01: moving it from May changes 2019Q2 and 2019Q3, not 2019Q4.
    records.village_update(by=world["root"], village=world["a"], valid_to=D(2019, 10, 1))
    approve(world, "north", "2019Q4")
    reorganisations.village_move(by=world["root"], village=world["a"], unit=world["far"], on=D(2019, 5, 1))
    approve(world, "far", "2019Q3")
    with pytest.raises(Locked, match="2019Q3 of xã Xa Dung"):
        reorganisations.village_move(by=world["root"], village=world["a"], unit=world["north"], on=D(2019, 8, 1))


# ----- villages opened and closed: they enter or leave the figures ---------------------------------


def test_a_village_added_or_closed_in_an_approved_quarter_is_refused(world, api_error):
    approve(world, "north")
    before = the_map()
    added = root_api().post("/api/v1/villages/", {"name": "Bản Mới", "unit": "03317"}, format="json")
    body = api_error(added, 409, "locked")
    assert body["detail"].startswith(naming(world, "north"))
    closed = root_api().patch(f"/api/v1/villages/{world['b'].pk}/", {"valid_to": "2019-05-01"}, format="json")
    api_error(closed, 409, "locked")
    assert the_map() == before
    # After the quarter, both are done.
    added = root_api().post("/api/v1/villages/", {"name": "Bản Mới", "unit": "03317", "valid_from": "2019-07-01"},
                                     format="json")
    assert added.status_code == 201, added.json()
    closed = root_api().patch(f"/api/v1/villages/{world['b'].pk}/", {"valid_to": "2019-07-01"}, format="json")
    assert closed.status_code == 200, closed.json()


# ----- the admin's map actions: the same service, the refusal on the form ---------------------------


def test_the_admin_s_transfer_shows_the_refusal_and_saves_nothing_until_reopened(world):
    approve(world, "district")
    before = the_map()
    browser = edges.admin("root")
    response = edges.admin_action(browser, "administrativeunit", "transfer_units", [world["north"].pk],
                                  parent=world["other"].pk, effective_on=IN_Q2)
    assert response.status_code == 200
    [reason] = response.context["form"].non_field_errors()
    assert reason.startswith(naming(world, "district")), reason
    assert reason in edges.shown(response)
    assert the_map() == before
    reopen(world, "district")
    response = edges.admin_action(browser, "administrativeunit", "transfer_units", [world["north"].pk],
                                  parent=world["other"].pk, effective_on=IN_Q2)
    assert not edges.form_errors(response)
    assert world["north"].parent_on(D(2019, 6, 30)) == world["other"]


def test_the_admin_s_merge_and_rename_go_through_the_same_rule(world):
    approve(world, "north")
    browser = edges.admin("root")
    before = the_map()
    response = edges.admin_action(browser, "administrativeunit", "merge_units", [world["north"].pk, world["south"].pk],
                                  into=world["north"].pk, effective_on=IN_Q2)
    assert response.context["form"].non_field_errors()[0].startswith(naming(world, "north"))
    assert the_map() == before
    response = edges.admin_action(browser, "administrativeunit", "rename_unit", [world["north"].pk],
                                  name="Thanh Nưa", effective_on=IN_Q2)
    assert not edges.form_errors(response)
    assert AdministrativeUnit.objects.get(pk=world["north"].pk).name == "Thanh Nưa"


# ----- the official import: its steps keep the same rule ---------------------------------------------


def test_the_official_import_refuses_a_reform_that_changes_an_approved_quarter(db, django_user_model):
    out = io.StringIO()
    root = django_user_model.objects.create_superuser(username="root", email="root@example.org", password="pw")
    call_command("import_units", "--province", "11", "--no-reform", "--user", "root", stdout=out, stderr=io.StringIO())
    district = AdministrativeUnit.objects.get(code="100")
    world = {"root": root, "district": district}
    approve(world, "district", "2025Q3")  # the districts are abolished on 2025-07-01
    events = Reorganisation.objects.count()
    with pytest.raises(CommandError, match=r"^Province 11: 2025Q3 of huyện Điện Biên \(100\) was approved by root on .*"
                                           r"this change of the map would change its figures.*\(nothing of this step imported\)$"):
        call_command("import_units", "--province", "11", "--user", "root", stdout=out, stderr=io.StringIO())
    assert Reorganisation.objects.count() == events and AdministrativeUnit.objects.get(pk=district.pk).valid_to is None
    reopen(world, "district", "2025Q3")
    call_command("import_units", "--province", "11", "--user", "root", stdout=out, stderr=io.StringIO())
    assert AdministrativeUnit.objects.get(pk=district.pk).valid_to == D(2025, 7, 1)
