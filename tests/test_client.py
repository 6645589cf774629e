"""A Python client generated from docs/openapi.yaml drives a live server, as the README shows.

The client is generated once for this module with openapi-python-client (which formats its
output with ruff); a warning or a module that fails to import fails the suite, since either
means the schema is wrong.
"""
import datetime
import importlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
CONFIG_FILE = Path(settings.BASE_DIR) / "docs" / "openapi-client.yaml"  # the spreadsheets are files
PACKAGE = "tracker_client"
PASSWORD = "ca-bo-2019"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory):
    """The generated package, imported."""
    folder = tmp_path_factory.mktemp("client")
    bin_dir = Path(sys.executable).parent  # the virtualenv's, where ruff is installed
    started = time.monotonic()
    result = subprocess.run(
        [bin_dir / "openapi-python-client", "generate", "--path", SCHEMA_FILE, "--output-path", folder / PACKAGE,
         "--meta", "none", "--fail-on-warning", "--config", CONFIG_FILE],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"openapi-python-client failed:\n{result.stdout}\n{result.stderr}"
    print(f"client generated in {elapsed:.1f} s")
    sys.path.insert(0, str(folder))
    try:
        package = importlib.import_module(PACKAGE)
        for module in sorted((folder / PACKAGE).rglob("*.py")):
            name = ".".join(module.relative_to(folder).with_suffix("").parts).removesuffix(".__init__")
            importlib.import_module(name)  # every generated module imports
        yield package
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture
def api(generated_client, live_server, transactional_db, django_user_model):
    """A client of a live server holding the Điện Biên fixtures, signed in with a token it asked
    for, as the README tells a user to."""
    call_command("loaddata", "dien_bien", verbosity=0)
    django_user_model.objects.create_superuser(username="committee", email="committee@example.org", password=PASSWORD)
    auth_token_create = importlib.import_module(f"{PACKAGE}.api.auth.auth_token_create")
    models = importlib.import_module(f"{PACKAGE}.models")
    with generated_client.Client(base_url=live_server.url, raise_on_unexpected_status=True) as anonymous:
        token = auth_token_create.sync(client=anonymous, body=models.SignInRequest(
            username="committee", password=PASSWORD)).token
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=token, prefix="Token", raise_on_unexpected_status=True,
        headers={"Accept-Language": "en"},
    )
    with client as open_client:
        yield open_client


