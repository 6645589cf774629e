"""Bad input found by a review as a new user: each a clear 4xx (or command error), nothing changed."""
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tracking.models import AdministrativeUnit, PartyCell, Reorganisation, Village

pytestmark = pytest.mark.usefixtures("article")


@pytest.mark.parametrize(("url", "body", "field"), [
    ("/api/v1/villages/6/", {"valid_to": "1900-01-01"}, "valid_to"),
    ("/api/v1/cells/1/", {"dissolved_on": "1900-01-01"}, "dissolved_on"),
    ("/api/v1/units/100/", {"valid_to": "2026-01-01"}, "valid_to"),  # closed in 2025: not reopened
])
def test_out_of_range_or_moved_closing_dates_are_refused(staff_api, api_error, url, body, field):
    api_error(staff_api.patch(url, body, format="json"), 400, "validation_error", field)
    assert AdministrativeUnit.objects.get(code="100").valid_to.isoformat() == "2025-07-01"
    assert Village.objects.get(pk=6).valid_to is None and PartyCell.objects.get(pk=1).dissolved_on is None


def test_deeply_nested_json_is_a_parse_error(staff_api, api_error):
    body = "[" * 5000 + "]" * 5000
    api_error(staff_api.generic("POST", "/api/v1/villages/", body, content_type="application/json"), 400, "parse_error")


def test_writes_to_unknown_api_paths_get_the_json_404(staff_api, api_error):
    api_error(staff_api.post("/api/v1/units", {}, format="json"), 404, "not_found")


def test_events_far_in_time_and_self_merges_are_refused(staff_api, api_error):
    api_error(staff_api.post("/api/v1/reorganisations/rename/", {"on": "9999-12-31", "unit": "03325", "name": "X"},
                             format="json"), 400, "validation_error", "on")
    api_error(staff_api.post("/api/v1/reorganisations/merge/", {"on": "2026-05-01", "units": ["03325"], "into": "03325"},
                             format="json"), 400, "validation_error", "units")
    assert AdministrativeUnit.objects.get(code="03325", valid_to__isnull=True).name == "Mường Phăng"
    assert not Reorganisation.objects.filter(effective_on__year__gt=2025).exists()


def test_goals_as_of_a_year_and_import_of_a_bad_province_code():
    rows = json.loads(_run("goals", "--as-of", "2019", "--json"))
    assert {row["as_of"] for row in rows} == {"2019Q4"}
    for code in ("abc", ""):
        with pytest.raises(CommandError, match="not a province code"):
            _run("import_units", "--user", factories.clerk(), "--province", code)


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()
