"""A cell serving no village and of no organisation would lie in nobody's area: an editor cannot
found one (400 with the reason, nothing saved), whichever way they ask. Never a server error."""
import pytest
from django.test import Client
from django.urls import reverse

from tracking.models import PartyCell


@pytest.fixture
def editor_100(moved, django_user_model):
    return django_user_model.objects.get(username="a_editor")  # editor of huyện Điện Biên (100), staff


def test_the_api_refuses_a_cell_with_neither_villages_nor_organisation(editor_100, client_of, api_error):
    client = client_of("a_editor", raise_errors=False)  # a server error comes back as a 500 response
    before = PartyCell.objects.count()
    response = client.post("/api/v1/cells/", {"name": "Orphan", "founded_on": "2019-03-01"}, format="json")
    assert response.status_code == 400, response.content[:500]
    body = api_error(response, 400, "validation_error")
    assert {error["path"] for error in body["errors"]} <= {"", "villages", "organisation"}, body
    assert PartyCell.objects.count() == before
    assert not PartyCell.objects.filter(name="Orphan").exists()


def test_the_same_editor_founds_a_cell_for_a_village_of_theirs(moved, editor_100, client_of):
    response = client_of("a_editor").post("/api/v1/cells/", {"name": "Chi bộ ghép", "founded_on": "2019-03-01",
                                                             "villages": [moved["huoi_chon"]]}, format="json")
    assert response.status_code == 201, response.content[:500]


def test_the_admin_refuses_a_cell_with_neither_villages_nor_organisation(editor_100):
    client = Client()
    client.force_login(editor_100)
    before = PartyCell.objects.count()
    response = client.post(reverse("admin:tracking_partycell_add"), {"name": "Orphan", "founded_on": "2019-03-01"})
    assert response.status_code == 200  # the form again, with the reason
    assert response.context["adminform"].form.errors
    assert PartyCell.objects.count() == before
