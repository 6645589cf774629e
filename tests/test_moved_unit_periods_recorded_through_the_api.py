"""The committee that held a commune before it moved learns nothing recorded after the move.

Nà Tấu (03316) moved from huyện Điện Biên (100) to thành phố Điện Biên Phủ (094) on 2020-01-01. A
superuser records, through the API, what happened after the move; huyện Điện Biên's viewer must
find none of it in the commune's figures, blank villages, timeline, quarter approvals, reported
figures or goals, and still read the commune's quarters before the move.

The same rules on ``tests.moved_world``'s records, built once for the module: ``test_moved_unit_periods.py``.
"""
import json

import pytest

from tests.moved_world import POST_MOVE_MARKS


def body_text(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


@pytest.fixture
def after_the_move(article, staff_api, role_api):
    """A superuser records, through the API, a village created in Nà Tấu in 2021 with its 2021Q1
    report (no members), submits Nà Tấu's 2021Q1, records a 2024 figure and a goal with baseline
    2024. Returns an API client of a viewer of huyện Điện Biên (100)."""
    from tracking.models import AdministrativeUnit

    village = staff_api.post("/api/v1/villages/", {"name": "Nà Lốc", "unit": "03316", "valid_from": "2021-01-01"},
                             format="json")
    assert village.status_code == 201, village.content
    report = staff_api.post("/api/v1/reports/", {"village": village.json()["id"], "quarter": "2021Q1", "full_members": 0,
                                                 "probationary_members": 0}, format="json")
    assert report.status_code == 201, report.content
    assert staff_api.post("/api/v1/units/03316/approvals/2021Q1/submit/", {}, format="json").status_code == 200
    figure = staff_api.post("/api/v1/reported-figures/", {
        "unit": "03316", "period": "2024", "metric": "blank_villages", "value": 1,
        "source_url": "https://example.org/na-tau-2024"}, format="json")
    assert figure.status_code == 201, figure.content
    goal = staff_api.post("/api/v1/goals/", {
        "unit": "03316", "title": "Nà Tấu: every village its own cell by mid-2025", "metric": "villages_without_own_cell",
        "baseline_period": "2024", "set_by": "Đảng ủy xã Nà Tấu"}, format="json")
    assert goal.status_code == 201, goal.content
    return role_api("viewer", AdministrativeUnit.objects.get(code="100"))


# What each answer may be: "404" (as for an unknown code), "rows" (a list without the rows of 2020
# and later), "earlier rows" (a timeline without the quarters of 2020 and later, or a 404).
AFTER_THE_MOVE = {
    "/api/v1/units/03316/blank-villages/?period=2021Q1": "404",
    "/api/v1/units/03316/progress/?period=2021Q1": "404",
    "/api/v1/units/03316/progress/timeline/": "earlier rows",
    "/api/v1/units/03316/progress/timeline/?from=2021Q1&to=2021Q4": "404",
    "/api/v1/approvals/?unit=03316": "rows",
    "/api/v1/units/03316/approvals/2021Q1/": "404",
    "/api/v1/units/03316/approvals/2021Q1/history/": "404",
    "/api/v1/reported-figures/?unit=03316": "rows",
    "/api/v1/goals/?unit=03316": "rows",
}


def _period_of(row: dict) -> str:
    return str(row.get("quarter") or row.get("period") or row.get("baseline_period") or "")


def test_the_former_district_learns_nothing_recorded_after_the_move(after_the_move, api_error):
    revealed = []  # (path, what it revealed), for one message listing every answer at fault
    for path, allowed in AFTER_THE_MOVE.items():
        response = after_the_move.get(path)
        if any(mark in body_text(response) for mark in POST_MOVE_MARKS):
            revealed.append((path, "names a record of after the move"))
        if allowed == "404" or response.status_code != 200:
            if response.status_code != 404 or allowed == "rows":
                revealed.append((path, f"answers {response.status_code}"))
            else:
                api_error(response, 404, "not_found")
            continue
        rows = response.json() if allowed == "earlier rows" else response.json()["results"]
        later = [_period_of(row) for row in rows if _period_of(row) >= "2020"]
        if later:
            revealed.append((path, f"has rows of {', '.join(later)}"))
    assert not revealed, "\n".join(f"{path}: {what}" for path, what in revealed)


def test_the_former_district_still_reads_the_quarters_before_the_move(after_the_move):
    viewer = after_the_move
    for path in ("/api/v1/units/03316/blank-villages/?period=2019Q4", "/api/v1/units/03316/progress/?period=2019Q4",
                 "/api/v1/units/03316/progress/timeline/?from=2019Q1&to=2019Q4", "/api/v1/units/03316/approvals/2019Q4/",
                 "/api/v1/units/03316/approvals/2019Q4/history/"):
        response = viewer.get(path)
        assert response.status_code == 200, (path, response.content[:300])
