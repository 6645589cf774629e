"""The dashboard as a provincial committee sees it: at a laptop and on a phone."""
import pytest
from django.core.management import call_command

from tests.browser.conftest import PHONE, screenshot


@pytest.fixture
def province_viewer(transactional_db, django_user_model):
    from tracking.models import AdministrativeUnit, Role, RoleGrant

    call_command("loaddata", "dien_bien", verbosity=0)
    user = django_user_model.objects.create_user(username="tinh", password="pw", is_staff=True)
    RoleGrant.objects.create(user=user, unit=AdministrativeUnit.objects.get(code="11", level=1), role=Role.VIEWER)
    return user


def test_the_start_page_is_the_province_dashboard_and_drills_down(province_viewer, page, sign_in):
    sign_in(province_viewer)
    page.goto("/admin/dashboard/11/?quarter=2019Q4")
    dashboard = page.locator("#dashboard")
    assert dashboard.get_attribute("data-unit") == "11"
    assert page.locator("svg.chart").is_visible()
    assert page.locator("#goals tbody tr").count() >= 1
    screenshot(page, "dashboard")

    first_child = page.locator("#children tbody tr").first
    code = first_child.get_attribute("data-unit")
    first_child.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("#dashboard").get_attribute("data-unit") == code


def test_the_dashboard_reads_on_a_phone(province_viewer, page, sign_in):
    sign_in(province_viewer)
    page.set_viewport_size(PHONE)
    page.goto("/admin/dashboard/11/?quarter=2019Q4")
    chart = page.locator("svg.chart").bounding_box()
    assert chart["width"] <= PHONE["width"]
    screenshot(page, "dashboard-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
