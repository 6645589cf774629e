"""A quarter's reports from a CSV file (``manage.py import_reports``): villages named by their
key, the same rules as every write, all or nothing, every error by its row and column."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tracking.models import AdministrativeUnit, QuarterReport, RoleGrant
from tracking.services import approvals

HEADER = "village_key,full_members,probationary_members,admissions,status,cell,note\n"


@pytest.fixture
def editors(article, django_user_model):
    users = {}
    for username, code, role in (("editor_100", "100", "editor"), ("editor_098", "098", "editor"),
                                 ("editor_094", "094", "editor"), ("approver_11", "11", "approver")):
        users[username] = django_user_model.objects.create_user(username=username, password="pw")
        RoleGrant.objects.create(user=users[username], unit=AdministrativeUnit.objects.get(code=code), role=role)
    return users


def run(tmp_path, text: str, *args: str) -> tuple[bool, str, str]:
    path = tmp_path / "reports.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_reports", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue(), f"{err.getvalue()}\n{error}"
    return True, out.getvalue(), err.getvalue()


def test_a_committee_loads_its_quarter_and_loading_it_again_changes_nothing(tmp_path, editors):
    text = HEADER + "03317-0001,3,1,1,,,\n03316-0001,0,0,,,,counted in October\n"
    ok, said, _err = run(tmp_path, text, "--quarter", "2019Q3", "--user", "editor_100", "--dry-run")
    assert ok and "2 reports would be created" in said
    assert not QuarterReport.objects.filter(quarter="2019Q3").exists()
    ok, said, _err = run(tmp_path, text, "--quarter", "2019Q3", "--user", "editor_100")
    assert ok and "2 reports were created, 0 updated, 0 unchanged" in said, said
    huoi_chon = QuarterReport.objects.get(village__key="03317-0001", quarter="2019Q3")
    assert (huoi_chon.full_members, huoi_chon.probationary_members, huoi_chon.admissions) == (3, 1, 1)
    trail = huoi_chon.history.get()
    assert (trail.history_user.username, trail.history_path) == ("editor_100", "command")
    ok, said, _err = run(tmp_path, text, "--quarter", "2019Q3", "--user", "editor_100")
    assert ok and "0 reports were created, 0 updated, 2 unchanged" in said


def test_every_error_is_named_by_its_row_and_column_and_nothing_is_saved(tmp_path, editors):
    text = HEADER + ("03317-0001,3,1,x,,,\n"        # row 2: admissions is not a count
                     "03316-0001,1,0,,,,\n"          # row 3: fine
                     "99999-0001,1,0,,,,\n"          # row 4: no such village
                     "03317-0001,1,0,,,,\n"          # row 5: twice in the file
                     "03316-0001x,1,0,,maybe,,\n")   # row 6: no such key; a wrong status
    ok, _said, err = run(tmp_path, text, "--quarter", "2019Q3", "--user", "editor_100")
    assert not ok
    assert "row 2, column admissions: “x” is not a count: write a whole number from 0 to 1000000" in err
    assert "row 4, column village_key: No village has the key 99999-0001." in err
    assert "row 5, column village_key: The village 03317-0001 is on line 2 already." in err
    assert "row 6, column status: Write one of" in err
    assert "row 3" not in err and "nothing was saved" in err
    assert not QuarterReport.objects.filter(quarter="2019Q3").exists()


def test_a_village_outside_the_area_reads_like_one_that_does_not_exist(tmp_path, editors):
    ok, _said, err = run(tmp_path, HEADER + "03317-0001,1,0,,,,\n", "--quarter", "2019Q3", "--user", "editor_098")
    assert not ok and "row 2, column village_key: No village has the key 03317-0001." in err
    assert "Huổi Chổn" not in err
    # 094 had Huổi Chổn from 2020 on: it sees the village, but 2019 is not its map.
    ok, _said, err = run(tmp_path, HEADER + "03317-0001,1,0,,,,\n", "--quarter", "2019Q3", "--user", "editor_094")
    assert not ok and "is not in the area of your editor roles (map of 2019-09-30)" in err
    assert not QuarterReport.objects.filter(quarter="2019Q3").exists()


def test_an_approved_quarter_is_locked_for_files_too(tmp_path, editors):
    commune = AdministrativeUnit.objects.get(code="03317")
    approvals.quarter_submit(unit=commune, quarter="2019Q3", by=editors["editor_100"])
    approvals.quarter_approve(unit=commune, quarter="2019Q3", by=editors["approver_11"])
    ok, _said, err = run(tmp_path, HEADER + "03317-0001,1,0,,,,\n03316-0001,1,0,,,,\n", "--quarter", "2019Q3",
                         "--user", "editor_100")
    assert not ok and "row 2, column village_key: Huổi Chổn: 2019Q3 of xã Nà Nhạn (03317) was approved" in err
    assert not QuarterReport.objects.filter(quarter="2019Q3").exists()


@pytest.mark.parametrize(("text", "said"), [
    ("village_id,full_members\n6,1\n", "Unknown columns “village_id”"),
    # The template's column of village names is read past: the key is still missing.
    ("village,full_members\n6,1\n", "The first line names the columns, village_key among them."),
    ("village_key,village_key\n03317-0001,03316-0001\n", "Columns named twice: village_key."),
    (HEADER + "03317-0001,1,0,,,,,late\n", "row 2: This line has more fields than the first line names columns."),
    (HEADER + "03317-0001,1,0,,,,\"unclosed\n03316-0001,1,0,,,,\n", "Not a CSV line"),
    (HEADER + "03317-0001,\"1" + "1" * 200_000 + "\n", "Not a CSV line: field larger than field limit"),
    (HEADER + "03317-0001,1\x00,0\n", "nothing was saved"),
    ("full_members\n1\n", "The first line names the columns, village_key among them."),
    (HEADER, "The file has no rows."),
])
def test_a_file_that_is_not_a_report_file_is_refused(tmp_path, editors, text, said):
    ok, _out, err = run(tmp_path, text, "--quarter", "2019Q3", "--user", "editor_100")
    assert not ok and said in err


def test_the_api_loads_the_same_file_through_the_same_service(editors, api_error):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(editors["editor_100"])
    text = HEADER + "03317-0001,3,1,1,,,\n03316-0001,0,0,,,,\n"
    dry = client.put("/api/v1/report-imports/2019Q3/?dry_run=true", {"csv": text}, format="json")
    assert dry.status_code == 200, dry.content
    assert dry.json() == {"quarter": "2019Q3", "dry_run": True, "rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                          "empty": 0}
    assert not QuarterReport.objects.filter(quarter="2019Q3").exists()
    done = client.put("/api/v1/report-imports/2019Q3/", {"csv": text}, format="json")
    assert done.json()["created"] == 2 and QuarterReport.objects.filter(quarter="2019Q3").count() == 2
    assert QuarterReport.objects.get(village__key="03317-0001", quarter="2019Q3").history.get().history_path == "api"
    bad = client.put("/api/v1/report-imports/2019Q4/", {"csv": HEADER + "03317-0001,1,0,5,,,\n"}, format="json")
    body = api_error(bad, 400, "validation_error", "rows.2.admissions")
    assert "cannot exceed the probationary members" in body["detail"]
    before = QuarterReport.objects.filter(quarter="2019Q4").count()
    other = APIClient()
    other.force_authenticate(editors["editor_098"])
    hidden = other.put("/api/v1/report-imports/2019Q4/", {"csv": HEADER + "03317-0001,1,0,,,,\n"}, format="json")
    missing = other.put("/api/v1/report-imports/2019Q4/", {"csv": HEADER + "03317-9999,1,0,,,,\n"}, format="json")
    assert api_error(hidden, 400, "validation_error", "rows.2.village_key")["detail"] == api_error(
        missing, 400, "validation_error", "rows.2.village_key")["detail"].replace("9999", "0001")
    api_error(client.put("/api/v1/report-imports/2019/", {"csv": text}, format="json"), 400, "validation_error", "quarter")
    assert QuarterReport.objects.filter(quarter="2019Q4").count() == before


def test_the_former_path_of_the_import_still_answers(editors):
    """``PUT /reports/import/{quarter}/`` (deprecated, out of the schema) is the same operation."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(editors["editor_100"])
    text = HEADER + "03317-0001,3,1,1,,,\n"
    former = client.put("/api/v1/reports/import/2019Q3/?dry_run=true", {"csv": text}, format="json")
    assert former.status_code == 200, former.content
    assert former.json() == client.put("/api/v1/report-imports/2019Q3/?dry_run=true", {"csv": text}, format="json").json()


