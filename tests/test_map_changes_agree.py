"""The API, the admin and the ``reorganise`` command agree on who may change the map.

Xã Nà Tấu (03316) moved from huyện Điện Biên (100) to thành phố Điện Biên Phủ (094) on
2020-01-01, and has sat directly in the province since the districts were abolished on 2025-07-01.
Renaming it with effect from 2021-06-01 is a change of Điện Biên Phủ's map — and, a unit having one
name, of today's: the province's editor may, every way; huyện Điện Biên's editor may not (2021 is
not its map), nor Điện Biên Phủ's (today is not) — refused with the same reason and nothing
recorded. Each test starts from the same fresh fixtures.
"""
import pytest

from tests import edges
from tracking.models import AdministrativeUnit, Reorganisation, RoleGrant

ON = "2021-06-01"
RENAME = {"unit": "03316", "name": "Nà Tấu Mới", "on": ON}


@pytest.fixture
def editors(article, django_user_model):
    for username, code in (("editor_100", "100"), ("editor_094", "094"), ("editor_11", "11")):
        user = django_user_model.objects.create_user(username=username, password="pw", is_staff=True)
        RoleGrant.objects.create(user=user, unit=AdministrativeUnit.objects.get(code=code), role="editor")
    return AdministrativeUnit.objects.get(code="03316")


def rename(way: str, username: str, unit: AdministrativeUnit) -> str:
    """Rename Nà Tấu as of 2021-06-01 one way; returns what the user is told."""
    if way == "api":
        response = edges.api(username).post("/api/v1/reorganisations/rename/", RENAME, format="json")
        assert response.status_code < 500, response.content
        return response.json().get("detail", "") if response.status_code >= 400 else "recorded"
    if way == "admin":
        response = edges.admin_action(edges.admin(username), "administrativeunit", "rename_unit", [unit.pk],
                                      name=RENAME["name"], effective_on=ON)
        assert response.status_code == 200
        return edges.shown(response)
    succeeded, said = edges.command("reorganise", "rename", "--unit", "03316", "--name", RENAME["name"], "--on", ON,
                                    "--user", username)
    return said if not succeeded else "recorded"


def api_reason(username: str) -> str:
    """What the API answers this user (it refuses before changing anything)."""
    response = edges.api(username).post("/api/v1/reorganisations/rename/", RENAME, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    return response.json()["detail"]


@pytest.mark.parametrize("way", ["api", "admin", "command"])
def test_the_former_district_cannot_rename_the_commune_for_a_day_after_it_left(editors, way):
    reason = api_reason("editor_100")
    assert "03316" in reason
    events = Reorganisation.objects.count()
    told = rename(way, "editor_100", editors)
    assert Reorganisation.objects.count() == events
    assert AdministrativeUnit.objects.get(pk=editors.pk).name == "Nà Tấu"
    if way == "admin":
        assert reason in told  # the same reason, on the page the user is shown
        assert f"Recorded, effective {ON}" not in told
    else:
        assert told == reason


@pytest.mark.parametrize("way", ["api", "admin", "command"])
def test_the_district_that_held_the_commune_then_cannot_rename_it_now_any_way(editors, way):
    reason = api_reason("editor_094")
    assert "(map of " in reason and ON not in reason  # refused for today's map, not 2021's
    events = Reorganisation.objects.count()
    told = rename(way, "editor_094", editors)
    assert Reorganisation.objects.count() == events
    if way == "admin":
        assert reason in told
    else:
        assert told == reason


@pytest.mark.parametrize("way", ["api", "admin", "command"])
def test_the_committee_above_the_commune_then_and_now_renames_it_every_way(editors, way):
    events = Reorganisation.objects.count()
    rename(way, "editor_11", editors)
    assert Reorganisation.objects.count() == events + 1
    event = Reorganisation.objects.latest("id")
    assert (event.kind, str(event.effective_on), event.description) == ("rename", ON, "xã Nà Tấu (03316) renamed Nà Tấu Mới")
    unit = AdministrativeUnit.objects.get(pk=editors.pk)
    assert unit.name == "Nà Tấu Mới"
    change = unit.history.latest()
    assert (change.history_user.username, change.history_path) == ("editor_11", way)
