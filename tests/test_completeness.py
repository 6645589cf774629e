"""Completeness of a quarter: which communes of an area have reported all, some or none of their
villages, which have submitted and which are approved — in the API (``/api/v1/completeness/``)
and the admin's screen (``admin/completeness/``), both from ``selectors.completeness``.

The world: province 11 with two districts in 2019Q2. Huyện Điện Biên (100): Nà Nhạn (every
village reported, approved), Nà Tấu (one of two reported, submitted; a third village left it on
2019-05-01 for a new commune, Xã Mới, where it reported). Huyện Điện Biên Đông (101): Xã Đông
(none reported: one of its villages reported only the quarter before), Xã Tây (its one village
reported, never submitted: no approval row) and Xã Trống (no village).
"""
import datetime
import html

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests import factories
from tracking import selectors
from tracking.access import SYSTEM
from tracking.models import AdministrativeUnit, QuarterApproval, RoleGrant, UnitKind
from tracking.periods import Period
from tracking.services import approvals, reorganisations

D = datetime.date
Q = "2019Q2"
URL = "/api/v1/completeness/"
SCREEN = "/admin/completeness/"


@pytest.fixture
def world(tree, django_user_model):
    root = django_user_model.objects.create_superuser(username="root", email="root@example.org", password="pw")
    north, south, d101 = tree["north"], tree["south"], tree["other"]
    east = factories.commune(d101, code="03400", name="Xã Đông")
    west = factories.commune(d101, code="03401", name="Xã Tây")
    factories.commune(d101, code="03402", name="Xã Trống")
    for name in ("Huổi Chổn", "Nà Ten"):
        factories.report(factories.village(north, name=name), Q, full=2)
    factories.village(north, name="Bản Mới", valid_from=D(2019, 7, 15))  # after the quarter: not on its map
    factories.report(factories.village(south, name="Hoa"), Q, full=1)
    factories.village(south, name="Co Củ")
    leaving = factories.village(south, name="Bản Đi")
    factories.report(leaving, Q, full=3)
    reorganisations.unit_split(by=SYSTEM, unit=south, on=D(2019, 5, 1), parts=[
        {"code": "03318", "name": "Xã Mới", "kind": UnitKind.COMMUNE, "villages": [leaving]}])
    factories.village(east, name="Pá Sáng")
    factories.report(factories.village(east, name="Nậm Ngà"), "2019Q1", full=1)  # the quarter before only
    factories.report(factories.village(west, name="Tà Lèng"), Q, full=4)
    approvals.quarter_submit(unit=north, quarter=Q, by=root)
    approvals.quarter_approve(unit=north, quarter=Q, by=root)
    approvals.quarter_submit(unit=south, quarter=Q, by=root)
    return {**tree, "root": root, "east": east, "west": west}


def api_of(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def staff_user(username: str, role: str | None = None, unit: AdministrativeUnit | None = None):
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True)
    if role:
        RoleGrant.objects.create(user=user, unit=unit, role=role)
    return user


def communes(body: dict) -> dict:
    """``code → (villages, villages_reported, reported, state)`` of a page of communes."""
    return {row["unit"]["code"]: (row["villages"], row["villages_reported"], row["reported"], row["state"])
            for row in body["results"]}


COUNT_NAMES = ("communes", "reported_all", "reported_some", "reported_none", "without_villages", "draft", "submitted",
               "approved", "locked", "villages", "villages_reported")


def counts(entry: dict) -> tuple:
    return tuple(entry[name] for name in COUNT_NAMES)


# ---------------------------------------------------------------------------------------
# The answer


