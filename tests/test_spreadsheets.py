"""The committees' spreadsheets: a unit's quarter downloaded as XLSX or CSV, filled in and loaded
back (checked first, then written: the one import of reports, all or nothing), and the figures of
a unit's children quarter by quarter, through the API and the admin."""
import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests import factories
from tracking.models import AdministrativeUnit, QuarterReport, RoleGrant
from tracking.selectors import spreadsheets as sheets
from tracking.services import approvals, imports

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The headers a Vietnamese committee reads (the default language).
VI = {"full_members": "đảng viên chính thức", "probationary_members": "đảng viên dự bị",
      "admissions": "kết nạp trong quý"}


@pytest.fixture
def users(article, django_user_model):
    """Roles on the Điện Biên fixtures: huyện Điện Biên (100) holds Nà Nhạn (03317, with Huổi Chổn
    03317-0001) and Nà Tấu (03316, with Hoa 03316-0001) in 2019."""
    found = {}
    for username, code, role in (("editor_100", "100", "editor"), ("editor_03317", "03317", "editor"),
                                 ("editor_098", "098", "editor"), ("viewer_100", "100", "viewer"),
                                 ("approver_11", "11", "approver")):
        found[username] = django_user_model.objects.create_user(username=username, password="pw", is_staff=True)
        RoleGrant.objects.create(user=found[username], unit=AdministrativeUnit.objects.get(code=code), role=role)
    return found


def api_as(user, language: str = "en") -> APIClient:
    """A client of ``user`` asking for answers in ``language``."""
    client = APIClient(raise_request_exception=False)  # a server error answers 500, as a real server's would
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return client


