"""Search without accents, everywhere: "dien bien" finds Điện Biên, "huoi chon" finds Huổi Chổn,
"d" finds "đ", in the API, the admin's search and its autocompletes, on SQLite and PostgreSQL
alike; and a name typed in two Unicode spellings is one name."""
import datetime
import io
import unicodedata

import pytest
from django.core.management import call_command

from tests import factories
from tracking.access import SYSTEM
from tracking.models import AdministrativeUnit, Village
from tracking.services import bulk, reorganisations
from tracking.text import fold

NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731 (how some keyboards send Vietnamese)


@pytest.fixture
def named(tree):
    commune = factories.commune(tree["district"], code="03334", name="Mường Phăng")
    return {
        "commune": commune,
        "huoi_chon": factories.village(tree["north"], name="Huổi Chổn"),
        "co_man": factories.village(commune, name="Co Mận"),
        "doi": factories.village(commune, name="Đội 3"),
    }


def _names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


@pytest.mark.parametrize("text, found", [
    ("huoi chon", ["Huổi Chổn"]),
    ("HUOI", ["Huổi Chổn"]),
    ("Huổi Chổn", ["Huổi Chổn"]),
    (NFD("Huổi Chổn"), ["Huổi Chổn"]),
    ("doi", ["Đội 3"]),
    ("co man", ["Co Mận"]),
    ("chon huoi", ["Huổi Chổn"]),   # every word, in any order
    ("huoi man", []),
])
def test_the_villages_search_of_the_api_ignores_accents_and_case(api, named, text, found):
    assert _names(api.get("/api/v1/villages/", {"search": text})) == found


def test_units_and_cells_are_searched_alike(api, named):
    # The province and its district are both named Điện Biên.
    assert _names(api.get("/api/v1/units/", {"search": "dien bien"})) == ["Điện Biên", "Điện Biên", "Điện Biên Đông"]
    assert _names(api.get("/api/v1/units/", {"search": "muong phang"})) == ["Mường Phăng"]
    assert _names(api.get("/api/v1/units/", {"search": "0333"})) == ["Mường Phăng"]  # the start of a code
    factories.cell(named["huoi_chon"], name="Chi bộ Huổi Chổn")
    assert _names(api.get("/api/v1/cells/", {"search": "chi bo huoi"})) == ["Chi bộ Huổi Chổn"]


def test_a_name_typed_in_decomposed_unicode_is_stored_as_one_spelling(staff_api, tree):
    response = staff_api.post("/api/v1/villages/", {"name": NFD("Bản Điện"), "unit": "03317"}, format="json")
    assert response.status_code == 201, response.content
    village = Village.objects.get(pk=response.json()["id"])
    assert village.name == unicodedata.normalize("NFC", "Bản Điện") and village.name_folded == "ban dien"
    assert Village.objects.filter(name="Bản Điện").count() == 1


def test_names_written_in_bulk_and_by_a_rename_are_found(api, named, tree):
    bulk.villages_create_many(by=SYSTEM, rows=[{"name": "Nậm Chim", "unit": tree["south"]}])
    assert _names(api.get("/api/v1/villages/", {"search": "nam chim"})) == ["Nậm Chim"]
    reorganisations.unit_rename(by=SYSTEM, unit=named["commune"], name="Mường Phăng Mới", on=datetime.date(2021, 1, 1))
    assert _names(api.get("/api/v1/units/", {"search": "phang moi"})) == ["Mường Phăng Mới"]


def test_every_unit_loaded_or_imported_in_bulk_is_found_without_accents(article_only):
    """Fixtures (written past ``save``) and the official import (updates in bulk, renames
    among them) leave every name with its folded form."""
    assert all(unit.name_folded == fold(unit.name) for unit in AdministrativeUnit.objects.all())
    call_command("import_units", "--province", "11", "--user", factories.clerk(), stdout=io.StringIO(),
                 stderr=io.StringIO())
    units = list(AdministrativeUnit.objects.all())
    assert len(units) > 100 and all(unit.name_folded == fold(unit.name) for unit in units)
    assert all(village.name_folded == fold(village.name) for village in Village.objects.all())


def test_the_admin_search_and_its_autocompletes_ignore_accents(client, django_user_model, named):
    client.force_login(django_user_model.objects.create_superuser(username="boss", email="b@example.org", password="pw"))
    page = client.get("/admin/tracking/village/", {"q": "huoi chon"})
    assert page.status_code == 200 and "Huổi Chổn" in page.content.decode() and "Co Mận" not in page.content.decode()
    picked = client.get("/admin/autocomplete/", {"term": "muong phang", "app_label": "tracking",
                                                  "model_name": "rolegrant", "field_name": "unit"})
    assert picked.status_code == 200, picked.content
    assert [row["text"] for row in picked.json()["results"]] == [str(named["commune"])]


def test_free_text_is_searched_without_accents_too(article, api, client, django_user_model):
    """Goal titles, cited figures' notes, map changes' descriptions and user names have no folded
    copy: the database folds them as it compares (a table on PostgreSQL, the fold on SQLite)."""
    goals = api.get("/api/v1/goals/", {"search": "nam po 2020"}).json()["results"]
    assert sorted(goal["title"] for goal in goals) == [
        "Không còn bản chưa có chi bộ đến năm 2020 — huyện Nậm Pồ",
        "Không còn bản chưa có đảng viên đến năm 2020 — huyện Nậm Pồ",
    ]
    assert api.get("/api/v1/goals/", {"search": "DANG VIEN nam po"}).json()["count"] == 1
    assert api.get("/api/v1/goals/", {"search": "hà nội"}).json()["count"] == 0
    figures = api.get("/api/v1/reported-figures/", {"search": "dien bien dong"}).json()["results"]
    assert figures and {row["unit"] for row in figures} == {"101"}

    django_user_model.objects.create_user(username="nguyen.van.duc", first_name="Đức", last_name="Nguyễn Văn", password="pw")
    client.force_login(django_user_model.objects.create_superuser(username="boss", email="b@example.org", password="pw"))
    page = client.get("/admin/auth/user/", {"q": "nguyen duc"}).content.decode()
    assert "nguyen.van.duc" in page
    page = client.get("/admin/tracking/goal/", {"q": "nam po chi bo"}).content.decode()
    assert "Không còn bản chưa có chi bộ đến năm 2020" in page and "đảng viên đến năm 2020" not in page
