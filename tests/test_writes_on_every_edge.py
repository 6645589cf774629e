"""Every kind of write, through every way in that offers it — the API, the admin and the command
line — for the same user, with the same outcome: allowed, the same resulting state whichever way;
refused, refused every way, with nothing changed.

The map: tỉnh Điện Biên (11) with huyện Điện Biên (100: xã Nà Nhạn 03317 with the village Huổi
Chổn and its cell) and huyện Điện Biên Đông (101). Xã Nà Tấu (03316), with the village Hoa, was in
100 and moved to 101 on 2020-01-01. Quarters of Nà Nhạn: 2019Q2 a draft, 2019Q3 submitted, 2019Q4
approved.

The users (all staff): an editor, a viewer and an approver of huyện Điện Biên (100), an editor of
huyện Điện Biên Đông (101: outside Nà Nhạn, but Nà Tấu's since 2020), and a superuser.
"""
import datetime

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from tests import edges, factories, once
from tracking.access import SYSTEM
from tracking.services import approvals, reorganisations
from tracking.models import (
    AdministrativeUnit,
    Goal,
    PartyCell,
    QuarterApproval,
    QuarterReport,
    Reorganisation,
    ReportedFigure,
    RoleGrant,
    Village,
)

D = datetime.date
USERS = ("editor_100", "editor_101", "viewer_100", "approver_100", "superuser")


def build() -> dict:
    users = get_user_model().objects
    root = users.create_superuser(username="superuser", email="s@example.org", password="pw")
    province = factories.province(code="11")
    district = factories.district(province, code="100", name="Điện Biên")
    other = factories.district(province, code="101", name="Điện Biên Đông")
    north = factories.commune(district, code="03317", name="Nà Nhạn")
    south = factories.commune(district, code="03316", name="Nà Tấu")
    huoi_chon = factories.village(north, name="Huổi Chổn")
    hoa = factories.village(south, name="Hoa")
    reorganisations.unit_transfer(by=SYSTEM, unit=south, parent=other, on=D(2020, 1, 1))
    cell = factories.cell(huoi_chon, name="Chi bộ bản Huổi Chổn")
    report = factories.report(huoi_chon, "2019Q2", full=3, probationary=1, cell=cell)
    approvals.quarter_submit(unit=north, quarter="2019Q3", by=root)
    approvals.quarter_submit(unit=north, quarter="2019Q4", by=root)
    approvals.quarter_approve(unit=north, quarter="2019Q4", by=root)
    for username, role, unit in (("editor_100", "editor", district), ("editor_101", "editor", other),
                                 ("viewer_100", "viewer", district), ("approver_100", "approver", district)):
        user = users.create_user(username=username, password="pw", is_staff=True)
        RoleGrant.objects.create(user=user, unit=unit, role=role)
    users.create_user(username="newcomer", password="pw", is_staff=True)
    return {
        "province": province.pk, "district": district.pk, "other": other.pk, "north": north.pk, "south": south.pk,
        "huoi_chon": huoi_chon.pk, "hoa": hoa.pk, "report": report.pk,
        "q3": QuarterApproval.objects.get(unit=north, quarter="2019Q3").pk,
        "q4": QuarterApproval.objects.get(unit=north, quarter="2019Q4").pk,
        "newcomer": users.get(username="newcomer").pk,
    }


_world = once.module_data(build)


@pytest.fixture
def world(db, _world):
    return dict(_world)


# ----- what each kind of write leaves behind ------------------------------------------------


def _approval(code, quarter):
    return list(QuarterApproval.objects.filter(unit__code=code, quarter=quarter).values_list(
        "state", "submitted_by__username", "approved_by__username", "reason"))


def _reports(village, quarter):
    return list(QuarterReport.objects.filter(village=village, quarter=quarter).values_list("full_members", "probationary_members"))


def _events(kind, code):
    return list(Reorganisation.objects.filter(kind=kind, subject__code=code).values_list("effective_on", "description"))


