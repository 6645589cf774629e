"""/api/v1/reports/ one by one, and the quarterly submission of a unit's villages in one request
(``PUT /api/v1/units/{code}/reports/{period}/``): all or nothing, idempotent, dry run."""
import datetime

import pytest

from tests import factories
from tracking.models import QuarterReport

D = datetime.date
REPORTS = "/api/v1/reports/"


@pytest.fixture
def villages(tree):
    return {
        "a": factories.village(tree["north"], name="Huổi Chổn"),
        "b": factories.village(tree["north"], name="Huổi Lực"),
        "c": factories.village(tree["north"], name="Nà Lốc"),
        "hoa": factories.village(tree["south"], name="Hoa"),
        "late": factories.village(tree["north"], name="Bản Mới", valid_from=D(2020, 1, 1)),
        "gone": factories.village(tree["north"], name="Bản Cũ", valid_to=D(2018, 1, 1)),
    }


def snapshot() -> list[tuple]:
    """Every report as the database holds it, to prove a refused request changed nothing."""
    return list(QuarterReport.objects.order_by("pk").values_list(
        "pk", "village_id", "quarter", "full_members", "probationary_members", "admissions",
        "ethnic_minority_members", "candidates", "status", "cell_id", "source_url", "updated_at",
    ))


# ----- one report ------------------------------------------------------------------------


def test_create_a_report(staff_api, villages):
    cell = factories.cell(villages["a"], name="Chi bộ A")
    body = {"village": villages["a"].pk, "quarter": "2019Q2", "full_members": 3, "probationary_members": 1,
            "admissions": 1, "ethnic_minority_members": 4, "candidates": 2, "cell": cell.pk,
            "source_url": "https://example.org/report", "source_location": "table 1"}
    response = staff_api.post(REPORTS, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert {name: created[name] for name in body} == body
    assert (created["members"], created["status"]) == (4, "")
    assert staff_api.get(f"{REPORTS}{created['id']}/").json() == created
    report = QuarterReport.objects.get()
    assert (report.village, str(report.quarter), report.members) == (villages["a"], "2019Q2", 4)


def test_create_a_status_only_report(staff_api, villages):
    body = {"village": villages["a"].pk, "quarter": "2008Q4", "status": "no_member", "source_url": "https://example.org/r"}
    response = staff_api.post(REPORTS, body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["full_members"], response.json()["members"], response.json()["status"]) == (None, None, "no_member")


def test_a_second_report_for_the_same_village_and_quarter_is_a_conflict(staff_api, villages, api_error):
    body = {"village": villages["a"].pk, "quarter": "2019Q2", "full_members": 3, "probationary_members": 1}
    first = staff_api.post(REPORTS, body, format="json").json()
    before = snapshot()
    conflict = api_error(staff_api.post(REPORTS, {**body, "full_members": 5}, format="json"), 409, "conflict")
    assert f"id {first['id']}" in conflict["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"admissions": 2, "probationary_members": 1}, "admissions"),  # every new member starts on probation
        ({"full_members": -1}, "full_members"),
        ({"candidates": -3}, "candidates"),
        ({"full_members": 1_000_001}, "full_members"),
        ({"ethnic_minority_members": 5}, "ethnic_minority_members"),  # more than the 4 members
        ({"quarter": "2100Q1"}, "quarter"),  # has not begun
        ({"quarter": "2019"}, "quarter"),  # a year, not a quarter
        ({"quarter": "2019Q5"}, "quarter"),
        ({"quarter": "1900Q1"}, "quarter"),
        ({"status": "no_member"}, "status"),  # a status-only report holds no counts
        ({"status": "sleeping"}, "status"),
        ({"full_members": None}, "full_members"),  # counts or a status
        ({"village": 999999}, "village"),
        ({"village": "abc"}, "village"),
        ({"cell": 999999}, "cell"),
    ],
)
def test_each_rule_is_a_400_on_its_field_and_changes_nothing(staff_api, villages, api_error, change, path):
    factories.report(villages["b"], "2019Q1", full=1)
    before = snapshot()
    body = {"village": villages["a"].pk, "quarter": "2019Q2", "full_members": 3, "probationary_members": 1, **change}
    api_error(staff_api.post(REPORTS, body, format="json"), 400, "validation_error", path)
    assert snapshot() == before


