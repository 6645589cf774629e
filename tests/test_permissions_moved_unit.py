"""Who may do what with the records of a commune that moved: every API operation of
``test_permissions.py`` that names a record, run on records from before and after the move, for
the committees of both districts.

The map (``tests.moved_world``): xã Nà Tấu (03316) in huyện Điện Biên (100, "A") until
2020-01-01, then in thành phố Điện Biên Phủ (094, "B") until the districts were abolished on
2025-07-01, then directly in the province. Hoa has been its village all along; Nà Lốc was created
in it on 2021-01-01. The users: a viewer, an editor and an approver of A, the same of B, and a
superuser.

What is expected:

* the commune, Hoa and the cell of Hoa were under both districts: both read them (200);
* a record of a period (report, quarter, figures, reported figure, goal) belongs to the district
  that held the commune then: for the other one it does not exist (404);
* Nà Lốc and its cell were never under A: 404 for A;
* visible but not yours to change: 403 with the reason (a viewer's writes are 403 before any record
  is looked up, as its roles allow none; a quarter's steps look the quarter up first);
* the commune today sits directly in the province: neither district renames or closes it, nor
  renames or deletes its villages (403), as neither covers today's map.

Operations that name no record of the commune (adding a province, abolishing a level, sign-in,
the schema) are the same for every map and stay in ``test_permissions.py``.
"""
import re
import pytest

USERS = ("a_viewer", "a_editor", "a_approver", "b_viewer", "b_editor", "b_approver", "root")

ALL = (200,) * 7                                 # read by both districts
PRE = (200, 200, 200, 404, 404, 404, 200)        # a record of a period when A held the commune
POST = (404, 404, 404, 200, 200, 200, 200)       # a record of a period when B held it
NEITHER = (403, 403, 403, 403, 403, 403, "ok")   # a change on today's map, which neither district covers

A_WRITES = (403, "ok", "ok", 403, 404, 404, "ok")    # a change of a record of A's period
B_WRITES = (403, 404, 404, 403, "ok", "ok", "ok")    # a change of a record of B's period
A_MAKES = (403, "ok", "ok", 403, 403, 403, "ok")     # a new record of A's period, in a unit both see
B_MAKES = (403, 403, 403, 403, "ok", "ok", "ok")     # a new record of B's period, in a unit both see
A_LOCKED = (403, 409, 409, 403, 404, 404, 409)       # a write to a quarter A approved
B_LOCKED = (403, 404, 404, 403, 409, 409, 409)       # a write to a quarter B approved
A_MAKES_LOCKED = (403, 409, 409, 403, 403, 403, 409)  # a new record that would change a quarter A approved
B_MAKES_LOCKED = (403, 403, 403, 403, 409, 409, 409)  # a new record that would change a quarter B approved
A_SUBMITS = (403, "ok", "ok", 404, 404, 404, "ok")   # the transitions reach viewers, who lack the role
B_SUBMITS = (404, 404, 404, 403, "ok", "ok", "ok")
A_APPROVES = (403, 403, "ok", 404, 404, 404, "ok")
B_APPROVES = (404, 404, 404, 403, 403, "ok", "ok")

REASON = {"reason": "Recounted."}