STATE = {
    "report create": lambda w: _reports(w["huoi_chon"], "2019Q3"),
    "report create after the move": lambda w: _reports(w["hoa"], "2021Q1"),
    "report change": lambda w: QuarterReport.objects.get(pk=w["report"]).full_members,
    "quarterly submission": lambda w: _reports(w["huoi_chon"], "2019Q3"),
    "quarterly submission after the move": lambda w: _reports(w["hoa"], "2021Q1"),
    "village create": lambda w: list(Village.objects.filter(name="Nà Lốc").values_list("placements__path", "valid_from")),
    "village rename": lambda w: Village.objects.get(pk=w["huoi_chon"]).name,
    "village rename after the move": lambda w: Village.objects.get(pk=w["hoa"]).name,
    "cell create": lambda w: sorted((cell.name, tuple(cell.villages_served_on(D(2019, 6, 30))))
                                    for cell in PartyCell.objects.filter(name="Chi bộ ghép")),
    "reported figure create": lambda w: [(code, str(period), metric, value) for code, period, metric, value in
                                         ReportedFigure.objects.filter(source_url="https://example.org/f").values_list(
                                             "unit__code", "period", "metric", "value")],
    "goal create": lambda w: [(code, metric, str(baseline), set_by) for code, metric, baseline, set_by in
                              Goal.objects.filter(title="Không còn bản trắng").values_list(
                                  "unit__code", "metric", "baseline_period", "set_by")],
    "rename": lambda w: (AdministrativeUnit.objects.get(code="03317").name, _events("rename", "03317")),
    "rename after the move": lambda w: (AdministrativeUnit.objects.get(code="03316").name, _events("rename", "03316")),
    "transfer": lambda w: (sorted(AdministrativeUnit.objects.get(code="03317").placements.values_list(
        "path", "valid_from", "valid_to"), key=str), _events("transfer", "03317")),
    "submit": lambda w: _approval("03317", "2019Q2"),
    "submit after the move": lambda w: _approval("03316", "2021Q1"),
    "approve": lambda w: _approval("03317", "2019Q3"),
    "return": lambda w: _approval("03317", "2019Q3"),
    "reopen": lambda w: _approval("03317", "2019Q4"),
    "role grant": lambda w: list(RoleGrant.objects.filter(user=w["newcomer"]).values_list("unit__code", "role")),
}


def expected_after(kind: str, user: str, world: dict):
    """The state an allowed write leaves, whoever made it and whichever way."""
    return {
        "report create": [(2, 1)],
        "report create after the move": [(2, 1)],
        "report change": 5,
        "quarterly submission": [(2, 1)],
        "quarterly submission after the move": [(2, 1)],
        "village create": [("/11/100/03317/", D(2020, 1, 1))],
        "village rename": "Huổi Chổn Mới",
        "village rename after the move": "Hoa Mới",
        "cell create": [("Chi bộ ghép", (world["huoi_chon"],))],
        "reported figure create": [("100", "2019", "blank_villages", 2)],
        "goal create": [("100", "blank_villages", "2019Q2", "Huyện ủy Điện Biên")],
        "rename": ("Nà Nhạn Mới", [(D(2019, 6, 1), "xã Nà Nhạn (03317) renamed Nà Nhạn Mới")]),
        "rename after the move": ("Nà Tấu Mới", [(D(2021, 6, 1), "xã Nà Tấu (03316) renamed Nà Tấu Mới")]),
        "transfer": ([("/11/100/03317/", None, D(2020, 1, 1)), ("/11/101/03317/", D(2020, 1, 1), None)],
                     [(D(2020, 1, 1), "xã Nà Nhạn (03317) moved from huyện Điện Biên (100) to huyện Điện Biên Đông (101)")]),
        "submit": [("submitted", user, None, "")],
        "submit after the move": [("submitted", user, None, "")],
        "approve": [("approved", "superuser", user, "")],
        "return": [("draft", None, None, REASON)],
        "reopen": [("draft", None, None, REASON)],
        "role grant": [("100", "viewer")],
    }[kind]


def snapshot() -> dict:
    """How many rows each table holds: a refused write adds, changes or removes none."""
    return {model.__name__: model.objects.count() for model in apps.get_app_config("tracking").get_models()}


# ----- each write, each way ------------------------------------------------------------------

REPORT = {"full_members": 2, "probationary_members": 1}
REASON = "Recounted."


def _api(method, path, body):
    def run(user, w):
        response = getattr(edges.api(user), method)(path.format(**w), body(w) if callable(body) else body, format="json")
        assert response.status_code < 500, response.content[:500]
        return response.status_code < 300
    return run


def _admin(do):
    def run(user, w):
        response = do(edges.admin(user), w)
        assert response.status_code < 500
        return None  # the admin says it on the page: the state tells
    return run


def _command(*args):
    def run(user, w):
        succeeded, _output = edges.command(*args, "--user", user)
        return succeeded
    return run


