"""A cell's villages changed inside an approved quarter: whether a village has its own cell or a
merged one is the number of villages the cell its report names serves on the quarter's last day,
so letting a cell serve one more village (or deleting one of its coverage rows) over an approved
quarter would change that quarter's figures. It is refused like a report of that quarter (409
``locked`` in the API's terms, a message in the admin), nothing saved, until the quarter is
reopened; a new cell (no report names it yet) and dates after the approved quarter are not."""
import datetime

import pytest

from tests import factories
from tracking.errors import Locked
from tracking.models import CellCoverage
from tracking.services import approvals as approval_steps
from tracking.services import records

D = datetime.date


@pytest.fixture
def world(tree, django_user_model):
    """Huổi Chổn with its own cell since 2019-01-01, reporting members in 2019Q2 (approved for
    the commune), and Huổi Lực beside it without a cell."""
    root = django_user_model.objects.create_superuser(username="root", email="r@example.org", password="pw")
    a = factories.village(tree["north"], name="Huổi Chổn")
    b = factories.village(tree["north"], name="Huổi Lực")
    cell = factories.cell(a, name="Chi bộ Huổi Chổn", founded_on=D(2019, 1, 1))
    factories.report(a, "2019Q2", full=3, cell=cell)
    factories.report(b, "2019Q2", full=2)
    approval_steps.quarter_submit(unit=tree["north"], quarter="2019Q2", by=root)
    approval_steps.quarter_approve(unit=tree["north"], quarter="2019Q2", by=root)
    return {**tree, "a": a, "b": b, "cell": cell, "root": root}


def own_and_merged(api) -> tuple:
    figures = api.get("/api/v1/units/03317/progress/?period=2019Q2").json()
    return figures["villages_with_own_cell"], figures["merged_cells"]


def test_a_cell_serving_one_more_village_over_an_approved_quarter_is_refused(world, api):
    assert own_and_merged(api) == (1, 0)
    with pytest.raises(Locked) as refused:
        records.cell_coverage_add(by=world["root"], cell=world["cell"], village=world["b"], valid_from=D(2019, 5, 1))
    assert "2019Q2" in str(refused.value) and "cell" in str(refused.value)
    assert CellCoverage.objects.filter(village=world["b"]).count() == 0
    assert own_and_merged(api) == (1, 0)
    # After the approved quarter: accepted, and 2019Q2 stays as approved.
    records.cell_coverage_add(by=world["root"], cell=world["cell"], village=world["b"], valid_from=D(2019, 7, 1))
    assert own_and_merged(api) == (1, 0)
    # Reopened, the earlier day goes through.
    CellCoverage.objects.filter(village=world["b"]).delete()
    approval_steps.quarter_reopen(unit=world["north"], quarter="2019Q2", by=world["root"], reason="The cell took Huổi Lực in May.")
    records.cell_coverage_add(by=world["root"], cell=world["cell"], village=world["b"], valid_from=D(2019, 5, 1))
    assert own_and_merged(api) == (0, 1)


def test_a_new_cell_over_an_approved_quarter_changes_no_figure_and_is_accepted(world, api):
    records.cell_create(by=world["root"], name="Chi bộ Huổi Lực", founded_on=D(2019, 5, 1), villages=[world["b"]])
    assert own_and_merged(api) == (1, 0)


def test_deleting_a_coverage_row_of_an_approved_quarter_is_refused(world, api):
    coverage = CellCoverage.objects.get(village=world["a"])
    with pytest.raises(Locked):
        records.record_delete(by=world["root"], record=coverage)
    assert CellCoverage.objects.filter(pk=coverage.pk).exists()


def test_the_admin_says_why_and_saves_nothing(world, admin_client):
    page = admin_client.post("/admin/tracking/cellcoverage/add/", {
        "cell": world["cell"].pk, "village": world["b"].pk, "valid_from": "2019-05-01"}, follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "2019Q2" in text and "An approver of a unit above must reopen it first." in text
    assert CellCoverage.objects.filter(village=world["b"]).count() == 0
