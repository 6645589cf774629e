"""Approval and locking of quarters (tracking.approvals): each transition, who may make it, the
reasons, the audit trail, and the lock on every path that writes a report (services called from
the API, the admin or a command), on the map of the quarter's last day."""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests import edges, factories
from tracking import locks, services
from tracking.access import SYSTEM
from tracking.errors import Conflict, Locked, NotPermitted
from tracking.models import (
    AdministrativeUnit,
    ApprovalState,
    QuarterApproval,
    QuarterReport,
    Role,
    RoleGrant,
)
from tracking.periods import Period
from tracking.selectors import approvals as approval_reads
from tracking.services import approvals as approval_steps
from tracking.services import reorganisations

D = datetime.date
Q2 = Period.parse("2019Q2")


@pytest.fixture
def villages(tree):
    return {
        "a": factories.village(tree["north"], name="Huổi Chổn"),
        "b": factories.village(tree["north"], name="Huổi Lực"),
        "hoa": factories.village(tree["south"], name="Hoa"),
        "far": factories.village(factories.commune(tree["other"], code="03200", name="Xa Dung"), name="Bản Xa"),
    }


@pytest.fixture
def people(tree, django_user_model):
    """Users with roles: on commune Nà Nhạn (north), on district 100, and a superuser."""

    def user(name, *grants):
        person = django_user_model.objects.create_user(username=name, password="pw")
        for unit, role in grants:
            RoleGrant.objects.create(user=person, unit=tree[unit], role=role)
        return person

    return {
        "viewer": user("viewer", ("north", Role.VIEWER)),
        "editor": user("editor", ("north", Role.EDITOR)),
        "south_editor": user("south_editor", ("south", Role.EDITOR)),
        "approver": user("approver", ("north", Role.APPROVER)),  # of the commune itself
        "district": user("district", ("district", Role.APPROVER)),  # of the unit above
        "root": django_user_model.objects.create_superuser(username="root", email="root@example.org", password="pw"),
    }


def approve(unit, people, quarter=Q2):
    approval_steps.quarter_submit(unit=unit, quarter=quarter, by=people["root"])
    return approval_steps.quarter_approve(unit=unit, quarter=quarter, by=people["root"])


def reports_snapshot():
    return list(QuarterReport.objects.order_by("pk").values_list("pk", "village", "quarter", "full_members", "updated_at"))


# ---------------------------------------------------------------------------------------
# Transitions


def test_a_quarter_goes_from_draft_to_submitted_to_approved(tree, villages, people):
    draft = approval_reads.approval_of(tree["north"], "2019Q2")
    assert (draft.pk, draft.state) == (None, ApprovalState.DRAFT)
    submitted = approval_steps.quarter_submit(unit=tree["north"], quarter="2019Q2", by=people["editor"])
    assert (submitted.state, submitted.submitted_by, submitted.approved_by) == ("submitted", people["editor"], None)
    assert submitted.submitted_at is not None
    approved = approval_steps.quarter_approve(unit=tree["north"], quarter=Q2, by=people["approver"])
    assert (approved.pk, approved.state, approved.approved_by) == (submitted.pk, "approved", people["approver"])
    assert approval_reads.approval_of(tree["north"], Q2).state == "approved"
    assert QuarterApproval.objects.count() == 1


def test_a_draft_is_submitted_before_it_is_approved(tree, people):
    with pytest.raises(Conflict) as refused:
        approval_steps.quarter_approve(unit=tree["north"], quarter=Q2, by=people["root"])
    assert str(refused.value) == "2019Q2 of xã Nà Nhạn (03317) is a draft: submit it before approving it."
    assert refused.value.code in ("conflict", "locked")
    assert not QuarterApproval.objects.exists()


