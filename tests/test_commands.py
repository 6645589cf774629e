import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests import factories
from tracking.models import AdministrativeUnit

FIGURE_FIELDS = {
    "unit", "period", "villages_total", "blank_villages", "villages_with_own_cell",
    "villages_in_merged_cells", "members", "admissions", "villages_without_report", "reported",
}
GOAL_FIELDS = {"id", "unit", "metric", "baseline", "current", "resolved", "progress", "status", "deadline", "projected_period"}


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("article")
def test_progress_json_has_the_api_field_names():
    document = json.loads(run("progress", "11", "--period", "2008", "--json"))
    assert FIGURE_FIELDS <= set(document)
    assert document["unit"]["code"] == "11" and document["period"] == "2008"
    assert {(r["metric"], r["value"]) for r in document["reported"]} == {("villages_total", 1459), ("blank_villages", 134)}
    assert all(r["source_url"].startswith("http://nhandan.com.vn/") for r in document["reported"])


@pytest.mark.usefixtures("article")
def test_progress_text_shows_both_kinds_of_figure():
    text = run("progress", "100", "--period", "2019Q2")
    assert "From village reports:" in text and "Reported figures:" in text
    assert "derived: 11 blank villages in 2008 − 11 of them with members by 2019" in text


@pytest.mark.usefixtures("article")
def test_progress_defaults_to_the_latest_quarter_with_data():
    assert json.loads(run("progress", "101", "--json"))["period"] == "2019Q4"


@pytest.mark.usefixtures("article")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("progress", "999"), "No unit has the code 999\\."),
        (("progress", "11", "--period", "2019Q5"), "is not a period"),
        (("progress", "103", "--period", "2008"), "not on the map in 2008"),
        (("goals", "--unit", "999"), "No unit has the code"),
    ],
)
def test_commands_refuse_bad_input_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.usefixtures("article")
def test_goals_json():
    rows = json.loads(run("goals", "--json"))
    assert len(rows) == 5 and all(GOAL_FIELDS <= set(row) for row in rows)
    by_id = {row["id"]: row for row in rows}
    assert (by_id[1]["baseline"], by_id[1]["resolved"], by_id[1]["current"]) == (134, 117, 17)
    only = json.loads(run("goals", "--unit", "100", "--json"))
    assert [(row["id"], row["status"], row["projected_period"]) for row in only] == [(4, "achieved", "2019Q2")]


@pytest.mark.usefixtures("article")
def test_goals_text():
    text = run("goals", "--unit", "11")
    assert "baseline 134 (2008), current 17 (2019), resolved 117, progress 87%" in text


@pytest.mark.usefixtures("article")
def test_goals_as_of_a_year_are_read_at_its_last_quarter():
    rows = json.loads(run("goals", "--as-of", "2019", "--json"))
    assert {row["as_of"] for row in rows} == {"2019Q4"}


@pytest.mark.usefixtures("article")
def test_import_units_refuses_a_bad_province_code():
    for code in ("abc", ""):
        with pytest.raises(CommandError, match="not a province code"):
            run("import_units", "--user", factories.clerk(), "--province", code)


def test_seed_loads_once_and_never_waits_for_input(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    first = run("seed")
    assert "Loaded" in first and "make superuser" in first
    unit = AdministrativeUnit.objects.get(code="11")
    unit.name = "Điện Biên (edited)"
    unit.save()
    assert "not loaded again" in run("seed")
    assert AdministrativeUnit.objects.get(code="11").name == "Điện Biên (edited)"
    get_user_model().objects.create_superuser("admin", "a@example.org", "pw")
    assert "make superuser" not in run("seed")
