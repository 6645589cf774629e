"""Changes of the map sent at the same moment (issue 12, point 4): each takes its units' locks and
reads them under the lock, so changes of one unit chain as if sent one after the other — renames
recorded together keep different former names, each the name the one before it gave — or are
refused with the reason they would get if sent afterwards (a day before one recorded, a second
name the same day); the map is never left inconsistent.
On PostgreSQL, where writers do run at the same time (SQLite writes one at a time)."""
import datetime
from collections import defaultdict

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import translation
from rest_framework.test import APIClient

from tests import factories
from tests.simultaneous import at_once
from tracking import readmodel
from tracking.models import AdministrativeUnit, Reorganisation, ReorganisationKind, UnitPlacement, VillagePlacement
from tracking.services import reorganisations

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
URL = "/api/v1/reorganisations/"
ROUNDS = 8
D = datetime.date
EARLIEST = D(1945, 1, 1)


@pytest.fixture
def writer(transactional_db, django_user_model):
    user = django_user_model.objects.create_superuser(username="boss", email="b@example.org", password="pw")

    def client():
        api = APIClient(raise_request_exception=False)  # a server error is a 500 the test reads
        api.force_authenticate(user)
        return api

    return client


def post(writer, kind: str, body: dict):
    return lambda: writer().post(f"{URL}{kind}/", body, format="json")


def map_problems() -> list[str]:
    """What would make the map inconsistent: two placements of one unit or village at once, a
    village's path that is not its unit's path then, a unit's path that is not its parent's path
    and its code, a unit placed after it closed."""
    problems = []
    for model, owner in ((UnitPlacement, "unit_id"), (VillagePlacement, "village_id")):
        rows = defaultdict(list)
        for row in model.objects.values(owner, "path", "valid_from", "valid_to"):
            rows[row[owner]].append(row)
        for key, placed in rows.items():
            placed.sort(key=lambda row: row["valid_from"] or EARLIEST)
            for before, after in zip(placed, placed[1:]):
                if before["valid_to"] is None or after["valid_from"] is None or before["valid_to"] > after["valid_from"]:
                    problems.append(f"{model.__name__} of {key}: {before} overlaps {after}")
    # A placement's path is that of its unit (for a unit: its parent's, and its code) for as long
    # as the placement lasts.
    for row in VillagePlacement.objects.select_related("unit"):
        for place in row.unit.placements.overlapping(row.valid_from, row.valid_to):
            if place.path != row.path:
                problems.append(f"{row}: {row.path}, but its unit is at {place.path} from {place.valid_from}")
    for row in UnitPlacement.objects.exclude(parent=None).select_related("unit", "parent"):
        for place in row.parent.placements.overlapping(row.valid_from, row.valid_to):
            if f"{place.path}{row.unit.path_segment()}/" != row.path:
                problems.append(f"{row}: {row.path}, but its parent is at {place.path} from {place.valid_from}")
    for unit in AdministrativeUnit.objects.exclude(valid_to=None):
        if unit.placements.filter(Q(valid_to=None) | Q(valid_to__gt=unit.valid_to)).exists():
            problems.append(f"{unit} closed on {unit.valid_to} but placed after")
    return problems


def unit_named(unit: AdministrativeUnit, name: str) -> str:
    """How ``unit`` reads under ``name`` (as an event's description names it)."""
    return str(AdministrativeUnit(code=unit.code, kind=unit.kind, level=unit.level, name=name))


def test_six_renames_at_once_chain_their_former_names(writer, tree):
    """Six renamings of one commune sent at once, each for its own day: those that get the lock
    after a later day was recorded are refused (date order), the others chain, each event's former
    name being the name the one before it gave; six for one day: one is recorded (one name a day)."""
    commune = tree["north"]
    for round_ in range(ROUNDS):
        before = commune.name
        days = [D(2020 + round_, 1, 1 + number) for number in range(6)]
        names = {day: f"Nà Nhạn {round_}-{day.day}" for day in days}
        first = Reorganisation.objects.order_by("-id").values_list("id", flat=True).first() or 0
        responses = at_once(*(post(writer, "rename", {"unit": commune.code, "name": names[day], "on": day.isoformat()})
                              for day in days))
        statuses = [getattr(response, "status_code", response) for response in responses]
        assert set(statuses) <= {201, 400} and 201 in statuses, statuses
        for response in responses:
            if response.status_code == 400:
                assert "record changes in date order" in response.json()["errors"][0]["message"], response.json()
        events = list(Reorganisation.objects.filter(kind=ReorganisationKind.RENAME, id__gt=first).order_by("id"))
        assert len(events) == statuses.count(201)
        # Recorded in date order, each keeping the name the one before it gave (the first: the name before).
        former = before
        for event in events:
            assert event.former_name == former, [(e.effective_on, e.former_name) for e in events]
            former = names[event.effective_on]
        assert [event.effective_on for event in events] == sorted(event.effective_on for event in events)
        with translation.override(settings.LANGUAGE_CODE):  # the events' language
            assert events[0].description == reorganisations.renamed_text(unit_named(commune, before), names[events[0].effective_on])
        commune.refresh_from_db()
        assert commune.name == former  # today's name is the last one given
    # Six for one day: one name a day.
    day = D(2040, 1, 1)
    responses = at_once(*(post(writer, "rename", {"unit": commune.code, "name": f"Tên {number}", "on": day.isoformat()})
                          for number in range(6)))
    assert sorted(response.status_code for response in responses) == [201] + [400] * 5
    assert Reorganisation.objects.filter(kind=ReorganisationKind.RENAME, effective_on=day).count() == 1