WAYS = {
    "report create": {
        "api": _api("post", "/api/v1/reports/", lambda w: {"village": w["huoi_chon"], "quarter": "2019Q3", **REPORT}),
        "admin": _admin(lambda c, w: edges.admin_add(c, "quarterreport", {"village": w["huoi_chon"], "quarter": "2019Q3", **REPORT})),
    },
    "report create after the move": {
        "api": _api("post", "/api/v1/reports/", lambda w: {"village": w["hoa"], "quarter": "2021Q1", **REPORT}),
        "admin": _admin(lambda c, w: edges.admin_add(c, "quarterreport", {"village": w["hoa"], "quarter": "2021Q1", **REPORT})),
    },
    "report change": {
        "api": _api("patch", "/api/v1/reports/{report}/", {"full_members": 5}),
        "admin": _admin(lambda c, w: edges.admin_change(c, "quarterreport", w["report"], {"full_members": 5})),
    },
    "quarterly submission": {
        "api": _api("put", "/api/v1/units/03317/reports/2019Q3/", lambda w: {"reports": [{"village": w["huoi_chon"], **REPORT}]}),
    },
    "quarterly submission after the move": {
        "api": _api("put", "/api/v1/units/03316/reports/2021Q1/", lambda w: {"reports": [{"village": w["hoa"], **REPORT}]}),
    },
    "village create": {
        # From 2020: a village on Nà Nhạn's map in 2019Q4, approved, would change its figures
        # (refused, tests/test_map_changes_in_approved_quarters.py).
        "api": _api("post", "/api/v1/villages/", {"name": "Nà Lốc", "unit": "03317", "valid_from": "2020-01-01"}),
        "admin": _admin(lambda c, w: edges.admin_add(c, "village", {"name": "Nà Lốc", "unit": w["north"],
                                                                    "valid_from": "2020-01-01"})),
    },
    "village rename": {
        "api": _api("patch", "/api/v1/villages/{huoi_chon}/", {"name": "Huổi Chổn Mới"}),
        "admin": _admin(lambda c, w: edges.admin_change(c, "village", w["huoi_chon"], {"name": "Huổi Chổn Mới"})),
    },
    "village rename after the move": {
        "api": _api("patch", "/api/v1/villages/{hoa}/", {"name": "Hoa Mới"}),
        "admin": _admin(lambda c, w: edges.admin_change(c, "village", w["hoa"], {"name": "Hoa Mới"})),
    },
    "cell create": {
        "api": _api("post", "/api/v1/cells/", lambda w: {"name": "Chi bộ ghép", "founded_on": "2019-03-01",
                                                         "villages": [w["huoi_chon"]]}),
        "admin": _admin(lambda c, w: edges.admin_add(c, "partycell", {"name": "Chi bộ ghép", "founded_on": "2019-03-01",
                                                                      "villages": [w["huoi_chon"]]})),
    },
    "reported figure create": {
        "api": _api("post", "/api/v1/reported-figures/", {"unit": "100", "period": "2019", "metric": "blank_villages", "value": 2,
                                                          "source_url": "https://example.org/f"}),
        "admin": _admin(lambda c, w: edges.admin_add(c, "reportedfigure", {
            "unit": w["district"], "period": "2019", "metric": "blank_villages", "value": 2, "source_url": "https://example.org/f"})),
    },
    "goal create": {
        "api": _api("post", "/api/v1/goals/", {"unit": "100", "title": "Không còn bản trắng", "metric": "blank_villages",
                                               "baseline_period": "2019Q2", "set_by": "Huyện ủy Điện Biên"}),
        "admin": _admin(lambda c, w: edges.admin_add(c, "goal", {
            "unit": w["district"], "title": "Không còn bản trắng", "metric": "blank_villages", "baseline_period": "2019Q2",
            "set_by": "Huyện ủy Điện Biên"})),
    },
    "rename": {
        "api": _api("post", "/api/v1/reorganisations/rename/", {"unit": "03317", "name": "Nà Nhạn Mới", "on": "2019-06-01"}),
        "admin": _admin(lambda c, w: edges.admin_action(c, "administrativeunit", "rename_unit", [w["north"]],
                                                        name="Nà Nhạn Mới", effective_on="2019-06-01")),
        "command": _command("reorganise", "rename", "--unit", "03317", "--name", "Nà Nhạn Mới", "--on", "2019-06-01"),
    },
    "rename after the move": {
        "api": _api("post", "/api/v1/reorganisations/rename/", {"unit": "03316", "name": "Nà Tấu Mới", "on": "2021-06-01"}),
        "admin": _admin(lambda c, w: edges.admin_action(c, "administrativeunit", "rename_unit", [w["south"]],
                                                        name="Nà Tấu Mới", effective_on="2021-06-01")),
        "command": _command("reorganise", "rename", "--unit", "03316", "--name", "Nà Tấu Mới", "--on", "2021-06-01"),
    },
    "transfer": {
        "api": _api("post", "/api/v1/reorganisations/transfer/", {"unit": "03317", "parent": "101", "on": "2020-01-01"}),
        "admin": _admin(lambda c, w: edges.admin_action(c, "administrativeunit", "transfer_units", [w["north"]],
                                                        parent=w["other"], effective_on="2020-01-01")),
        "command": _command("reorganise", "transfer", "--unit", "03317", "--to", "101", "--on", "2020-01-01"),
    },
    "submit": {
        "api": _api("post", "/api/v1/units/03317/approvals/2019Q2/submit/", {}),
        "admin": _admin(lambda c, w: edges.admin_add(c, "quarterapproval", {"unit": w["north"], "quarter": "2019Q2"})),
    },
    "submit after the move": {
        "api": _api("post", "/api/v1/units/03316/approvals/2021Q1/submit/", {}),
        "admin": _admin(lambda c, w: edges.admin_add(c, "quarterapproval", {"unit": w["south"], "quarter": "2021Q1"})),
    },
    "approve": {
        "api": _api("post", "/api/v1/units/03317/approvals/2019Q3/approve/", {}),
        "admin": _admin(lambda c, w: edges.admin_action(c, "quarterapproval", "approve_quarters", [w["q3"]])),
    },
    "return": {
        "api": _api("post", "/api/v1/units/03317/approvals/2019Q3/return/", {"reason": REASON}),
        "admin": _admin(lambda c, w: edges.admin_action(c, "quarterapproval", "return_quarters", [w["q3"]], reason=REASON)),
    },
    "reopen": {
        "api": _api("post", "/api/v1/units/03317/approvals/2019Q4/reopen/", {"reason": REASON}),
        "admin": _admin(lambda c, w: edges.admin_action(c, "quarterapproval", "reopen_quarters", [w["q4"]], reason=REASON)),
    },
    "role grant": {
        "admin": _admin(lambda c, w: edges.admin_add(c, "rolegrant", {"user": w["newcomer"], "unit": w["district"], "role": "viewer"})),
    },
}