@pytest.mark.parametrize(
    ("steps", "transition", "reason"),
    [
        (["submit"], "submit", "is already submitted"),
        (["submit", "approve"], "submit", "is approved: reopen it first"),
        (["submit", "approve"], "approve", "is already approved"),
        ([], "return", "is a draft: there is nothing to return"),
        (["submit", "approve"], "return", "is approved: reopen it first"),
        ([], "reopen", "is a draft: there is nothing to reopen"),
        (["submit"], "reopen", "is submitted, not approved: return it instead"),
        (["submit", "return"], "approve", "is a draft: submit it before approving it"),
    ],
)
def test_a_wrong_transition_is_a_conflict_with_the_reason(tree, people, steps, transition, reason):
    for step in steps:
        extra = {"reason": "Not complete."} if step in ("return", "reopen") else {}
        approval_steps.TRANSITIONS[step](unit=tree["north"], quarter=Q2, by=people["root"], **extra)
    before = list(QuarterApproval.objects.values_list("state", "reason", "updated_at"))
    extra = {"reason": "Why not."} if transition in ("return", "reopen") else {}
    with pytest.raises(Conflict) as refused:
        approval_steps.TRANSITIONS[transition](unit=tree["north"], quarter=Q2, by=people["root"], **extra)
    assert f"2019Q2 of xã Nà Nhạn (03317) {reason}" in str(refused.value)
    assert list(QuarterApproval.objects.values_list("state", "reason", "updated_at")) == before


def test_return_sends_a_submitted_quarter_back_with_the_reason(tree, people):
    approval_steps.quarter_submit(unit=tree["north"], quarter=Q2, by=people["editor"])
    row = approval_steps.quarter_return(unit=tree["north"], quarter=Q2, by=people["approver"], reason="  Hoa is missing.  ")
    assert (row.state, row.reason, row.submitted_by, row.submitted_at) == ("draft", "Hoa is missing.", None, None)
    again = approval_steps.quarter_submit(unit=tree["north"], quarter=Q2, by=people["editor"])
    assert (again.pk, again.state) == (row.pk, "submitted")


@pytest.mark.parametrize("transition", ["return", "reopen"])
@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 501])
def test_return_and_reopen_need_a_reason(tree, people, transition, reason):
    approval_steps.quarter_submit(unit=tree["north"], quarter=Q2, by=people["root"])
    if transition == "reopen":
        approval_steps.quarter_approve(unit=tree["north"], quarter=Q2, by=people["root"])
    state = QuarterApproval.objects.get().state
    with pytest.raises(ValidationError) as refused:
        approval_steps.TRANSITIONS[transition](unit=tree["north"], quarter=Q2, by=people["root"], reason=reason)
    assert "reason" in refused.value.message_dict
    assert QuarterApproval.objects.get().state == state


def test_a_quarter_not_begun_or_off_the_map_cannot_be_submitted(tree, people):
    late = factories.commune(tree["district"], code="03399", name="Mới", valid_from=D(2021, 1, 1))
    for unit, quarter, text in ((tree["north"], "2100Q1", "has not begun"), (late, "2019Q2", "is not on the map")):
        with pytest.raises(ValidationError) as refused:
            approval_steps.quarter_submit(unit=unit, quarter=quarter, by=people["root"])
        assert text in " ".join(refused.value.message_dict["quarter"])
    with pytest.raises(ValidationError):
        approval_steps.quarter_submit(unit=tree["north"], quarter="2019", by=people["root"])
    assert not QuarterApproval.objects.exists()


# ---------------------------------------------------------------------------------------
# Who may do what


@pytest.mark.parametrize(
    ("who", "transition", "allowed"),
    [
        ("viewer", "submit", False),
        ("south_editor", "submit", False),
        ("editor", "submit", True),
        ("approver", "submit", True),  # an approver is an editor too
        ("district", "submit", True),
        ("editor", "approve", False),
        ("approver", "approve", True),
        ("district", "approve", True),
        ("editor", "return", False),
        ("approver", "return", True),
        ("approver", "reopen", False),  # of the unit itself: not above it
        ("editor", "reopen", False),
        ("district", "reopen", True),
        ("root", "reopen", True),
    ],
)
def test_rights_follow_the_roles_on_the_units_area(tree, people, who, transition, allowed):
    states = {"submit": [], "approve": ["submit"], "return": ["submit"], "reopen": ["submit", "approve"]}
    for step in states[transition]:
        approval_steps.TRANSITIONS[step](unit=tree["north"], quarter=Q2, by=people["root"])
    extra = {"reason": "Counted twice."} if transition in ("return", "reopen") else {}
    call = approval_steps.TRANSITIONS[transition]
    if allowed:
        call(unit=tree["north"], quarter=Q2, by=people[who], **extra)
        return
    before = list(QuarterApproval.objects.values_list("state", "updated_at"))
    with pytest.raises(NotPermitted) as refused:
        call(unit=tree["north"], quarter=Q2, by=people[who], **extra)
    assert list(QuarterApproval.objects.values_list("state", "updated_at")) == before
    if transition == "reopen":
        assert str(refused.value) == "Only someone with the approver role on a unit above xã Nà Nhạn (03317) may do this (map of 2019-06-30)."
    else:  # a viewer or an editor holds no role of the step: it says so, not that the unit lies elsewhere
        role = "editor" if transition == "submit" else "approver"
        assert str(refused.value) in (
            f"You hold no {role} role: this needs one on xã Nà Nhạn (03317) or a unit above it.",
            f"xã Nà Nhạn (03317) is not in the area of your {role} roles (map of 2019-06-30).",  # a role elsewhere
        )