def test_each_commune_with_its_villages_reports_and_quarter(world):
    body = api_of(world["root"]).get(URL, {"within": "11", "quarter": Q}).json()
    assert (body["area"]["code"], body["quarter"], body["map_date"]) == ("11", Q, "2019-06-30")
    assert communes(body) == {
        "03317": (2, 2, "all", "approved"),  # Bản Mới begins after the quarter: not counted
        "03316": (2, 1, "some", "submitted"),  # Bản Đi left before the quarter's end
        "03318": (1, 1, "all", "draft"),  # ... and counts in Xã Mới, where it was then
        "03400": (2, 0, "none", "draft"),  # a report of 2019Q1 carried forward is not a report of 2019Q2
        "03401": (1, 1, "all", "draft"),
        "03402": (0, 0, "no_villages", "draft"),
    }
    assert [row["unit"]["code"] for row in body["results"]] == ["03316", "03317", "03318", "03400", "03401", "03402"]
    nha_nhan = next(row for row in body["results"] if row["unit"]["code"] == "03317")
    assert nha_nhan["parent"] == {"code": "100", "name": "Điện Biên", "current_name": "Điện Biên", "level": "district"}
    assert nha_nhan["path"] == "/11/100/03317/"
    assert (nha_nhan["submitted_by"], nha_nhan["approved_by"], nha_nhan["locked"], nha_nhan["approved_by_unit"]) == (
        "root", "root", True, "03317")
    assert nha_nhan["submitted_at"] and nha_nhan["approved_at"]
    na_tau = next(row for row in body["results"] if row["unit"]["code"] == "03316")
    assert (na_tau["submitted_by"], na_tau["approved_by"], na_tau["locked"]) == ("root", None, False)


def test_the_summary_counts_per_district_and_in_total(world):
    summary = api_of(world["root"]).get(URL, {"within": "11", "quarter": Q}).json()["summary"]
    by_unit = {entry["unit"]["code"]: counts(entry) for entry in summary["by_unit"]}
    #                communes all some none without draft submitted approved locked villages reported
    assert by_unit == {"100": (3, 2, 1, 0, 0, 1, 1, 1, 1, 5, 4),
                       "101": (3, 1, 0, 1, 1, 3, 0, 0, 0, 3, 1)}
    assert counts(summary) == (6, 3, 1, 1, 1, 4, 1, 1, 1, 8, 5)


def test_a_district_counts_as_one_group_itself(world):
    summary = api_of(world["root"]).get(URL, {"within": "101", "quarter": Q}).json()["summary"]
    assert [(entry["unit"]["code"], entry["communes"]) for entry in summary["by_unit"]] == [("101", 3)]


def test_the_map_of_the_quarter_decides(world):
    """Before the split, Bản Đi was in Nà Tấu and Xã Mới did not exist."""
    body = api_of(world["root"]).get(URL, {"within": "100", "quarter": "2019Q1"}).json()
    assert communes(body) == {"03316": (3, 0, "none", "draft"), "03317": (2, 0, "none", "draft")}


def test_a_district_approval_locks_its_communes_without_approving_them(world):
    root = world["root"]
    approvals.quarter_submit(unit=world["other"], quarter=Q, by=root)
    approvals.quarter_approve(unit=world["other"], quarter=Q, by=root)
    body = api_of(root).get(URL, {"within": "101", "quarter": Q}).json()
    assert {(row["unit"]["code"], row["state"], row["locked"], row["approved_by_unit"]) for row in body["results"]} == {
        ("03400", "draft", True, "101"), ("03401", "draft", True, "101"), ("03402", "draft", True, "101")}
    assert (body["summary"]["draft"], body["summary"]["approved"], body["summary"]["locked"]) == (3, 0, 3)


def test_the_filters_narrow_the_list_and_not_the_summary(world):
    client = api_of(world["root"])
    body = client.get(URL, {"within": "11", "quarter": Q, "reported": "none"}).json()
    assert (body["count"], list(communes(body))) == (1, ["03400"])
    assert body["summary"]["communes"] == 6
    body = client.get(URL, {"within": "11", "quarter": Q, "reported": "some", "state": "submitted"}).json()
    assert list(communes(body)) == ["03316"]
    assert client.get(URL, {"within": "11", "quarter": Q, "reported": "all", "state": "submitted"}).json()["count"] == 0