OPERATIONS = [
    # (method, path, body, expected, success status)
    # ----- the commune
    ("get", "/api/v1/units/", None, ALL, 200),
    ("get", "/api/v1/units/03316/", None, ALL, 200),
    ("get", "/api/v1/units/03316/children/", None, ALL, 200),
    ("get", "/api/v1/units/03316/history/", None, ALL, 200),
    ("get", "/api/v1/units/03316/progress/?period=2019Q4", None, PRE, 200),
    ("get", "/api/v1/units/03316/progress/?period=2021Q1", None, POST, 200),
    ("get", "/api/v1/units/03316/progress/timeline/?from=2019Q1&to=2019Q4", None, PRE, 200),
    ("get", "/api/v1/units/03316/progress/timeline/?from=2021Q1&to=2021Q4", None, POST, 200),
    ("get", "/api/v1/units/03316/blank-villages/?period=2019Q4", None, PRE, 200),
    ("get", "/api/v1/units/03316/blank-villages/?period=2021Q1", None, POST, 200),
    ("post", "/api/v1/units/", {"code": "03398", "name": "Mới", "kind": "xa", "level": "commune", "parent": "100",
                                "valid_from": "2019-01-01", "valid_to": "2020-01-01"}, (403, "ok", "ok", 403, 400, 400, "ok"), 201),
    ("post", "/api/v1/units/", {"code": "03399", "name": "Mới", "kind": "xa", "level": "commune", "parent": "094",
                                "valid_from": "2021-01-01", "valid_to": "2025-07-01"}, (403, 400, 400, 403, "ok", "ok", "ok"), 201),
    ("patch", "/api/v1/units/03316/", {"name": "Nà Tấu 2"}, NEITHER, 200),
    ("delete", "/api/v1/units/03316/", None, (403, 403, 403, 403, 403, 403, 409), 204),  # has villages: 409 once allowed
    ("put", "/api/v1/units/03316/reports/2019Q3/", {"reports": [{"village": "{hoa}", "full_members": 2, "probationary_members": 0}]},
     A_WRITES, 200),
    ("put", "/api/v1/units/03316/reports/2021Q1/", {"reports": [{"village": "{hoa}", "full_members": 4, "probationary_members": 0},
                                                                {"village": "{na_loc}", "full_members": 0, "probationary_members": 0}]},
     B_WRITES, 200),
    # ----- villages
    ("get", "/api/v1/villages/", None, ALL, 200),
    ("get", "/api/v1/villages/{hoa}/", None, ALL, 200),
    ("get", "/api/v1/villages/{hoa}/history/", None, ALL, 200),
    ("get", "/api/v1/villages/{na_loc}/", None, POST, 200),
    ("get", "/api/v1/villages/{na_loc}/history/", None, POST, 200),
    ("post", "/api/v1/villages/", {"name": "Bản Cũ", "unit": "03316", "valid_from": "2018-01-01", "valid_to": "2019-10-01"},
     A_MAKES, 201),
    ("post", "/api/v1/villages/", {"name": "Bản Mới", "unit": "03316", "valid_from": "2021-07-01"}, B_MAKES, 201),
    # Villages that would enter a quarter approved: 2019Q4 (A's), 2021Q2 (B's).
    ("post", "/api/v1/villages/", {"name": "Bản Cũ", "unit": "03316", "valid_from": "2018-01-01", "valid_to": "2020-01-01"},
     A_MAKES_LOCKED, 201),
    ("post", "/api/v1/villages/", {"name": "Bản Mới", "unit": "03316", "valid_from": "2021-01-01"}, B_MAKES_LOCKED, 201),
    ("patch", "/api/v1/villages/{hoa}/", {"name": "Hoa 2"}, NEITHER, 200),
    ("patch", "/api/v1/villages/{na_loc}/", {"name": "Nà Lốc 2"}, (403, 404, 404, 403, 403, 403, "ok"), 200),
    ("delete", "/api/v1/villages/{hoa}/", None, (403, 403, 403, 403, 403, 403, 409), 204),  # has reports: 409 once allowed
    ("delete", "/api/v1/villages/{na_loc}/", None, (403, 404, 404, 403, 403, 403, 409), 204),
    # ----- cells: a cell is changed by an editor of every village it serves today (neither district
    # covers today's map); a cell serving from a past day on into today needs today's editor too
    ("get", "/api/v1/cells/", None, ALL, 200),
    ("get", "/api/v1/cells/{hoa_cell}/", None, ALL, 200),
    ("get", "/api/v1/cells/{hoa_cell}/history/", None, ALL, 200),
    ("get", "/api/v1/cells/{na_loc_cell}/", None, POST, 200),
    ("get", "/api/v1/cells/{na_loc_cell}/history/", None, POST, 200),
    ("post", "/api/v1/cells/", {"name": "Chi bộ mới", "villages": ["{hoa}"], "founded_on": "2019-03-01"}, NEITHER, 201),
    ("post", "/api/v1/cells/", {"name": "Chi bộ mới", "villages": ["{hoa}"], "founded_on": "2021-03-01"}, NEITHER, 201),
    ("post", "/api/v1/cells/", {"name": "Chi bộ mới", "villages": ["{na_loc}"], "founded_on": "2021-03-01"},
     (403, 400, 400, 403, 403, 403, "ok"), 201),  # Nà Lốc is no village A knows
    ("patch", "/api/v1/cells/{hoa_cell}/", {"name": "Chi bộ 2"}, NEITHER, 200),
    ("patch", "/api/v1/cells/{na_loc_cell}/", {"name": "Chi bộ 2"}, (403, 404, 404, 403, 403, 403, "ok"), 200),
    ("delete", "/api/v1/cells/{hoa_cell}/", None, (403, 403, 403, 403, 403, 403, 409), 204),  # a report names it
    ("delete", "/api/v1/cells/{na_loc_cell}/", None, (403, 404, 404, 403, 403, 403, "ok"), 204),
    # ----- reports
    ("get", "/api/v1/reports/", None, ALL, 200),
    ("get", "/api/v1/reports/{hoa_2019q3}/", None, PRE, 200),
    ("get", "/api/v1/reports/{hoa_2019q3}/history/", None, PRE, 200),
    ("get", "/api/v1/reports/{hoa_2021q1}/", None, POST, 200),
    ("get", "/api/v1/reports/{hoa_2021q1}/history/", None, POST, 200),
    ("get", "/api/v1/reports/{na_loc_2021q1}/", None, POST, 200),
    ("post", "/api/v1/reports/", {"village": "{hoa}", "quarter": "2019Q1", "full_members": 1, "probationary_members": 0},
     A_MAKES, 201),
    ("post", "/api/v1/reports/", {"village": "{hoa}", "quarter": "2021Q3", "full_members": 1, "probationary_members": 0},
     B_MAKES, 201),
    ("post", "/api/v1/reports/", {"village": "{na_loc}", "quarter": "2021Q3", "full_members": 1, "probationary_members": 0},
     (403, 400, 400, 403, "ok", "ok", "ok"), 201),  # Nà Lốc is no village A knows
    ("patch", "/api/v1/reports/{hoa_2019q3}/", {"admissions": 0}, A_WRITES, 200),
    ("patch", "/api/v1/reports/{hoa_2021q1}/", {"admissions": 0}, B_WRITES, 200),
    ("delete", "/api/v1/reports/{hoa_2019q3}/", None, A_WRITES, 204),
    ("delete", "/api/v1/reports/{hoa_2021q1}/", None, B_WRITES, 204),
    # ----- reported figures
    ("get", "/api/v1/reported-figures/", None, ALL, 200),
    ("get", "/api/v1/reported-figures/{figure_2019}/", None, PRE, 200),
    ("get", "/api/v1/reported-figures/{figure_2019}/history/", None, PRE, 200),
    ("get", "/api/v1/reported-figures/{figure_2024}/", None, POST, 200),
    ("get", "/api/v1/reported-figures/{figure_2024}/history/", None, POST, 200),
    ("post", "/api/v1/reported-figures/", {"unit": "03316", "period": "2019", "metric": "members", "value": 3,
                                           "source_url": "https://example.org/new"}, A_MAKES, 201),
    ("post", "/api/v1/reported-figures/", {"unit": "03316", "period": "2024", "metric": "members", "value": 3,
                                           "source_url": "https://example.org/new"}, B_MAKES, 201),
    ("patch", "/api/v1/reported-figures/{figure_2019}/", {"value": 4}, A_WRITES, 200),
    ("patch", "/api/v1/reported-figures/{figure_2024}/", {"value": 4}, B_WRITES, 200),
    ("delete", "/api/v1/reported-figures/{figure_2019}/", None, A_WRITES, 204),
    ("delete", "/api/v1/reported-figures/{figure_2024}/", None, B_WRITES, 204),
    # ----- goals: a goal belongs to whoever held the unit between its baseline and its deadline
    ("get", "/api/v1/goals/", None, ALL, 200),
    ("get", "/api/v1/goals/{goal_2019}/", None, PRE, 200),
    ("get", "/api/v1/goals/{goal_2019}/progress/", None, PRE, 200),
    ("get", "/api/v1/goals/{goal_2019}/history/", None, PRE, 200),
    ("get", "/api/v1/goals/{goal_2024}/", None, POST, 200),
    ("get", "/api/v1/goals/{goal_2024}/progress/", None, POST, 200),
    ("get", "/api/v1/goals/{goal_2024}/history/", None, POST, 200),
    ("post", "/api/v1/goals/", {"unit": "03316", "title": "T", "metric": "blank_villages", "baseline_period": "2019Q2",
                                "deadline": "2019Q4", "set_by": "Đảng ủy xã"}, A_MAKES, 201),
    ("post", "/api/v1/goals/", {"unit": "03316", "title": "T", "metric": "blank_villages", "baseline_period": "2022",
                                "deadline": "2024", "set_by": "Đảng ủy xã"}, B_MAKES, 201),
    ("patch", "/api/v1/goals/{goal_2019}/", {"title": "T2"}, A_WRITES, 200),
    ("patch", "/api/v1/goals/{goal_2024}/", {"title": "T2"}, B_WRITES, 200),
    ("delete", "/api/v1/goals/{goal_2019}/", None, A_WRITES, 204),
    ("delete", "/api/v1/goals/{goal_2024}/", None, B_WRITES, 204),
    # ----- changes of the map: made by a committee above the commune on the effective day
    ("get", "/api/v1/reorganisations/", None, ALL, 200),
    ("get", "/api/v1/reorganisations/?unit=03316", None, ALL, 200),
    # A unit has one name, today's: renaming it, even as of a past day, is a change of today's map.
    ("post", "/api/v1/reorganisations/rename/", {"unit": "03316", "name": "Nà Tấu 2", "on": "2019-06-01"}, NEITHER, 201),
    ("post", "/api/v1/reorganisations/rename/", {"unit": "03316", "name": "Nà Tấu 2", "on": "2021-06-01"}, NEITHER, 201),
    # Back to A in 2021: B's 094 is no district A knows; then the 2025 change comes later (400).
    ("post", "/api/v1/reorganisations/transfer/", {"unit": "03316", "parent": "094", "on": "2019-06-01"},
     (403, 400, 400, 403, 403, 403, 400), 201),
    ("post", "/api/v1/reorganisations/transfer/", {"unit": "03316", "parent": "100", "on": "2021-06-01"},
     (403, 403, 403, 403, 400, 400, 400), 201),
    # ----- quarters
    ("get", "/api/v1/approvals/", None, ALL, 200),
    ("get", "/api/v1/approvals/?unit=03316", None, ALL, 200),
    ("get", "/api/v1/units/03316/approvals/2019Q4/", None, PRE, 200),
    ("get", "/api/v1/units/03316/approvals/2019Q4/history/", None, PRE, 200),
    ("get", "/api/v1/units/03316/approvals/2019Q2/", None, PRE, 200),  # a draft: no row
    ("get", "/api/v1/units/03316/approvals/2021Q1/", None, POST, 200),
    ("get", "/api/v1/units/03316/approvals/2021Q1/history/", None, POST, 200),
    ("get", "/api/v1/units/03316/approvals/2021Q3/", None, POST, 200),
    ("post", "/api/v1/units/03316/approvals/2019Q2/submit/", {}, A_SUBMITS, 200),
    ("post", "/api/v1/units/03316/approvals/2021Q3/submit/", {}, B_SUBMITS, 200),
    ("post", "/api/v1/units/03316/approvals/2019Q3/approve/", {}, A_APPROVES, 200),
    ("post", "/api/v1/units/03316/approvals/2021Q1/approve/", {}, B_APPROVES, 200),
    ("post", "/api/v1/units/03316/approvals/2019Q3/return/", REASON, A_APPROVES, 200),
    ("post", "/api/v1/units/03316/approvals/2021Q1/return/", REASON, B_APPROVES, 200),
    ("post", "/api/v1/units/03316/approvals/2019Q4/reopen/", REASON, A_APPROVES, 200),  # 100 is above 03316
    ("post", "/api/v1/units/03316/approvals/2021Q2/reopen/", REASON, B_APPROVES, 200),  # 094 is above 03316
    # ----- the lock of an approved quarter
    ("patch", "/api/v1/reports/{hoa_2019q4}/", {"note": "Checked."}, A_LOCKED, 200),
    ("delete", "/api/v1/reports/{hoa_2019q4}/", None, A_LOCKED, 204),
    ("put", "/api/v1/units/03316/reports/2019Q4/", {"reports": [{"village": "{hoa}", "full_members": 5, "probationary_members": 0}]},
     A_LOCKED, 200),
    ("patch", "/api/v1/reports/{hoa_2021q2}/", {"note": "Checked."}, B_LOCKED, 200),
    ("delete", "/api/v1/reports/{hoa_2021q2}/", None, B_LOCKED, 204),
    ("put", "/api/v1/units/03316/reports/2021Q2/", {"reports": [{"village": "{hoa}", "full_members": 5, "probationary_members": 0}]},
     B_LOCKED, 200),
]


