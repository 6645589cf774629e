"""/api/v1/approvals/ and /api/v1/units/{code}/approvals/{quarter}/: the state of a unit's quarter,
its transitions and history; the lock as the report endpoints show and enforce it; the approval
state in the figures. Every refusal in the one error shape."""
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories
from tracking.models import QuarterApproval, QuarterReport, Role, RoleGrant
from tracking.periods import Period

Q2 = Period.parse("2019Q2")
REPORTS = "/api/v1/reports/"


def url(code: str, quarter: str = "2019Q2", step: str = "") -> str:
    return f"/api/v1/units/{code}/approvals/{quarter}/" + (f"{step}/" if step else "")


@pytest.fixture
def villages(tree):
    villages = {
        "a": factories.village(tree["north"], name="Huổi Chổn"),
        "b": factories.village(tree["north"], name="Huổi Lực"),
        "hoa": factories.village(tree["south"], name="Hoa"),
    }
    factories.report(villages["a"], "2019Q2", full=3, probationary=1)
    return villages


@pytest.fixture
def clients(tree, django_user_model):
    """API clients of users with roles, and of a superuser."""

    def client(name, *grants, superuser=False):
        if superuser:
            user = django_user_model.objects.create_superuser(username=name, email=f"{name}@example.org", password="pw")
        else:
            user = django_user_model.objects.create_user(username=name, password="pw")
        for unit, role in grants:
            RoleGrant.objects.create(user=user, unit=tree[unit], role=role)
        api = APIClient()
        api.force_authenticate(user)
        return api

    return {
        "viewer": client("viewer", ("north", Role.VIEWER)),
        "editor": client("editor", ("north", Role.EDITOR)),
        "approver": client("approver", ("north", Role.APPROVER)),
        "district": client("district", ("district", Role.APPROVER)),
        "root": client("root", superuser=True),
    }


def snapshot():
    return list(QuarterReport.objects.order_by("pk").values_list("pk", "village", "quarter", "full_members", "updated_at"))


def approved(tree, clients, code="03317", quarter="2019Q2"):
    assert clients["root"].post(url(code, quarter, "submit"), format="json").status_code == 200
    response = clients["root"].post(url(code, quarter, "approve"), format="json")
    assert response.status_code == 200, response.json()
    return response.json()


# ---------------------------------------------------------------------------------------
# A unit's quarter


def test_a_quarter_never_submitted_is_a_draft(clients, villages):
    response = clients["viewer"].get(url("03317"))
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "unit": {"code": "03317", "name": "Nà Nhạn", "current_name": "Nà Nhạn", "level": "commune"}, "quarter": "2019Q2", "state": "draft",
        "submitted_by": None, "submitted_at": None, "approved_by": None, "approved_at": None, "reason": "",
        "updated_at": None, "locked": False, "approved_by_unit": None, "reports": {"villages": 2, "reported": 1},
    }
    assert not QuarterApproval.objects.exists()


def test_a_unit_has_no_quarter_after_it_ended(clients, tree, villages, api_error):
    import datetime

    factories.commune(tree["district"], code="03400", name="Xã cũ", valid_to=datetime.date(2020, 1, 1))
    assert clients["root"].get(url("03400", "2019Q4")).json()["state"] == "draft"
    for step in ("", "history/"):
        body = api_error(clients["root"].get(url("03400", "2020Q1") + step), 400, "validation_error", "quarter")
        assert "not on the map on the last day of 2020Q1" in body["errors"][0]["message"]
    api_error(clients["root"].post(url("03400", "2020Q1", "submit"), format="json"), 400, "validation_error", "quarter")