def test_a_district_approval_is_reopened_from_the_province_only(tree, people, django_user_model):
    approve(tree["district"], people)
    with pytest.raises(NotPermitted):
        approval_steps.quarter_reopen(unit=tree["district"], quarter=Q2, by=people["district"], reason="Mine.")
    province = django_user_model.objects.create_user(username="province")
    RoleGrant.objects.create(user=province, unit=tree["province"], role=Role.APPROVER)
    row = approval_steps.quarter_reopen(unit=tree["district"], quarter=Q2, by=province, reason="Nà Tấu recounted.")
    assert (row.state, row.approved_by, row.reason) == ("draft", None, "Nà Tấu recounted.")


def test_rights_are_those_of_the_quarters_last_day(tree, villages, people):
    # Nà Nhạn moves to district 101 in 2020: the approver of district 100 reopens its 2019
    # quarters, not its 2020 ones.
    reorganisations.unit_transfer(by=SYSTEM, unit=tree["north"], parent=tree["other"], on=D(2020, 1, 1))
    approve(tree["north"], people)
    approve(tree["north"], people, quarter="2020Q1")
    approval_steps.quarter_reopen(unit=tree["north"], quarter=Q2, by=people["district"], reason="Recount.")
    with pytest.raises(NotPermitted):
        approval_steps.quarter_reopen(unit=tree["north"], quarter="2020Q1", by=people["district"], reason="Recount.")


# ---------------------------------------------------------------------------------------
# The audit trail


def test_every_transition_is_a_history_row_with_its_user_path_and_reason(tree, people):
    approval_steps.quarter_submit(unit=tree["north"], quarter=Q2, by=people["editor"])
    approval_steps.quarter_approve(unit=tree["north"], quarter=Q2, by=people["approver"])
    approval_steps.quarter_reopen(unit=tree["north"], quarter=Q2, by=people["district"], reason="Huổi Chổn counted twice.")
    row = QuarterApproval.objects.get()
    trail = list(row.history.order_by("history_id").values_list(
        "history_type", "state", "history_user__username", "history_path", "reason", "approved_by__username"))
    assert trail == [
        ("+", "submitted", "editor", "command", "", None),
        ("~", "approved", "approver", "command", "", "approver"),
        ("~", "draft", "district", "command", "Huổi Chổn counted twice.", None),
    ]


# ---------------------------------------------------------------------------------------
# The lock, on every write of a report


def test_approval_locks_every_write_of_the_units_reports(tree, villages, people):
    report = factories.report(villages["a"], "2019Q2", full=3, probationary=1)
    approve(tree["north"], people)
    before = reports_snapshot()
    writes = [
        lambda: services.quarter_report_submit(by=SYSTEM, village=villages["a"], quarter="2019Q2", full_members=4, probationary_members=1),
        lambda: services.quarter_report_submit(by=SYSTEM, village=villages["b"], quarter=Q2, full_members=1, probationary_members=0),
        lambda: services.quarter_report_delete(by=SYSTEM, report=report),
        lambda: services.record_delete(by=SYSTEM, record=report),
        lambda: services.quarter_submission_submit(by=SYSTEM, unit=tree["north"], quarter=Q2, dry_run=True, entries=[
            {"village": villages["b"].pk, "full_members": 1, "probationary_members": 0}]),
        lambda: services.quarter_submission_submit(by=SYSTEM, unit=tree["district"], quarter=Q2, entries=[
            {"village": villages["hoa"].pk, "full_members": 1, "probationary_members": 0},
            {"village": villages["a"].pk, "full_members": 3, "probationary_members": 1}]),
    ]
    for write in writes:
        with pytest.raises(Locked) as refused:
            write()
        assert refused.value.code in ("conflict", "locked")
        assert refused.value.approval.unit == tree["north"]
        day = timezone.localdate(refused.value.approval.approved_at).isoformat()
        assert str(refused.value) == (
            f"2019Q2 of xã Nà Nhạn (03317) was approved by root on {day}: "
            "an approver of a unit above must reopen it before its reports change."
        )
    assert reports_snapshot() == before
    # The submission names each entry locked (Hoa, in Nà Tấu, is not).
    assert [path for path, _message in refused.value.entries] == ["reports.1.village"]
    assert refused.value.entries[0][1].startswith("Huổi Chổn: 2019Q2 of xã Nà Nhạn (03317) was approved by root")
    # Other quarters, and the other commune, are open.
    services.quarter_report_submit(by=SYSTEM, village=villages["a"], quarter="2019Q3", full_members=3, probationary_members=1)
    services.quarter_report_submit(by=SYSTEM, village=villages["hoa"], quarter=Q2, full_members=2, probationary_members=0)