def test_a_file_read_in_parts_is_still_all_or_nothing(tmp_path, editors, monkeypatch):
    from tracking.services import imports

    monkeypatch.setattr(imports, "CHUNK", 1)  # every row a part of its own
    text = HEADER + "03317-0001,3,1,1,,,\n03316-0001,0,0,,,,\n"
    ok, said, _err = run(tmp_path, text + "03316-0002,1,0,,,,\n", "--quarter", "2019Q3", "--user", "editor_100")
    assert not ok and not QuarterReport.objects.filter(quarter="2019Q3").exists()
    ok, said, _err = run(tmp_path, text, "--quarter", "2019Q3", "--user", "editor_100")
    assert ok and "2 reports were created" in said and QuarterReport.objects.filter(quarter="2019Q3").count() == 2


@pytest.mark.parametrize("text", ["²", "٣", "１", "-1", "1.5", "0x1", "1000001", "99999999999999999999"])
def test_only_plain_whole_numbers_are_counts_and_ids(tmp_path, editors, text):
    for column in ("full_members", "cell"):
        row = {"full_members": "1", "cell": ""} | {column: text}
        ok, _said, err = run(tmp_path, HEADER + f"03317-0001,{row['full_members']},0,,,{row['cell']},\n",
                             "--quarter", "2019Q3", "--user", "editor_100")
        assert not ok and f"row 2, column {column}: " in err, err
    assert not QuarterReport.objects.filter(quarter="2019Q3").exists()


