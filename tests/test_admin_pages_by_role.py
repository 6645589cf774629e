"""Every admin page, for every role: the list, add, change, delete and history pages of every
registered model, for a viewer, an editor and an approver of huyện Điện Biên (100), an editor of
huyện Tủa Chùa (098) and a superuser.

A record of the user's area opens (read-only for a viewer); one outside it answers 404, as an id
that does not exist does, and no list shows it. Roles and users are the superusers' alone. A
commune that moved (Nà Tấu, from 100 to Điện Biên Phủ in 2020, ``tests.moved_world``) keeps its
villages in huyện Điện Biên's lists, but not its reports and quarters of after the move.
"""
import html

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests import factories
from tracking import services
from tracking.access import SYSTEM
from tracking.services import approvals
from tracking.models import (
    AdministrativeUnit,
    CellCoverage,
    PartyCell,
    QuarterApproval,
    QuarterReport,
    Reorganisation,
    RoleGrant,
    Village,
)

ROLES = {"viewer": "a_viewer", "editor": "a_editor", "approver": "a_approver", "outsider": "outsider", "superuser": "root"}
UNKNOWN = 999999

# How each model's admin works: "edit" (add and change through the services), "add" (added, then
# only viewed), "read" (written by the services alone), "superuser" (roles and users).
KINDS = {
    "administrativeunit": "edit", "village": "edit", "quarterreport": "edit", "reportedfigure": "edit", "goal": "edit",
    "grassrootsorganisation": "add", "partycell": "add", "cellcoverage": "add", "quarterapproval": "add",
    "unitplacement": "read", "villageplacement": "read", "reorganisation": "read",
    "rolegrant": "superuser", "user": "superuser",
}
DELETABLE = {"quarterreport"}  # by an editor of the record; roles and users by a superuser


def admin_url(model: str, view: str, *args) -> str:
    app = "auth" if model == "user" else "tracking"
    return reverse(f"admin:{app}_{model}_{view}", args=args)


@pytest.fixture
def records(moved):
    """For each model: (a record of huyện Điện Biên's area, a record of huyện Điện Biên Đông's,
    a text only the first shows, a text only the second shows)."""
    root = get_user_model().objects.get(username="root")
    nha_nhan, dien_bien_dong = AdministrativeUnit.objects.get(code="03317"), AdministrativeUnit.objects.get(code="101")
    tham_chau = Village.objects.get(name="Thẩm Chấu")
    ours_org = services.organisation_create(by=SYSTEM, name="Đảng bộ xã Nà Nhạn", unit=nha_nhan)
    theirs_org = services.organisation_create(by=SYSTEM, name="Đảng bộ huyện Điện Biên Đông", unit=dien_bien_dong)
    theirs_cell = factories.cell(tham_chau, name="Chi bộ bản Thẩm Chấu")
    ours_quarter = QuarterApproval.objects.get(unit__code="03316", quarter="2019Q3")
    theirs_quarter = approvals.quarter_submit(unit=dien_bien_dong, quarter="2019Q3", by=root)
    a_viewer = get_user_model().objects.get(username="a_viewer")
    return {
        "administrativeunit": (nha_nhan.pk, dien_bien_dong.pk, "Nà Nhạn", "Điện Biên Đông"),
        "unitplacement": (nha_nhan.placements.get(path="/11/100/03317/").pk, dien_bien_dong.placements.get().pk,
                          "/11/100/03317/", "/11/101/"),
        "reorganisation": (Reorganisation.objects.get(kind="transfer", subject=nha_nhan).pk,
                           Reorganisation.objects.get(description__startswith="Thành lập huyện Nậm Pồ").pk,
                           "xã Nà Nhạn (03317)", "Thành lập huyện Nậm Pồ"),
        "village": (moved["huoi_chon"], tham_chau.pk, "Huổi Chổn", "Thẩm Chấu"),
        "villageplacement": (Village.objects.get(pk=moved["huoi_chon"]).placements.get(path="/11/100/03317/").pk,
                             tham_chau.placements.get(path="/11/101/").pk, "Huổi Chổn", "Thẩm Chấu"),
        "grassrootsorganisation": (ours_org.pk, theirs_org.pk, "Đảng bộ xã Nà Nhạn", "Đảng bộ huyện Điện Biên Đông"),
        "partycell": (PartyCell.objects.get(name="Chi bộ bản Huổi Chổn").pk, theirs_cell.pk,
                      "Chi bộ bản Huổi Chổn", "Chi bộ bản Thẩm Chấu"),
        "cellcoverage": (CellCoverage.objects.get(village=moved["huoi_chon"]).pk, CellCoverage.objects.get(village=tham_chau).pk,
                         "Chi bộ bản Huổi Chổn", "Chi bộ bản Thẩm Chấu"),
        "quarterreport": (QuarterReport.objects.get(village=moved["huoi_chon"], quarter="2019Q2").pk,
                          QuarterReport.objects.get(village=tham_chau, quarter="2019Q4").pk, "Huổi Chổn", "Thẩm Chấu"),
        "reportedfigure": (5, 6, "Điện Biên (100)", "Điện Biên Đông"),
        "goal": (4, 5, None, "Điện Biên Đông"),
        "quarterapproval": (ours_quarter.pk, theirs_quarter.pk, "Nà Tấu (03316)", "Điện Biên Đông"),
        "rolegrant": (RoleGrant.objects.get(user=a_viewer).pk,) * 2 + (None, None),
        "user": (a_viewer.pk,) * 2 + (None, None),
    }


