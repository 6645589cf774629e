"""A commune's quarter from entry to approval, as the two committees do it in the browser."""
import pytest

from tests import factories
from tests.browser.conftest import screenshot

QUARTER = "2026Q3"


@pytest.fixture
def commune_and_people(transactional_db, django_user_model):
    from tracking.models import Role, RoleGrant

    province = factories.province(code="11")
    district = factories.district(province, code="100", name="Điện Biên")
    commune = factories.commune(district, code="03317", name="Nà Nhạn")
    villages = [factories.village(commune, name=name, valid_from=factories.D(2020, 1, 1))
                for name in ("Huổi Chổn", "Nà Sáy", "Co Mận")]
    for village, members in zip(villages, (4, 0, 2)):
        factories.report(village, "2026Q2", full=members)
    editor = django_user_model.objects.create_user(username="xa", password="pw", is_staff=True)
    RoleGrant.objects.create(user=editor, unit=commune, role=Role.EDITOR)
    approver = django_user_model.objects.create_user(username="huyen", password="pw", is_staff=True)
    RoleGrant.objects.create(user=approver, unit=district, role=Role.APPROVER)
    return {"commune": commune, "villages": villages, "editor": editor, "approver": approver}


def test_an_editor_enters_the_quarter_and_the_district_approves_it(commune_and_people, page, sign_in):
    from tracking.models import QuarterApproval, QuarterReport

    world = commune_and_people
    first, second, third = world["villages"]
    sign_in(world["editor"])
    page.goto(f"/admin/entry/03317/{QUARTER}/")
    grid = page.locator("#entry-grid")
    assert grid.locator("tbody tr[data-village]").count() == 3
    assert "carried" in (page.locator(f"#entry-row-{first.pk}").get_attribute("class") or "")

    # A wrong count: the preview shows it on its village's row and saves nothing.
    page.fill(f"#id_v-{first.pk}-full_members", "5")
    page.fill(f"#id_v-{second.pk}-full_members", "-1")
    page.click("#entry-preview-button")
    page.wait_for_load_state()
    assert page.locator("#entry-errors").is_visible()
    assert "has-errors" in page.locator(f"#entry-row-{second.pk}").get_attribute("class")
    assert not QuarterReport.objects.filter(quarter=QUARTER).exists()

    # Fixed, previewed again, saved.
    page.fill(f"#id_v-{second.pk}-full_members", "1")
    page.click("#entry-preview-button")
    page.wait_for_load_state()
    assert page.locator("#entry-preview").get_attribute("data-created") == "3"
    page.click("#entry-save-button")
    page.wait_for_load_state()
    saved = dict(QuarterReport.objects.filter(quarter=QUARTER).values_list("village_id", "full_members"))
    assert saved == {first.pk: 5, second.pk: 1, third.pk: 2}
    screenshot(page, "entry-grid")

    page.click("#entry-submit-button")
    page.wait_for_load_state()
    assert page.locator("#entry-approval-state").get_attribute("data-state") == "submitted"

    # The district's approver finds the submitted quarter and approves it.
    page.context.clear_cookies()
    sign_in(world["approver"], next_url="/admin/tracking/quarterapproval/?state__exact=submitted")
    row = page.locator("#result_list tbody tr", has_text="Nà Nhạn")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "approve_quarters")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert QuarterApproval.objects.get(unit=world["commune"], quarter=QUARTER).state == "approved"

    # The editor's grid is now read-only.
    page.context.clear_cookies()
    sign_in(world["editor"], next_url=f"/admin/entry/03317/{QUARTER}/")
    assert page.locator("#entry-locked").is_visible()
    assert page.locator(f"input#id_v-{first.pk}-full_members").count() == 0