def test_submit_approve_reopen_through_the_api(clients, villages, api_error):
    submitted = clients["editor"].post(url("03317", step="submit"), format="json")
    assert submitted.status_code == 200, submitted.json()
    assert (submitted.json()["state"], submitted.json()["submitted_by"], submitted.json()["locked"]) == (
        "submitted", "editor", False)
    body = clients["approver"].post(url("03317", step="approve")).json()
    assert (body["state"], body["approved_by"], body["locked"], body["approved_by_unit"]) == (
        "approved", "approver", True, "03317")
    # Times in the installation's time zone, as everywhere in the API.
    assert body["approved_at"].endswith("+07:00") and body["submitted_at"].endswith("+07:00")
    assert clients["viewer"].get(url("03317")).json() == body

    # The commune's own approver may not reopen it; the district's may, with a reason.
    refused = api_error(clients["approver"].post(url("03317", step="reopen"), {"reason": "Mine."}, format="json"),
                        403, "permission_denied")
    assert refused["detail"] == "Only someone with the approver role on a unit above xã Nà Nhạn (03317) may do this (map of 2019-06-30)."
    api_error(clients["district"].post(url("03317", step="reopen"), {}, format="json"), 400, "validation_error", "reason")
    api_error(clients["district"].post(url("03317", step="reopen"), {"reason": "  "}, format="json"),
              400, "validation_error", "reason")
    reopened = clients["district"].post(url("03317", step="reopen"), {"reason": "Huổi Chổn counted twice."}, format="json")
    assert reopened.status_code == 200, reopened.json()
    assert (reopened.json()["state"], reopened.json()["reason"], reopened.json()["locked"]) == (
        "draft", "Huổi Chổn counted twice.", False)

    history = clients["viewer"].get(url("03317", step="history")).json()
    assert history["count"] == 3
    latest, approval, first = history["results"]
    assert [(entry["user"], entry["path"], entry["action"]) for entry in history["results"]] == [
        ("district", "api", "changed"), ("approver", "api", "changed"), ("editor", "api", "created")]
    assert latest["changes"]["reason"] == {"before": "", "after": "Huổi Chổn counted twice."}
    assert latest["changes"]["state"] == {"before": "approved", "after": "draft"}
    assert approval["changes"]["state"] == {"before": "submitted", "after": "approved"}


def test_return_sends_back_a_submitted_quarter_with_its_reason(clients, villages, api_error):
    clients["editor"].post(url("03317", step="submit"))
    api_error(clients["approver"].post(url("03317", step="return"), format="json"), 400, "validation_error", "reason")
    response = clients["approver"].post(url("03317", step="return"), {"reason": "Huổi Lực is missing."}, format="json")
    assert (response.json()["state"], response.json()["reason"], response.json()["submitted_by"]) == (
        "draft", "Huổi Lực is missing.", None)


def test_wrong_transitions_are_409_with_the_reason(clients, villages, api_error):
    conflict = api_error(clients["root"].post(url("03317", step="approve")), 409, "conflict")
    assert conflict["detail"] == "2019Q2 of xã Nà Nhạn (03317) is a draft: submit it before approving it."
    clients["root"].post(url("03317", step="submit"))
    again = api_error(clients["root"].post(url("03317", step="submit")), 409, "conflict")
    assert "is already submitted" in again["detail"]
    clients["root"].post(url("03317", step="approve"))
    back = api_error(clients["root"].post(url("03317", step="return"), {"reason": "x"}, format="json"), 409, "conflict")
    assert back["detail"] == "2019Q2 of xã Nà Nhạn (03317) is approved: reopen it first."


@pytest.mark.parametrize(
    ("who", "step", "body"),
    [
        ("viewer", "submit", None),
        ("editor", "approve", None),
        ("editor", "return", {"reason": "x"}),
        ("approver", "reopen", {"reason": "x"}),
    ],
)
def test_a_missing_role_is_403_with_the_reason(clients, villages, api_error, who, step, body):
    setup = {"submit": [], "approve": ["submit"], "return": ["submit"], "reopen": ["submit", "approve"]}[step]
    for previous in setup:
        clients["root"].post(url("03317", step=previous))
    before = list(QuarterApproval.objects.values_list("state", "updated_at"))
    problem = api_error(clients[who].post(url("03317", step=step), body, format="json"), 403, "permission_denied")
    assert "xã Nà Nhạn (03317)" in problem["detail"]
    assert list(QuarterApproval.objects.values_list("state", "updated_at")) == before