def test_what_a_spreadsheet_writes_is_read_and_what_is_not_text_is_refused(tmp_path, editors):
    # A byte-order mark and the empty columns a spreadsheet leaves after the last are no columns.
    text = "\ufeff" + HEADER.replace("\n", ",,\n") + "03317-0001,3,1,1,,,,,\n"
    ok, said, err = run(tmp_path, text, "--quarter", "2019Q3", "--user", "editor_100", "--dry-run")
    assert ok and "1 reports would be created" in said, err
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "03317-0001,1,0,,,,Hoà Bình\n").encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        call_command("import_reports", str(path), "--quarter", "2019Q3", "--user", "editor_100",
                     stdout=io.StringIO(), stderr=io.StringIO())


def test_a_cell_id_of_zero_a_future_quarter_and_a_village_of_later_years_are_refused_clearly(tmp_path, editors):
    ok, _said, err = run(tmp_path, HEADER + "03317-0001,1,0,,,0,\n", "--quarter", "2019Q3", "--user", "editor_100")
    assert not ok and "row 2, column cell: No party cell has the id 0." in err
    ok, _said, err = run(tmp_path, HEADER + "03317-0001,1,0,,,,\n03316-0001,1,0,,,,\n", "--quarter", "2100Q1",
                         "--user", "editor_100")
    assert not ok and err.count("has not begun") == 1
    from tracking.access import SYSTEM
    from tracking.services import village_create

    late = village_create(by=SYSTEM, name="Bản Mới", unit=AdministrativeUnit.objects.get(code="03316"),
                          valid_from=__import__("datetime").date(2021, 1, 1))
    ok, _said, err = run(tmp_path, HEADER + f"{late.key},1,0,,,,\n", "--quarter", "2019Q3", "--user", "approver_11")
    assert not ok and f"Bản Mới ({late.key}) is not on the map on the last day of 2019Q3." in err


def test_a_file_with_many_errors_reports_the_first_ones(tmp_path, editors, monkeypatch):
    from tracking.services import imports

    monkeypatch.setattr(imports, "MAX_ERRORS", 3)
    text = HEADER + "".join(f"99999-{n:04d},1,0,,,,\n" for n in range(10))
    ok, _said, err = run(tmp_path, text, "--quarter", "2019Q3", "--user", "editor_100")
    assert not ok and err.count("No village has the key") == 3 and "… and 7 more errors" in err
    assert "row 2, column" in err and "row 11, column" not in err


def test_the_key_of_a_deleted_village_is_never_given_again(editors):
    from tracking.access import SYSTEM
    from tracking.services import record_delete, village_create

    commune = AdministrativeUnit.objects.get(code="03316")
    first = village_create(by=SYSTEM, name="Tạm", unit=commune)
    record_delete(by=SYSTEM, record=first)
    second = village_create(by=SYSTEM, name="Khác", unit=commune)
    assert second.key != first.key and second.key > first.key


def test_options_on_the_import_describes_it_rather_than_failing(editors):
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)
    client.force_authenticate(editors["editor_100"])
    response = client.options("/api/v1/report-imports/2019Q3/")
    assert response.status_code == 200, response.content[:300]
