"""The quarter entry grid of the admin (tracking.admin.entry): a commune's whole quarter on one page.

What a committee's clerk notices: the villages of the commune on that quarter's map, one row each,
pre-filled from the saved report or carried from an earlier one (and said so); Preview counts
what Save would do and shows each error on its village's row without saving; Save writes through
the same service as the API, all or nothing; an approved quarter, or a reader's, is read-only
and a forged POST is refused by the service; the last commune and quarter are remembered.
"""
import datetime
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tracking.access import SYSTEM
from tracking.models import QuarterApproval, QuarterReport, RoleGrant
from tracking.services import approvals

pytestmark = pytest.mark.django_db

D = datetime.date
Q = "2019Q2"


def grid_url(code: str, quarter: str = Q) -> str:
    return reverse("admin:entry_grid", args=[code, quarter])


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def staff_with(role: str, unit, username: str):
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True)
    RoleGrant.objects.create(user=user, unit=unit, role=role)
    return user


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def row(content: str, village) -> str:
    """The grid's row of ``village``."""
    start = content.index(f'data-village="{village.pk}"')
    return content[content.rindex("<tr", 0, start):content.index("</tr>", start)]


def listed_villages(content: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr data-village="(\d+)"', content)}


def value_of(content: str, village, name: str) -> str | None:
    """The value of the input ``v-<village>-<name>`` (a select's chosen option), None if absent."""
    field = f"v-{village.pk}-{name}"
    match = re.search(rf'<input[^>]*name="{field}"[^>]*>', content)
    if match:
        found = re.search(r'value="([^"]*)"', match.group(0))
        return found.group(1) if found else ""
    match = re.search(rf'<select name="{field}".*?</select>', content, re.S)
    if match:
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', match.group(0))
        return chosen.group(1) if chosen else ""
    return None


def grid_data(content: str) -> dict:
    """Every input of the grid as the browser would post it (what the page pre-filled)."""
    data = {"seen": re.search(r'name="seen" value="([^"]*)"', content).group(1)}
    for match in re.finditer(r'name="(v-(\d+)-(\w+))"', content):
        field, village_pk, name = match.groups()
        data[field] = value_of(content, type("V", (), {"pk": int(village_pk)}), name)
    return data


def snapshot() -> set:
    return set(QuarterReport.objects.values_list(
        "pk", "village_id", "quarter", "full_members", "probationary_members", "admissions", "ethnic_minority_members",
        "candidates", "status", "cell_id", "note", "updated_at"))


@pytest.fixture
def commune(tree):
    """Nà Nhạn (03317) in 2019Q2: Huổi Chổn with its saved report and own cell, Nà Pen carried
    from 2019Q1, Co Mận with no report; a village closed before the quarter, one opened after it,
    and a village of the neighbouring commune, none of them on the grid."""
    north, south = tree["north"], tree["south"]
    huoi_chon = factories.village(north, name="Huổi Chổn")
    na_pen = factories.village(north, name="Nà Pen")
    co_man = factories.village(north, name="Co Mận")
    closed = factories.village(north, name="Bản Cũ", valid_to=D(2019, 3, 1))
    later = factories.village(north, name="Bản Mới", valid_from=D(2019, 7, 1))
    elsewhere = factories.village(south, name="Hoa")
    own = factories.cell(huoi_chon, name="Chi bộ Huổi Chổn")
    merged = factories.cell(na_pen, co_man, name="Chi bộ ghép Nà Pen")
    saved = factories.report(huoi_chon, Q, full=3, probationary=1, admissions=1, ethnic_minority_members=4, cell=own,
                             note="counted in July")
    carried = factories.report(na_pen, "2019Q1", full=2, probationary=2, admissions=2, cell=merged)
    factories.report(elsewhere, Q, full=5, probationary=0)
    editor = staff_with("editor", north, "north_editor")
    return {"unit": north, "huoi_chon": huoi_chon, "na_pen": na_pen, "co_man": co_man, "closed": closed,
            "later": later, "elsewhere": elsewhere, "own": own, "merged": merged, "saved": saved, "carried": carried,
            "editor": editor, "south": south}


# ---------------------------------------------------------------------------------------
# What the grid shows


def test_the_grid_lists_exactly_the_villages_of_the_commune_on_the_quarters_map(commune):
    content = page(browser(commune["editor"]).get(grid_url("03317")))
    assert listed_villages(content) == {commune[name].pk for name in ("huoi_chon", "na_pen", "co_man")}
    # In name order, one row each, with the key a file would use.
    names = re.findall(r'<th scope="row">([^<]+)<span class="entry-key">', content)
    assert names == ["Co Mận", "Huổi Chổn", "Nà Pen"]
    assert commune["huoi_chon"].key in content



def test_each_row_is_prefilled_from_its_saved_report_or_carried_from_the_latest_earlier_one(commune):
    content = page(browser(commune["editor"]).get(grid_url("03317")))
    saved, carried, empty = (row(content, commune[name]) for name in ("huoi_chon", "na_pen", "co_man"))
    huoi_chon, na_pen, co_man = commune["huoi_chon"], commune["na_pen"], commune["co_man"]
    assert [value_of(content, huoi_chon, name) for name in
            ("full_members", "probationary_members", "admissions", "ethnic_minority_members", "candidates", "cell",
             "status")] == ["3", "1", "1", "4", "", str(commune["own"].pk), ""]
    assert "saved" in saved and "carried" not in saved
    # Carried: the members and the cell of 2019Q1, not its admissions (those were 2019Q1's own).
    assert [value_of(content, na_pen, name) for name in ("full_members", "probationary_members", "admissions", "cell")] \
        == ["2", "2", "", str(commune["merged"].pk)]
    assert 'class="carried"' in carried and "carried from 2019Q1 — not saved yet" in carried
    assert value_of(content, co_man, "full_members") == "" and "no report" in empty and "carried" not in empty


def test_the_cells_offered_are_those_serving_the_village_that_quarter(commune):
    content = page(browser(commune["editor"]).get(grid_url("03317")))
    options = re.findall(r'<option value="(\d+)"', re.search(
        rf'<select name="v-{commune["co_man"].pk}-cell".*?</select>', content, re.S).group(0))
    assert options == [str(commune["merged"].pk)]
    assert "Chi bộ ghép Nà Pen (merged cell: 2 villages)" in row(content, commune["co_man"])


def test_the_inputs_have_stable_names_ids_and_labels_and_the_totals_row_sums_the_columns(commune):
    content = page(browser(commune["editor"]).get(grid_url("03317")))
    pk = commune["huoi_chon"].pk
    for name in ("full_members", "probationary_members", "admissions", "ethnic_minority_members", "candidates"):
        assert re.search(rf'<input type="number" name="v-{pk}-{name}"[^>]*id="id_v-{pk}-{name}"', content), name
    assert f'aria-label="Huổi Chổn: full members" id="id_v-{pk}-full_members"' in content
    # Tab order is the document's: row by row, left to right.
    order = re.findall(r'name="v-(\d+)-(\w+)"', content)
    assert order[:7] == [(str(commune["co_man"].pk), name) for name in (
        "full_members", "probationary_members", "admissions", "ethnic_minority_members", "candidates", "cell", "status")]
    assert 'data-total="full_members">5<' in content  # 3 saved + 2 carried
    assert 'data-total="admissions">1<' in content  # carried admissions are not shown, not summed
    for button in ('id="entry-preview-button"', 'id="entry-save-button"', 'id="entry-submit-button"'):
        assert button in content


# ---------------------------------------------------------------------------------------
# Preview and save


def test_preview_counts_what_save_would_do_and_shows_each_error_on_its_row_without_saving(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    before = snapshot()
    co_man, na_pen = commune["co_man"], commune["na_pen"]

    data.update({f"v-{co_man.pk}-full_members": "0", f"v-{co_man.pk}-probationary_members": "0"})
    content = page(client.post(grid_url("03317"), {**data, "action": "preview"}))
    assert 'data-created="2" data-updated="0" data-unchanged="1"' in content  # Co Mận and the carried Nà Pen
    assert "Preview, nothing saved yet: 2 to create, 0 to update, 1 unchanged, 0 left empty" in content
    assert 'data-outcome="created"' in row(content, co_man) and 'data-outcome="unchanged"' in row(content, commune["huoi_chon"])
    assert snapshot() == before

    data[f"v-{na_pen.pk}-admissions"] = "3"  # more than its 2 probationary members
    content = page(client.post(grid_url("03317"), {**data, "action": "preview"}))
    errors = re.search(r'<td class="column-admissions[^"]*">.*?</td>', row(content, na_pen), re.S).group(0)
    assert "Admissions (3) cannot exceed the probationary members (2)" in errors
    assert "has-errors" in row(content, na_pen) and "has-errors" not in row(content, co_man)
    assert "Nothing was saved: 1 error, shown on its row." in content
    assert 'id="entry-preview"' not in content
    # What was typed stays in the table, to be corrected.
    assert value_of(content, na_pen, "admissions") == "3" and value_of(content, co_man, "full_members") == "0"
    assert snapshot() == before


def test_save_writes_through_the_service_and_the_api_shows_the_values(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    co_man, huoi_chon = commune["co_man"], commune["huoi_chon"]
    data.update({f"v-{co_man.pk}-full_members": "1", f"v-{co_man.pk}-probationary_members": "1",
                 f"v-{co_man.pk}-admissions": "1", f"v-{co_man.pk}-cell": str(commune["merged"].pk),
                 f"v-{huoi_chon.pk}-candidates": "2"})
    response = client.post(grid_url("03317"), {**data, "action": "save"}, follow=True)
    content = page(response)
    assert response.redirect_chain == [(grid_url("03317"), 302)]
    assert "2019Q2 of xã Nà Nhạn (03317) saved: 2 created, 1 updated, 0 unchanged." in content
    assert "saved" in row(content, co_man) and "carried" not in row(content, commune["na_pen"])

    reports = client.get("/api/v1/reports/", {"within": "03317", "period": Q}).json()["results"]
    by_village = {report["village"]: report for report in reports}
    assert set(by_village) == {co_man.pk, huoi_chon.pk, commune["na_pen"].pk}
    assert {key: by_village[co_man.pk][key] for key in ("full_members", "probationary_members", "admissions", "cell")} \
        == {"full_members": 1, "probationary_members": 1, "admissions": 1, "cell": commune["merged"].pk}
    assert by_village[huoi_chon.pk]["candidates"] == 2
    assert by_village[huoi_chon.pk]["note"] == "counted in July"  # not in the grid: kept as saved
    assert by_village[commune["na_pen"].pk]["admissions"] is None
    history = QuarterReport.objects.get(village=co_man, quarter=Q).history.get()
    assert (history.history_user, history.history_path) == (commune["editor"], "admin")


def test_saving_the_grid_as_it_opened_leaves_saved_reports_unchanged(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    saved = QuarterReport.objects.get(pk=commune["saved"].pk)
    history = saved.history.count()
    content = page(client.post(grid_url("03317"), {**data, "action": "save"}, follow=True))
    assert "saved: 1 created, 0 updated, 1 unchanged." in content  # Nà Pen carried, Co Mận left empty
    again = QuarterReport.objects.get(pk=saved.pk)
    assert (again.updated_at, again.note, again.history.count()) == (saved.updated_at, "counted in July", history)
    assert not QuarterReport.objects.filter(village=commune["co_man"]).exists()


def test_a_save_from_a_page_opened_before_someone_elses_save_is_refused(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    other = staff_with("editor", commune["unit"], "other_clerk")
    page(browser(other).post(grid_url("03317"), {**grid_data(page(browser(other).get(grid_url("03317")))),
                                                f"v-{commune['huoi_chon'].pk}-full_members": "7", "action": "save"},
                             follow=True))
    data[f"v-{commune['co_man'].pk}-full_members"] = "1"
    data[f"v-{commune['co_man'].pk}-probationary_members"] = "0"
    before = snapshot()
    content = page(client.post(grid_url("03317"), {**data, "action": "save"}))
    assert snapshot() == before
    assert "Someone else saved reports of this quarter after you opened the page: nothing was saved." in content
    assert value_of(content, commune["co_man"], "full_members") == "1"  # what was typed is kept
    # The page now knows the other save: a preview shows it (Huổi Chổn back from 7 to 3), a save goes through.
    content = page(client.post(grid_url("03317"), {**grid_data(content), "action": "preview"}))
    assert 'data-outcome="updated"' in row(content, commune["huoi_chon"])
    content = page(client.post(grid_url("03317"), {**grid_data(content), "action": "save"}, follow=True))
    assert "saved: 1 created, 1 updated, 1 unchanged." in content


def test_one_error_saves_nothing(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    co_man, huoi_chon = commune["co_man"], commune["huoi_chon"]
    data.update({f"v-{co_man.pk}-full_members": "4", f"v-{co_man.pk}-probationary_members": "0",
                 f"v-{huoi_chon.pk}-full_members": "5",
                 f"v-{commune['na_pen'].pk}-probationary_members": ""})  # members needed, or a status
    before = snapshot()
    content = page(client.post(grid_url("03317"), {**data, "action": "save"}))
    assert snapshot() == before
    assert "Give this count, or give only a status for a historical fact." in row(content, commune["na_pen"])
    assert "Nothing was saved: 1 error, shown on its row." in content
    assert value_of(content, huoi_chon, "full_members") == "5"


def test_a_value_that_is_not_a_count_is_refused_on_its_field_with_the_others_checked_too(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    huoi_chon, na_pen = commune["huoi_chon"], commune["na_pen"]
    data.update({f"v-{huoi_chon.pk}-full_members": "-1", f"v-{na_pen.pk}-admissions": "9"})
    before = snapshot()
    content = page(client.post(grid_url("03317"), {**data, "action": "save"}))
    assert snapshot() == before
    assert "Ensure this value is greater than or equal to 0." in row(content, huoi_chon)
    assert "Admissions (9) cannot exceed" in row(content, na_pen)
    assert "Nothing was saved: 2 errors, shown on their rows." in content


def test_a_cell_not_serving_the_village_cannot_be_posted(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    data[f"v-{commune['na_pen'].pk}-cell"] = str(commune["own"].pk)  # Huổi Chổn's own cell
    before = snapshot()
    content = page(client.post(grid_url("03317"), {**data, "action": "save"}))
    assert snapshot() == before
    assert "Select a valid choice." in row(content, commune["na_pen"])


def test_a_status_without_counts_is_saved_for_a_village_known_only_by_status(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    data[f"v-{commune['co_man'].pk}-status"] = "no_member"
    page(client.post(grid_url("03317"), {**data, "action": "save"}, follow=True))
    report = QuarterReport.objects.get(village=commune["co_man"], quarter=Q)
    assert (report.status, report.full_members, report.probationary_members) == ("no_member", None, None)


def test_a_cleared_row_gets_no_report_and_an_empty_grid_saves_nothing(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    na_pen = commune["na_pen"].pk
    data.update({name: "" for name in data if name.startswith(f"v-{na_pen}-")})  # carried, then cleared
    content = page(client.post(grid_url("03317"), {**data, "action": "save"}, follow=True))
    assert "saved: 0 created, 0 updated, 1 unchanged." in content
    assert not QuarterReport.objects.filter(village_id=na_pen, quarter=Q).exists()

    # Clearing a saved report does not delete it: the service asks for its counts.
    data = grid_data(page(client.get(grid_url("03317"))))
    huoi_chon = commune["huoi_chon"].pk
    data.update({name: "" for name in data if name.startswith(f"v-{huoi_chon}-")})
    content = page(client.post(grid_url("03317"), {**data, "action": "save"}))
    assert "Give this count" in row(content, commune["huoi_chon"])
    assert QuarterReport.objects.filter(village_id=huoi_chon, quarter=Q).exists()

    # A quarter with nothing saved or carried (2018Q4, before any report), posted empty.
    data = grid_data(page(client.get(grid_url("03317", "2018Q4"))))
    assert set(value for name, value in data.items() if name != "seen") == {""}
    content = page(client.post(grid_url("03317", "2018Q4"), {**data, "action": "save"}))
    assert "Nothing to save: every row is empty." in content


# ---------------------------------------------------------------------------------------
# Approval: locked quarters, submitting


def approve(unit, quarter: str = Q):
    approvals.quarter_submit(unit=unit, quarter=quarter, by=SYSTEM)
    approver = get_user_model().objects.create_user(username="approver", password="pw", is_staff=True)
    RoleGrant.objects.create(user=approver, unit=unit, role="approver")
    return approvals.quarter_approve(unit=unit, quarter=quarter, by=approver)


def test_an_approved_quarter_opens_read_only_saying_who_approved_it_and_when(commune):
    approval = approve(commune["unit"])
    content = page(browser(commune["editor"]).get(grid_url("03317")))
    assert 'name="v-' not in content and 'id="entry-save-button"' not in content
    assert 'id="entry-submit-button"' not in content
    day = approval.approved_at.astimezone(datetime.timezone(datetime.timedelta(hours=7))).date().isoformat()
    assert f"2019Q2 of xã Nà Nhạn (03317) was approved by approver on {day}" in content
    assert 'data-state="approved"' in content
    # The values are shown as text, on the same ids.
    assert f'<span id="id_v-{commune["huoi_chon"].pk}-full_members">3</span>' in content
    assert "carried from 2019Q1" in row(content, commune["na_pen"]) and "not saved yet" not in content


def test_a_forged_post_to_an_approved_quarter_is_refused_by_the_service_and_saves_nothing(commune):
    client = browser(commune["editor"])
    data = grid_data(page(client.get(grid_url("03317"))))
    approve(commune["unit"])
    data[f"v-{commune['huoi_chon'].pk}-full_members"] = "9"
    before = snapshot()
    content = page(client.post(grid_url("03317"), {**data, "action": "save"}))
    assert snapshot() == before
    assert "Nothing was saved: 2019Q2 of xã Nà Nhạn (03317) was approved by approver" in content
    assert "an approver of a unit above must reopen it before its reports change" in content


def test_a_district_approval_locks_the_communes_grid_too(commune, tree):
    approve(tree["district"])
    content = page(browser(commune["editor"]).get(grid_url("03317")))
    assert 'name="v-' not in content and "2019Q2 of huyện Điện Biên (100) was approved" in content


def test_a_district_grid_with_an_approved_commune_saves_nothing_and_names_the_locked_rows(commune, tree):
    editor = staff_with("editor", tree["district"], "district_editor")
    client = browser(editor)
    data = grid_data(page(client.get(grid_url("100"))))
    approve(commune["unit"])
    data[f"v-{commune['elsewhere'].pk}-full_members"] = "6"  # Hoa, in the commune that is still open
    before = snapshot()
    content = page(client.post(grid_url("100"), {**data, "action": "save"}))
    assert snapshot() == before
    assert "Nothing was saved: 2019Q2 of xã Nà Nhạn (03317) was approved" in content
    assert "was approved by approver" in row(content, commune["huoi_chon"])
    assert "was approved" not in row(content, commune["elsewhere"])


def test_submit_for_approval_from_the_grid(commune):
    client = browser(commune["editor"])
    response = client.post(grid_url("03317"), {"action": "submit"}, follow=True)
    content = page(response)
    assert QuarterApproval.objects.get(unit=commune["unit"], quarter=Q).state == "submitted"
    assert "2019Q2 of xã Nà Nhạn (03317): submitted." in content
    assert 'data-state="submitted"' in content and "submitted by north_editor" in content
    assert 'id="entry-submit-button"' not in content  # once submitted, no second submission
    assert 'id="entry-save-button"' in content  # a submitted quarter is still open to corrections
    content = page(client.post(grid_url("03317"), {"action": "submit"}, follow=True))
    assert "is already submitted" in content


# ---------------------------------------------------------------------------------------
# Who may open and change it


def test_another_communes_grid_reads_like_a_code_that_does_not_exist(commune):
    client = browser(commune["editor"])
    assert client.get(grid_url("03316")).status_code == 404
    assert client.get(grid_url("99999")).status_code == 404
    assert client.post(grid_url("03316"), {"action": "save"}).status_code == 404
    assert client.get(grid_url("03317", "2019Q5")).status_code == 404
    assert client.get(grid_url("03317", "2019")).status_code == 404


def test_a_reader_sees_the_grid_read_only_and_cannot_save(commune):
    viewer = staff_with("viewer", commune["unit"], "north_viewer")
    data = grid_data(page(browser(commune["editor"]).get(grid_url("03317"))))
    client = browser(viewer)
    content = page(client.get(grid_url("03317")))
    assert 'name="v-' not in content and 'id="entry-submit-button"' not in content
    assert "Read-only: this quarter of the unit is not in the area of your editor roles." in content
    before = snapshot()
    for action in ("save", "preview"):
        content = page(client.post(grid_url("03317"), {**data, "action": action}))
        assert "Nothing was saved: You hold no editor role: this needs one on xã Nà Nhạn (03317) or a unit above it." in content
    assert snapshot() == before
    content = page(client.post(grid_url("03317"), {"action": "submit"}, follow=True))
    assert "is not in the area of your editor roles" in content
    assert not QuarterApproval.objects.exists()


def test_a_commune_too_large_for_one_form_is_shown_read_only(commune, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 30  # two villages' inputs, with room for the rest of the form
    content = page(browser(commune["editor"]).get(grid_url("03317")))
    assert 'name="v-' not in content and 'id="entry-save-button"' not in content
    assert "3 villages: more than this page takes (2). Enter this quarter from a CSV file" in content
    assert len(listed_villages(content)) == 3


def test_a_future_quarter_sends_back_to_the_picker(commune):
    response = browser(commune["editor"]).get(grid_url("03317", "2099Q1"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:entry_picker")
    assert "2099Q1 has not begun" in page(response)


def test_a_staff_user_without_a_role_finds_no_grid(commune):
    nobody = get_user_model().objects.create_user(username="nobody", password="pw", is_staff=True)
    assert browser(nobody).get(grid_url("03317")).status_code == 404


def test_a_province_is_not_entered_in_one_grid(commune):
    response = browser(commune["editor"]).get(grid_url("11"))
    assert response.status_code == 404  # outside the commune editor's area
    admin = get_user_model().objects.create_superuser(username="root", email="r@example.org", password="pw")
    response = browser(admin).get(grid_url("11"), follow=True)
    assert "Điện Biên (11) is not a commune or a district" in page(response)
    assert response.redirect_chain[-1][0] == reverse("admin:entry_picker")


def test_a_district_grid_lists_the_villages_of_its_communes(commune, tree):
    editor = staff_with("editor", tree["district"], "district_editor")
    content = page(browser(editor).get(grid_url("100")))
    assert listed_villages(content) == {commune[name].pk for name in ("huoi_chon", "na_pen", "co_man", "elsewhere")}


# ---------------------------------------------------------------------------------------
# The picker


def test_the_picker_offers_the_communes_of_the_editor_area_and_opens_the_grid(commune, tree):
    client = browser(commune["editor"])
    content = page(client.get(reverse("admin:entry_picker")))
    assert re.search(rf'<option value="{commune["unit"].pk}"( selected)?>xã Nà Nhạn \(03317\)</option>', content)
    assert "Nà Tấu" not in content
    response = client.get(reverse("admin:entry_picker"), {"unit": commune["unit"].pk, "quarter": Q})
    assert response.status_code == 302 and response["Location"] == grid_url("03317")


def test_the_picker_refuses_a_future_quarter_and_a_commune_of_another_area(commune):
    client = browser(commune["editor"])
    content = page(client.get(reverse("admin:entry_picker"), {"unit": commune["unit"].pk, "quarter": "2099Q1"}))
    assert "2099Q1 has not begun" in content
    content = page(client.get(reverse("admin:entry_picker"), {"unit": commune["south"].pk, "quarter": Q}))
    assert "Select a valid choice." in content
    content = page(client.get(reverse("admin:entry_picker"), {"unit": commune["unit"].pk, "quarter": "2019"}))
    assert "is not a quarter" in content


def test_the_picker_remembers_the_last_commune_and_quarter_opened(commune):
    client = browser(commune["editor"])
    content = page(client.get(reverse("admin:entry_picker")))
    assert 'id="entry-continue"' not in content
    page(client.get(grid_url("03317", "2019Q1")))
    content = page(client.get(reverse("admin:entry_picker")))
    assert f'<option value="{commune["unit"].pk}" selected>' in content
    assert 'name="quarter" value="2019Q1"' in content
    assert f'href="{grid_url("03317", "2019Q1")}"' in content
    assert client.session["tracking_entry"]["quarter"] == "2019Q1"


def test_the_picker_searches_names_without_accents(commune):
    client = browser(commune["editor"])
    content = page(client.get(reverse("admin:entry_picker"), {"q": "na nhan"}))
    assert "xã Nà Nhạn (03317)" in content
    content = page(client.get(reverse("admin:entry_picker"), {"q": "hoa binh"}))
    assert "xã Nà Nhạn (03317)" not in content


def test_the_reports_list_and_a_communes_page_link_the_grid(commune):
    admin = get_user_model().objects.create_superuser(username="root", email="r@example.org", password="pw")
    client = browser(admin)
    picker = reverse("admin:entry_picker")
    assert f'href="{picker}"' in page(client.get(reverse("admin:tracking_quarterreport_changelist")))
    unit_page = page(client.get(reverse("admin:tracking_administrativeunit_change", args=[commune["unit"].pk])))
    assert f'href="{picker}?unit={commune["unit"].pk}"' in unit_page
    province_page = page(client.get(reverse("admin:tracking_administrativeunit_change", args=[commune["unit"].pk - 3])))
    assert 'id="entry-grid-link"' not in province_page
    content = page(client.get(picker, {"unit": commune["unit"].pk}))
    assert f'<option value="{commune["unit"].pk}" selected>' in content


# ---------------------------------------------------------------------------------------
# Language and speed


def test_the_grid_speaks_vietnamese_by_default(commune):
    client = Client()
    client.force_login(commune["editor"])
    content = page(client.get(grid_url("03317"), HTTP_ACCEPT_LANGUAGE="vi"))
    for text in ("Lưu quý", "Xem trước (không lưu)", "chuyển từ 2019Q1 — chưa lưu", "Gửi duyệt", "Nhập số liệu: Quý 2019Q2"):
        assert text in content, text


def commune_of(tree, code: str, villages: int):
    """A commune of ``villages`` villages, each with a report in 2019Q1 and half of them in 2019Q2,
    own and merged cells, and its editor."""
    unit = factories.commune(tree["district"], code=code, name=f"Xã {code}")
    made = [factories.village(unit, name=f"Bản {code}-{number}") for number in range(villages)]
    for first, second in zip(made[0::2], made[1::2]):
        merged = factories.cell(first, second, name=f"Chi bộ ghép {first.name}")
        own = factories.cell(first, name=f"Chi bộ {first.name}")
        for village, cell in ((first, own), (second, merged)):
            factories.report(village, "2019Q1", full=3, probationary=1, admissions=1, cell=cell)
        factories.report(first, Q, full=4, probationary=1, cell=own)
    return unit, staff_with("editor", unit, f"editor_{code}")


def test_the_grid_preview_and_save_take_a_fixed_number_of_queries_whatever_the_communes_size(tree):
    counts = {}
    for code, size in (("04001", 2), ("04002", 24)):
        unit, editor = commune_of(tree, code, size)
        client = browser(editor)
        client.get(grid_url(code))  # the session's first write
        with CaptureQueriesContext(connection) as queries:
            content = page(client.get(grid_url(code)))
        assert len(listed_villages(content)) == size
        data = grid_data(content)
        with CaptureQueriesContext(connection) as preview:
            page(client.post(grid_url(code), {**data, "action": "preview"}))
        with CaptureQueriesContext(connection) as save:  # the carried half created, the others unchanged
            assert client.post(grid_url(code), {**data, "action": "save"}).status_code == 302
        assert QuarterReport.objects.filter(village__name__startswith=f"Bản {code}-", quarter=Q).count() == size
        counts[size] = (len(queries), len(preview), len(save))
    assert counts[2] == counts[24], counts


def test_an_approver_approves_the_submitted_quarter_from_the_grid(commune):
    editor = commune["editor"]
    approver = staff_with("approver", commune["unit"], "huyen-approver")
    browser(editor).post(grid_url(commune["unit"].code), {"action": "submit"})
    editor_page = page(browser(editor).get(grid_url(commune["unit"].code)))
    assert 'id="entry-approve-button"' not in editor_page  # an editor cannot approve
    approver_page = page(browser(approver).get(grid_url(commune["unit"].code)))
    assert 'id="entry-approve-button"' in approver_page
    browser(approver).post(grid_url(commune["unit"].code), {"action": "approve"})
    assert QuarterApproval.objects.get(unit=commune["unit"], quarter=Q).state == "approved"


def test_the_picker_chooses_the_editors_one_commune_at_its_last_quarter_on_the_map(tree):
    closed = factories.commune(tree["district"], code="03399", name="Xã Cũ", valid_to=D(2025, 7, 1))
    editor = staff_with("editor", closed, "old_commune_editor")
    content = page(browser(editor).get(reverse("admin:entry_picker")))
    assert re.search(rf'<option value="{closed.pk}" selected', content)
    assert 'value="2025Q2"' in content