def test_the_cell_must_serve_the_village_in_the_quarter(staff_api, villages, api_error):
    other = factories.cell(villages["b"], name="Chi bộ Huổi Lực")
    later = factories.cell(villages["a"], name="Chi bộ Huổi Chổn", founded_on=D(2019, 7, 1))
    body = {"village": villages["a"].pk, "quarter": "2019Q2", "full_members": 3, "probationary_members": 1}
    for cell in (other, later):
        problem = api_error(staff_api.post(REPORTS, {**body, "cell": cell.pk}, format="json"), 400, "validation_error", "cell")
        assert "does not serve" in problem["detail"]
    assert staff_api.post(REPORTS, {**body, "quarter": "2019Q3", "cell": later.pk}, format="json").status_code == 201
    # A blank village belongs to no cell.
    blank = {"village": villages["a"].pk, "quarter": "2019Q4", "full_members": 0, "probationary_members": 0, "cell": later.pk}
    api_error(staff_api.post(REPORTS, blank, format="json"), 400, "validation_error", "cell")
    assert QuarterReport.objects.count() == 1


@pytest.mark.parametrize(("village", "quarter"), [("late", "2019Q4"), ("gone", "2018Q1")])
def test_a_village_that_does_not_exist_in_the_quarter(staff_api, villages, api_error, village, quarter):
    body = {"village": villages[village].pk, "quarter": quarter, "full_members": 1, "probationary_members": 0}
    api_error(staff_api.post(REPORTS, body, format="json"), 400, "validation_error", "quarter")
    assert not QuarterReport.objects.exists()


def test_create_needs_a_permission(anonymous, api, viewer_api, villages, api_error):
    body = {"village": villages["a"].pk, "quarter": "2019Q2", "full_members": 3, "probationary_members": 1}
    api_error(anonymous.post(REPORTS, body, format="json"), 401, "not_authenticated")
    api_error(viewer_api.post(REPORTS, body, format="json"), 403, "permission_denied")
    assert not QuarterReport.objects.exists()