def test_a_submitted_quarter_is_not_locked(tree, villages, people):
    approval_steps.quarter_submit(unit=tree["north"], quarter=Q2, by=people["editor"])
    assert locks.lock_for(villages["a"], Q2) is None
    services.quarter_report_submit(by=SYSTEM, village=villages["a"], quarter=Q2, full_members=3, probationary_members=1)


def test_reopening_unlocks_the_reports(tree, villages, people):
    approve(tree["north"], people)
    assert locks.lock_for(villages["a"], Q2) is not None
    approval_steps.quarter_reopen(unit=tree["north"], quarter=Q2, by=people["district"], reason="Recount.")
    assert locks.lock_for(villages["a"], Q2) is None
    assert services.quarter_report_submit(by=SYSTEM, village=villages["a"], quarter=Q2, full_members=3, probationary_members=1).outcome == "created"


def test_a_district_approval_locks_the_villages_of_all_its_communes(tree, villages, people):
    approve(tree["district"], people)
    found = locks.locks_for([village.pk for village in villages.values()], Q2)
    assert set(found) == {villages["a"].pk, villages["b"].pk, villages["hoa"].pk}
    assert {lock.unit.code for lock in found.values()} == {"100"}
    with pytest.raises(Locked) as refused:
        services.quarter_report_submit(by=SYSTEM, village=villages["hoa"], quarter=Q2, full_members=1, probationary_members=0)
    assert "2019Q2 of huyện Điện Biên (100) was approved by root" in str(refused.value)
    services.quarter_report_submit(by=SYSTEM, village=villages["far"], quarter=Q2, full_members=1, probationary_members=0)


def test_the_nearest_approval_is_named_when_several_lock(tree, villages, people):
    approve(tree["district"], people)
    approve(tree["north"], people)
    assert locks.lock_for(villages["a"], Q2).unit == tree["north"]
    assert locks.lock_for(villages["hoa"], Q2).unit == tree["district"]
    # Reopening the commune leaves the district's lock.
    approval_steps.quarter_reopen(unit=tree["north"], quarter=Q2, by=people["district"], reason="Recount.")
    assert locks.lock_for(villages["a"], Q2).unit == tree["district"]


def test_a_village_moved_later_stays_locked_by_the_unit_it_was_under(tree, villages, people):
    reorganisations.village_move(by=SYSTEM, village=villages["a"], unit=tree["south"], on=D(2020, 1, 1))
    approve(tree["north"], people)
    approve(tree["south"], people, quarter="2020Q1")
    assert locks.lock_for(villages["a"], Q2).unit == tree["north"]  # in Nà Nhạn on 2019-06-30
    assert locks.lock_for(villages["a"], "2020Q1").unit == tree["south"]
    with pytest.raises(Locked):
        services.quarter_report_submit(by=SYSTEM, village=villages["a"], quarter=Q2, full_members=1, probationary_members=0)
    # Nà Tấu's approval of 2019Q2 does not reach back to a village that joined it later.
    approval_steps.quarter_reopen(unit=tree["north"], quarter=Q2, by=people["root"], reason="Recount.")
    approve(tree["south"], people)
    assert locks.lock_for(villages["a"], Q2) is None


def test_a_commune_moved_to_another_district_is_locked_by_its_district_of_then(tree, villages, people):
    reorganisations.unit_transfer(by=SYSTEM, unit=tree["north"], parent=tree["other"], on=D(2020, 1, 1))
    approve(tree["other"], people)  # 101's 2019Q2: Nà Nhạn was not in it yet
    assert locks.lock_for(villages["a"], Q2) is None
    approve(tree["district"], people)
    assert locks.lock_for(villages["a"], Q2).unit == tree["district"]


