"""Each rule of a quarterly report, rejected with a clear message and nothing saved."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories
from tracking import services
from tracking.access import SYSTEM
from tracking.models import QuarterReport, VillagePlacement
from tracking.periods import Period

D = datetime.date


def messages(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict.get(field, []))


@pytest.fixture
def village(tree):
    return factories.village(tree["north"], name="Huổi Chổn")


def test_a_valid_report_is_saved(village):
    result = services.quarter_report_submit(by=SYSTEM,
        village=village, quarter="2019Q2", full_members=3, probationary_members=2, admissions=2,
        ethnic_minority_members=5, candidates=4,
    )
    assert result.outcome == "created"
    report = QuarterReport.objects.get()
    assert (report.quarter, report.members, report.admissions) == (Period.parse("2019Q2"), 5, 2)


@pytest.mark.parametrize(
    ("values", "field", "text"),
    [
        ({"full_members": -1, "probationary_members": 0}, "full_members", "greater than or equal to 0"),
        ({"full_members": 1, "probationary_members": 1, "admissions": 2}, "admissions", "cannot exceed the probationary members"),
        ({"full_members": 1, "probationary_members": 1, "ethnic_minority_members": 3}, "ethnic_minority_members", "cannot exceed the members"),
        ({"full_members": 1}, "probationary_members", "Give this count"),
        ({"status": "no_member", "full_members": 1, "probationary_members": 0}, "status", "holds no counts"),
        ({"status": "not_a_status"}, "status", "not a valid choice"),
    ],
)
def test_each_count_rule_is_refused_with_its_reason(village, values, field, text):
    with pytest.raises(ValidationError) as error:
        services.quarter_report_submit(by=SYSTEM, village=village, quarter="2019Q2", **values)
    assert text in messages(error.value, field)
    assert not QuarterReport.objects.exists()


def test_one_report_per_village_and_quarter(village):
    factories.report(village, "2019Q2", full=3)
    again = QuarterReport(village=village, quarter=Period.parse("2019Q2"), full_members=1, probationary_members=0)
    with pytest.raises(ValidationError) as error:
        again.full_clean()
    assert "already has a report for this quarter" in str(error.value)
    # The database refuses it too, whatever path writes.
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterReport.objects.bulk_create([again])
    # Submitting the same quarter again replaces the report instead of adding one.
    assert services.quarter_report_submit(by=SYSTEM, village=village, quarter="2019Q2", full_members=4, probationary_members=0).outcome == "updated"
    assert QuarterReport.objects.count() == 1


def test_resubmitting_the_same_values_changes_nothing(village):
    factories.report(village, "2019Q2", full=3, probationary=1)
    result = services.quarter_report_submit(by=SYSTEM, village=village, quarter="2019Q2", full_members=3, probationary_members=1)
    assert result.outcome == "unchanged"


def test_no_report_for_a_future_quarter(village):
    future = Period.quarter_of(datetime.date.today() + datetime.timedelta(days=120))
    with pytest.raises(ValidationError) as error:
        factories.report(village, str(future), full=1)
    assert "future quarter" in messages(error.value, "quarter")


def test_the_current_quarter_can_be_reported(village):
    factories.report(village, str(Period.quarter_of(datetime.date.today())), full=1)
    assert QuarterReport.objects.count() == 1


def test_no_report_outside_the_villages_validity(tree):
    young = factories.village(tree["north"], name="Bản mới", valid_from=D(2015, 3, 1))
    with pytest.raises(ValidationError) as error:
        factories.report(young, "2014Q4", full=1)
    assert "does not exist on the last day of 2014Q4" in messages(error.value, "quarter")
    factories.report(young, "2015Q1", full=1)  # exists on the quarter's last day
    closed = factories.village(tree["north"], name="Bản cũ", valid_to=D(2012, 1, 1))
    with pytest.raises(ValidationError):
        factories.report(closed, "2012Q1", full=1)


def test_the_cell_must_serve_the_village(tree, village):
    elsewhere = factories.village(tree["south"], name="Hoa")
    their_cell = factories.cell(elsewhere, name="Chi bộ bản Hoa")
    with pytest.raises(ValidationError) as error:
        factories.report(village, "2019Q2", full=3, cell=their_cell)
    assert "does not serve Huổi Chổn in 2019Q2" in messages(error.value, "cell")
    own = factories.cell(village, name="Chi bộ bản Huổi Chổn")
    factories.report(village, "2019Q2", full=3, cell=own)


def test_the_cell_must_serve_the_village_in_that_quarter(village):
    late = factories.cell(village, name="Chi bộ mới", founded_on=D(2019, 7, 15))
    with pytest.raises(ValidationError):
        factories.report(village, "2019Q2", full=3, cell=late)
    factories.report(village, "2019Q3", full=3, cell=late)


def test_a_blank_village_belongs_to_no_cell(village):
    own = factories.cell(village)
    with pytest.raises(ValidationError) as error:
        factories.report(village, "2019Q2", full=0, probationary=0, cell=own)
    assert "belongs to no cell" in messages(error.value, "cell")
    with pytest.raises(ValidationError):
        factories.report(village, "2019Q3", status="no_member", cell=own)


def test_own_cell_status_needs_a_cell_of_its_own(tree, village):
    neighbour = factories.village(tree["north"], name="Bản bên")
    merged = factories.cell(village, neighbour, name="Chi bộ ghép")
    with pytest.raises(ValidationError) as error:
        factories.report(village, "2019Q2", status="has_own_cell", cell=merged)
    assert "merged cell" in messages(error.value, "cell")


def test_the_database_holds_the_count_rules_too(village):
    """A caller that skips the service still cannot store a bad row."""
    for values in (
        {"full_members": 1, "probationary_members": 1, "admissions": 2},
        {"full_members": 1, "probationary_members": 0, "ethnic_minority_members": 2},
        {"full_members": None, "probationary_members": None},
        {"full_members": 1, "probationary_members": 0, "status": "no_member"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            QuarterReport.objects.create(village=village, quarter=Period.parse("2019Q2"), **values)


def test_village_needs_a_unit_that_exists_for_its_whole_life(tree):
    young = factories.commune(tree["district"], name="Xã mới", valid_from=D(2012, 8, 25))
    with pytest.raises(ValidationError) as error:
        factories.village(young, name="Bản", valid_from=D(2010, 1, 1))
    assert "does not exist for the whole life" in str(error.value)
    with pytest.raises(ValidationError):
        factories.village(tree["province"], name="Bản")
    village = factories.village(young, name="Bản", valid_from=D(2013, 1, 1))
    assert VillagePlacement.objects.get(village=village).path == f"/11/100/{young.code}/"


def test_unit_rules(tree):
    with pytest.raises(ValidationError) as error:
        factories.commune(tree["district"], code="03317")
    assert "Another unit has code 03317" in str(error.value)
    with pytest.raises(ValidationError):
        factories.district(tree["north"])  # a district under a commune
    with pytest.raises(ValidationError):
        factories.commune(tree["district"], code="123")  # a commune code has 5 digits
