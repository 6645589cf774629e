"""Figures computed from hand-built village reports."""
import datetime

import pytest

from tests import factories
from tracking import progress, services
from tracking.access import SYSTEM
from tracking.models import Goal, ReportedFigure
from tracking.periods import Period

D = datetime.date
P = Period.parse


@pytest.fixture
def villages(tree):
    north, south = tree["north"], tree["south"]
    return {
        "a": factories.village(north, name="A"),
        "b": factories.village(north, name="B"),
        "c": factories.village(south, name="C"),
        "d": factories.village(south, name="D"),
        "far": factories.village(tree["other"], name="Far"),
    }


def figures(unit, period):
    return progress.unit_progress(unit, P(period))


def test_carry_forward(tree, villages):
    factories.report(villages["a"], "2019Q1", full=3, probationary=1)
    factories.report(villages["b"], "2019Q1", full=0, probationary=0)
    factories.report(villages["b"], "2019Q2", full=1, probationary=1, admissions=1)
    q2 = figures(tree["north"], "2019Q2")
    # A did not report in 2019Q2: its 2019Q1 report counts.
    assert (q2["villages_total"], q2["members"], q2["blank_villages"], q2["villages_carried_forward"]) == (2, 6, 0, 1)
    assert q2["admissions"] == 1  # flows are never carried forward
    q1 = figures(tree["north"], "2019Q1")
    assert (q1["members"], q1["blank_villages"], q1["admissions"]) == (4, 1, None)
    # Later quarters keep the latest reports until new ones come.
    q4 = figures(tree["north"], "2019Q4")
    assert (q4["members"], q4["blank_villages"], q4["villages_carried_forward"], q4["admissions"]) == (6, 0, 2, None)
    assert any("carried forward" in note for note in q4["notes"])


def test_villages_without_report_and_roll_up(tree, villages):
    factories.report(villages["a"], "2019Q1", full=2)
    factories.report(villages["far"], "2019Q1", full=0)
    district = figures(tree["district"], "2019Q1")
    assert (district["villages_total"], district["villages_without_report"], district["blank_villages"]) == (4, 3, 0)
    province = figures(tree["province"], "2019Q1")
    assert (province["villages_total"], province["villages_without_report"], province["blank_villages"], province["members"]) == (5, 3, 1, 2)


def test_year_period_counts_stocks_at_its_end_and_sums_admissions(tree, villages):
    factories.report(villages["a"], "2019Q1", full=1, probationary=2, admissions=2)
    factories.report(villages["a"], "2019Q3", full=3, probationary=1, admissions=1)
    year = figures(tree["north"], "2019")
    assert (year["as_of_quarter"], year["members"], year["admissions"]) == ("2019Q4", 4, 3)


def test_own_and_merged_cells(tree, villages):
    own = factories.cell(villages["a"], name="Chi bộ A")
    merged = factories.cell(villages["b"], villages["c"], name="Chi bộ ghép B-C")
    factories.report(villages["a"], "2019Q2", full=5, cell=own)
    factories.report(villages["b"], "2019Q2", full=1, cell=merged)
    factories.report(villages["c"], "2019Q2", full=1, cell=merged)
    factories.report(villages["d"], "2019Q2", full=0)
    district = figures(tree["district"], "2019Q2")
    assert (district["villages_with_own_cell"], district["villages_in_merged_cells"], district["merged_cells"]) == (1, 2, 1)
    assert district["blank_villages"] == 1
    # The merged cell serves a village of each commune: each commune sees it.
    assert figures(tree["north"], "2019Q2")["villages_in_merged_cells"] == 1
    assert figures(tree["south"], "2019Q2")["merged_cells"] == 1


def test_status_only_reports_are_never_counted_as_members(tree, villages):
    factories.report(villages["a"], "2008Q4", status="no_member")
    factories.report(villages["b"], "2008Q4", status="has_members")
    factories.report(villages["c"], "2008Q4", full=2)
    factories.report(villages["d"], "2008Q4", status="has_own_cell")
    district = figures(tree["district"], "2008")
    assert (district["blank_villages"], district["villages_with_members"], district["villages_with_own_cell"]) == (1, 3, 1)
    assert (district["members"], district["villages_counted"], district["villages_status_only"]) == (2, 1, 3)
    assert any("status only" in note for note in district["notes"])
    only_status = figures(tree["north"], "2008")
    assert only_status["members"] is None  # no count given: no count shown