def test_a_commune_without_an_approval_row_is_a_draft(world):
    """What the approval list cannot say (no row, nothing to list), completeness does."""
    client = api_of(world["root"])
    assert client.get("/api/v1/approvals/", {"within": "11", "quarter": Q, "state": "draft"}).json()["count"] == 0
    body = client.get(URL, {"within": "11", "quarter": Q, "state": "draft"}).json()
    assert (body["count"], sorted(communes(body))) == (4, ["03318", "03400", "03401", "03402"])
    assert not QuarterApproval.objects.filter(unit__code__in=["03318", "03400", "03401", "03402"]).exists()


def test_the_quarter_defaults_to_the_latest_with_data(world):
    body = api_of(world["root"]).get(URL, {"within": "101"}).json()
    assert body["quarter"] == Q


def test_pages_of_communes(world):
    client = api_of(world["root"])
    first = client.get(URL, {"within": "11", "quarter": Q, "page_size": 4}).json()
    second = client.get(URL, {"within": "11", "quarter": Q, "page_size": 4, "page": 2}).json()
    assert (first["count"], len(first["results"]), len(second["results"])) == (6, 4, 2)
    assert first["next"] and second["previous"] and not second["next"]
    assert second["summary"] == first["summary"]


def test_the_selector_is_what_the_api_serves(world):
    served = api_of(world["root"]).get(URL, {"within": "11", "quarter": Q, "page_size": 500}).json()
    read = selectors.completeness(by=world["root"], code="11", quarter=Period.parse(Q))
    assert [row["unit"] for row in read["communes"]] == [row["unit"] for row in served["results"]]
    assert counts(read["summary"]) == counts(served["summary"])


# ---------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(("params", "path"), [
    ({}, "within"),
    ({"within": "abc"}, "within"),
    ({"within": ""}, "within"),
    ({"within": "11", "quarter": "2019"}, "quarter"),
    ({"within": "11", "quarter": "2019Q5"}, "quarter"),
    ({"within": "11", "quarter": ""}, "quarter"),
    ({"within": "11", "reported": "maybe"}, "reported"),
    ({"within": "11", "state": ""}, "state"),
    ({"within": "11", "state": "locked"}, "state"),
    ({"within": "11", "period": "2019Q2"}, "period"),
    ({"within": "11", "page_size": "0"}, "page_size"),
    ({"within": "11", "page": ""}, "page"),
])
def test_bad_input_is_a_400_naming_the_parameter(world, api_error, params, path):
    api_error(api_of(world["root"]).get(URL, params), 400, "validation_error", path)


def test_an_unknown_code_or_a_page_past_the_last_is_a_404(world, api_error):
    client = api_of(world["root"])
    body = api_error(client.get(URL, {"within": "999", "quarter": Q}), 404, "not_found")
    assert body["detail"] == "No unit has the code 999."
    api_error(client.get(URL, {"within": "11", "quarter": Q, "page": "9"}), 404, "not_found")


def test_an_area_not_on_the_map_of_the_quarter_is_a_400(world, api_error):
    """Xã Mới began on 2019-05-01: it is not on the map of 2019Q1 (a superuser sees every unit)."""
    body = api_error(api_of(world["root"]).get(URL, {"within": "03318", "quarter": "2019Q1"}), 400,
                     "validation_error", "quarter")
    assert "not on the map" in body["detail"]


def test_anonymous_users_are_refused(world, anonymous, api_error):
    api_error(anonymous.get(URL, {"within": "11", "quarter": Q}), 401, "not_authenticated")


# ---------------------------------------------------------------------------------------
# Areas


def test_a_commune_editor_reads_their_commune_and_nothing_around_it(world, role_api, api_error):
    client = role_api("editor", world["north"])
    body = client.get(URL, {"within": "03317", "quarter": Q}).json()
    assert communes(body) == {"03317": (2, 2, "all", "approved")}
    assert [entry["unit"]["code"] for entry in body["summary"]["by_unit"]] == ["03317"]
    unknown = client.get(URL, {"within": "999", "quarter": Q}).json()
    for code in ("101", "100", "11", "03400"):
        other = api_error(client.get(URL, {"within": code, "quarter": Q}), 404, "not_found")
        assert other["detail"] == unknown["detail"].replace("999", code)  # reads like a code that does not exist