def links_to(page: str, url: str) -> bool:
    """Whether the page links to ``url`` (a list's links carry its filters after a "?")."""
    return f'href="{url}"' in page or f'href="{url}?' in page


def browser(role: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=ROLES[role]))
    return client


def reaches(role: str, model: str) -> bool:
    """Whether the role reaches the model's pages at all."""
    return role == "superuser" or KINDS[model] != "superuser"


def sees(role: str, which: str) -> bool:
    """Whether the role's area holds huyện Điện Biên's record ("ours") or Điện Biên Đông's ("theirs")."""
    return role == "superuser" or (which == "ours" and role in ("viewer", "editor", "approver"))


PARAMS = [pytest.param(model, role, id=f"{model}-{role}") for model in KINDS for role in ROLES]


@pytest.mark.parametrize(("model", "role"), PARAMS)
def test_the_list_shows_the_records_of_the_area_only(records, model, role):
    response = browser(role).get(admin_url(model, "changelist"), {"all": ""})  # every row on one page
    if not reaches(role, model):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    ours, theirs, our_text, their_text = records[model]
    for which, pk, text in (("ours", ours, our_text), ("theirs", theirs, their_text)):
        listed = links_to(page, admin_url(model, "change", pk))
        assert listed == sees(role, which), (which, pk)
        if text and not sees(role, which):
            assert text not in page, text


@pytest.mark.parametrize(("model", "role"), PARAMS)
def test_the_add_page_is_for_editors_of_models_they_may_add(moved, model, role):
    response = browser(role).get(admin_url(model, "add"))
    kind = KINDS[model]
    may_add = (role == "superuser" and kind != "read") or (kind in ("edit", "add") and role != "viewer")
    assert response.status_code == (200 if may_add else 403)


@pytest.mark.parametrize(("model", "role"), PARAMS)
def test_a_change_page_opens_in_the_area_and_reads_like_a_wrong_id_outside_it(records, model, role):
    client = browser(role)
    ours, theirs, _our_text, _their_text = records[model]
    if not reaches(role, model):
        assert client.get(admin_url(model, "change", ours)).status_code == 403
        return
    for which, pk in (("ours", ours), ("theirs", theirs)):
        response = client.get(admin_url(model, "change", pk))
        if sees(role, which):
            assert response.status_code == 200, which
            if role == "viewer":
                assert 'name="_save"' not in response.content.decode()  # read-only
        else:
            assert response.status_code == 404, (which, response.status_code, response.get("Location"))


