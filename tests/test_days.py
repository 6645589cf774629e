"""Every day a client or a form gives lies in the years of the records, 1945 to 2100, as periods
do (issue 12, point 5): outside them a clear 400 or form error, nothing saved."""
import pytest

from tests import factories
from tracking.models import AdministrativeUnit, PartyCell, Reorganisation, Village

OUT_OF_RANGE = ["0001-01-01", "1944-12-31", "2101-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_a_day_out_of_range_is_refused_by_every_write_of_the_api(staff_api, tree, api_error, day):
    village = factories.village(tree["north"], name="Huổi Chổn")
    writes = [
        ("post", "/api/v1/cells/", {"name": "Chi bộ mới", "villages": [village.pk], "founded_on": day}, "founded_on"),
        ("post", "/api/v1/villages/", {"name": "Bản mới", "unit": "03317", "valid_from": day}, "valid_from"),
        ("post", "/api/v1/units/", {"code": "03399", "name": "Xã mới", "kind": "xa", "level": "commune", "parent": "100",
                                    "valid_from": day}, "valid_from"),
        ("post", "/api/v1/reorganisations/rename/", {"unit": "03317", "name": "Nà Nhạn Mới", "on": day}, "on"),
    ]
    before = (PartyCell.objects.count(), Village.objects.count(), AdministrativeUnit.objects.count(),
              Reorganisation.objects.count())
    for method, url, body, field in writes:
        body = api_error(getattr(staff_api, method)(url, body, format="json"), 400, "validation_error", field)
        assert any("1945" in error["message"] and "2100" in error["message"] for error in body["errors"]), body
    assert before == (PartyCell.objects.count(), Village.objects.count(), AdministrativeUnit.objects.count(),
                      Reorganisation.objects.count())


def test_a_day_out_of_range_in_a_query_is_a_400(api, tree, api_error):
    api_error(api.get("/api/v1/units/", {"active_on": "0001-01-01"}), 400, "validation_error", "active_on")
    api_error(api.get("/api/v1/units/100/children/", {"active_on": "2101-01-01"}), 400, "validation_error", "active_on")
    assert api.get("/api/v1/units/", {"active_on": "1945-01-01"}).status_code == 200


def test_the_admin_refuses_it_on_its_field(client, django_user_model, tree):
    client.force_login(django_user_model.objects.create_superuser(username="boss", email="b@example.org", password="pw"))
    page = client.post("/admin/tracking/partycell/add/", {"name": "Chi bộ cổ", "founded_on": "0001-01-01"})
    assert page.status_code == 200 and "1945" in page.content.decode()
    assert not PartyCell.objects.exists()


def test_the_schema_says_so():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    cell = schema["components"]["schemas"]["PartyCellCreateRequest"]["properties"]["founded_on"]
    assert cell["pattern"].startswith("^(194[5-9]")
