"""The guard of the stored figures: random sequences of writes (reports, deletions, cells and
their coverage, villages opened, closed and moved, communes transferred, split and merged, a level
abolished, the nation reshaped and refused), each through its service, in two provinces under the
nation; after every step, every stored figure of every unit (the nation included), for
every quarter and year, on both maps (as it was, and today's), equals the reference computation
from the raw rows (``progress.UnitData``), and ``figures --verify`` finds nothing."""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import ProtectedError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tests import factories
from tracking import progress, readmodel, services
from tracking.access import SYSTEM
from tracking.errors import DomainError
from tracking.models import AdministrativeUnit, Level, PartyCell, QuarterReport, Village, VillageStatus
from tracking.periods import Period
from tracking.services import reorganisations

FIRST, LAST = Period.quarter(2019, 1), Period.quarter(2021, 4)
QUARTERS = [Period.from_index(index) for index in range(FIRST.index, LAST.index + 1)]
DAYS = [datetime.date(year, month, day) for year in (2019, 2020, 2021) for month in range(1, 13) for day in (1, 15)]
STEPS_CHECKED = {"steps": 0, "writes": 0}  # steps checked; of them, writes that changed something


def _world() -> dict:
    """Two provinces under the nation (the first province records it), so that the nation's
    figures are sums over more than one province and communes and villages move between them."""
    province = factories.province()
    nation = AdministrativeUnit.objects.get(level=Level.NATION)
    other = factories.province(code="12", name="Lai Châu")
    north = factories.district(province, code="100")
    south = factories.district(province, code="101")
    west = factories.district(other, code="110")
    communes = [factories.commune(north, code="03316"), factories.commune(north, code="03317"),
                factories.commune(south, code="03318"), factories.commune(west, code="03500")]
    villages = [factories.village(communes[0], name="A"), factories.village(communes[0], name="B"),
                factories.village(communes[1], name="C"), factories.village(communes[2], name="D"),
                factories.village(communes[2], name="E"), factories.village(communes[3], name="F")]
    factories.cell(villages[0], villages[1], name="AB")
    services.cell_create(by=SYSTEM, name="D", founded_on=datetime.date(2019, 7, 1), villages=[villages[3]])
    return {"nation": nation, "provinces": [province, other], "districts": [north, south, west]}


def _pick(items, index):
    items = list(items)
    return items[index % len(items)] if items else None


def _step(data, world) -> bool:
    """One random write; a refusal (any rule) changes nothing, as for a user. Whether it was
    written."""
    kind = data.draw(st.sampled_from([
        "report", "report", "report", "report", "delete", "coverage", "dissolve", "open", "close", "move",
        "coverage", "transfer", "merge", "split", "split", "split", "cell", "cell", "abolish", "nation"]), label="kind")
    number = data.draw(st.integers(0, 50), label="pick")
    other = data.draw(st.integers(0, 50), label="other")
    day = data.draw(st.sampled_from(DAYS), label="day")
    later = data.draw(st.one_of(st.none(), st.sampled_from(DAYS)), label="until")
    villages = Village.objects.order_by("pk")
    communes = AdministrativeUnit.objects.filter(level=Level.COMMUNE).order_by("pk")
    cells = PartyCell.objects.order_by("pk")
    try:
        if kind == "report":
            village = _pick(villages, number)
            quarter = data.draw(st.sampled_from(QUARTERS), label="quarter")
            form = data.draw(st.sampled_from(["count", "count", "status"]), label="form")
            cell = data.draw(st.one_of(st.none(), st.sampled_from(list(cells))), label="cell") if cells else None
            if form == "count":
                values = {"full_members": data.draw(st.sampled_from([0, 0, 1, 4]), label="full"),
                          "probationary_members": data.draw(st.sampled_from([0, 1]), label="probationary"),
                          "admissions": data.draw(st.one_of(st.none(), st.integers(0, 3)), label="admissions")}
            else:
                values = {"status": data.draw(st.sampled_from(list(VillageStatus)), label="status")}
            services.quarter_report_submit(by=SYSTEM, village=village, quarter=quarter, cell=cell, **values)
        elif kind == "delete":
            report = _pick(QuarterReport.objects.order_by("pk"), number)
            if report is not None:
                services.quarter_report_delete(by=SYSTEM, report=report)
        elif kind == "coverage" and cells:
            services.cell_coverage_add(by=SYSTEM, cell=_pick(cells, other), village=_pick(villages, number),
                                       valid_from=day, valid_to=later)
        elif kind == "dissolve" and cells:
            services.cell_update(by=SYSTEM, cell=_pick(cells, number), dissolved_on=day)
        elif kind == "open":
            factories.village(_pick(communes, number), name=f"V{number}", valid_from=day)
        elif kind == "close":
            services.village_update(by=SYSTEM, village=_pick(villages, number), valid_to=day)
        elif kind == "move":
            reorganisations.village_move(by=SYSTEM, village=_pick(villages, number), unit=_pick(communes, other), on=day)
        elif kind == "transfer":
            reorganisations.unit_transfer(by=SYSTEM, unit=_pick(communes, number), parent=_pick(world["districts"], other),
                                          on=day)
        elif kind == "split":
            # A commune split: a new commune takes some of its villages (the old one goes on, or closes if emptied).
            commune = _pick(communes, number)
            moving = [village for village in villages if village.unit_on(day) == commune][: other % 3 + 1]
            reorganisations.unit_split(by=SYSTEM, unit=commune, on=day, close_original=bool(other % 2), parts=[
                {"code": f"{40000 + number * 51 + other:05d}", "name": f"Tách {number}", "kind": commune.kind,
                 "villages": moving}])
        elif kind == "merge":
            first, second = _pick(communes, number), _pick(communes, other)
            if first != second:
                reorganisations.units_merge(by=SYSTEM, units=[first, second], on=day, into=first)
        elif kind == "cell":
            services.cell_create(by=SYSTEM, name=f"K{number}", founded_on=day,
                                 villages=[_pick(villages, number), _pick(villages, other)])
        elif kind == "abolish":
            reorganisations.level_abolish(by=SYSTEM, province=_pick(world["provinces"], number), level=Level.DISTRICT,
                                          on=day, villages_up=True)
        elif kind == "nation":
            # Always refused: no change of the map reshapes the nation.
            reorganisations.unit_transfer(by=SYSTEM, unit=world["nation"], parent=_pick(world["provinces"], number), on=day)
    except (ValidationError, DomainError, ProtectedError):
        return False
    return True


