"""Who may do what: every operation of the API × every kind of user, as one table.

The map: province 11 > district 100 (communes 03317 with village "Huổi Chổn", 03316) and
district 101. The users: nobody signed in; a viewer, an editor and an approver of district 100;
an editor of district 101 (out of the area); a superuser.
"""
import pytest
from rest_framework.test import APIClient

from tests import factories
from tracking.models import Goal, QuarterReport, ReportedFigure, RoleGrant
from tracking.services import approvals as approval_steps

USERS = ("anonymous", "viewer", "editor", "outsider", "approver", "superuser")

# Expected statuses, in the order of USERS.
READ = (401, 200, 200, 404, 200, 200)        # a record or a figure of district 100's area
LIST = (401, 200, 200, 200, 200, 200)        # a list: the outsider gets it, without district 100's rows
WRITE = (401, 403, "ok", 404, "ok", "ok")    # a change to a record of district 100's area
CREATE = (401, 403, "ok", 400, "ok", "ok")   # a new record in district 100's area: out of it, the unit is unknown
SUPER = (401, 403, 400, 400, 400, "ok")      # province-wide: superusers only (province 11 is outside every area)

V, R, C, F, G, L = "VILLAGE", "REPORT", "CELL", "FIGURE", "GOAL", "LOCKED"
APPROVE = (401, 403, 403, 404, "ok", "ok")  # an approver's step
LOCKED = (401, 403, 409, 404, 409, 409)     # a write to an approved quarter: refused for everyone allowed to write
CREATE_LOCKED = (401, 403, 409, 400, 409, 409)  # a new record that would change an approved quarter's figures