# Who may, in the order of USERS: huyện Điện Biên's editor, huyện Điện Biên Đông's editor, huyện Điện
# Biên's viewer and approver, a superuser.
OURS = (True, False, False, True, True)          # in huyện Điện Biên, on the day the write concerns
THEIRS = (False, True, False, False, True)       # Nà Tấu's after its move to huyện Điện Biên Đông
APPROVER = (False, False, False, True, True)     # reopening too: the district is above the commune
SUPERUSER = (False, False, False, False, True)   # a transfer to 101 needs both districts; roles need a superuser
ALLOWED = {
    "report create": OURS, "report create after the move": THEIRS, "report change": OURS,
    "quarterly submission": OURS, "quarterly submission after the move": THEIRS,
    "village create": OURS, "village rename": OURS, "village rename after the move": THEIRS,
    "cell create": OURS, "reported figure create": OURS, "goal create": OURS,
    "rename": OURS, "rename after the move": THEIRS, "transfer": SUPERUSER,
    "submit": OURS, "submit after the move": THEIRS, "approve": APPROVER, "return": APPROVER, "reopen": APPROVER,
    "role grant": SUPERUSER,
}

CASES = [
    pytest.param(kind, way, user, ALLOWED[kind][index], id=f"{kind} via {way} as {user}")
    for kind, ways in WAYS.items()
    for way in ways
    for index, user in enumerate(USERS)
]


@pytest.mark.parametrize(("kind", "way", "user", "allowed"), CASES)
def test_each_write_has_the_same_outcome_whichever_way_it_comes(world, kind, way, user, allowed):
    before_state, before_rows = STATE[kind](world), snapshot()
    said = WAYS[kind][way](user, world)
    after_state = STATE[kind](world)
    if allowed:
        assert after_state == expected_after(kind, user, world), (kind, way, user, after_state)
        assert said in (True, None), "the write was made but reported as refused"
    else:
        assert after_state == before_state, f"{user} was not refused via {way}: {after_state}"
        assert snapshot() == before_rows
        assert said in (False, None), "refused, but reported as done"