@pytest.mark.parametrize(("model", "role"), PARAMS)
def test_a_history_page_opens_in_the_area_and_reads_like_a_wrong_id_outside_it(records, model, role):
    client = browser(role)
    ours, theirs, _our_text, _their_text = records[model]
    if not reaches(role, model):
        assert client.get(admin_url(model, "history", ours)).status_code == 403
        return
    for which, pk in (("ours", ours), ("theirs", theirs)):
        expected = 200 if sees(role, which) else 404
        assert client.get(admin_url(model, "history", pk)).status_code == expected, which


@pytest.mark.parametrize(("model", "role"), PARAMS)
def test_a_delete_page_opens_only_where_deleting_is_allowed(records, model, role):
    client = browser(role)
    ours, theirs, _our_text, _their_text = records[model]
    may_delete = role == "superuser" if KINDS[model] == "superuser" else (model in DELETABLE and role != "viewer")
    for which, pk in (("ours", ours), ("theirs", theirs)):
        status = client.get(admin_url(model, "delete", pk)).status_code
        if not may_delete:
            assert status == 403, which
        elif sees(role, which) or KINDS[model] == "superuser":
            assert status == 200, which
        else:
            assert status == 404, which


AREA_MODELS = [model for model, kind in KINDS.items() if kind != "superuser"]


@pytest.mark.parametrize("page", ["change", "history", "delete"])
@pytest.mark.parametrize("model", AREA_MODELS)
@pytest.mark.parametrize("role", ["editor", "outsider"])
def test_a_record_outside_the_area_gets_the_answer_of_an_id_that_does_not_exist(records, role, model, page):
    client = browser(role)
    outside = records[model][1]  # huyện Điện Biên Đông's: outside both roles' areas
    hidden, unknown = client.get(admin_url(model, page, outside)), client.get(admin_url(model, page, UNKNOWN))
    assert (hidden.status_code, hidden.get("Location")) == (unknown.status_code, unknown.get("Location"))


# ----- the commune that moved ----------------------------------------------------------------

MOVED_ROLES = ["viewer", "editor", "approver"]


@pytest.mark.parametrize("role", MOVED_ROLES)
def test_the_former_district_lists_no_report_or_quarter_of_after_the_move(moved, role):
    client = browser(role)
    reports = html.unescape(client.get(admin_url("quarterreport", "changelist")).content.decode())
    for name in ("hoa_2019q3", "hoa_2019q4"):
        assert links_to(reports, admin_url("quarterreport", "change", moved[name])), name
    for name in ("hoa_2021q1", "hoa_2021q2", "na_loc_2021q1"):
        assert not links_to(reports, admin_url("quarterreport", "change", moved[name])), name
    assert "Nà Lốc" not in reports and "2021Q1" not in reports and "2021Q2" not in reports
    quarters = client.get(admin_url("quarterapproval", "changelist"))
    listed = {(row.unit.code, str(row.quarter)) for row in quarters.context["cl"].result_list}
    assert ("03316", "2019Q3") in listed and ("03316", "2019Q4") in listed
    assert not {quarter for code, quarter in listed if code == "03316" and quarter >= "2020Q1"}, listed
    villages = html.unescape(client.get(admin_url("village", "changelist")).content.decode())
    assert "Hoa" in villages and "Nà Lốc" not in villages


@pytest.mark.parametrize("page", ["change", "history", "delete"])
@pytest.mark.parametrize("role", MOVED_ROLES)
def test_the_former_districts_pages_of_reports_and_quarters_after_the_move_do_not_exist(moved, role, page):
    client = browser(role)
    after = [("quarterreport", moved["hoa_2021q1"]), ("quarterreport", moved["na_loc_2021q1"]),
             ("quarterapproval", QuarterApproval.objects.get(unit__code="03316", quarter="2021Q1").pk),
             ("village", moved["na_loc"])]
    for model, pk in after:
        unknown = client.get(admin_url(model, page, UNKNOWN)).status_code
        status = client.get(admin_url(model, page, pk)).status_code
        if page == "delete" and (model not in DELETABLE or role == "viewer"):
            assert status == unknown == 403, (model, pk)  # nobody of the role deletes these: the same answer
        else:
            assert status == 404, (model, pk, status)
    before = client.get(admin_url("quarterreport", "change" if page == "delete" else page, moved["hoa_2019q3"]))
    assert before.status_code == 200