OPERATIONS = [
    # (method, path, body, expected, success status)
    ("get", "/api/v1/units/", None, LIST, 200),
    ("get", "/api/v1/units/03317/", None, READ, 200),
    ("get", "/api/v1/units/03317/children/", None, READ, 200),
    ("get", "/api/v1/units/03317/history/", None, READ, 200),
    ("get", "/api/v1/units/100/progress/?period=2019Q2", None, READ, 200),
    ("get", "/api/v1/units/100/progress/timeline/?from=2019Q1&to=2019Q2", None, READ, 200),
    ("get", "/api/v1/units/100/blank-villages/?period=2019Q2", None, READ, 200),
    ("post", "/api/v1/units/", {"code": "03318", "name": "Mới", "kind": "xa", "level": "commune", "parent": "100"}, CREATE, 201),
    ("post", "/api/v1/units/", {"code": "12", "name": "Lai Châu", "kind": "tinh", "level": "province"}, (401, 403, 403, 403, 403, "ok"), 201),
    ("patch", "/api/v1/units/03317/", {"name": "Nà Nhạn 2"}, WRITE, 200),
    ("patch", "/api/v1/units/100/", {"name": "Điện Biên 2"}, (401, 403, 403, 404, 403, "ok"), 200),  # its own unit: the one above
    ("delete", "/api/v1/units/03316/", None, (401, 403, 409, 404, 409, 409), 204),  # still has a village: 409 once allowed
    ("put", "/api/v1/units/03317/reports/2019Q2/", {"reports": [{"village": V, "full_members": 2, "probationary_members": 1}]}, WRITE, 200),
    ("get", "/api/v1/villages/", None, LIST, 200),
    ("get", f"/api/v1/villages/{V}/", None, READ, 200),
    ("get", f"/api/v1/villages/{V}/history/", None, READ, 200),
    ("post", "/api/v1/villages/", {"name": "Nà Lốc", "unit": "03317", "valid_from": "2020-01-01"}, CREATE, 201),
    # A village since the records begin would enter 2019Q4, approved.
    ("post", "/api/v1/villages/", {"name": "Nà Lốc", "unit": "03317"}, CREATE_LOCKED, 201),
    ("patch", f"/api/v1/villages/{V}/", {"name": "Huổi Chổn 2"}, WRITE, 200),
    ("delete", f"/api/v1/villages/{V}/", None, (401, 403, 409, 404, 409, 409), 204),  # has reports: 409 once allowed
    ("get", "/api/v1/cells/", None, LIST, 200),
    ("get", f"/api/v1/cells/{C}/", None, READ, 200),
    ("get", f"/api/v1/cells/{C}/history/", None, READ, 200),
    ("post", "/api/v1/cells/", {"name": "Chi bộ mới", "villages": [V]}, CREATE, 201),
    ("patch", f"/api/v1/cells/{C}/", {"name": "Chi bộ 2"}, WRITE, 200),
    ("delete", f"/api/v1/cells/{C}/", None, (401, 403, 409, 404, 409, 409), 204),  # a report names it
    ("get", "/api/v1/reports/", None, LIST, 200),
    ("get", f"/api/v1/reports/{R}/", None, READ, 200),
    ("get", f"/api/v1/reports/{R}/history/", None, READ, 200),
    ("post", "/api/v1/reports/", {"village": V, "quarter": "2019Q3", "full_members": 1, "probationary_members": 0}, CREATE, 201),
    ("patch", f"/api/v1/reports/{R}/", {"admissions": 0}, WRITE, 200),
    ("delete", f"/api/v1/reports/{R}/", None, WRITE, 204),
    ("get", "/api/v1/reported-figures/", None, LIST, 200),
    ("get", f"/api/v1/reported-figures/{F}/", None, READ, 200),
    ("get", f"/api/v1/reported-figures/{F}/history/", None, READ, 200),
    ("post", "/api/v1/reported-figures/", {"unit": "100", "period": "2019", "metric": "blank_villages", "value": 3,
                                           "source_url": "https://example.org/r"}, CREATE, 201),
    ("patch", f"/api/v1/reported-figures/{F}/", {"value": 4}, WRITE, 200),
    ("delete", f"/api/v1/reported-figures/{F}/", None, WRITE, 204),
    ("get", "/api/v1/goals/", None, LIST, 200),
    ("get", f"/api/v1/goals/{G}/", None, READ, 200),
    ("get", f"/api/v1/goals/{G}/progress/", None, READ, 200),
    ("get", f"/api/v1/goals/{G}/history/", None, READ, 200),
    ("post", "/api/v1/goals/", {"unit": "100", "title": "T", "metric": "blank_villages", "baseline_period": "2019Q2",
                                "set_by": "Huyện ủy"}, CREATE, 201),
    ("patch", f"/api/v1/goals/{G}/", {"deadline": "2021"}, WRITE, 200),
    ("delete", f"/api/v1/goals/{G}/", None, WRITE, 204),
    ("get", "/api/v1/reorganisations/", None, LIST, 200),
    ("post", "/api/v1/reorganisations/rename/", {"unit": "03317", "name": "Nà Nhạn 2", "on": "2020-01-01"}, CREATE, 201),
    ("post", "/api/v1/reorganisations/transfer/", {"unit": "03317", "parent": "101", "on": "2020-01-01"},
     (401, 403, 400, 400, 400, "ok"), 201),  # the new parent lies outside each role's area
    ("post", "/api/v1/reorganisations/abolish-level/", {"province": "11", "level": "district", "on": "2025-07-01"}, SUPER, 201),
    ("get", "/api/v1/approvals/", None, LIST, 200),
    ("get", "/api/v1/units/03317/approvals/2019Q2/", None, READ, 200),
    ("get", "/api/v1/units/03317/approvals/2019Q4/history/", None, READ, 200),
    ("post", "/api/v1/units/03317/approvals/2019Q2/submit/", {}, WRITE, 200),
    ("post", "/api/v1/units/03317/approvals/2019Q3/approve/", {}, APPROVE, 200),
    ("post", "/api/v1/units/03317/approvals/2019Q3/return/", {"reason": "Hoa has not reported."}, APPROVE, 200),
    ("post", "/api/v1/units/03317/approvals/2019Q4/reopen/", {"reason": "Counted twice."}, APPROVE, 200),
    ("patch", f"/api/v1/reports/{L}/", {"admissions": 0}, LOCKED, 200),
    ("delete", f"/api/v1/reports/{L}/", None, LOCKED, 204),
    ("put", "/api/v1/units/03317/reports/2019Q4/", {"reports": [{"village": V, "full_members": 5, "probationary_members": 0}]},
     LOCKED, 200),
    ("get", "/api/v1/auth/me/", None, LIST, 200),
    ("delete", "/api/v1/auth/token/", None, (401, 204, 204, 204, 204, 204), 204),
    ("get", "/api/schema/", None, (200,) * 6, 200),
    ("get", "/api/docs/", None, (200,) * 6, 200),
]


