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

    # The district's approver sees it on the dashboard, finds the submitted quarter and approves it.
    page.context.clear_cookies()
    sign_in(world["approver"], next_url=f"/admin/dashboard/100/?quarter={QUARTER}")
    assert page.locator("[data-count=submitted] dd").inner_text() == "1"
    assert page.locator("[data-count=villages_reported] dd").inner_text() == "3 / 3"
    assert page.locator("#children tr[data-unit='03317'] [data-figure=villages_total]").inner_text() == "3"
    page.goto(f"/admin/entry/03317/{QUARTER}/")
    page.click("#entry-approve-button")
    page.wait_for_load_state()
    assert QuarterApproval.objects.get(unit=world["commune"], quarter=QUARTER).state == "approved"

    # The editor's grid is now read-only.
    page.context.clear_cookies()
    sign_in(world["editor"], next_url=f"/admin/entry/03317/{QUARTER}/")
    assert page.locator("#entry-locked").is_visible()
    assert page.locator(f"input#id_v-{first.pk}-full_members").count() == 0


def test_an_upload_with_one_bad_row_shows_the_error_and_saves_nothing(commune_and_people, page, sign_in, tmp_path):
    from tracking.models import QuarterReport

    world = commune_and_people
    commune = world["commune"]
    sign_in(world["editor"], next_url=f"/admin/spreadsheets/?unit={commune.pk}")

    # The quarter's template, downloaded as a committee would, filled in with one bad count.
    form = page.locator("#spreadsheets-template-form")
    form.locator("input[name$=quarter]").fill(QUARTER)
    form.locator("[name$=file_format][value=csv]").check()
    with page.expect_download() as download:
        form.locator("input[type=submit]").click()
    template = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    header, rows = template[0], template[1:]
    assert header.startswith("village_key") and len(rows) == 3
    columns = header.split(",")
    full = columns.index(next(name for name in columns if "chính thức" in name.lower()))
    probationary = columns.index(next(name for name in columns if "dự bị" in name.lower() and "báo cáo" not in name.lower()))

    def filled(values):
        lines = [header]
        for row, value in zip(rows, values):
            cells = row.split(",")
            cells[full], cells[probationary] = value, "0"
            lines.append(",".join(cells))
        path = tmp_path / "quy.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    upload = page.locator("#spreadsheets-upload-form")
    upload.locator("input[name$=quarter]").fill(QUARTER)
    upload.locator("input[type=file]").set_input_files(filled(["3", "bốn", "1"]))
    upload.locator("input[type=submit]").click()
    page.wait_for_load_state()
    errors = page.locator("#spreadsheet-errors tbody tr")
    assert errors.count() == 1
    line, column = errors.first.locator("td").nth(0).inner_text(), errors.first.locator("td").nth(1).inner_text()
    assert (line, column.lower()) == ("3", columns[full].lower())  # "bốn", on line 3 of the file
    assert page.locator("#spreadsheet-confirm-form").count() == 0
    assert not QuarterReport.objects.filter(quarter=QUARTER).exists()

    # Corrected, checked, confirmed: all three written.
    page.goto(f"/admin/spreadsheets/?unit={commune.pk}")
    upload.locator("input[name$=quarter]").fill(QUARTER)
    upload.locator("input[type=file]").set_input_files(filled(["3", "4", "1"]))
    upload.locator("input[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#spreadsheet-counts td.created").inner_text() == "3"
    page.locator("#spreadsheet-confirm-form input[type=submit]").click()
    page.wait_for_load_state()
    assert sorted(QuarterReport.objects.filter(quarter=QUARTER).values_list("full_members", flat=True)) == [1, 3, 4]
