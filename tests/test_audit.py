"""Every change is recorded: who, when, before and after, and through which path."""
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests import factories
from tracking.models import AdministrativeUnit, QuarterReport, Village


@pytest.fixture
def village(tree):
    return factories.village(tree["north"], name="Huổi Chổn")


def test_an_api_change_is_recorded_with_its_user_path_and_values(village, staff_api):
    created = staff_api.post("/api/v1/reports/", {"village": village.pk, "quarter": "2019Q2", "full_members": 3,
                                                  "probationary_members": 2, "admissions": 2}, format="json")
    assert created.status_code == 201, created.json()
    report_id = created.json()["id"]
    assert staff_api.patch(f"/api/v1/reports/{report_id}/", {"admissions": 1}, format="json").status_code == 200
    history = staff_api.get(f"/api/v1/reports/{report_id}/history/").json()
    latest, first = history["results"]
    assert (latest["action"], latest["path"], latest["user"]) == ("changed", "api", "admin")
    assert latest["changes"]["admissions"] == {"before": 2, "after": 1}
    assert first["action"] == "created" and first["changes"]["full_members"] == {"before": None, "after": 3}


def test_a_command_change_is_recorded_as_such(article_only):
    call_command("reorganise", "rename", "--user", factories.clerk(), "--unit", "03317", "--name", "Nà Nhạn mới", "--on", "2020-01-01", stdout=io.StringIO())
    unit = AdministrativeUnit.objects.get(code="03317")
    record = unit.history.latest()
    assert (record.history_path, record.history_user.username, record.name) == ("command", "clerk", "Nà Nhạn mới")


def test_an_admin_change_is_recorded_and_readable_in_the_admin(village, admin_client):
    url = reverse("admin:tracking_village_change", args=[village.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"name": "Huổi Chổn 1", "reports-TOTAL_FORMS": 0, "reports-INITIAL_FORMS": 0,
                 "placements-TOTAL_FORMS": 1, "placements-INITIAL_FORMS": 1})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    village.refresh_from_db()
    assert village.name == "Huổi Chổn 1"
    record = village.history.latest()
    assert (record.history_path, record.history_user.username) == ("admin", "admin")
    page = admin_client.get(reverse("admin:tracking_village_history", args=[village.pk]), HTTP_ACCEPT_LANGUAGE="en")
    content = page.content.decode()
    assert page.status_code == 200 and "Huổi Chổn 1" in content
    # Each row says through which path the change came: here the admin, before it a command.
    assert "<th scope=\"col\">through</th>" in content and "<td>admin</td>" in content and "<td>command</td>" in content


def test_the_history_cannot_be_changed_through_the_api(village, staff_api):
    factories.report(village, "2019Q2", full=1)
    report = QuarterReport.objects.get()
    url = f"/api/v1/reports/{report.pk}/history/"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(staff_api, method)(url, {}, format="json").status_code == 405
    assert report.history.count() == 1


def test_history_of_each_resource(article, api):
    for url in ("/api/v1/units/11/history/", "/api/v1/villages/6/history/", "/api/v1/cells/1/history/",
                "/api/v1/reported-figures/1/history/", "/api/v1/goals/1/history/"):
        response = api.get(url)
        assert response.status_code == 200, url
    # Loading starts each record's trail: one "created" row with the values loaded.
    assert api.get("/api/v1/villages/6/history/").json()["count"] == 1 == Village.objects.get(pk=6).history.count()


def test_loaded_records_start_their_history_so_a_first_change_shows_what_it_changed_from(article, staff_api):
    from tracking.models import QuarterReport, Village

    assert all(village.history.filter(history_type="+").count() == 1 for village in Village.objects.all())
    report = QuarterReport.objects.filter(status="has_own_cell").first()
    response = staff_api.patch(f"/api/v1/reports/{report.pk}/", {"full_members": 3, "probationary_members": 0, "status": ""},
                               format="json")
    assert response.status_code == 200, response.json()
    latest = staff_api.get(f"/api/v1/reports/{report.pk}/history/").json()["results"][0]
    assert latest["changes"]["status"] == {"before": "has_own_cell", "after": ""}