def test_superusers_are_locked_out_too_and_reopen_first(tree, villages, people, admin_client):
    approve(tree["north"], people)
    with pytest.raises(Locked):
        services.quarter_report_submit(by=SYSTEM, village=villages["a"], quarter=Q2, full_members=1, probationary_members=0)
    approval_steps.quarter_reopen(unit=tree["north"], quarter=Q2, by=people["root"], reason="Typo in Huổi Chổn.")
    services.quarter_report_submit(by=SYSTEM, village=villages["a"], quarter=Q2, full_members=1, probationary_members=0)


def test_locks_of_many_villages_in_a_fixed_number_of_queries(tree, people, django_assert_num_queries):
    many = [factories.village(tree["north"], name=f"Bản {number}") for number in range(40)]
    many += [factories.village(tree["south"], name=f"Bản Nam {number}") for number in range(40)]
    approve(tree["north"], people)
    approval_steps.quarter_submit(unit=tree["south"], quarter=Q2, by=people["root"])
    with django_assert_num_queries(2):
        found = locks.locks_for([village.pk for village in many], Q2)
    assert len(found) == 40
    reports = [factories.report(village, quarter, full=1) for village in many[::10] for quarter in ("2019Q1", "2019Q3")]
    with django_assert_num_queries(2):
        standings = locks.standings_for_reports(reports)
    assert {standing.state for standing in standings.values()} == {"draft"}


# ---------------------------------------------------------------------------------------
# From a command: no request, the user given to the service


def test_services_called_from_a_command_are_locked_and_audited(tree, villages, people):
    factories.report(villages["a"], "2019Q2", full=2)
    approve(tree["north"], people)
    # The service a command would call, outside any request.
    with pytest.raises(Locked):
        services.quarter_report_submit(by=SYSTEM, village=villages["a"], quarter=Q2, full_members=9, probationary_members=0)
    assert QuarterReport.objects.get(village=villages["a"]).full_members == 2
    record = QuarterApproval.objects.get().history.latest()
    assert (record.history_path, record.history_user, record.state) == ("command", people["root"], "approved")
    out = io.StringIO()
    call_command("progress", "03317", "--period", "2019Q2", stdout=out)
    assert "Quarter 2019Q2: approved, approved for 03317" in out.getvalue()


# ---------------------------------------------------------------------------------------
# The admin


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:tracking_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def locked_report(tree, villages, people):
    report = factories.report(villages["a"], "2019Q2", full=3, probationary=1, note="Counted on 2019-06-30.")
    approve(tree["north"], people)
    return report