def test_patch_changes_only_the_fields_sent(staff_api, villages):
    report = factories.report(villages["a"], "2019Q2", full=3, probationary=2, admissions=1, candidates=4)
    response = staff_api.patch(f"{REPORTS}{report.pk}/", {"admissions": 2, "note": "corrected"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["full_members"], body["probationary_members"], body["admissions"], body["candidates"], body["note"]) == (
        3, 2, 2, 4, "corrected"
    )
    assert (body["village"], body["quarter"]) == (villages["a"].pk, "2019Q2")
    report.refresh_from_db()
    assert (report.admissions, report.note) == (2, "corrected")


def test_patch_keeps_the_cell_unless_told(staff_api, villages):
    cell = factories.cell(villages["a"], name="Chi bộ A")
    report = factories.report(villages["a"], "2019Q2", full=3, cell=cell)
    assert staff_api.patch(f"{REPORTS}{report.pk}/", {"candidates": 1}, format="json").json()["cell"] == cell.pk
    assert staff_api.patch(f"{REPORTS}{report.pk}/", {"cell": None}, format="json").json()["cell"] is None


@pytest.mark.parametrize(
    ("change", "path"),
    [({"admissions": 5}, "admissions"), ({"probationary_members": -1}, "probationary_members"),
     ({"status": "has_members"}, "status"), ({"full_members": "three"}, "full_members")],
)
def test_patch_errors_change_nothing(staff_api, villages, api_error, change, path):
    report = factories.report(villages["a"], "2019Q2", full=3, probationary=2, admissions=1)
    before = snapshot()
    api_error(staff_api.patch(f"{REPORTS}{report.pk}/", change, format="json"), 400, "validation_error", path)
    assert snapshot() == before


def test_delete_a_report(staff_api, villages, api_error):
    report = factories.report(villages["a"], "2019Q2", full=3)
    assert staff_api.delete(f"{REPORTS}{report.pk}/").status_code == 204
    api_error(staff_api.get(f"{REPORTS}{report.pk}/"), 404, "not_found")
    # The village, now without history, may be deleted in turn.
    assert staff_api.delete(f"/api/v1/villages/{villages['a'].pk}/").status_code == 204


def test_delete_needs_a_permission(anonymous, api, viewer_api, villages, api_error):
    report = factories.report(villages["a"], "2019Q2", full=3)
    api_error(anonymous.delete(f"{REPORTS}{report.pk}/"), 401, "not_authenticated")
    api_error(viewer_api.delete(f"{REPORTS}{report.pk}/"), 403, "permission_denied")
    assert QuarterReport.objects.filter(pk=report.pk).exists()


def test_list_and_filters(api, tree, villages):
    factories.report(villages["a"], "2019Q1", full=1)
    factories.report(villages["a"], "2019Q2", full=2)
    factories.report(villages["b"], "2019Q2", full=0)
    factories.report(villages["hoa"], "2008Q4", status="no_member")

    def rows(query=""):
        response = api.get(f"{REPORTS}?{query}")
        assert response.status_code == 200, response.json()
        return [(row["village"], row["quarter"]) for row in response.json()["results"]]

    a, b, hoa = villages["a"].pk, villages["b"].pk, villages["hoa"].pk
    assert rows() == sorted([(a, "2019Q2"), (b, "2019Q2"), (a, "2019Q1"), (hoa, "2008Q4")], key=lambda r: (r[1], -r[0]), reverse=True)
    assert rows(f"village={a}") == [(a, "2019Q2"), (a, "2019Q1")]
    assert rows("period=2019Q2") == [(a, "2019Q2"), (b, "2019Q2")]
    assert rows("period=2019") == [(a, "2019Q2"), (b, "2019Q2"), (a, "2019Q1")]
    assert rows("within=03316") == [(hoa, "2008Q4")]
    assert rows("within=100&period=2008") == [(hoa, "2008Q4")]
    assert rows("status=no_member") == [(hoa, "2008Q4")]
    assert rows("ordering=quarter")[0] == (hoa, "2008Q4")


@pytest.mark.parametrize(("query", "path"), [("period=2019Q9", "period"), ("within=999", "within"),
                                             ("status=asleep", "status"), ("village=x", "village")])
def test_list_filter_errors(api, villages, api_error, query, path):
    api_error(api.get(f"{REPORTS}?{query}"), 400, "validation_error", path)


# ----- the quarterly submission ----------------------------------------------------------


def submit_url(code="03317", period="2019Q2", query=""):
    return f"/api/v1/units/{code}/reports/{period}/" + (f"?{query}" if query else "")


@pytest.fixture
def quarter_body(villages):
    cell = factories.cell(villages["a"], name="Chi bộ Huổi Chổn")
    return {"reports": [
        {"village": villages["a"].pk, "full_members": 3, "probationary_members": 1, "admissions": 1, "cell": cell.pk},
        {"village": villages["b"].pk, "full_members": 0, "probationary_members": 0},
        {"village": villages["c"].pk, "full_members": 1, "probationary_members": 2, "candidates": 3},
    ]}


def test_submit_a_commune_quarter(staff_api, villages, quarter_body):
    response = staff_api.put(submit_url(), quarter_body, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    ids = [villages[name].pk for name in "abc"]
    reports = {r.village_id: r for r in QuarterReport.objects.all()}
    assert body["unit"] == {"code": "03317", "name": "Nà Nhạn", "current_name": "Nà Nhạn", "level": "commune"}
    assert (body["quarter"], body["dry_run"]) == ("2019Q2", False)
    assert body["created"] == {"count": 3, "villages": ids, "ids": [reports[pk].pk for pk in ids]}
    assert body["updated"] == body["unchanged"] == {"count": 0, "villages": [], "ids": []}
    assert (reports[ids[0]].members, reports[ids[0]].cell.name, str(reports[ids[0]].quarter)) == (4, "Chi bộ Huổi Chổn", "2019Q2")
    figures = staff_api.get("/api/v1/units/03317/progress/?period=2019Q2").json()
    assert (figures["blank_villages"], figures["members"], figures["admissions"]) == (1, 7, 1)


def test_the_same_body_twice_changes_nothing_the_second_time(staff_api, villages, quarter_body):
    first = staff_api.put(submit_url(), quarter_body, format="json").json()
    before = snapshot()
    second = staff_api.put(submit_url(), quarter_body, format="json")
    assert second.status_code == 200
    body = second.json()
    assert body["unchanged"] == {"count": 3, "villages": first["created"]["villages"], "ids": first["created"]["ids"]}
    assert body["created"]["count"] == body["updated"]["count"] == 0
    assert snapshot() == before and QuarterReport.objects.count() == 3


def test_a_changed_entry_is_updated_and_the_others_unchanged(staff_api, villages, quarter_body):
    first = staff_api.put(submit_url(), quarter_body, format="json").json()
    quarter_body["reports"][1] = {"village": villages["b"].pk, "full_members": 0, "probationary_members": 1, "admissions": 1}
    body = staff_api.put(submit_url(), quarter_body, format="json").json()
    b = villages["b"].pk
    assert body["updated"] == {"count": 1, "villages": [b], "ids": [first["created"]["ids"][1]]}
    assert body["unchanged"]["count"] == 2 and body["created"]["count"] == 0
    assert QuarterReport.objects.get(village_id=b).admissions == 1
    # An entry replaces the report: a field left out is emptied.
    quarter_body["reports"][1] = {"village": b, "full_members": 0, "probationary_members": 1}
    assert staff_api.put(submit_url(), quarter_body, format="json").json()["updated"]["villages"] == [b]
    assert QuarterReport.objects.get(village_id=b).admissions is None


def test_new_villages_are_created_beside_existing_reports(staff_api, villages, quarter_body):
    factories.report(villages["a"], "2019Q2", full=9)
    body = staff_api.put(submit_url(), quarter_body, format="json").json()
    assert (body["created"]["count"], body["updated"]["villages"]) == (2, [villages["a"].pk])


def test_one_bad_entry_rejects_the_whole_submission(staff_api, villages, quarter_body, api_error):
    factories.report(villages["a"], "2019Q2", full=9)
    before = snapshot()
    quarter_body["reports"][1]["admissions"] = 2  # 0 probationary members
    body = api_error(staff_api.put(submit_url(), quarter_body, format="json"), 400, "validation_error", "reports.1.admissions")
    assert [error["path"] for error in body["errors"]] == ["reports.1.admissions"]
    assert "Huổi Lực" in body["errors"][0]["message"]  # the entry's village is named
    assert snapshot() == before


def test_every_bad_entry_is_listed(staff_api, villages, quarter_body, api_error):
    quarter_body["reports"][0]["ethnic_minority_members"] = 10
    quarter_body["reports"][2]["full_members"] = -1
    quarter_body["reports"][1]["status"] = "no_member"
    body = api_error(staff_api.put(submit_url(), quarter_body, format="json"), 400, "validation_error", "reports.2.full_members")
    # Type errors are found before any rule is checked: the rules wait for a well-formed body.
    assert [error["path"] for error in body["errors"]] == ["reports.2.full_members"]
    quarter_body["reports"][2]["full_members"] = 1
    body = api_error(staff_api.put(submit_url(), quarter_body, format="json"), 400, "validation_error")
    assert {error["path"] for error in body["errors"]} == {"reports.0.ethnic_minority_members", "reports.1.status"}
    assert not QuarterReport.objects.exists()


@pytest.mark.parametrize(
    ("entry", "path", "reason"),
    [
        ({"village": "hoa"}, "reports.1.village", "is not a village of"),  # Hoa is in Nà Tấu
        ({"village": "late"}, "reports.1.village", "is not a village of"),  # from 2020
        ({"village": "gone"}, "reports.1.village", "is not a village of"),  # closed in 2018
        ({"village": "a"}, "reports.1.village", "appears twice"),
        ({"village": 999999}, "reports.1.village", "No village has the id"),
        ({"cell": 999999}, "reports.1.cell", "No party cell has the id"),
    ],
)
def test_entries_outside_the_unit_or_quarter_are_errors(staff_api, villages, quarter_body, api_error, entry, path, reason):
    values = {name: villages[value].pk if isinstance(value, str) else value for name, value in entry.items()}
    quarter_body["reports"][1].update(values)
    body = api_error(staff_api.put(submit_url(), quarter_body, format="json"), 400, "validation_error", path)
    assert reason in body["detail"]
    assert not QuarterReport.objects.exists()


def test_a_district_submits_for_its_communes_villages(staff_api, villages):
    body = {"reports": [{"village": villages["a"].pk, "full_members": 1, "probationary_members": 0},
                        {"village": villages["hoa"].pk, "full_members": 2, "probationary_members": 0}]}
    response = staff_api.put(submit_url("100"), body, format="json")
    assert response.status_code == 200 and response.json()["created"]["count"] == 2


def test_dry_run_returns_the_summary_and_saves_nothing(staff_api, villages, quarter_body):
    factories.report(villages["a"], "2019Q2", full=9)
    before = snapshot()
    dry = staff_api.put(submit_url(query="dry_run=true"), quarter_body, format="json")
    assert dry.status_code == 200, dry.json()
    assert snapshot() == before
    real = staff_api.put(submit_url(), quarter_body, format="json").json()
    dry = dry.json()
    assert dry["dry_run"] is True and real["dry_run"] is False
    for outcome in ("created", "updated", "unchanged"):
        assert (dry[outcome]["count"], dry[outcome]["villages"]) == (real[outcome]["count"], real[outcome]["villages"])
    # Reports not yet created have no id in a dry run; existing ones keep theirs.
    assert dry["created"]["ids"] == [] and len(real["created"]["ids"]) == 2
    assert dry["updated"]["ids"] == real["updated"]["ids"] == [before[0][0]]
    # After the real run, a dry run of the same body says all unchanged.
    again = staff_api.put(submit_url(query="dry_run=1"), quarter_body, format="json").json()
    assert again["unchanged"]["count"] == 3


def test_dry_run_reports_the_same_errors(staff_api, villages, quarter_body, api_error):
    quarter_body["reports"][2]["admissions"] = 3
    api_error(staff_api.put(submit_url(query="dry_run=true"), quarter_body, format="json"), 400, "validation_error", "reports.2.admissions")
    assert not QuarterReport.objects.exists()


@pytest.mark.parametrize(
    ("url", "status", "code", "path"),
    [
        (submit_url(period="2019Q5"), 400, "validation_error", "period"),
        (submit_url(period="2019"), 400, "validation_error", "period"),
        (submit_url(period="2019-05"), 400, "validation_error", "period"),
        (submit_url(period="Q2"), 400, "validation_error", "period"),
        (submit_url(period="2100Q1"), 400, "validation_error", "reports.0.quarter"),  # has not begun
        (submit_url(code="99999"), 404, "not_found", None),
        (submit_url(query="dry_run=perhaps"), 400, "validation_error", "dry_run"),
        (submit_url(query="dryrun=true"), 400, "validation_error", "dryrun"),
    ],
)
def test_submission_errors(staff_api, villages, quarter_body, api_error, url, status, code, path):
    api_error(staff_api.put(url, quarter_body, format="json"), status, code, *([path] if path else []))
    assert not QuarterReport.objects.exists()


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"reports": []}, "reports"),
        ({}, "reports"),
        ({"reports": {"village": 1}}, "reports"),
        ({"reports": [{"full_members": 1, "probationary_members": 0}]}, "reports.0.village"),
        ({"reports": [{"village": 1, "full_members": "many", "probationary_members": 0}]}, "reports.0.full_members"),
        ({"reports": [1, 2]}, "reports.0"),
    ],
)
def test_malformed_bodies(staff_api, villages, api_error, body, path):
    api_error(staff_api.put(submit_url(), body, format="json"), 400, "validation_error", path)
    assert not QuarterReport.objects.exists()


