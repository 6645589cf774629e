"""The admin's record pages as a person at a laptop uses them."""
import pytest
from django.core.management import call_command

from tests.browser.conftest import screenshot


@pytest.fixture
def article(transactional_db):
    call_command("loaddata", "dien_bien", verbosity=0)


@pytest.fixture
def admin_user(transactional_db, django_user_model):
    return django_user_model.objects.create_superuser(username="admin", email="admin@example.org", password="pw")


def test_searching_villages_without_accents_finds_huoi_chon(article, admin_user, page, sign_in):
    sign_in(admin_user, next_url="/admin/tracking/village/")
    page.fill("#searchbar", "huoi chon")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()

    names = page.locator("#result_list tbody tr th a, #result_list tbody tr td.field-name").all_inner_texts()
    assert any("Huổi Chổn" in name for name in names), names
    assert page.locator("#result_list tbody tr").count() == 1


def test_the_goals_list_reads_at_1366_pixels(article, admin_user, page, sign_in):
    sign_in(admin_user, next_url="/admin/tracking/goal/")
    table = page.locator("#result_list")
    table.wait_for()

    # Every column, the status and its projection included, shows without scrolling the table.
    overflow = table.evaluate("t => t.parentElement.scrollWidth - t.parentElement.clientWidth")
    assert overflow <= 0, f"the table is {overflow} px wider than its place"
    status = page.locator("#result_list thead th").last
    assert status.bounding_box()["x"] + status.bounding_box()["width"] <= 1366
    assert "2020" in page.locator("#result_list tbody").inner_text()
    # A title reads as a line or three, not one word a line.
    for title in page.locator("#result_list tbody th").all():
        assert title.bounding_box()["width"] >= 150, (title.inner_text(), title.bounding_box())
    screenshot(page, "goals")


@pytest.mark.parametrize("model", ["quarterreport", "quarterapproval", "village", "administrativeunit", "partycell"])
def test_the_lists_read_at_1366_pixels(article, admin_user, page, sign_in, model):
    """Every column of the main lists shows beside the admin's menu and filters, nothing to scroll."""
    from tracking import services
    from tracking.access import SYSTEM
    from tracking.models import AdministrativeUnit

    services.approvals.quarter_submit(unit=AdministrativeUnit.objects.get(code="100"), quarter="2019Q4", by=SYSTEM)
    sign_in(admin_user, next_url=f"/admin/tracking/{model}/")
    table = page.locator("#result_list")
    table.wait_for()
    overflow = table.evaluate("t => t.parentElement.scrollWidth - t.parentElement.clientWidth")
    assert overflow <= 0, f"the {model} list is {overflow} px wider than its place"