def api_module(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_lists_units(api):
    units_list = api_module("api.units.units_list")
    models = api_module("models")

    page = units_list.sync(client=api, level=models.UnitLevelEnum.DISTRICT)

    assert isinstance(page, models.PaginatedUnitList)
    assert page.count == 10
    district = next(unit for unit in page.results if unit.code == "100")
    assert (district.name, district.parent, district.level) == ("Điện Biên", "11", models.UnitLevelEnum.DISTRICT)


def test_reads_a_units_progress(api):
    units_progress_retrieve = api_module("api.figures.units_progress_retrieve")
    models = api_module("models")

    figures = units_progress_retrieve.sync("11", client=api, period="2008")

    assert isinstance(figures, models.UnitFigures)
    assert figures.period == "2008"
    reported = {entry.metric: entry for entry in figures.reported}
    assert reported[models.ReportedMetricEnum.BLANK_VILLAGES].value == 134
    assert reported[models.ReportedMetricEnum.VILLAGES_TOTAL].value == 1459
    assert reported[models.ReportedMetricEnum.BLANK_VILLAGES].source == models.FigureSourceEnum.REPORTED_FIGURE


def test_submits_a_quarter_with_a_dry_run_first(api):
    villages_create = api_module("api.villages.villages_create")
    units_reports_submit = api_module("api.reports.units_reports_submit")
    reports_list = api_module("api.reports.reports_list")
    models = api_module("models")
    # Nà Nhạn was merged into Mường Phăng on 2025-07-01: a village of its past ends with it.
    village = villages_create.sync(client=api, body=models.VillageCreateRequest(
        name="Nà Nhạn 2", unit="03317", valid_to=datetime.date(2025, 7, 1)))
    body = models.SubmissionRequest(reports=[
        models.SubmissionEntryRequest(village=village.id, full_members=2, probationary_members=1, admissions=1),
        models.SubmissionEntryRequest(village=6, full_members=5, probationary_members=0, cell=1),
    ])

    dry_run = units_reports_submit.sync("03317", "2019Q2", client=api, body=body, dry_run=True)
    assert isinstance(dry_run, models.SubmissionResult)
    assert dry_run.dry_run is True
    assert dry_run.created.villages == [village.id] and dry_run.created.ids == []
    assert reports_list.sync(client=api, village=village.id).count == 0

    saved = units_reports_submit.sync("03317", "2019Q2", client=api, body=body)
    assert saved.dry_run is False
    assert (saved.created.villages, len(saved.created.ids)) == ([village.id], 1)
    assert saved.updated.villages == [6]
    [report] = reports_list.sync(client=api, village=village.id).results
    assert (report.quarter, report.members, report.admissions) == ("2019Q2", 3, 1)

    again = units_reports_submit.sync("03317", "2019Q2", client=api, body=body)
    assert (again.created.count, again.updated.count, again.unchanged.count) == (0, 0, 2)


def test_reads_a_goals_progress(api):
    goals_progress_retrieve = api_module("api.figures.goals_progress_retrieve")
    models = api_module("models")

    goal = goals_progress_retrieve.sync(4, client=api)

    assert isinstance(goal, models.GoalProgress)
    assert goal.unit.code == "100"
    assert (goal.status, goal.projected_period) == (models.GoalStatusEnum.ACHIEVED, "2019Q2")


def test_receives_a_validation_error_as_a_typed_object(api):
    units_reports_submit = api_module("api.reports.units_reports_submit")
    models = api_module("models")
    body = models.SubmissionRequest(reports=[
        models.SubmissionEntryRequest(village=6, full_members=1, probationary_members=1, admissions=2),
    ])

    error = units_reports_submit.sync("03317", "2019Q2", client=api, body=body)

    assert isinstance(error, models.ApiError)
    assert (error.status, error.code) == (400, "validation_error")
    assert error.errors[0].path == "reports.0.admissions"
    assert "Admissions (2) cannot exceed the probationary members (1)" in error.errors[0].message


def test_a_revoked_token_is_refused(api):
    auth_token_delete = api_module("api.auth.auth_token_delete")
    auth_me_retrieve = api_module("api.auth.auth_me_retrieve")

    assert auth_me_retrieve.sync(client=api).username == "committee"
    assert auth_token_delete.sync_detailed(client=api).status_code == 204

    error = auth_me_retrieve.sync(client=api)
    assert (error.status, error.code) == (401, "authentication_failed")


def test_downloads_a_quarters_spreadsheet_and_loads_it_back(api):
    retrieve = api_module("api.reports.units_spreadsheets_retrieve")
    load = api_module("api.reports.units_spreadsheets_load")
    models = api_module("models")
    types = api_module("types")

    sheet = retrieve.sync("03317", "2019Q3", client=api, file_format=models.SpreadsheetFormatEnum.CSV)
    header, huoi_chon = sheet.payload.read().decode("utf-8-sig").splitlines()
    assert header.startswith("village_key,commune,village,full members,") and huoi_chon.startswith("03317-0001,")
    assert retrieve.sync("03317", "2019Q3", client=api).payload.read().startswith(b"PK")  # a workbook (zip)

    filled = types.File(payload=io.BytesIO(b"village_key,full members,probationary members\n03317-0001,3,1\n"),
                        file_name="2019Q3.csv")
    checked = load.sync("03317", "2019Q3", client=api, body=models.SpreadsheetUploadRequest(file=filled), dry_run=True)
    assert isinstance(checked, models.SpreadsheetResult), checked
    assert (checked.file_format, checked.created, checked.dry_run) == (models.SpreadsheetFormatEnum.CSV, 1, True)