def test_a_unit_out_of_the_users_area_is_404_like_an_unknown_code(clients, tree, villages, api_error):
    unknown = api_error(clients["editor"].get(url("999")), 404, "not_found")
    hidden = api_error(clients["editor"].get(url("101")), 404, "not_found")
    assert (unknown["detail"], hidden["detail"]) == ("No unit has the code 999.", "No unit has the code 101.")
    for step in ("submit", "history"):
        method = clients["editor"].get if step == "history" else clients["editor"].post
        assert api_error(method(url("101", step=step)), 404, "not_found")["detail"] == "No unit has the code 101."
    # The units above the user's own are out of the area too.
    assert api_error(clients["editor"].get(url("100")), 404, "not_found")["detail"] == "No unit has the code 100."
    assert clients["root"].get(url("101")).status_code == 200


def test_anonymous_requests_are_401(villages, api_error):
    api = APIClient()
    for response in (api.get("/api/v1/approvals/"), api.get(url("03317")), api.post(url("03317", step="submit")),
                     api.get(url("03317", step="history"))):
        api_error(response, 401, "not_authenticated")
    assert not QuarterApproval.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "error_path"),
    [
        (url("03317", "2019Q5"), None, "quarter"),
        (url("03317", "2019"), None, "quarter"),
        (url("03317", "Q2-2019", "submit"), None, "quarter"),
        (url("03317", step="submit"), {"reason": "not taken"}, "reason"),
        (url("03317", step="reopen"), {"reason": "ok", "why": "x"}, "why"),
        (url("03317", step="reopen"), ["x"], ""),
        (url("03317", step="reopen"), {"reason": "x" * 501}, "reason"),
    ],
)
def test_bad_input_is_400_on_its_path(clients, villages, api_error, path, body, error_path):
    method = clients["root"].post if body is not None or path.endswith(("submit/", "reopen/")) else clients["root"].get
    api_error(method(path, body, format="json"), 400, "validation_error", error_path)
    assert not QuarterApproval.objects.exists()


def test_unknown_query_parameters_are_refused(clients, villages, api_error):
    api_error(clients["root"].get(url("03317") + "?state=approved"), 400, "validation_error", "state")


# ---------------------------------------------------------------------------------------
# The list


def test_list_is_scoped_paged_and_filtered(clients, tree, villages, api_error):
    approved(tree, clients, "03317")
    approved(tree, clients, "03316", "2019Q3")
    clients["root"].post(url("100", "2019Q2", "submit"))
    clients["root"].post(url("101", "2019Q2", "submit"))
    everything = clients["root"].get("/api/v1/approvals/").json()
    assert everything["count"] == 4
    assert [(row["unit"]["code"], row["quarter"], row["state"]) for row in everything["results"]] == [
        ("03316", "2019Q3", "approved"), ("03317", "2019Q2", "approved"), ("100", "2019Q2", "submitted"),
        ("101", "2019Q2", "submitted"),
    ]
    # An editor of Nà Nhạn sees Nà Nhạn's rows only.
    mine = clients["editor"].get("/api/v1/approvals/").json()
    assert [row["unit"]["code"] for row in mine["results"]] == ["03317"]
    assert mine["results"][0]["locked"] is True
    for query, expected in [
        ("unit=03317", ["03317"]), ("quarter=2019Q2", ["03317", "100", "101"]), ("state=approved", ["03316", "03317"]),
        ("within=100", ["03316", "03317", "100"]), ("within=100&state=submitted", ["100"]),
    ]:
        rows = clients["root"].get(f"/api/v1/approvals/?{query}").json()["results"]
        assert sorted(row["unit"]["code"] for row in rows) == expected, query
    for query, path in [("quarter=2019", "quarter"), ("quarter=2019Q7", "quarter"), ("unit=999", "unit"),
                        ("within=999", "within"), ("state=asleep", "state")]:
        api_error(clients["root"].get(f"/api/v1/approvals/?{query}"), 400, "validation_error", path)