def rows_of(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def filled(content: bytes, values: dict[str, dict[str, object]]) -> bytes:
    """The workbook ``content`` with ``values`` (village key → machine column → value) typed in,
    each column found by its Vietnamese header, as a committee finds it."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for name, value in values.get(row[0].value, {}).items():
            row[header.index(VI.get(name, name))].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(*rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, code: str, quarter: str, name: str, content: bytes, dry_run: bool = False, **headers):
    url = f"/api/v1/units/{code}/spreadsheets/{quarter}/" + ("?dry_run=true" if dry_run else "")
    return client.put(url, {"file": SimpleUploadedFile(name, content)}, format="multipart", **headers)


def reports(quarter: str = "2019Q3") -> list[tuple]:
    return list(QuarterReport.objects.filter(quarter=quarter).order_by("village__key").values_list(
        "village__key", "full_members", "probationary_members", "admissions"))


# ---------------------------------------------------------------------------------------
# The API


def test_a_quarter_goes_out_as_a_workbook_and_comes_back_filled_in(users):
    client = api_as(users["editor_100"], "vi")
    template = client.get("/api/v1/units/03317/spreadsheets/2019Q3/")
    assert template.status_code == 200, template.content
    assert template["Content-Type"] == XLSX_TYPE
    assert template["Content-Disposition"] == 'attachment; filename="03317-2019Q3.xlsx"'
    header, *villages = rows_of(template.content)
    assert header[:6] == ["village_key", "xã", "bản", *VI.values()]
    # Huổi Chổn, with its latest report (2019Q2: members, a status only) beside the empty columns of 2019Q3.
    huoi_chon = dict(zip(header, villages[0]))
    assert [row[0] for row in villages] == ["03317-0001"]
    assert (huoi_chon["xã"], huoi_chon["bản"], huoi_chon[VI["full_members"]]) == ("Nà Nhạn", "Huổi Chổn", None)
    assert huoi_chon["báo cáo gần nhất: quý"] == "2019Q2"
    assert huoi_chon["báo cáo gần nhất: chỉ có tình trạng"] == "có đảng viên"  # its words, which the reader takes back as well as the code

    content = filled(template.content, {"03317-0001": {"full_members": 3, "probationary_members": 1, "admissions": 1}})
    checked = upload(client, "03317", "2019Q3", "nà nhạn.xlsx", content, dry_run=True)
    assert checked.status_code == 200, checked.content
    assert checked.json() == {"unit": {"code": "03317", "name": "Nà Nhạn", "current_name": "Nà Nhạn", "level": "commune"}, "file_format": "xlsx",
                              "quarter": "2019Q3", "dry_run": True, "rows": 1, "created": 1, "updated": 0,
                              "unchanged": 0, "empty": 0}
    assert reports() == []

    done = upload(client, "03317", "2019Q3", "nà nhạn.xlsx", content)
    assert done.status_code == 200 and done.json()["created"] == 1, done.content
    assert reports() == [("03317-0001", 3, 1, 1)]
    assert QuarterReport.objects.get(quarter="2019Q3").history.get().history_path == "api"
    figures = client.get("/api/v1/units/03317/progress/?period=2019Q3").json()
    assert (figures["members"], figures["admissions"], figures["villages_carried_forward"]) == (4, 1, 0)

    # The quarter's own report now fills its columns: the file as downloaded changes nothing.
    again = client.get("/api/v1/units/03317/spreadsheets/2019Q3/")
    header, row = rows_of(again.content)
    assert (row[header.index(VI["full_members"])], row[header.index("báo cáo gần nhất: quý")]) == (3, "2019Q3")
    same = upload(client, "03317", "2019Q3", "again.xlsx", again.content)
    assert (same.json()["created"], same.json()["updated"], same.json()["unchanged"]) == (0, 0, 1)


def test_a_csv_file_comes_back_in_any_language_and_rows_left_empty_write_nothing(users):
    client = api_as(users["editor_100"], "vi")
    template = client.get("/api/v1/units/100/spreadsheets/2019Q3/?file_format=csv")
    assert template.status_code == 200 and template["Content-Type"] == "text/csv; charset=utf-8"
    assert template["Content-Disposition"] == 'attachment; filename="100-2019Q3.csv"'
    lines = list(csv.reader(io.StringIO(template.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["village_key", "xã", "bản", VI["full_members"]]
    assert [line[0] for line in lines[1:]] == ["03317-0001", "03316-0001"]  # by commune: Nà Nhạn, Nà Tấu
    lines[2][3:5] = ["2", "0"]  # Hoa; Huổi Chổn left as it came
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    # Downloaded in Vietnamese, loaded by an English-speaking user.
    checked = upload(api_as(users["editor_100"], "en"), "100", "2019Q3", "100.csv", out.getvalue().encode("utf-8"),
                     dry_run=True)
    assert checked.status_code == 200, checked.content
    assert (checked.json()["file_format"], checked.json()["created"], checked.json()["empty"]) == ("csv", 1, 1)
    upload(client, "100", "2019Q3", "100.csv", out.getvalue().encode("utf-8"))
    assert reports() == [("03316-0001", 2, 0, None)]


def test_one_bad_row_is_named_by_its_row_and_column_and_nothing_is_saved(users, api_error):
    client = api_as(users["editor_100"])
    content = workbook(["village_key", "full_members", "probationary_members", "admissions"],
                       ["03316-0001", 1, 0, None],      # row 2: fine
                       ["03317-0001", 3, 1, 5],         # row 3: more admissions than probationary members
                       [None, None, None, None],        # an empty row is read past
                       ["03317-0002", 1, 0, None])      # row 5: no such village
    body = api_error(upload(client, "100", "2019Q3", "q.xlsx", content), 400, "validation_error",
                     "rows.3.admissions", "rows.5.village_key")
    assert "cannot exceed the probationary members" in body["detail"]
    assert not any(error["path"].startswith("rows.2") for error in body["errors"])
    assert reports() == []


def _zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


HEADER = ["village_key", "full_members", "probationary_members"]


@pytest.mark.parametrize(("name", "content", "path", "said"), [
    ("report.pdf", b"%PDF-1.4\n1 0 obj\n", "file", "not a .pdf file"),
    ("report.xlsx", b"village_key,full_members\n", "file", "not an Excel workbook"),
    ("report.xlsx", _zip(**{"hello.txt": b"hi"}), "file", "not an Excel workbook"),
    ("report.xlsx", _zip(**{"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"\x00\x01"}), "file",
     "not an Excel workbook"),
    ("report.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "file", ".xls"),
    ("report.csv", "village_key,full_members\n03317-0001,Ba\n".encode("utf-16"), "file", "not UTF-8"),
    ("report.csv", _zip(**{"a": b"b"}), "file", "a workbook"),
    ("report.csv", b"", "file", "empty"),
    ("report.csv", b"village,members\n1,2\n", "columns", "Unknown columns"),
    ("report.xlsx", workbook(HEADER), "rows", "no rows"),
    ("report.xlsx", workbook(HEADER, ["03317-0001", "=1+2", 1]), "rows.2.full_members", "A formula"),
    ("report.xlsx", workbook(HEADER, ["03317-0001", 3.5, 1]), "rows.2.full_members", "“3.5” is not a count"),
    ("report.xlsx", workbook(HEADER, ["03317-0001", datetime.date(2019, 3, 1), 1]), "rows.2.full_members",
     "is not a count"),
    ("report.xlsx", workbook(HEADER, ["03317-0001", True, 1]), "rows.2.full_members", "is not a count"),
    ("report.xlsx", workbook(HEADER, ["03317-0001", -1, 1]), "rows.2.full_members", "is not a count"),
    ("report.xlsx", workbook(HEADER, [None] * 3, ["03317-0001", 1, 1, "more"]), "rows.3", "more fields"),
    ("report.csv", b"x" * (imports.MAX_FILE_BYTES + 1), "file", "at most"),
])
def test_a_malformed_file_is_a_clear_400_and_changes_nothing(users, api_error, name, content, path, said):
    body = api_error(upload(api_as(users["editor_100"]), "100", "2019Q3", name, content), 400, "validation_error", path)
    assert said in " ".join(error["message"] for error in body["errors"] if error["path"] == path), body
    assert reports() == []


def test_a_body_larger_than_any_file_read_is_refused_before_it_is_read(users, api_error):
    api_error(upload(api_as(users["editor_100"]), "100", "2019Q3", "big.csv", b"x" * 2_000_000), 413,
              "request_too_large")


def test_a_spreadsheet_is_sent_as_a_file_not_as_json(users, api_error):
    response = api_as(users["editor_100"]).put("/api/v1/units/100/spreadsheets/2019Q3/", {"file": "x"}, format="json")
    api_error(response, 415, "unsupported_media_type")


def test_a_workbook_bigger_unpacked_than_is_read_is_refused(users, api_error, monkeypatch):
    monkeypatch.setattr(imports, "MAX_UNPACKED_BYTES", 1000)
    content = workbook(HEADER, *(["03317-0001", 1, 1] for _ in range(200)))
    body = api_error(upload(api_as(users["editor_100"]), "100", "2019Q3", "q.xlsx", content), 400, "validation_error",
                     "file")
    assert "once unpacked" in body["detail"]


def test_an_approved_quarter_is_locked_for_spreadsheets_too(users, api_error):
    commune = AdministrativeUnit.objects.get(code="03317")
    approvals.quarter_submit(unit=commune, quarter="2019Q3", by=users["editor_100"])
    approvals.quarter_approve(unit=commune, quarter="2019Q3", by=users["approver_11"])
    client = api_as(users["editor_100"], "vi")
    content = filled(client.get("/api/v1/units/03317/spreadsheets/2019Q3/").content,
                     {"03317-0001": {"full_members": 3, "probationary_members": 1}})
    body = api_error(upload(api_as(users["editor_100"]), "03317", "2019Q3", "q.xlsx", content, dry_run=True), 409,
                     "locked", "rows.2.village_key")
    assert "was approved" in body["errors"][0]["message"]
    assert reports() == []


def test_a_village_of_another_unit_or_area_is_refused(users, api_error):
    content = workbook(HEADER, ["03316-0001", 1, 0])  # Hoa, of Nà Tấu
    # huyện Điện Biên's editor sees Hoa, but it is not a village of Nà Nhạn.
    body = api_error(upload(api_as(users["editor_100"]), "03317", "2019Q3", "q.xlsx", content), 400,
                     "validation_error", "rows.2.village_key")
    assert "Hoa (03316-0001) is not a village of xã Nà Nhạn (03317) on the last day of 2019Q3" in body["detail"]
    # Nà Nhạn's editor does not see it: it reads like a key that does not exist.
    body = api_error(upload(api_as(users["editor_03317"]), "03317", "2019Q3", "q.xlsx", content), 400,
                     "validation_error", "rows.2.village_key")
    assert "No village has the key 03316-0001." in body["detail"]
    # Another district's editor does not see the unit at all; a viewer may not write.
    api_error(upload(api_as(users["editor_098"]), "03317", "2019Q3", "q.xlsx", content), 404, "not_found")
    api_error(api_as(users["editor_098"]).get("/api/v1/units/03317/spreadsheets/2019Q3/"), 404, "not_found")
    api_error(upload(api_as(users["viewer_100"]), "03317", "2019Q3", "q.xlsx", content), 403, "permission_denied")
    assert reports() == []


def test_the_quarter_and_the_format_are_checked(users, api_error):
    client = api_as(users["editor_100"])
    api_error(client.get("/api/v1/units/03317/spreadsheets/2019/"), 400, "validation_error", "quarter")
    api_error(client.get("/api/v1/units/03317/spreadsheets/2019Q3/?file_format=ods"), 400, "validation_error",
              "file_format")
    api_error(client.get("/api/v1/units/03317/spreadsheets/2019Q3/?format_file=csv"), 400, "validation_error",
              "format_file")
    # The file whatever the client says it accepts; an error in JSON.
    assert client.get("/api/v1/units/03317/spreadsheets/2019Q3/?file_format=csv",
                      HTTP_ACCEPT="text/csv").status_code == 200
    api_error(client.get("/api/v1/units/99999/spreadsheets/2019Q3/", HTTP_ACCEPT="text/csv"), 404, "not_found")
    assert client.options("/api/v1/units/03317/spreadsheets/2019Q3/").status_code == 200


# ---------------------------------------------------------------------------------------
# The children's figures


@pytest.fixture
def reported(tree):
    """Villages of the ``tree`` with reports of several quarters: counts, a status only, own and
    merged cells, admissions, some quarters carried forward."""
    north = [factories.village(tree["north"], name=f"Bản Bắc {n}") for n in range(3)]
    south = [factories.village(tree["south"], name=f"Bản Nam {n}") for n in range(2)]
    east = factories.commune(tree["other"], code="03400", name="Xã Đông")
    east_villages = [factories.village(east, name="Bản Đông 0")]
    merged = factories.cell(north[0], north[1], name="Chi bộ ghép")
    own = factories.cell(south[0], name="Chi bộ Nam 0")
    factories.report(north[0], "2019Q1", full=2, probationary=1, admissions=1, cell=merged)
    factories.report(north[1], "2019Q1", full=1, probationary=0, cell=merged)
    factories.report(north[2], "2019Q2", full=0, probationary=0)
    factories.report(south[0], "2019Q1", full=4, probationary=2, admissions=2, ethnic_minority_members=3, cell=own)
    factories.report(south[0], "2019Q3", full=5, probationary=1, admissions=1, cell=own)
    factories.report(south[1], "2019Q2", status="no_member")
    factories.report(east_villages[0], "2019Q2", full=1, probationary=1, admissions=1)
    return tree


def test_the_childrens_figures_are_the_apis_for_each_child_and_quarter(reported, api):
    response = api.get("/api/v1/units/11/spreadsheets/children-figures/?from=2019Q1&to=2019Q3&file_format=csv")
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == 'attachment; filename="11-2019Q1-2019Q3.csv"'
    header, *lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(header) == 3 + len(sheets.FIGURE_COLUMNS) + 1
    assert [(line[0], line[2]) for line in lines] == [(code, quarter) for quarter in ("2019Q1", "2019Q2", "2019Q3")
                                                      for code in ("100", "101")]
    for code in ("11", "100"):
        book = api.get(f"/api/v1/units/{code}/spreadsheets/children-figures/?from=2019Q1&to=2019Q3")
        assert book["Content-Type"] == XLSX_TYPE
        header, *rows = rows_of(book.content)
        assert rows and all(row[0] in {"100", "101", "03316", "03317"} for row in rows)
        for row in rows:
            figures = api.get(f"/api/v1/units/{row[0]}/progress/?period={row[2]}").json()
            expected = [figures[name] for name in sheets.FIGURE_COLUMNS]
            assert [None if value == "" else value for value in row[3:-1]] == expected, (row, figures)
            assert row[-1] == figures["approval"]["state"]  # its label in English
    # Figures that say something: the merged cell, carry-forward, a status only, admissions.
    north = dict(zip(header, next(row for row in rows_of(
        api.get("/api/v1/units/100/spreadsheets/children-figures/?from=2019Q2&to=2019Q2").content)[1:]
        if row[0] == "03317")))
    assert (north["blank villages"], north["merged cells"], north["villages carried forward"]) == (1, 1, 2)


def test_the_childrens_figures_are_only_those_of_the_users_quarters(reported, role_api, api_error):
    commune_editor = role_api("editor", reported["north"])
    api_error(commune_editor.get("/api/v1/units/100/spreadsheets/children-figures/"), 404, "not_found")
    district = role_api("viewer", reported["district"])
    assert district.get("/api/v1/units/100/spreadsheets/children-figures/?from=2019Q1&to=2019Q2").status_code == 200
    api_error(district.get("/api/v1/units/100/spreadsheets/children-figures/?from=2019Q3&to=2019Q1"), 400,
              "validation_error", "from")
    api_error(district.get("/api/v1/units/100/spreadsheets/children-figures/?from=1960Q1&to=2019Q1"), 400,
              "validation_error", "from")


# ---------------------------------------------------------------------------------------
# A fixed number of queries, whatever the number of villages, children and quarters


def _grow(tree, communes: int, villages: int) -> None:
    for number in range(communes):
        commune = factories.commune(tree["district"], code=f"{50000 + number:05d}", name=f"Xã {number}")
        for index in range(villages):
            village = factories.village(commune, name=f"Bản {number}-{index}")
            factories.report(village, "2019Q1", full=index % 3, probationary=1, admissions=1)
            if index % 2:
                factories.report(village, "2019Q2", full=index % 3, probationary=0)


@pytest.mark.parametrize("size", [(1, 2), (6, 8)])
def test_the_downloads_read_a_fixed_number_of_queries(tree, role_api, django_assert_max_num_queries, size):
    """The same bound for 2 villages in 1 commune and 48 in 6, as a province's viewer (whose area is
    read too)."""
    _grow(tree, *size)
    client = role_api("viewer", tree["province"])
    with django_assert_max_num_queries(10):  # with the communes and their renamings, to name them as that quarter
        template = client.get("/api/v1/units/100/spreadsheets/2019Q2/?file_format=csv")
    lines = template.content.decode("utf-8-sig").splitlines()
    assert template.status_code == 200 and len(lines) == 1 + size[0] * size[1]
    with django_assert_max_num_queries(9):
        figures = client.get("/api/v1/units/100/spreadsheets/children-figures/?from=2018Q3&to=2019Q2")
    assert figures.status_code == 200 and len(rows_of(figures.content)) == 1 + (2 + size[0]) * 4
    with django_assert_max_num_queries(11):  # the latest quarter with data read first
        assert client.get("/api/v1/units/11/spreadsheets/children-figures/").status_code == 200


# ---------------------------------------------------------------------------------------
# The admin


@pytest.fixture
def admin_editor(users, client):
    client.force_login(users["editor_100"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    return client


def test_the_admin_downloads_checks_and_writes_a_quarter(admin_editor, users):
    commune = AdministrativeUnit.objects.get(code="03317")
    page = admin_editor.get(f"/admin/spreadsheets/?unit={commune.pk}")
    assert page.status_code == 200
    assert page.context["template_form"].initial == {"unit": str(commune.pk)}
    template = admin_editor.get("/admin/spreadsheets/template/", {
        "template-unit": commune.pk, "template-quarter": "2019Q3", "template-file_format": "xlsx"})
    assert template.status_code == 200 and template["Content-Type"] == XLSX_TYPE
    content = filled(template.content, {"03317-0001": {"full_members": 3, "probationary_members": 1}})

    preview = admin_editor.post("/admin/spreadsheets/upload/", {
        "upload-unit": commune.pk, "upload-quarter": "2019Q3",
        "upload-file": SimpleUploadedFile("nà nhạn.xlsx", content)})
    assert preview.status_code == 200
    assert (preview.context["outcome"]["created"], preview.context["problems"]) == (1, [])
    assert [line["key"] for line in preview.context["lines"]] == ["03317-0001"]
    assert "Huổi Chổn" in preview.content.decode()
    assert reports() == []
    confirm = preview.context["confirm_form"]
    done = admin_editor.post("/admin/spreadsheets/upload/", {
        **{name: confirm[name].value() for name in confirm.fields}, "confirm": "yes"}, follow=True)
    assert done.status_code == 200
    assert reports() == [("03317-0001", 3, 1, None)]
    assert QuarterReport.objects.get(quarter="2019Q3").history.get().history_path == "admin"
    assert "1 báo cáo được tạo" in done.content.decode()


def test_the_admin_shows_each_error_with_its_row_and_column_and_saves_nothing(admin_editor):
    commune = AdministrativeUnit.objects.get(code="03317")
    content = workbook(["village_key", VI["full_members"], VI["probationary_members"], VI["admissions"]],
                       ["03317-0001", 1, 0, 2])
    preview = admin_editor.post("/admin/spreadsheets/upload/", {
        "upload-unit": commune.pk, "upload-quarter": "2019Q3", "upload-file": SimpleUploadedFile("q.xlsx", content)})
    assert preview.status_code == 400
    [problem] = preview.context["problems"]
    assert (problem["row"], problem["column"]) == ("2", VI["admissions"])
    assert preview.context["confirm_form"] is None
    assert reports() == []
    # Not a workbook at all: the form says so.
    page = admin_editor.post("/admin/spreadsheets/upload/", {
        "upload-unit": commune.pk, "upload-quarter": "2019Q3", "upload-file": SimpleUploadedFile("q.pdf", b"%PDF")})
    assert page.status_code == 400 and "tệp .pdf" in page.content.decode()


def test_the_admin_shows_the_lock_of_an_approved_quarter(admin_editor, users):
    commune = AdministrativeUnit.objects.get(code="03317")
    approvals.quarter_submit(unit=commune, quarter="2019Q3", by=users["editor_100"])
    approvals.quarter_approve(unit=commune, quarter="2019Q3", by=users["approver_11"])
    preview = admin_editor.post("/admin/spreadsheets/upload/", {
        "upload-unit": commune.pk, "upload-quarter": "2019Q3",
        "upload-file": SimpleUploadedFile("q.csv", b"village_key,full_members,probationary_members\n03317-0001,1,0\n")})
    assert preview.status_code == 400
    assert [(problem["row"], problem["column"]) for problem in preview.context["problems"]] == [("2", "village_key")]
    assert reports() == []


def test_the_admin_exports_the_childrens_figures_and_links_to_the_pages(admin_editor, users):
    district = AdministrativeUnit.objects.get(code="100")
    response = admin_editor.get("/admin/spreadsheets/children/", {
        "children-unit": district.pk, "children-first": "2019Q1", "children-last": "2019Q2",
        "children-file_format": "csv"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    codes = {line[0] for line in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert {"03316", "03317"} <= codes
    wrong = admin_editor.get("/admin/spreadsheets/children/", {
        "children-unit": district.pk, "children-first": "2019Q3", "children-last": "2019Q1",
        "children-file_format": "csv"})
    assert wrong.status_code == 400 and wrong.context["children_form"].errors["first"]
    assert "/admin/spreadsheets/" in admin_editor.get("/admin/tracking/quarterreport/").content.decode()
    unit_page = admin_editor.get(f"/admin/tracking/administrativeunit/{district.pk}/change/")
    assert f"/admin/spreadsheets/?unit={district.pk}" in unit_page.content.decode()


@pytest.mark.parametrize("written", ["has_own_cell", "có chi bộ riêng", "CO CHI BO RIENG", "has its own party cell"])
def test_a_status_is_read_in_words_of_either_language_or_as_its_code(written):
    from tracking.services.imports import _status_of

    assert _status_of(written) == "has_own_cell"
    assert _status_of("chi bộ ghép") is None


def test_a_name_with_a_control_character_still_goes_out_as_a_workbook(staff_api, tree):
    """schemathesis renamed a unit with a control character: the children's workbook answered 500."""
    from tracking import services
    from tracking.access import SYSTEM

    services.unit_update(by=SYSTEM, unit=tree["north"], name="Nà\x1fNhạn")
    response = staff_api.get("/api/v1/units/100/spreadsheets/children-figures/", {"file_format": "xlsx"})
    assert response.status_code == 200