def test_a_district_viewer_reads_their_district_only(world, role_api, api_error):
    client = role_api("viewer", world["other"])
    assert sorted(communes(client.get(URL, {"within": "101", "quarter": Q}).json())) == ["03400", "03401", "03402"]
    api_error(client.get(URL, {"within": "11", "quarter": Q}), 404, "not_found")
    api_error(client.get(URL, {"within": "100", "quarter": Q}), 404, "not_found")


# ---------------------------------------------------------------------------------------
# A fixed number of queries


def build(tree, *, districts: int, communes_per_district: int, villages_per_commune: int) -> None:
    """More districts, communes and villages under the ``tree`` province, some reported, some
    quarters submitted and approved."""
    root = get_user_model().objects.filter(is_superuser=True).first()
    for number in range(districts):
        district = factories.district(tree["province"], code=f"{200 + number:03d}", name=f"Huyện {number}")
        for c in range(communes_per_district):
            commune = factories.commune(district, code=f"{50000 + number * 100 + c:05d}", name=f"Xã {number}-{c}")
            for v in range(villages_per_commune):
                village = factories.village(commune, name=f"Bản {commune.code}-{v}")
                if (v + c) % 3:
                    factories.report(village, Q, full=1)
            if c % 2:
                approvals.quarter_submit(unit=commune, quarter=Q, by=root)
            if c % 4 == 1:
                approvals.quarter_approve(unit=commune, quarter=Q, by=root)


SIZES = {
    "small": {"districts": 0, "communes_per_district": 0, "villages_per_commune": 0},
    "large": {"districts": 3, "communes_per_district": 4, "villages_per_commune": 5},
}


@pytest.mark.parametrize("size", list(SIZES))
def test_a_fixed_number_of_queries_whatever_the_size(world, role_api, django_assert_max_num_queries, size):
    build(world, **SIZES[size])
    viewer = role_api("viewer", world["province"])
    # A role: its areas, whether it sees the area, and the area's quarter (test_api_queries.ROLE_QUERIES).
    for client, extra in ((api_of(world["root"]), 0), (viewer, 3)):
        with django_assert_max_num_queries(6 + extra):
            body = client.get(URL, {"within": "11", "quarter": Q, "page_size": 500}).json()
        with django_assert_max_num_queries(9 + extra):  # the latest quarter with data first
            client.get(URL, {"within": "11"})
        assert body["summary"]["communes"] == 6 + (12 if size == "large" else 0)
    admin = Client()
    admin.force_login(world["root"])
    # The session and the user, the form's area (read again to show it), and the answer.
    with django_assert_max_num_queries(10):  # and the units' renamings, to name them as in that quarter
        assert admin.get(SCREEN, {"area": world["province"].pk, "quarter": Q}).status_code == 200
    with django_assert_max_num_queries(14):  # the default area, its latest quarter with data
        assert "Xã Đông (03400)" in admin.get(SCREEN).content.decode()


# ---------------------------------------------------------------------------------------
# The admin's screen