def test_a_district_approval_shows_its_communes_locked(clients, tree, villages):
    approved(tree, clients, "100")
    commune = clients["root"].get(url("03317")).json()
    assert (commune["state"], commune["locked"], commune["approved_by_unit"]) == ("draft", True, "100")
    district = clients["root"].get(url("100")).json()
    assert (district["state"], district["locked"], district["reports"]) == ("approved", True, {"villages": 3, "reported": 1})


# ---------------------------------------------------------------------------------------
# The lock on the report endpoints


def test_reports_show_whether_they_are_locked(clients, tree, villages):
    factories.report(villages["hoa"], "2019Q2", full=1)
    factories.report(villages["a"], "2019Q3", full=1)
    approved(tree, clients, "03317")
    clients["root"].post(url("03316", step="submit"))
    rows = clients["root"].get(f"{REPORTS}?period=2019").json()["results"]
    shown = {(row["village"], row["quarter"]): (row["locked"], row["approval"]) for row in rows}
    assert shown == {
        (villages["a"].pk, "2019Q2"): (True, "approved"),
        (villages["hoa"].pk, "2019Q2"): (False, "submitted"),
        (villages["a"].pk, "2019Q3"): (False, "draft"),
    }
    report = QuarterReport.objects.get(village=villages["a"], quarter=Q2)
    detail = clients["root"].get(f"{REPORTS}{report.pk}/").json()
    assert (detail["locked"], detail["approval"]) == (True, "approved")


def test_every_report_write_of_a_locked_quarter_is_409_locked(clients, tree, villages, api_error):
    approved(tree, clients, "03317")
    report = QuarterReport.objects.get(village=villages["a"], quarter=Q2)
    before = snapshot()
    root = clients["root"]  # a superuser is locked out too
    writes = [
        root.post(REPORTS, {"village": villages["b"].pk, "quarter": "2019Q2", "full_members": 1,
                            "probationary_members": 0}, format="json"),
        root.patch(f"{REPORTS}{report.pk}/", {"full_members": 4}, format="json"),
        root.delete(f"{REPORTS}{report.pk}/"),
    ]
    approval = QuarterApproval.objects.get()
    day = timezone.localdate(approval.approved_at).isoformat()
    for response in writes:
        problem = api_error(response, 409, "locked")
        assert problem["detail"] == (
            f"2019Q2 of xã Nà Nhạn (03317) was approved by root on {day}: an approver of a unit above must reopen it "
            "before its reports change."
        )
    body = {"reports": [{"village": villages["hoa"].pk, "full_members": 1, "probationary_members": 0},
                        {"village": villages["b"].pk, "full_members": 1, "probationary_members": 0},
                        {"village": villages["a"].pk, "full_members": 3, "probationary_members": 1}]}
    for query in ("", "?dry_run=true"):
        problem = api_error(root.put(f"/api/v1/units/100/reports/2019Q2/{query}", body, format="json"), 409, "locked",
                            "reports.1.village", "reports.2.village")
        assert [error["code"] for error in problem["errors"]] == ["locked", "locked"]
        assert problem["errors"][0]["message"].startswith("Huổi Lực: 2019Q2 of xã Nà Nhạn (03317) was approved by root")
    assert snapshot() == before
    # Reopened, the same writes go through.
    root.post(url("03317", step="reopen"), {"reason": "Recount."}, format="json")
    assert root.patch(f"{REPORTS}{report.pk}/", {"full_members": 4}, format="json").status_code == 200


def test_the_lock_is_in_the_clients_language(clients, tree, villages, api_error):
    approved(tree, clients, "03317")
    report = QuarterReport.objects.get(village=villages["a"], quarter=Q2)
    problem = api_error(clients["root"].delete(f"{REPORTS}{report.pk}/", HTTP_ACCEPT_LANGUAGE="vi"), 409, "locked")
    assert problem["detail"].startswith("Quý 2019Q2 của xã Nà Nhạn (03317) đã được root duyệt ngày")