def test_submission_needs_an_editor_of_the_unit(anonymous, viewer_api, role_api, tree, villages, quarter_body, api_error):
    api_error(anonymous.put(submit_url(), quarter_body, format="json"), 401, "not_authenticated")
    api_error(viewer_api.put(submit_url(), quarter_body, format="json"), 403, "permission_denied")
    # A viewer of the commune sees it but may not report; an editor of the other commune does not see it.
    api_error(role_api("viewer", tree["north"]).put(submit_url(), quarter_body, format="json"), 403, "permission_denied")
    api_error(role_api("editor", tree["south"]).put(submit_url(), quarter_body, format="json"), 404, "not_found")
    assert not QuarterReport.objects.exists()
    # The commune's editor may submit, and so may the district's.
    assert role_api("editor", tree["north"]).put(submit_url(), quarter_body, format="json").status_code == 200
    assert role_api("editor", tree["district"]).put(submit_url(), {**quarter_body, "reports": quarter_body["reports"][:1]},
                                                     format="json").status_code == 200
    assert QuarterReport.objects.count() == 3


def _submit_counting_queries(client, villages, members: int) -> tuple[int, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body = {"reports": [{"village": v.pk, "full_members": members, "probationary_members": 0} for v in villages]}
    with CaptureQueriesContext(connection) as queries:
        response = client.put("/api/v1/units/03317/reports/2019Q2/", body, format="json")
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def test_a_whole_commune_is_written_in_the_same_few_statements_whatever_its_size(staff_api, db):
    """A submission validates all its rows together and writes them in bulk, audit rows included:
    30 villages take no more statements than 3, whether the reports are new or changed."""
    from tracking.models import QuarterReport

    province = factories.province(code="11")
    commune = factories.commune(factories.district(province, code="100"), code="03317")
    few = [factories.village(commune, name=f"Bản A{i}") for i in range(3)]
    many = [factories.village(commune, name=f"Bản B{i}") for i in range(30)]
    created_few, body = _submit_counting_queries(staff_api, few, 1)
    assert body["created"]["count"] == 3
    created_many, body = _submit_counting_queries(staff_api, many, 1)
    assert body["created"]["count"] == 30 and len(body["created"]["ids"]) == 30
    updated_few, body = _submit_counting_queries(staff_api, few, 2)
    assert body["updated"]["count"] == 3
    updated_many, body = _submit_counting_queries(staff_api, many, 2)
    assert body["updated"]["count"] == 30
    assert created_many == created_few and updated_many == updated_few
    # Each report's audit trail says who and through which path, as a single save does.
    report = QuarterReport.objects.get(village=many[-1], quarter="2019Q2")
    assert report.full_members == 2 and set(body["updated"]["ids"]) >= {report.pk}
    trail = list(report.history.order_by("history_id"))
    assert [(row.history_type, row.full_members, row.history_path, row.history_user.username) for row in trail] == [
        ("+", 1, "api", "admin"), ("~", 2, "api", "admin")]