def fill(value, ids: dict):
    """The body or path with ``{name}`` replaced by the id of that record (an int where the whole
    value is one placeholder)."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


CASES = [
    pytest.param(method, path, body, user, expected[index] if expected[index] != "ok" else success,
                 id=f"{method.upper()} {path} as {user}")
    for method, path, body, expected, success in OPERATIONS
    for index, user in enumerate(USERS)
]


@pytest.mark.parametrize(("method", "path", "body", "user", "status"), CASES)
def test_moved_unit_permission_matrix(moved, client_of, method, path, body, user, status):
    client = client_of(user)
    url = path.format(**moved)
    response = getattr(client, method)(url, fill(body, moved), format="json")
    assert response.status_code == status, (response.status_code, response.content[:400])


# ----- what the refusals say ---------------------------------------------------------------

HIDDEN_FOR_A = [
    # (path of a record A must not see, the same path for an id or code that does not exist)
    ("/api/v1/reports/{hoa_2021q1}/", "/api/v1/reports/999999/"),
    ("/api/v1/reported-figures/{figure_2024}/", "/api/v1/reported-figures/999999/"),
    ("/api/v1/goals/{goal_2024}/", "/api/v1/goals/999999/"),
    ("/api/v1/villages/{na_loc}/", "/api/v1/villages/999999/"),
    ("/api/v1/cells/{na_loc_cell}/", "/api/v1/cells/999999/"),
    ("/api/v1/units/03316/approvals/2021Q1/", "/api/v1/units/03399/approvals/2021Q1/"),
]


@pytest.mark.parametrize(("method", "hidden", "unknown"), [
    (method, hidden, unknown) for hidden, unknown in HIDDEN_FOR_A
    for method in (("get",) if "approvals" in hidden else ("get", "patch", "delete"))  # a quarter changes by its steps
])
def test_a_record_of_the_other_districts_period_reads_like_one_that_does_not_exist(moved, client_of, api_error, method, hidden,
                                                                                   unknown):
    client = client_of("a_editor")
    body = {} if method == "patch" else None
    seen = api_error(getattr(client, method)(hidden.format(**moved), body, format="json"), 404, "not_found")
    expected = api_error(getattr(client, method)(unknown, body, format="json"), 404, "not_found")
    # The same words but for the code or id asked for.
    asked = re.compile(r"\b(03316|03399|\d+)\b")
    assert asked.sub("N", seen["detail"]) == asked.sub("N", expected["detail"])


def test_a_refusal_of_a_visible_record_gives_the_reason(moved, client_of, api_error):
    body = api_error(client_of("b_editor").post("/api/v1/reports/", {
        "village": moved["hoa"], "quarter": "2019Q1", "full_members": 1, "probationary_members": 0}, format="json"),
        403, "permission_denied")
    assert "Hoa" in body["detail"] and "2019" in body["detail"]