# ---------------------------------------------------------------------------------------
# Figures


def test_figures_say_whether_the_quarter_they_show_is_approved(clients, tree, villages):
    draft = clients["root"].get("/api/v1/units/03317/progress/?period=2019Q2").json()
    assert draft["approval"] == {"quarter": "2019Q2", "state": "draft", "approved_by_unit": None}
    clients["root"].post(url("03317", step="submit"))
    assert clients["root"].get("/api/v1/units/03317/progress/?period=2019Q2").json()["approval"]["state"] == "submitted"
    clients["root"].post(url("03317", step="approve"))
    commune = clients["root"].get("/api/v1/units/03317/progress/?period=2019Q2").json()
    assert commune["approval"] == {"quarter": "2019Q2", "state": "approved", "approved_by_unit": "03317"}
    # The district's figures are not approved by one of its communes; a year shows its last quarter.
    district = clients["root"].get("/api/v1/units/100/progress/?period=2019Q2").json()
    assert district["approval"] == {"quarter": "2019Q2", "state": "draft", "approved_by_unit": None}
    approved(tree, clients, "100", "2019Q4")
    year = clients["root"].get("/api/v1/units/03316/progress/?period=2019").json()
    assert year["approval"] == {"quarter": "2019Q4", "state": "approved", "approved_by_unit": "100"}
    timeline = clients["root"].get("/api/v1/units/03317/progress/timeline/?from=2019Q1&to=2019Q4").json()
    assert [(row["period"], row["approval"]["state"], row["approval"]["approved_by_unit"]) for row in timeline] == [
        ("2019Q1", "draft", None), ("2019Q2", "approved", "03317"), ("2019Q3", "draft", None),
        ("2019Q4", "approved", "100"),
    ]


# ---------------------------------------------------------------------------------------
# A fixed number of queries


def grow(tree, clients, villages_per_commune: int) -> None:
    """More villages, reports, communes and approvals under the tree."""
    communes = [tree["south"]]  # Nà Nhạn's 2019Q2 is approved already: no report is added there
    communes += [factories.commune(tree["district"], code=f"{40000 + number:05d}", name=f"Xã {number}") for number in range(4)]
    for commune in communes:
        for number in range(villages_per_commune):
            village = factories.village(commune, name=f"Bản {commune.code}-{number}")
            for quarter in ("2019Q1", "2019Q2", "2019Q3"):
                factories.report(village, quarter, full=number % 3)
    for commune in communes[::2]:
        approved(tree, clients, commune.code)
        clients["root"].post(url(commune.code, "2019Q3", "submit"))


ENDPOINTS = [
    f"{REPORTS}?page_size=500",
    f"{REPORTS}?within=100&period=2019&page_size=500",
    "/api/v1/approvals/?page_size=500",
    "/api/v1/approvals/?within=100&state=approved",
    url("03317"),
    url("100"),
    url("03317", step="history"),
    "/api/v1/units/100/progress/?period=2019Q2",
    "/api/v1/units/03317/progress/timeline/?from=2018Q1&to=2019Q4",
]


def test_report_lists_with_locks_and_approval_endpoints_in_a_fixed_number_of_queries(
        clients, tree, villages, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    approved(tree, clients, "03317")
    bounds = {}
    for path in ENDPOINTS:
        with CaptureQueriesContext(connection) as queries:
            assert clients["district"].get(path).status_code == 200, path
        bounds[path] = len(queries)
    grow(tree, clients, villages_per_commune=8)
    for path in ENDPOINTS:
        with django_assert_max_num_queries(bounds[path], info=path):
            response = clients["district"].get(path)
        assert response.status_code == 200, (path, response.json())
    rows = clients["district"].get(ENDPOINTS[0]).json()["results"]
    assert len(rows) > 100 and {row["locked"] for row in rows} == {True, False}
    # The bounds: the report list reads the locks of a whole page in two queries.
    assert bounds[ENDPOINTS[0]] <= 6