def assert_stored_figures_agree() -> None:
    units = list(AdministrativeUnit.objects.all())
    assert any(unit.level == Level.NATION for unit in units)
    reference = progress.UnitData.load(units, LAST)
    stored = progress.Stored(units, LAST)
    periods = QUARTERS + [Period.parse(str(year)) for year in (2019, 2020, 2021)]
    for unit in units:
        for map_day in (None, progress.last_day_on_map(unit)):
            for period in periods:
                assert stored.computed(unit, period, map_day) == reference.computed(unit, period, map_day), (
                    unit, period, map_day)
        assert stored.latest_quarter_with_data(unit, LAST) == reference.latest_quarter_with_data(unit, LAST)
    assert readmodel.verify() == []


class StoredFiguresFollowEveryWrite(TestCase):
    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def test_random_writes(self, data):
        world = _world()
        assert_stored_figures_agree()
        for _ in range(data.draw(st.integers(1, 12), label="steps")):
            STEPS_CHECKED["writes"] += _step(data, world)
            assert_stored_figures_agree()
            STEPS_CHECKED["steps"] += 1

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        print(f"\nstored figures checked after {STEPS_CHECKED['steps']} random steps ({STEPS_CHECKED['writes']} writes)")


# ----- the cases the random walk depends on, written out ---------------------------------


@pytest.fixture
def world(db):
    return _world()


def test_a_report_changes_the_figures_of_every_unit_above_it_and_only_from_its_quarter(world):
    village = Village.objects.get(name="C")
    factories.report(village, "2020Q2", full=3)
    for code, blank in (("03317", 0), ("100", 0), ("11", 0), ("VN", 0)):
        unit = AdministrativeUnit.objects.get(code=code)
        assert progress.unit_progress(unit, Period.parse("2020Q1"))["villages_without_report"] >= 1
        figures = progress.unit_progress(unit, Period.parse("2021Q4"))
        assert figures["members"] == 3 and figures["blank_villages"] == blank
        assert figures["villages_carried_forward"] == 1
    assert_stored_figures_agree()


def test_a_dated_change_entered_in_advance_takes_effect_on_todays_map_when_its_day_comes(world, monkeypatch):
    village = Village.objects.get(name="C")
    factories.report(village, "2020Q2", full=3)
    south = AdministrativeUnit.objects.get(code="101")
    commune = AdministrativeUnit.objects.get(code="03317")
    reorganisations.unit_transfer(by=SYSTEM, unit=commune, parent=south, on=datetime.date(2030, 1, 1))
    assert progress.unit_progress(south, Period.parse("2020Q2"), boundaries=progress.CURRENT)["members"] is None
    day = datetime.date(2030, 1, 2)
    monkeypatch.setattr(readmodel, "today", lambda: day)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: day)
    assert progress.unit_progress(south, Period.parse("2020Q2"), boundaries=progress.CURRENT)["members"] == 3
    assert readmodel.verify() == []


def test_verify_finds_a_tampered_figure_and_rebuild_mends_it(world):
    factories.report(Village.objects.get(name="A"), "2020Q1", full=2)
    call_command("figures", "--verify", stdout=io.StringIO())
    readmodel.UnitFigureDelta.objects.filter(d_members__gt=0).update(d_members=99)
    with pytest.raises(CommandError, match="differ"):
        call_command("figures", "--verify", stdout=io.StringIO())
    out = io.StringIO()
    call_command("figures", "--rebuild", stdout=out)
    assert "derived anew from 6 villages" in out.getvalue()
    call_command("figures", "--verify", stdout=io.StringIO())
    assert progress.unit_progress(AdministrativeUnit.objects.get(code="11"), Period.parse("2020Q1"))["members"] == 2


def test_only_a_superuser_rebuilds(world, django_user_model):
    django_user_model.objects.create_user(username="clerk", password="pw")
    with pytest.raises(CommandError, match="superuser"):
        call_command("figures", "--rebuild", "--user", "clerk", stdout=io.StringIO())
