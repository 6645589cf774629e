"""Speed by design: every list and figure endpoint answers in a fixed number of SQL queries,
whatever the number of units, villages, quarters, cells, figures and goals.

Each endpoint has one bound, checked on a small data set and on a large one: an N+1 query makes
the large one fail.
"""
import datetime

import pytest

from tests import factories
from tracking import services
from tracking.access import SYSTEM
from tracking.models import AdministrativeUnit, Goal, ReportedFigure, RoleGrant, Village
from tracking.periods import Period

D = datetime.date
P = Period.parse
QUARTERS = ("2018Q4", "2019Q1", "2019Q2", "2019Q3")


def build(tree, *, districts: int, communes_per_district: int, villages_per_commune: int) -> dict:
    """Units, villages with reports over several quarters, own and merged cells, cited figures
    (some combined with another unit) and goals of each kind, under the ``tree`` province."""
    units = [tree["district"], tree["other"]]
    communes = [tree["north"], tree["south"]]
    for number in range(districts):
        district = factories.district(tree["province"], code=f"{200 + number:03d}", name=f"Huyện {number}")
        units.append(district)
        communes += [factories.commune(district, code=f"{50000 + number * 100 + c:05d}", name=f"Xã {number}-{c}")
                     for c in range(communes_per_district)]
    villages = []
    for commune in communes:
        for number in range(villages_per_commune):
            villages.append(factories.village(commune, name=f"Bản {commune.code}-{number}"))
    pairs = list(zip(villages[0::2], villages[1::2]))
    for index, (first, second) in enumerate(pairs):
        if index % 2:
            cells = {first: factories.cell(first, name=f"Chi bộ {first.name}"), second: None}
        else:
            merged = factories.cell(first, second, name=f"Chi bộ ghép {first.name}")
            cells = {first: merged, second: merged}
        for village in (first, second):
            for step, quarter in enumerate(QUARTERS):
                members = (index + step) % 3
                factories.report(village, quarter, full=members, probationary=1 if members else 0,
                                 admissions=1 if members else None, cell=cells[village] if members else None)
    for unit in [tree["province"], *units]:
        for period, value in (("2008", 40), ("2015", 20)):
            services.reported_figure_save(by=SYSTEM, figure=ReportedFigure(
                unit=unit, period=P(period), metric="blank_villages", value=value, source_url="https://example.org/r",
            ), combined_with=[tree["other"]] if unit == tree["district"] else None)
        services.reported_figure_save(by=SYSTEM, figure=ReportedFigure(
            unit=unit, period=P("2019"), since=P("2008"), metric="formerly_blank_with_members", value=30,
            source_url="https://example.org/r",
        ))
    goals = []
    for unit in [tree["province"], *units, *communes]:
        for metric, baseline in (("blank_villages", "2008"), ("merged_cells", "2018Q4"), ("villages_without_own_cell", None)):
            goals.append(services.goal_save(by=SYSTEM, goal=Goal(
                unit=unit, title=f"{metric} {unit.code}", metric=metric, baseline_period=P(baseline) if baseline else None,
                deadline=P("2025"), set_by="Tỉnh ủy",
            )))
    return {"villages": villages, "goals": goals}


SIZES = {
    "small": {"districts": 0, "communes_per_district": 0, "villages_per_commune": 1},
    "large": {"districts": 3, "communes_per_district": 3, "villages_per_commune": 6},  # 66 villages, 264 reports
}

# Each endpoint and its bound. The bound counts every query of the request: the unit looked up
# by its code, the page count, the page, and one query per prefetched relation (a unit's
# renamings, for its name on the day: one).
ENDPOINTS = [
    ("/api/v1/units/?page_size=500", 4),
    ("/api/v1/units/?within=11&active_on=2019-06-30&page_size=500", 6),
    ("/api/v1/units/?parent=11&page_size=500", 5),
    ("/api/v1/units/?search=X&level=commune&ordering=-name", 4),
    ("/api/v1/units/11/", 4),  # with its ETag
    ("/api/v1/units/11/children/?page_size=500", 5),
    ("/api/v1/villages/?page_size=500", 4),
    ("/api/v1/villages/?within=11&period=2019Q2&blank=true&page_size=500", 6),
    ("/api/v1/villages/?within=11&period=2019Q2&blank=false&page_size=500", 6),
    ("/api/v1/villages/?search=B&active_on=2019-06-30&page_size=500", 4),
    ("/api/v1/cells/?page_size=500", 3),
    ("/api/v1/cells/?village=VILLAGE", 3),
    ("/api/v1/reports/?page_size=500", 4),  # with the approval state of the page's reports: two queries
    ("/api/v1/reports/?within=11&period=2019&page_size=500", 6),
    ("/api/v1/reported-figures/?page_size=500", 3),
    ("/api/v1/reported-figures/?unit=100&period=2008", 4),
    ("/api/v1/goals/?page_size=500", 8),
    ("/api/v1/goals/?unit=11&status=no_data&as_of=2019Q3", 8),
    ("/api/v1/goals/GOAL/", 8),  # with its ETag
    ("/api/v1/goals/GOAL/progress/?as_of=2019Q3", 7),
    ("/api/v1/units/11/progress/?period=2019Q2", 10),
    ("/api/v1/units/11/progress/", 14),  # the latest quarter with data first
    ("/api/v1/units/100/progress/?period=2008", 10),
    ("/api/v1/units/11/progress/timeline/?from=2008&to=2019Q4", 10),
    ("/api/v1/units/11/progress/timeline/", 14),
    ("/api/v1/units/11/blank-villages/?period=2019Q2&page_size=500", 6),
    ("/api/v1/completeness/?within=11&quarter=2019Q2&page_size=500", 6),
    ("/api/v1/completeness/?within=11&quarter=2019Q3&reported=some&state=draft", 6),
    ("/api/v1/completeness/?within=11", 9),  # the latest quarter with data first
]