def test_two_transfers_of_one_unit_at_once_chain_and_leave_the_map_whole(writer, tree):
    commune = tree["north"]
    for name in ("Huổi Chổn", "Hoa"):
        factories.report(factories.village(commune, name=name), "2019Q4", full=2)
    districts = [tree["district"], tree["other"], factories.district(tree["province"], code="102", name="Mường Ảng")]
    for round_ in range(ROUNDS):
        current = commune.parent_on(D(2020, 1, 1))
        targets = [district for district in districts if district != current]
        if round_ % 2:
            targets.reverse()
        responses = at_once(*(post(writer, "transfer", {"unit": commune.code, "parent": target.code, "on": "2020-01-01"})
                              for target in targets))
        assert [response.status_code for response in responses] == [201, 201], [r.json() for r in responses]
        first, second = (response.json() for response in sorted(responses, key=lambda response: response.json()["id"]))
        # The second moved the commune from where the first had put it.
        assert second["predecessors"] == first["successors"], (first, second)
        assert commune.parent_on(D(2020, 1, 1)).code == second["successors"][0]
        assert commune.parent_on(D(2019, 12, 31)) == tree["district"]
        assert map_problems() == []
        assert readmodel.verify() == []


def test_a_merge_and_a_transfer_of_one_unit_at_once_never_break_the_map(writer, tree):
    for round_ in range(ROUNDS):
        moving = factories.commune(tree["district"], code=f"{30000 + round_:05d}", name=f"Đi {round_}")
        staying = factories.commune(tree["district"], code=f"{31000 + round_:05d}", name=f"Ở {round_}")
        for commune in (moving, staying):
            factories.report(factories.village(commune, name=f"Bản {commune.code}"), "2019Q4", full=1)
        merge, transfer = at_once(
            post(writer, "merge", {"units": [moving.code, staying.code], "into": staying.code, "on": "2020-01-01"}),
            post(writer, "transfer", {"unit": moving.code, "parent": tree["other"].code, "on": "2020-01-01"}),
        )
        assert merge.status_code == 201, merge.json()
        # After the merge, the commune merged is no longer on the map: the transfer is refused
        # with the reason it would get if sent afterwards; before it, the transfer is done first.
        assert transfer.status_code in (201, 400), transfer.json()
        if transfer.status_code == 400:
            assert "is not on the map on 2020-01-01" in transfer.json()["detail"]
        assert staying.placements.active_on(D(2020, 1, 1)).get().parent == tree["district"]
        assert VillagePlacement.objects.active_on(D(2020, 1, 1)).get(village__name=f"Bản {moving.code}").unit == staying
        assert map_problems() == []
        assert readmodel.verify() == []


def test_two_splits_of_one_unit_at_once_take_each_village_once(writer, tree):
    commune = tree["south"]
    for round_ in range(ROUNDS // 2):
        village = factories.village(commune, name=f"Tách {round_}")
        day = f"{2020 + round_}-01-01"
        responses = at_once(*(post(writer, "split", {"unit": commune.code, "on": day, "parts": [
            {"code": f"{32000 + round_ * 2 + number:05d}", "name": f"Mới {round_}-{number}", "kind": "xa",
             "villages": [village.pk]}]}) for number in range(2)))
        # The village left with the first split: the second finds it elsewhere and is refused.
        assert sorted(response.status_code for response in responses) == [201, 400], [r.json() for r in responses]
        refused = next(response for response in responses if response.status_code == 400)
        assert "is not in xã" in refused.json()["detail"]
        assert village.placements.filter(valid_to=None).count() == 1
        assert map_problems() == []
        assert readmodel.verify() == []
