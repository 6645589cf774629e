"""Many villages or cells at once: the rules of one, all or nothing, and the figures kept."""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tests import factories
from tracking import progress
from tracking.access import SYSTEM
from tracking.errors import NotPermitted
from tracking.models import PartyCell, Role, RoleGrant, Village
from tracking.periods import Period
from tracking.services import bulk, reorganisations

Q = Period.parse


def test_villages_get_the_next_keys_of_their_unit_and_count_in_its_figures_at_once(tree):
    factories.village(tree["north"], name="Đã có")
    made = bulk.villages_create_many(by=SYSTEM, rows=[
        {"name": "Huổi Chổn", "unit": tree["north"]}, {"name": "Co Mận", "unit": tree["north"]},
        {"name": "Nà Tấu 1", "unit": tree["south"]}])
    assert [village.key for village in made] == ["03317-0002", "03317-0003", "03316-0001"]
    assert progress.unit_progress(tree["district"], Q("2020Q1"))["villages_without_report"] == 4
    assert [h.history_type for h in Village.history.filter(name="Co Mận")] == ["+"]


def test_a_village_follows_its_unit_through_the_map_as_one_created_alone(tree):
    reorganisations.unit_transfer(by=SYSTEM, unit=tree["north"], parent=tree["other"], on=datetime.date(2020, 1, 1))
    alone = factories.village(tree["north"], name="Một")
    many = bulk.villages_create_many(by=SYSTEM, rows=[{"name": "Hai", "unit": tree["north"]}])[0]
    def placements(village):
        return [(p.path, p.valid_from, p.valid_to) for p in village.placements.order_by("valid_from")]
    assert placements(many) == placements(alone) and len(placements(many)) == 2


def test_one_row_in_error_writes_nothing_and_names_the_row(tree):
    with pytest.raises(ValidationError) as error:
        bulk.villages_create_many(by=SYSTEM, rows=[
            {"name": "Tốt", "unit": tree["north"]}, {"name": "", "unit": tree["north"]},
            {"name": "Tỉnh", "unit": tree["province"]}])
    assert set(error.value.message_dict) == {"villages.1.name", "villages.2.unit"}
    assert not Village.objects.exists()


def test_an_editor_adds_villages_only_in_their_area(tree, django_user_model):
    user = django_user_model.objects.create_user(username="xa", password="pw")
    RoleGrant.objects.create(user=user, unit=tree["north"], role=Role.EDITOR)
    bulk.villages_create_many(by=user, rows=[{"name": "Của xã", "unit": tree["north"]}])
    with pytest.raises(NotPermitted):
        bulk.villages_create_many(by=user, rows=[{"name": "Của xã khác", "unit": tree["south"]}])
    assert list(Village.objects.values_list("name", flat=True)) == ["Của xã"]


def test_cells_serve_their_villages_and_a_shared_one_is_a_merged_cell_in_the_figures(tree):
    a, b, c = bulk.villages_create_many(by=SYSTEM, rows=[{"name": n, "unit": tree["north"]} for n in "ABC"])
    bulk.cells_create_many(by=SYSTEM, rows=[{"name": "AB", "villages": [a, b]}, {"name": "C", "villages": [c]}])
    for village in (a, b, c):
        factories.report(village, "2020Q1", full=3, cell=village.cell_coverage.get().cell)
    figures = progress.unit_progress(tree["north"], Q("2020Q1"))
    assert (figures["merged_cells"], figures["villages_in_merged_cells"], figures["villages_with_own_cell"]) == (1, 2, 1)


def test_a_cell_in_error_writes_no_cell(tree):
    a = factories.village(tree["north"], name="A", valid_from=datetime.date(2020, 1, 1))
    with pytest.raises(ValidationError) as error:
        bulk.cells_create_many(by=SYSTEM, rows=[{"name": "Sớm", "villages": [a], "founded_on": datetime.date(2019, 1, 1)},
                                                {"name": "Trống", "villages": []}])
    assert set(error.value.message_dict) == {"cells.0.villages", "cells.1.villages"}
    assert not PartyCell.objects.exists()


def test_the_benchmark_builds_only_on_an_empty_database(tree):
    with pytest.raises(CommandError, match="empty database"):
        call_command("bench", "--province", "11", stdout=io.StringIO())


def test_the_any_lookup_of_bulk_reads_finds_what_in_finds(tree):
    """``field__any`` (one array parameter on PostgreSQL): ids, keys and a relation, as ``__in``."""
    from tracking.models import VillagePlacement

    villages = [factories.village(tree["north"], name=f"Bản {n}") for n in range(3)]
    ids, keys = [v.pk for v in villages], [v.key for v in villages]
    assert set(Village.objects.filter(pk__any=[ids[0], ids[2], None])) == {villages[0], villages[2]}
    assert set(Village.objects.filter(key__any=keys[1:]).values_list("key", flat=True)) == set(keys[1:])
    assert set(VillagePlacement.objects.filter(village_id__any=ids[:2]).values_list("village_id", flat=True)) == set(ids[:2])
    assert set(VillagePlacement.objects.filter(village__key__any=keys[:1]).values_list("village_id", flat=True)) == {ids[0]}
    assert not Village.objects.filter(pk__any=[]).exists()
    assert Village.objects.filter(pk__any=[]).delete()[0] == 0
