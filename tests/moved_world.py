"""A commune that moved, with records from before and after the move, and the committees on both
sides: the data the tests of "a role covers what was under its unit at the time" share.

On top of ``fixtures/dien_bien.json``: xã Nà Tấu (03316) sat in huyện Điện Biên (100, "A") until
2020-01-01, then in thành phố Điện Biên Phủ (094, "B") until the districts were abolished on
2025-07-01, then directly in the province. Its village Hoa was there all along.

Added here, as a superuser would (through the services, the same path every edge takes):

* before the move (A's): Hoa's report of 2019Q3; quarters of 03316: 2019Q3 submitted, 2019Q4
  approved (locking Hoa's 2019Q4 report); a reported figure of 03316 for 2019; a goal of 03316
  running from 2019Q1 to 2019Q4;
* after the move (B's): the village Nà Lốc, created in 03316 on 2021-01-01 (never under A), with
  its own cell; reports of Hoa and Nà Lốc for 2021Q1 and of Hoa for 2021Q2; quarters of 03316:
  2021Q1 submitted, 2021Q2 approved; a reported figure of 03316 for 2024; a goal of 03316 with
  baseline 2024 and deadline 2025Q2 (while 03316 was still in B).

The users hold roles on A or B (viewer, editor, approver), plus an editor of huyện Tủa Chùa (098)
outside both, and a superuser. Every name and source URL of an after-the-move record is unique,
so a response that carries one of them has leaked it.
"""
from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests import factories
from tracking import services
from tracking.access import SYSTEM
from tracking.services import approvals
from tracking.models import AdministrativeUnit, Goal, QuarterReport, ReportedFigure, RoleGrant, Village

D = datetime.date

# What an after-the-move record may be recognised by in any response body.
POST_MOVE_MARKS = (
    "Nà Lốc",
    "Chi bộ bản Nà Lốc",
    "https://example.org/na-tau-2024",
    "Nà Tấu: every village its own cell by mid-2025",
)
# What a before-the-move record may be recognised by.
PRE_MOVE_MARKS = (
    "https://example.org/na-tau-2019",
    "Nà Tấu: no blank village by the end of 2019",
)

USERS = {
    # name: (role, unit code)
    "a_viewer": ("viewer", "100"),
    "a_editor": ("editor", "100"),
    "a_approver": ("approver", "100"),
    "b_viewer": ("viewer", "094"),
    "b_editor": ("editor", "094"),
    "b_approver": ("approver", "094"),
    "outsider": ("editor", "098"),
}


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.with_code(code).first()


def build(*, staff: bool = True) -> dict:
    """Load the fixtures and add the records above; returns their ids by name."""
    call_command("loaddata", "dien_bien", verbosity=0)
    users = get_user_model().objects
    root = users.create_superuser(username="root", email="root@example.org", password="pw")
    for name, (role, code) in USERS.items():
        user = users.create_user(username=name, password="pw", is_staff=staff)
        RoleGrant.objects.create(user=user, unit=unit(code), role=role)

    na_tau = unit("03316")
    hoa = Village.objects.get(name="Hoa")
    huoi_chon = Village.objects.get(name="Huổi Chổn")

    # Before the move.
    hoa_2019q3 = factories.report(hoa, "2019Q3", full=2, probationary=1)
    approvals.quarter_submit(unit=na_tau, quarter="2019Q3", by=root)
    approvals.quarter_submit(unit=na_tau, quarter="2019Q4", by=root)
    approvals.quarter_approve(unit=na_tau, quarter="2019Q4", by=root)
    figure_2019 = services.reported_figure_save(by=SYSTEM, figure=ReportedFigure(
        unit=na_tau, period="2019", metric="blank_villages", value=1, source_url="https://example.org/na-tau-2019"))
    goal_2019 = services.goal_save(by=SYSTEM, goal=Goal(
        unit=na_tau, title="Nà Tấu: no blank village by the end of 2019", metric="blank_villages",
        baseline_period="2019Q1", deadline="2019Q4", set_by="Đảng ủy xã Nà Tấu"))

    # After the move.
    na_loc = factories.village(na_tau, name="Nà Lốc", valid_from=D(2021, 1, 1))
    na_loc_cell = factories.cell(na_loc, name="Chi bộ bản Nà Lốc", founded_on=D(2021, 1, 1))
    hoa_2021q1 = factories.report(hoa, "2021Q1", full=3, probationary=0)
    na_loc_2021q1 = factories.report(na_loc, "2021Q1", full=0, probationary=0)
    hoa_2021q2 = factories.report(hoa, "2021Q2", full=3, probationary=1)
    approvals.quarter_submit(unit=na_tau, quarter="2021Q1", by=root)
    approvals.quarter_submit(unit=na_tau, quarter="2021Q2", by=root)
    approvals.quarter_approve(unit=na_tau, quarter="2021Q2", by=root)
    figure_2024 = services.reported_figure_save(by=SYSTEM, figure=ReportedFigure(
        unit=na_tau, period="2024", metric="blank_villages", value=0, source_url="https://example.org/na-tau-2024"))
    goal_2024 = services.goal_save(by=SYSTEM, goal=Goal(
        unit=na_tau, title="Nà Tấu: every village its own cell by mid-2025", metric="villages_without_own_cell",
        baseline_period="2024", deadline="2025Q2", set_by="Đảng ủy xã Nà Tấu"))

    return {
        "hoa": hoa.pk,
        "huoi_chon": huoi_chon.pk,
        "na_loc": na_loc.pk,
        "hoa_cell": QuarterReport.objects.get(village=hoa, quarter="2019Q4").cell_id,  # Chi bộ bản Hoa, since ever
        "na_loc_cell": na_loc_cell.pk,
        "hoa_2019q3": hoa_2019q3.pk,
        "hoa_2019q4": QuarterReport.objects.get(village=hoa, quarter="2019Q4").pk,  # locked by 03316's 2019Q4
        "hoa_2021q1": hoa_2021q1.pk,
        "na_loc_2021q1": na_loc_2021q1.pk,
        "hoa_2021q2": hoa_2021q2.pk,  # locked by 03316's 2021Q2
        "figure_2019": figure_2019.pk,
        "figure_2024": figure_2024.pk,
        "goal_2019": goal_2019.pk,
        "goal_2024": goal_2024.pk,
    }