def test_a_locked_report_is_shown_read_only_with_the_approval_and_how_to_reopen(admin_client, locked_report):
    response = admin_client.get(admin_url(QuarterReport, "change", locked_report.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="full_members"' not in content and 'name="note"' not in content
    assert 'name="_save"' not in content and 'name="_continue"' not in content
    notice = [str(message) for message in response.context["messages"]]
    assert any("This report is locked. 2019Q2 of xã Nà Nhạn (03317) was approved by root" in text
               and "reopens the quarter in “Quarter approvals”" in text for text in notice), notice
    assert "This report is locked." in content


def test_saving_a_locked_report_in_the_admin_changes_nothing(admin_client, locked_report):
    before = reports_snapshot()
    url = admin_url(QuarterReport, "change", locked_report.pk)
    response = admin_client.post(url, {"full_members": 9, "probationary_members": 1, "note": "changed"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert any(str(message).startswith("Nothing was saved: 2019Q2 of xã Nà Nhạn (03317) was approved")
               for message in response.context["messages"])
    assert reports_snapshot() == before


def test_deleting_a_locked_report_in_the_admin_is_refused(admin_client, locked_report, villages):
    before = reports_snapshot()
    response = admin_client.post(admin_url(QuarterReport, "delete", locked_report.pk), {"post": "yes"}, follow=True)
    assert response.redirect_chain == [(admin_url(QuarterReport, "change", locked_report.pk), 302)]
    assert any(str(m).startswith("Nothing was deleted: 2019Q2 of xã Nà Nhạn") for m in response.context["messages"])
    open_report = factories.report(villages["a"], "2019Q3", full=1)
    bulk = admin_client.post(admin_url(QuarterReport, "changelist"), {
        "action": "delete_selected", "_selected_action": [locked_report.pk, open_report.pk], "post": "yes"}, follow=True)
    assert any("Nothing was deleted: Huổi Chổn 2019Q2 locked." in str(m) for m in bulk.context["messages"])
    assert QuarterReport.objects.count() == len(before) + 1
    # Without a locked report, Django's bulk deletion goes on (through the service).
    admin_client.post(admin_url(QuarterReport, "changelist"), {
        "action": "delete_selected", "_selected_action": [open_report.pk], "post": "yes"})
    assert not QuarterReport.objects.filter(pk=open_report.pk).exists()


def test_adding_a_report_for_a_locked_quarter_in_the_admin_shows_the_reason(admin_client, locked_report, villages):
    response = admin_client.post(admin_url(QuarterReport, "add"), {
        "village": villages["b"].pk, "quarter": "2019Q2", "full_members": 1, "probationary_members": 0})
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors and errors[0].startswith("2019Q2 of xã Nà Nhạn (03317) was approved by root")
    assert not QuarterReport.objects.filter(village=villages["b"]).exists()


def test_report_list_shows_which_reports_are_locked_in_a_fixed_number_of_queries(
        admin_client, locked_report, villages, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    open_report = factories.report(villages["hoa"], "2019Q2", full=1)
    url = admin_url(QuarterReport, "changelist")
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(url)
    rows = {report.pk: report for report in response.context["cl"].result_list}
    assert (rows[locked_report.pk].approval_lock.unit.code, rows[open_report.pk].approval_lock) == ("03317", None)
    content = response.content.decode()
    assert content.count('<td class="field-locked"><img src="/static/admin/img/icon-yes.svg" alt="True"></td>') == 1
    # Note: in Nà Tấu, whose quarter is open: a village added to Nà Nhạn would change its
    # approved figures (refused, see test_map_changes_in_approved_quarters.py).
    for number in range(30):
        factories.report(factories.village(villages["hoa"].placements.get().unit, name=f"Bản {number}"), "2019Q1", full=1)
    with django_assert_max_num_queries(len(few)):
        admin_client.get(url)


def test_a_locked_report_in_the_village_page_cannot_change_or_be_deleted(admin_client, locked_report, villages):
    from tests.test_admin import form_data

    open_report = factories.report(villages["a"], "2019Q3", full=1)
    url = admin_url(type(villages["a"]), "change", villages["a"].pk)
    page = admin_client.get(url)
    formset = page.context["inline_admin_formsets"][1].formset
    forms = {form.instance.pk: form for form in formset.forms if form.instance.pk}
    assert all(field.disabled for field in forms[locked_report.pk].fields.values())
    assert not any(field.disabled for name, field in forms[open_report.pk].fields.items())
    data = form_data(page)
    prefix = forms[locked_report.pk].prefix
    data[f"{prefix}-full_members"] = 9  # ignored: the field is disabled
    data[f"{prefix}-DELETE"] = "on"  # ignored too
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert QuarterReport.objects.get(pk=locked_report.pk).full_members == 3


def test_approvals_admin_submits_approves_and_reopens_with_a_reason(admin_client, tree, villages, people):
    changelist = admin_url(QuarterApproval, "changelist")
    added = admin_client.post(admin_url(QuarterApproval, "add"), {"unit": tree["north"].pk, "quarter": "2019Q2"}, follow=True)
    assert added.redirect_chain == [(changelist, 302)]
    assert "2019Q2 of xã Nà Nhạn (03317): submitted." in [str(m) for m in added.context["messages"]]
    row = QuarterApproval.objects.get()
    approved = admin_client.post(changelist, {"action": "approve_quarters", "_selected_action": [row.pk]}, follow=True)
    assert "2019Q2 of xã Nà Nhạn (03317): approved; its reports are locked." in [str(m) for m in approved.context["messages"]]
    row.refresh_from_db()
    assert (row.state, row.approved_by.username) == ("approved", "admin")
    content = approved.content.decode()
    assert '<td class="field-locked"><img src="/static/admin/img/icon-yes.svg" alt="True"></td>' in content

    form = admin_client.post(changelist, {"action": "reopen_quarters", "_selected_action": [row.pk]})
    assert form.status_code == 200
    assert "admin/tracking/approval_reason.html" in [template.name for template in form.templates]
    assert str(row) in form.content.decode()
    blank = admin_client.post(changelist, {"action": "reopen_quarters", "_selected_action": [row.pk], "apply": "yes",
                                           "reason": "   "})
    assert blank.status_code == 200 and "reason" in blank.context["form"].errors
    assert QuarterApproval.objects.get().state == "approved"
    reopened = admin_client.post(changelist, {"action": "reopen_quarters", "_selected_action": [row.pk], "apply": "yes",
                                              "reason": "Huổi Chổn recounted."}, follow=True)
    assert reopened.redirect_chain == [(changelist, 302)]
    row.refresh_from_db()
    assert (row.state, row.reason) == ("draft", "Huổi Chổn recounted.")
    latest = row.history.latest()
    assert (latest.history_user.username, latest.history_path, latest.reason) == ("admin", "admin", "Huổi Chổn recounted.")
    history = admin_client.get(admin_url(QuarterApproval, "history", row.pk))
    assert history.status_code == 200 and "Huổi Chổn recounted." in history.content.decode()
    assert admin_client.get(admin_url(QuarterApproval, "change", row.pk)).status_code == 200
    # Submit it again from the add page: the returned or reopened row is submitted anew.
    again = admin_client.post(admin_url(QuarterApproval, "add"), {"unit": tree["north"].pk, "quarter": "2019Q2"})
    assert again.status_code == 302 and QuarterApproval.objects.get().state == "submitted"


def test_approvals_admin_shows_each_refusal_as_a_message(admin_client, tree, people):
    row = approval_steps.quarter_submit(unit=tree["north"], quarter=Q2, by=people["root"])
    changelist = admin_url(QuarterApproval, "changelist")
    response = admin_client.post(changelist, {"action": "submit_quarters", "_selected_action": [row.pk]}, follow=True)
    assert "2019Q2 of xã Nà Nhạn (03317) is already submitted: an approver approves it or returns it." in [
        str(m) for m in response.context["messages"]]
    twice = admin_client.post(admin_url(QuarterApproval, "add"), {"unit": tree["north"].pk, "quarter": "2019Q2"})
    assert twice.status_code == 200
    assert "is already submitted" in " ".join(twice.context["adminform"].form.non_field_errors())


def test_approvals_admin_follows_the_users_roles(client, tree, people, django_user_model):
    staff = django_user_model.objects.create_user(username="clerk", password="pw", is_staff=True)  # roles suffice
    RoleGrant.objects.create(user=staff, unit=tree["south"], role=Role.APPROVER)
    RoleGrant.objects.create(user=staff, unit=tree["north"], role=Role.VIEWER)
    client.force_login(staff)
    refused = client.post(admin_url(QuarterApproval, "add"), {"unit": tree["north"].pk, "quarter": "2019Q2"})
    assert refused.status_code == 200
    # Only units of the user's editor areas are offered: the viewed commune is not a valid choice.
    assert "unit" in refused.context["adminform"].form.errors
    assert not QuarterApproval.objects.exists()
    row = approval_steps.quarter_submit(unit=tree["north"], quarter=Q2, by=people["root"])
    elsewhere = approval_steps.quarter_submit(unit=tree["other"], quarter=Q2, by=people["root"])
    listed = client.get(admin_url(QuarterApproval, "changelist")).context["cl"].result_list
    assert list(listed) == [row]  # district 101 is out of the clerk's area
    response = client.post(admin_url(QuarterApproval, "changelist"),
                           {"action": "approve_quarters", "_selected_action": [row.pk, elsewhere.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "xã Nà Nhạn (03317) is not in the area of your approver roles (map of 2019-06-30)."]
    assert set(QuarterApproval.objects.values_list("state", flat=True)) == {"submitted"}


def test_approvals_admin_in_vietnamese(admin_client, tree, people):
    approve(tree["north"], people)
    content = admin_client.get(admin_url(QuarterApproval, "changelist"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Duyệt (khóa các báo cáo)" in content
    assert "Mở lại…" in content
    assert "đã duyệt" in content


def test_approvals_admin_filters_by_state_and_quarter_and_searches_units(admin_client, tree, people):
    north = approve(tree["north"], people)
    south = approval_steps.quarter_submit(unit=tree["south"], quarter="2019Q3", by=people["root"])
    changelist = admin_url(QuarterApproval, "changelist")
    for query, expected in [({"state": "approved"}, [north]), ({"state": "submitted"}, [south]),
                            ({"quarter": "2019Q3"}, [south]), ({"q": "03317"}, [north]), ({"q": "Tấu"}, [south])]:
        assert list(admin_client.get(changelist, query).context["cl"].result_list) == expected, query
    quarters = next(spec for spec in admin_client.get(changelist).context["cl"].filter_specs
                    if getattr(spec, "parameter_name", None) == "quarter")
    assert [value for value, _label in quarters.lookup_choices] == ["2019Q3", "2019Q2"]
    assert admin_client.get(changelist, {"quarter": "2019Q9"}).status_code == 302  # refused, not a 500


# A commune's editor submits its quarter in the admin ("Quarter approvals → Add") exactly as
# through the API: the quarter is then submitted, by them, and the history says which way it came.
# Xã Mường Phăng (03325) has been on the map throughout: in huyện Điện Biên, then in Điện Biên Phủ,
# directly in the province since 2025-07-01. Its quarter 2025Q3 is over and was never submitted.

MUONG_PHANG_QUARTER = "2025Q3"


@pytest.fixture
def muong_phang(article, django_user_model):
    unit = AdministrativeUnit.objects.get(code="03325")
    assert unit.path_on(datetime.date(2025, 9, 30)) == "/11/03325/"  # on the map on the quarter's last day
    user = django_user_model.objects.create_user(username="muong_phang", password="pw", is_staff=True)
    RoleGrant.objects.create(user=user, unit=unit, role="editor")
    return unit


def muong_phang_submissions() -> list:
    return list(QuarterApproval.objects.filter(unit__code="03325", quarter=MUONG_PHANG_QUARTER).values_list(
        "state", "submitted_by__username", "approved_by"))


def test_a_commune_editor_submits_the_quarter_through_the_api(muong_phang):
    response = edges.api("muong_phang").post(f"/api/v1/units/03325/approvals/{MUONG_PHANG_QUARTER}/submit/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"
    assert muong_phang_submissions() == [("submitted", "muong_phang", None)]
    assert QuarterApproval.objects.get(unit=muong_phang, quarter=MUONG_PHANG_QUARTER).history.latest().history_path == "api"


def test_a_commune_editor_submits_the_quarter_in_the_admin(muong_phang):
    client = edges.admin("muong_phang")
    assert client.get(edges.url("quarterapproval", "add")).status_code == 200
    response = client.post(edges.url("quarterapproval", "add"), {"unit": muong_phang.pk, "quarter": MUONG_PHANG_QUARTER},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain == [(edges.url("quarterapproval", "changelist"), 302)], edges.form_errors(response)
    assert f"{MUONG_PHANG_QUARTER} of xã Mường Phăng (03325): submitted." in [
        str(message) for message in response.context["messages"]]
    assert muong_phang_submissions() == [("submitted", "muong_phang", None)]
    assert QuarterApproval.objects.get(unit=muong_phang, quarter=MUONG_PHANG_QUARTER).history.latest().history_path == "admin"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_a_write_that_found_the_quarter_open_commits_before_an_approval(django_user_model):
    """A report write checks the lock, then an approver approves before the write commits: the
    approval waits for the write (the province's lock), so no write lands in an approved quarter."""
    import threading
    import time

    from django.db import transaction

    province = factories.province(code="11")
    commune = factories.commune(factories.district(province, code="100"), code="03317")
    village = factories.village(commune, name="Huổi Chổn")
    factories.report(village, "2019Q2", full=1, probationary=0)
    root = django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    approval_steps.quarter_submit(unit=commune, quarter="2019Q2", by=root)
    checked, done = threading.Event(), {}

    failures = []

    def write():
        try:
            with transaction.atomic():
                locks.require_unlocked(village, "2019Q2")  # open: the write goes on
                checked.set()
                time.sleep(0.5)  # the approver acts meanwhile
                services.reports._report_save(village, Q2, {"full_members": 2, "probationary_members": 0})
            done["write"] = timezone.now()
        except Exception as error:  # noqa: BLE001 (a thread's failure must fail the test)
            checked.set()
            failures.append(error)
        finally:
            connection.close()

    def approve():
        try:
            checked.wait()
            approval_steps.quarter_approve(unit=commune, quarter="2019Q2", by=root)
            done["approve"] = timezone.now()
        except Exception as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write), threading.Thread(target=approve)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    report = QuarterReport.objects.get(village=village, quarter=Q2)
    approval = QuarterApproval.objects.get(unit=commune, quarter=Q2)
    assert approval.state == "approved" and report.full_members == 2
    assert report.updated_at <= approval.approved_at  # the write came first; nothing changed after approval
    assert done["write"] <= done["approve"]