def test_the_map_of_the_period_is_used(tree):
    later = factories.commune(tree["district"], name="Xã mới", valid_from=D(2012, 8, 25))
    village = factories.village(later, name="Bản mới", valid_from=D(2012, 8, 25))
    factories.report(village, "2013Q1", full=0)
    assert figures(tree["district"], "2013Q1")["blank_villages"] == 1
    assert figures(tree["district"], "2011Q4")["villages_total"] == 0
    with pytest.raises(Exception) as error:
        figures(later, "2011Q4")
    assert "not on the map in 2011Q4" in str(error.value)


def test_reported_figures_stand_beside_computed_ones(tree, villages):
    factories.report(villages["a"], "2008Q4", status="no_member")
    services.reported_figure_save(by=SYSTEM,
        figure=ReportedFigure(unit=tree["north"], period=P("2008"), metric="blank_villages", value=9,
                              source_url="https://example.org/report", source_location="table 2")
    )
    row = figures(tree["north"], "2008")
    assert row["blank_villages"] == 1  # from village reports only
    assert [(r["metric"], r["value"], r["source"], r["source_location"]) for r in row["reported"]] == [
        ("blank_villages", 9, "reported_figure", "table 2")
    ]
    assert figures(tree["north"], "2019Q1")["reported"] == []


def test_queries_do_not_grow_with_data(tree, django_assert_max_num_queries):
    communes = [factories.commune(tree["district"], name=f"Xã {i}") for i in range(5)]
    for i in range(60):
        village = factories.village(communes[i % 5], name=f"Bản {i}")
        for quarter in ("2018Q4", "2019Q1", "2019Q2"):
            factories.report(village, quarter, full=i % 3, probationary=1)
    with django_assert_max_num_queries(8):
        row = figures(tree["province"], "2019Q2")
    assert row["villages_total"] == 60
    with django_assert_max_num_queries(8):
        rows = progress.unit_timeline(tree["province"], P("2018Q1"), P("2019Q4"))
    assert len(rows) == 8 and rows[-1]["members"] == row["members"]


# ----- goals, one of each status, on village reports -----------------------------------


def goal(unit, *, baseline="2018Q1", deadline=None, metric="blank_villages"):
    return services.goal_save(by=SYSTEM,
        goal=Goal(unit=unit, title="Không còn bản trắng", metric=metric, baseline_period=P(baseline) if baseline else None,
                  deadline=P(deadline) if deadline else None, set_by="Huyện ủy")
    )


def blank_in(villages_list, quarter, blank_count):
    for i, village in enumerate(villages_list):
        factories.report(village, quarter, full=0 if i < blank_count else 2)


@pytest.fixture
def four(tree):
    return [factories.village(tree["north"], name=f"Bản {i}") for i in range(8)]


def progress_of(g, as_of):
    return progress.goal_progress(g, as_of=P(as_of))


def test_goal_achieved(tree, four):
    blank_in(four, "2018Q1", 4)
    blank_in(four, "2018Q3", 0)
    row = progress_of(goal(tree["north"], deadline="2020"), "2019Q1")
    assert (row["status"], row["baseline"], row["current"], row["resolved"], row["progress"]) == ("achieved", 4, 0, 4, 1.0)
    assert row["projected_period"] == "2018Q3"
    assert row["baseline_source"]["source"] == row["current_source"]["source"] == "village_reports"


def test_goal_on_track(tree, four):
    for quarter, blank in (("2018Q1", 8), ("2018Q2", 7), ("2018Q3", 6), ("2018Q4", 5)):
        blank_in(four, quarter, blank)
    row = progress_of(goal(tree["north"], deadline="2020"), "2018Q4")
    # One fewer a quarter: 5 left at 2018Q4 reach zero in 2020Q1, before the end of 2020.
    assert (row["status"], row["current"], row["resolved"], row["progress"], row["projected_period"]) == (
        "on_track", 5, 3, 0.375, "2020Q1"
    )


