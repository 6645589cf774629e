"""Completeness of a quarter for a commune that moved (``tests.moved_world``): Nà Tấu (03316) left
huyện Điện Biên (100, "A") for Điện Biên Phủ (094, "B") on 2020-01-01. Each committee reads its
quarters of the commune, and only those, in the API and the admin's screen.

Apart from ``tests/test_completeness.py``: the moved world is built once for a module and stays
until the module's end."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.test_completeness import URL, page_of, row_of
from tracking.models import AdministrativeUnit


def states(body: dict) -> dict:
    return {row["unit"]["code"]: row["state"] for row in body["results"]}


def test_a_role_reads_the_quarters_when_the_commune_was_in_its_area(moved, client_of, api_error):
    former, current = client_of("a_viewer"), client_of("b_viewer")
    assert states(former.get(URL, {"within": "03316", "quarter": "2019Q3"}).json())["03316"] == "submitted"
    api_error(former.get(URL, {"within": "03316", "quarter": "2021Q1"}), 404, "not_found")
    assert states(current.get(URL, {"within": "03316", "quarter": "2021Q1"}).json())["03316"] == "submitted"
    api_error(current.get(URL, {"within": "03316", "quarter": "2019Q3"}), 404, "not_found")
    # A's district in 2021 is A's, without Nà Tấu; in 2019, with it.
    assert "03316" not in states(former.get(URL, {"within": "100", "quarter": "2021Q1", "page_size": 500}).json())
    assert "03316" in states(former.get(URL, {"within": "100", "quarter": "2019Q3", "page_size": 500}).json())


def test_the_screen_refuses_a_quarter_when_the_commune_was_not_in_the_area(moved):
    former = Client()
    former.force_login(get_user_model().objects.get(username="a_viewer"))
    na_tau = AdministrativeUnit.objects.get(code="03316")
    page = page_of(former, area=na_tau.pk, quarter="2021Q1")
    assert "No unit has the code 03316." in page and 'id="completeness-communes"' not in page
    page = page_of(former, area=na_tau.pk, quarter="2019Q3")
    assert "submitted" in row_of(page, "Nà Tấu (03316)")


ROLES = {"a_viewer": "100", "a_editor": "100", "a_approver": "100", "b_viewer": "094", "outsider": "098"}


@pytest.mark.parametrize(("username", "area"), list(ROLES.items()))
def test_each_role_opens_on_its_area_and_reaches_no_other(moved, client_of, api_error, username, area):
    user = get_user_model().objects.get(username=username)
    browser = Client()
    browser.force_login(user)
    page = page_of(browser)
    own = AdministrativeUnit.objects.get(code=area)
    assert f"{own}, " in page and 'id="completeness-communes"' in page  # its own area, on the latest quarter
    for code in ("100", "094", "098"):
        if code == area:
            continue
        other = AdministrativeUnit.objects.get(code=code)
        refused = page_of(browser, area=other.pk, quarter="2019Q2")
        assert "Select a valid choice" in refused and 'id="completeness-summary"' not in refused
        api_error(client_of(username).get(URL, {"within": code, "quarter": "2019Q2"}), 404, "not_found")


def test_an_abolished_district_without_data_opens_on_its_last_quarter(moved, client_of):
    """Huyện Tủa Chùa (098) has no village report and ended on 2025-07-01: not today's quarter,
    when it is on no map, but its last one."""
    body = client_of("outsider").get(URL, {"within": "098"}).json()
    assert (body["quarter"], body["map_date"]) == ("2025Q2", "2025-06-30")
    assert body["summary"]["communes"] > 0