@pytest.fixture
def world(tree, django_user_model):
    village = factories.village(tree["north"], name="Huổi Chổn")
    cell = factories.cell(village, name="Chi bộ Huổi Chổn")
    report = factories.report(village, "2019Q2", full=3, probationary=1, admissions=1, cell=cell)
    factories.village(tree["south"], name="Hoa")
    figure = ReportedFigure.objects.create(unit=tree["district"], period="2019", metric="blank_villages", value=2,
                                           source_url="https://example.org/report")
    goal = Goal.objects.create(unit=tree["district"], title="No blank village", metric="blank_villages",
                               baseline_period="2019Q2", set_by="Huyện ủy")
    locked = factories.report(village, "2019Q4", full=4, probationary=0, cell=cell)
    root = django_user_model.objects.create_superuser(username="root", password="pw")
    approval_steps.quarter_submit(unit=tree["north"], quarter="2019Q3", by=root)
    approval_steps.quarter_submit(unit=tree["north"], quarter="2019Q4", by=root)
    approval_steps.quarter_approve(unit=tree["north"], quarter="2019Q4", by=root)
    clients = {"anonymous": APIClient()}
    for name, role, unit in (("viewer", "viewer", "district"), ("editor", "editor", "district"),
                             ("outsider", "editor", "other"), ("approver", "approver", "district")):
        user = django_user_model.objects.create_user(username=name, password="pw")
        RoleGrant.objects.create(user=user, unit=tree[unit], role=role)
        clients[name] = APIClient()
        clients[name].force_authenticate(user)
    clients["superuser"] = APIClient()
    clients["superuser"].force_authenticate(root)
    ids = {V: village.pk, R: report.pk, C: cell.pk, F: figure.pk, G: goal.pk, L: locked.pk}
    return clients, ids


def _fill(value, ids):
    if isinstance(value, str):
        for key, pk in ids.items():
            value = value.replace(key, str(pk))
        return value
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return ids.get(value, value) if isinstance(value, str) else value


CASES = [
    pytest.param(method, path, body, user, expected[index] if expected[index] != "ok" else success,
                 id=f"{method.upper()} {path} as {user}")
    for method, path, body, expected, success in OPERATIONS
    for index, user in enumerate(USERS)
]


@pytest.mark.parametrize(("method", "path", "body", "user", "status"), CASES)
def test_permission_matrix(world, method, path, body, user, status):
    clients, ids = world
    body = {key: ([ids[v] if v in ids else v for v in value] if isinstance(value, list) and key == "villages" else value)
            for key, value in (body or {}).items()} or None
    if body and "reports" in body:
        body = {"reports": [{**entry, "village": ids[V]} for entry in body["reports"]]}
    if body and body.get("village") == V:
        body = {**body, "village": ids[V]}
    response = getattr(clients[user], method)(_fill(path, ids), body, format="json")
    assert response.status_code == status, (response.status_code, response.content[:300])


def test_refused_writes_change_nothing(world):
    clients, ids = world
    before = QuarterReport.objects.get(pk=ids[R]).admissions
    for user in ("anonymous", "viewer", "outsider"):
        clients[user].patch(f"/api/v1/reports/{ids[R]}/", {"admissions": 0}, format="json")
    assert QuarterReport.objects.get(pk=ids[R]).admissions == before


def test_an_outsider_learns_nothing_of_the_area(world, api_error):
    clients, ids = world
    outsider = clients["outsider"]
    # Out of the area reads like a wrong id: the same answer for an id that exists and one that does not.
    unknown = api_error(outsider.get("/api/v1/villages/999999/"), 404, "not_found")
    hidden = api_error(outsider.get(f"/api/v1/villages/{ids[V]}/"), 404, "not_found")
    # The same words but for the id asked for.
    assert hidden["detail"].replace(str(ids[V]), "N") == unknown["detail"].replace("999999", "N")
    assert outsider.get("/api/v1/villages/").json()["count"] == 0
    assert outsider.get("/api/v1/reports/").json()["count"] == 0
    assert outsider.get("/api/v1/goals/").json()["count"] == 0
    assert [unit["code"] for unit in outsider.get("/api/v1/units/").json()["results"]] == ["101"]
    body = api_error(outsider.post("/api/v1/villages/", {"name": "X", "unit": "03317"}, format="json"),
                     400, "validation_error", "unit")
    assert "03317" in body["detail"] and "not exist" in body["detail"]
    # Nor through a filter: a unit out of the area is as unknown as a code that does not exist.
    for query in ("units/?within=", "villages/?within=", "reports/?within=", "goals/?unit=", "reported-figures/?unit="):
        hidden = api_error(outsider.get(f"/api/v1/{query}03317"), 400, "validation_error")
        unknown = api_error(outsider.get(f"/api/v1/{query}03399"), 400, "validation_error")
        assert hidden["detail"].replace("03317", "X") == unknown["detail"].replace("03399", "X")


def test_a_role_opens_the_admin_to_its_holder(db, django_user_model, client, tree):
    """A committee member given a role signs in to the admin without anyone ticking "staff"."""
    from tracking import services
    from tracking.access import SYSTEM
    from tracking.models import Role, RoleGrant

    user = django_user_model.objects.create_user(username="xa", password="pw-of-the-commune")
    services.role_grant_save(by=SYSTEM, grant=RoleGrant(user=user, unit=tree["north"], role=Role.EDITOR))
    assert client.login(username="xa", password="pw-of-the-commune")
    page = client.get("/admin/")
    assert page.status_code == 200 and 'data-unit="03317"' in page.content.decode()