def test_goal_at_risk(tree, four):
    for quarter, blank in (("2018Q1", 8), ("2018Q2", 7), ("2018Q3", 6), ("2018Q4", 5)):
        blank_in(four, quarter, blank)
    row = progress_of(goal(tree["north"], deadline="2019Q2"), "2018Q4")
    assert (row["status"], row["projected_period"]) == ("at_risk", "2020Q1")
    blank_in(four, "2019Q1", 5)
    blank_in(four, "2019Q2", 5)
    blank_in(four, "2019Q3", 5)
    flat = progress_of(goal(tree["north"], deadline="2021"), "2019Q4")
    assert (flat["status"], flat["projected_period"]) == ("at_risk", None)  # no decrease in the last four quarters


def test_goal_overdue(tree, four):
    blank_in(four, "2018Q1", 4)
    blank_in(four, "2018Q2", 3)
    row = progress_of(goal(tree["north"], deadline="2018Q4"), "2019Q1")
    assert (row["status"], row["current"]) == ("overdue", 3)


def test_goal_no_data(tree, four):
    row = progress_of(goal(tree["north"]), "2019Q1")
    assert (row["status"], row["baseline"], row["current"]) == ("no_data", None, None)
    # A register with a village that never reported is no baseline either.
    blank_in(four[:-1], "2018Q1", 3)
    assert progress_of(goal(tree["north"]), "2019Q1")["status"] == "no_data"
    assert progress_of(goal(tree["north"], baseline=None), "2019Q1")["status"] == "no_data"


def test_goal_on_reported_figures_never_mixes_in_village_reports(tree, four):
    blank_in(four, "2018Q1", 1)
    blank_in(four, "2019Q1", 0)  # the register is partial: zero here says nothing of the district
    for period, metric, value, since in (("2018", "blank_villages", 20, None), ("2019", "formerly_blank_with_members", 5, "2018")):
        services.reported_figure_save(by=SYSTEM,
            figure=ReportedFigure(unit=tree["north"], period=P(period), since=P(since) if since else None,
                                  metric=metric, value=value, source_url="https://example.org/r")
        )
    row = progress_of(goal(tree["north"], baseline="2018"), "2020Q1")
    assert (row["basis"], row["baseline"], row["current"], row["resolved"]) == ("reported_figure", 20, 15, 5)
    assert row["current_source"]["source"] == "derived_from_reported_figures"


def test_goals_list_in_a_fixed_number_of_queries(tree, four, django_assert_max_num_queries):
    blank_in(four, "2018Q1", 4)
    units = [factories.commune(tree["district"], name=f"Xã {i}") for i in range(10)]
    for unit in units:
        goal(unit)
        goal(unit, metric="merged_cells")
    goal(tree["north"])
    goals = list(Goal.objects.select_related("unit"))
    with django_assert_max_num_queries(8):
        rows = progress.goals_progress(goals, as_of=P("2019Q1"))
    assert len(rows) == 21


def test_a_goal_whose_latest_data_is_a_year_old_or_more_projects_nothing(tree, four):
    for quarter, blank in (("2018Q1", 8), ("2018Q2", 7), ("2018Q3", 6), ("2018Q4", 5)):
        blank_in(four, quarter, blank)
    g = goal(tree["north"], deadline="2030")
    assert progress_of(g, "2019Q3")["status"] == "at_risk"  # three quarters without a report: a flat trend
    row = progress_of(g, "2019Q4")  # four: the reports of 2018 carried forward, no trend of now
    assert (row["status"], row["projected_period"], row["current"]) == ("stale", None, 5)
    assert "2018Q4" in row["explanation"] and "4" in row["explanation"]
    blank_in(four, "2019Q4", 4)
    assert progress_of(g, "2019Q4")["status"] == "on_track"