def page_of(client, **params) -> str:
    response = client.get(SCREEN, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def row_of(page: str, text: str) -> str:
    position = page.index(text)
    return page[page.rindex("<tr", 0, position): page.index("</tr>", position)]


def test_the_screen_shows_the_counts_and_the_communes_with_links_to_their_quarters(world):
    admin = Client()
    admin.force_login(world["root"])
    page = page_of(admin, area=world["province"].pk, quarter=Q)
    district = row_of(page, "Điện Biên Đông (101)")
    assert [cell.split(">")[-1] for cell in district.split("</td>")[:-1]] == ["3", "1", "0", "1", "1", "0", "0", "0", "3", "1"]
    assert f'href="?area={world["other"].pk}&quarter={Q}"' in district  # drill down to the district
    nha_nhan = row_of(page, "Nà Nhạn (03317)")
    approval = QuarterApproval.objects.get(unit=world["north"], quarter=Q)
    assert reverse("admin:tracking_quarterapproval_change", args=[approval.pk]) in nha_nhan
    assert "approved" in nha_nhan and "all villages reported" in nha_nhan
    west = row_of(page, "Xã Tây (03401)")
    assert f'{reverse("admin:tracking_quarterapproval_add")}?unit={world["west"].pk}&quarter={Q}' in west  # submit it
    assert f'{reverse("admin:tracking_quarterreport_changelist")}?commune={world["west"].pk}&quarter={Q}' in west
    filtered = page_of(admin, area=world["province"].pk, quarter=Q, reported="none")
    assert "Xã Đông (03400)" in filtered and "Xã Tây (03401)" not in filtered and "1 commune" in filtered


def test_the_screen_opens_on_the_users_area_and_the_latest_quarter(world):
    editor = Client()
    editor.force_login(staff_user("xa", "editor", world["north"]))
    page = page_of(editor)
    assert "xã Nà Nhạn (03317), 2019Q2" in page
    assert "Nà Nhạn (03317)" in page and "Nà Tấu" not in page and "Xã Đông" not in page


def test_an_area_outside_the_users_is_a_form_error_and_shows_nothing_of_it(world):
    editor = Client()
    editor.force_login(staff_user("xa", "editor", world["north"]))
    page = page_of(editor, area=world["other"].pk, quarter=Q)
    assert "Select a valid choice" in page
    assert "Xã Đông" not in page and "Xã Tây" not in page and 'id="completeness-summary"' not in page


def test_a_bad_quarter_is_a_form_error(world):
    admin = Client()
    admin.force_login(world["root"])
    page = page_of(admin, area=world["province"].pk, quarter="2019")
    assert "“2019” is not a quarter: write it as 2019Q2." in page and 'id="completeness-summary"' not in page


def test_a_viewer_gets_no_link_to_submit_a_draft(world):
    viewer = Client()
    viewer.force_login(staff_user("xem", "viewer", world["province"]))
    west = row_of(page_of(viewer, area=world["province"].pk, quarter=Q), "Xã Tây (03401)")
    assert reverse("admin:tracking_quarterapproval_add") not in west
    nha_nhan = row_of(page_of(viewer, area=world["province"].pk, quarter=Q), "Nà Nhạn (03317)")
    approval = QuarterApproval.objects.get(unit=world["north"], quarter=Q)
    assert reverse("admin:tracking_quarterapproval_change", args=[approval.pk]) in nha_nhan


def test_a_user_without_a_role_reaches_nothing(world):
    nobody = Client()
    nobody.force_login(staff_user("nobody"))
    assert nobody.get(SCREEN).status_code == 403
    assert nobody.get(SCREEN, {"area": world["province"].pk, "quarter": Q}).status_code == 403
    assert SCREEN not in nobody.get(reverse("admin:index")).content.decode()


def test_the_start_page_the_record_list_and_the_approval_list_link_to_the_screen(world):
    admin = Client()
    admin.force_login(world["root"])
    start = html.unescape(admin.get(reverse("admin:index"), follow=True).content.decode())  # a dashboard
    assert f'href="{SCREEN}?area=' in start
    assert f'href="{SCREEN}"' in admin.get(reverse("admin:index"), {"apps": "1"}).content.decode()
    assert f'href="{SCREEN}"' in admin.get(reverse("admin:tracking_quarterapproval_changelist")).content.decode()


def test_the_screen_speaks_vietnamese(world):
    admin = Client()
    admin.force_login(world["root"])
    page = html.unescape(admin.get(SCREEN, {"area": world["province"].pk, "quarter": Q},
                                   HTTP_ACCEPT_LANGUAGE="vi").content.decode())
    assert "Tình hình báo cáo quý" in page and "mọi bản đã báo cáo" in page and "Số xã theo đơn vị" in page