# A user with roles pays for them once a request: one query reads the areas of the roles, one
# more checks that the unit or record a URL names lies in them, and a goal's progress one more for
# when its unit left the user's area (it is followed up to then). Never per row.
ROLE_QUERIES = 3


@pytest.mark.parametrize("who", ["superuser", "roles"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_list_and_figure_endpoint_in_a_fixed_number_of_queries(api, role_api, tree, django_assert_max_num_queries,
                                                                     size, who):
    data = build(tree, **SIZES[size])
    if who == "roles":  # the province's viewer and editor of several districts: every area rule at work
        api = role_api("viewer", tree["province"])
        for unit in AdministrativeUnit.objects.filter(level=2):
            RoleGrant.objects.create(user=api.user, unit=unit, role="editor")
    rows = {}
    for url, bound in ENDPOINTS:
        url = url.replace("VILLAGE", str(data["villages"][0].pk)).replace("GOAL", str(data["goals"][0].pk))
        with django_assert_max_num_queries(bound + (ROLE_QUERIES if who == "roles" else 0), info=url):
            response = api.get(url)
        assert response.status_code == 200, (url, response.json())
        body = response.json()
        rows[url] = body.get("count") if isinstance(body, dict) else len(body)
    if size == "large":
        # The large data set is large indeed: the bounds above held over many rows.
        assert Village.objects.count() == 66
        assert rows["/api/v1/villages/?page_size=500"] == 66
        assert rows["/api/v1/units/?page_size=500"] == (1 if who == "superuser" else 0) + 5 + 3 + 9  # the nation: superusers
        assert rows["/api/v1/reports/?page_size=500"] == 264
        assert rows["/api/v1/goals/?page_size=500"] == 3 * (1 + 5 + 11)
        assert rows["/api/v1/reported-figures/?page_size=500"] == 3 * 6
        assert rows["/api/v1/units/11/blank-villages/?period=2019Q2&page_size=500"] > 10
        assert rows["/api/v1/units/11/progress/timeline/?from=2008&to=2019Q4"] == 48
        assert rows["/api/v1/completeness/?within=11&quarter=2019Q2&page_size=500"] == 2 + 9  # every commune


# The nation's endpoints keep the bounds of a province's: its path, "/", is one more prefix.
NATION_ENDPOINTS = [
    ("/api/v1/units/VN/", 4),
    ("/api/v1/units/VN/children/?page_size=500", 5),
    ("/api/v1/units/?within=VN&active_on=2019-06-30&page_size=500", 6),
    ("/api/v1/villages/?within=VN&period=2019Q2&blank=true&page_size=500", 6),
    ("/api/v1/reports/?within=VN&period=2019&page_size=500", 6),
    ("/api/v1/goals/?unit=VN&as_of=2019Q3", 8),
    ("/api/v1/units/VN/progress/?period=2019Q2", 10),
    ("/api/v1/units/VN/progress/", 14),
    ("/api/v1/units/VN/progress/timeline/?from=2008&to=2019Q4", 10),
    ("/api/v1/units/VN/blank-villages/?period=2019Q2&page_size=500", 6),
    ("/api/v1/completeness/?within=VN&quarter=2019Q2&page_size=500", 6),
]


@pytest.mark.parametrize("who", ["superuser", "nation_viewer"])
@pytest.mark.parametrize("size", list(SIZES))
def test_the_nations_endpoints_in_a_fixed_number_of_queries(api, role_api, tree, django_assert_max_num_queries,
                                                            size, who):
    data = build(tree, **SIZES[size])
    lai_chau = factories.province(code="12", name="Lai Châu")
    commune = factories.commune(factories.district(lai_chau, code="110"), code="03500")
    for number in range(SIZES[size]["villages_per_commune"] * 2):
        factories.report(factories.village(commune, name=f"Bản Lai Châu {number}"), "2019Q2", full=number % 2)
    nation = AdministrativeUnit.objects.get(code="VN")
    for metric in ("blank_villages", "merged_cells"):
        services.goal_save(by=SYSTEM, goal=Goal(unit=nation, title=metric, metric=metric, baseline_period=P("2019Q2"),
                                                deadline=P("2025"), set_by="Ban Tổ chức Trung ương"))
    if who == "nation_viewer":
        api = role_api("viewer", nation)
    villages = len(data["villages"]) + SIZES[size]["villages_per_commune"] * 2
    rows = {}
    for url, bound in NATION_ENDPOINTS:
        with django_assert_max_num_queries(bound + (ROLE_QUERIES if who == "nation_viewer" else 0), info=url):
            response = api.get(url)
        assert response.status_code == 200, (url, response.json())
        body = response.json()
        rows[url] = body.get("count") if isinstance(body, dict) and "count" in body else body
    assert rows["/api/v1/units/VN/progress/?period=2019Q2"]["villages_total"] == villages
    assert rows["/api/v1/goals/?unit=VN&as_of=2019Q3"] == 2
    assert rows["/api/v1/units/VN/children/?page_size=500"] == 2
    assert rows["/api/v1/completeness/?within=VN&quarter=2019Q2&page_size=500"] == 2 + SIZES[size]["districts"] * 3 + 1
