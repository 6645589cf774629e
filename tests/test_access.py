"""Sign-in, and what a role reaches: through reorganisations, in the admin, in the commands."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories
from tracking.models import QuarterReport, RoleGrant, Village

D = factories.D


# ----- tokens ------------------------------------------------------------------------------


@pytest.fixture
def committee(db, django_user_model, tree):
    user = django_user_model.objects.create_user(username="namnhan", password="secret-pw", is_staff=True)
    RoleGrant.objects.create(user=user, unit=tree["north"], role="editor")
    return user


def test_a_token_signs_in_and_revoking_it_signs_out(anonymous, committee, api_error):
    api_error(anonymous.get("/api/v1/units/"), 401, "not_authenticated")
    response = anonymous.post("/api/v1/auth/token/", {"username": "namnhan", "password": "secret-pw"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    # The same token until it is revoked.
    again = anonymous.post("/api/v1/auth/token/", {"username": "namnhan", "password": "secret-pw"}, format="json")
    assert again.json()["token"] == token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/auth/me/").json()
    assert me == {"username": "namnhan", "superuser": False,
                  "roles": [{"role": "editor", "unit": {"code": "03317", "name": "Nà Nhạn", "current_name": "Nà Nhạn", "level": "commune"}}]}
    assert [unit["code"] for unit in client.get("/api/v1/units/").json()["results"]] == ["03317"]

    assert client.delete("/api/v1/auth/token/").status_code == 204
    api_error(client.get("/api/v1/units/"), 401, "authentication_failed")


def test_a_wrong_password_is_401_and_the_eleventh_attempt_a_minute_is_429(anonymous, committee, api_error):
    for _ in range(10):
        api_error(anonymous.post("/api/v1/auth/token/", {"username": "namnhan", "password": "guess"}, format="json"),
                  401, "invalid_credentials")
    response = anonymous.post("/api/v1/auth/token/", {"username": "namnhan", "password": "secret-pw"}, format="json")
    api_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_a_forged_forwarded_for_does_not_pass_the_limit(anonymous, committee, api_error):
    for number in range(10):
        anonymous.post("/api/v1/auth/token/", {"username": "namnhan", "password": "guess"}, format="json",
                       HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
    response = anonymous.post("/api/v1/auth/token/", {"username": "namnhan", "password": "guess"}, format="json",
                              HTTP_X_FORWARDED_FOR="10.0.0.99")
    api_error(response, 429, "throttled")


def test_the_admin_login_is_throttled_too(client, committee):
    for _ in range(10):
        assert client.post("/admin/login/", {"username": "namnhan", "password": "guess"}).status_code == 200
    response = client.post("/admin/login/", {"username": "namnhan", "password": "secret-pw"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_anonymous_users_get_the_schema_and_docs_only(anonymous, tree, api_error):
    for path in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert anonymous.get(path).status_code == 200, path
    for path in ("/api/v1/units/", "/api/v1/units/11/", "/api/v1/units/11/progress/", "/api/v1/goals/",
                 "/api/v1/reorganisations/", "/api/v1/auth/me/"):
        api_error(anonymous.get(path), 401, "not_authenticated")
    assert 'WWW-Authenticate' in anonymous.get("/api/v1/units/").headers


# ----- roles follow the map ----------------------------------------------------------------


@pytest.fixture
def huoi_chon(article):
    """Huổi Chổn: in Nà Nhạn, under huyện Điện Biên (100) until 2020, under Điện Biên Phủ (094)
    until 2025, then in Mường Phăng (03325)."""
    return Village.objects.get(name="Huổi Chổn")


def _report(client, village, quarter):
    return client.post("/api/v1/reports/", {"village": village.pk, "quarter": quarter, "full_members": 1,
                                            "probationary_members": 0}, format="json")


def test_each_committee_reports_for_the_years_the_village_was_its_own(role_api, huoi_chon, api_error):
    from tracking.models import AdministrativeUnit

    district = role_api("editor", AdministrativeUnit.objects.get(code="100"))
    city = role_api("editor", AdministrativeUnit.objects.get(code="094"))
    assert _report(district, huoi_chon, "2018Q1").status_code == 201
    api_error(_report(district, huoi_chon, "2021Q1"), 403, "permission_denied")
    assert _report(city, huoi_chon, "2021Q1").status_code == 201
    api_error(_report(city, huoi_chon, "2018Q2"), 403, "permission_denied")
    # Both read the village; each reads the reports of its own years, and nothing of the other's.
    def quarters(client):
        return {row["quarter"] for row in client.get(f"/api/v1/reports/?village={huoi_chon.pk}").json()["results"]}

    for client in (district, city):
        assert client.get(f"/api/v1/villages/{huoi_chon.pk}/").status_code == 200
    every = {str(report.quarter) for report in QuarterReport.objects.filter(village=huoi_chon)}
    assert quarters(district) == {quarter for quarter in every if quarter < "2020"} and "2018Q1" in quarters(district)
    assert quarters(city) == {quarter for quarter in every if quarter > "2020"} == {"2021Q1"}


def test_a_role_on_a_unit_follows_it_when_it_moves(role_api, huoi_chon):
    from tracking.models import AdministrativeUnit

    commune = role_api("editor", AdministrativeUnit.objects.get(code="03317"))
    assert _report(commune, huoi_chon, "2018Q1").status_code == 201   # under district 100 then
    assert _report(commune, huoi_chon, "2021Q1").status_code == 201   # under city 094 then


def test_a_transfer_puts_the_unit_in_its_new_parents_area_at_once(role_api, staff_api, tree, api_error):
    village = factories.village(tree["north"], name="Huổi Chổn")
    other = role_api("editor", tree["other"])
    api_error(other.get(f"/api/v1/villages/{village.pk}/"), 404, "not_found")
    assert staff_api.post("/api/v1/reorganisations/transfer/", {"unit": "03317", "parent": "101", "on": "2020-01-01"},
                          format="json").status_code == 201
    assert other.get(f"/api/v1/villages/{village.pk}/").status_code == 200
    assert _report(other, village, "2020Q1").status_code == 201
    api_error(_report(other, village, "2019Q4"), 403, "permission_denied")


# ----- the admin ---------------------------------------------------------------------------


@pytest.fixture
def two_districts(tree):
    return {
        "ours": factories.village(tree["north"], name="Huổi Chổn"),
        "theirs": factories.village(factories.commune(tree["other"], code="03160", name="Mường Chà"), name="Huổi Lèng"),
    }


def _admin_client(django_user_model, role, unit):
    from django.test import Client

    user = django_user_model.objects.create_user(username=f"{role}-{unit.code}", password="pw", is_staff=True)
    RoleGrant.objects.create(user=user, unit=unit, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_shows_only_the_area(django_user_model, tree, two_districts):
    client = _admin_client(django_user_model, "editor", tree["district"])
    changelist = client.get(reverse("admin:tracking_village_changelist")).content.decode()
    assert "Huổi Chổn" in changelist and "Huổi Lèng" not in changelist
    theirs = two_districts["theirs"].pk
    assert client.get(reverse("admin:tracking_village_change", args=[theirs])).status_code in (302, 404)
    assert client.get(reverse("admin:tracking_village_history", args=[theirs])).status_code == 404
    form = client.get(reverse("admin:tracking_village_add")).content.decode()
    assert "Nà Nhạn" in form and "Mường Chà" not in form
    # Nor do the list's filters offer units outside the area.
    for name in ("village", "quarterreport"):
        page = client.get(reverse(f"admin:tracking_{name}_changelist")).content.decode()
        assert "Nà Nhạn" in page and "Mường Chà" not in page and "Điện Biên Đông" not in page, name


def test_a_viewer_reads_in_the_admin_but_cannot_change(django_user_model, tree, two_districts):
    client = _admin_client(django_user_model, "viewer", tree["district"])
    ours = two_districts["ours"].pk
    page = client.get(reverse("admin:tracking_village_change", args=[ours]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(reverse("admin:tracking_village_change", args=[ours]), {"name": "X"}).status_code == 403
    assert client.get(reverse("admin:tracking_village_add")).status_code == 403
    assert Village.objects.get(pk=ours).name == "Huổi Chổn"


def test_admin_reports_are_checked_against_the_editors_years_and_audited(django_user_model, huoi_chon):
    from tests.test_admin import form_data
    from tracking.models import AdministrativeUnit

    # Huổi Chổn was under huyện Điện Biên until 2020: its editor reports 2019, not 2021.
    client = _admin_client(django_user_model, "editor", AdministrativeUnit.objects.get(code="100"))
    change_url = reverse("admin:tracking_village_change", args=[huoi_chon.pk])
    data = form_data(client.get(change_url))
    extra = int(data["reports-TOTAL_FORMS"]) - 1
    data.update({f"reports-{extra}-quarter": "2021Q1", f"reports-{extra}-full_members": 4,
                 f"reports-{extra}-probationary_members": 0})
    refused = client.post(change_url, data)
    assert refused.status_code == 200
    assert "not in the area" in refused.content.decode()
    assert not QuarterReport.objects.filter(village=huoi_chon, quarter="2021Q1").exists()

    data[f"reports-{extra}-quarter"] = "2019Q3"
    assert client.post(change_url, data).status_code == 302
    report = QuarterReport.objects.get(village=huoi_chon, quarter="2019Q3")
    assert (report.history.latest().history_user.username, report.history.latest().history_path) == ("editor-100", "admin")


# ----- commands act for a user -------------------------------------------------------------


def test_commands_that_write_act_for_a_user_and_respect_their_roles(django_user_model, tree):
    editor = django_user_model.objects.create_user(username="huyen", password="pw")
    RoleGrant.objects.create(user=editor, unit=tree["other"], role="editor")
    with pytest.raises(CommandError, match="No unit has the code 03317"):
        call_command("reorganise", "rename", "--unit", "03317", "--name", "X", "--on", "2020-01-01", "--user", "huyen",
                     stdout=io.StringIO())
    with pytest.raises(CommandError, match="No active user"):
        call_command("reorganise", "rename", "--unit", "03317", "--name", "X", "--on", "2020-01-01", "--user", "nobody",
                     stdout=io.StringIO())
    with pytest.raises(CommandError, match="superuser"):
        call_command("import_units", "--province", "11", "--user", "huyen", stdout=io.StringIO())
    RoleGrant.objects.create(user=editor, unit=tree["district"], role="editor")
    call_command("reorganise", "rename", "--unit", "03317", "--name", "Nà Nhạn mới", "--on", "2020-01-01", "--user", "huyen",
                 stdout=io.StringIO())
    unit = tree["north"].__class__.objects.get(pk=tree["north"].pk)
    assert unit.name == "Nà Nhạn mới"
    assert unit.history.latest().history_user.username == "huyen"
    assert D(2020, 1, 1)
