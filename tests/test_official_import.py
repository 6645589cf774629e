"""The official units imported in bulk (``services.official``) leave the rows the services left
when they wrote them one at a time (``tests/row_by_row_import.py``, the import as it was), and
keep its promises: a second run changes nothing, villages move with their communes, only a
superuser imports, a step that fails imports nothing."""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction

from tests import factories
from tests.row_by_row_import import Command as RowByRowImport
from tracking import progress, readmodel, services
from tracking.access import SYSTEM
from tracking.errors import NotPermitted
from tracking.models import (
    AdministrativeUnit,
    Level,
    Reorganisation,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from tracking.services import official, reorganisations
from tracking.periods import Period

D = datetime.date
REFORM_DAY = D(2025, 7, 1)


def unit(code):
    return AdministrativeUnit.objects.with_code(code).first()


def row_by_row(*args) -> str:
    out = io.StringIO()
    call_command(RowByRowImport(), *args, "--user", factories.clerk(), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def in_bulk(*args) -> str:
    out = io.StringIO()
    call_command("import_units", *args, "--user", factories.clerk(), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def summary(output: str) -> str:
    return output.strip().splitlines()[-1]


def last_ids() -> dict:
    return {model: max(model.objects.values_list("pk", flat=True), default=0)
            for model in (AdministrativeUnit, UnitPlacement, VillagePlacement, Reorganisation)}


def rows(since: dict) -> dict:
    """The map's rows, each named by what it is rather than by its id: a unit by its code and
    first day, a village by its key. A row written after ``since`` (``last_ids()``) carries its
    id as drawn: the distance from the first id its table drew since, gaps included."""
    units = {pk: f"{code}@{start}" for pk, code, start in AdministrativeUnit.objects.values_list("pk", "code", "valid_from")}
    villages = dict(Village.objects.values_list("pk", "key"))

    def drawn(model):
        first = min(model.objects.filter(pk__gt=since[model]).values_list("pk", flat=True), default=0)
        return lambda pk: f"drawn {pk - first}" if pk > since[model] else "before"

    unit_id, placement_id, event_id = drawn(AdministrativeUnit), drawn(UnitPlacement), drawn(Reorganisation)
    village_placement_id = drawn(VillagePlacement)
    return {
        "units": sorted(
            (units[u.pk], unit_id(u.pk), u.name, u.kind, u.level, str(u.valid_to), u.source_url, u.source_location, u.note)
            for u in AdministrativeUnit.objects.all()
        ),
        "placements": sorted(
            (units[p.unit_id], placement_id(p.pk), str(units.get(p.parent_id)), p.path, str(p.valid_from), str(p.valid_to))
            for p in UnitPlacement.objects.all()
        ),
        "village placements": sorted(
            (villages[p.village_id], village_placement_id(p.pk), units[p.unit_id], p.path, str(p.valid_from), str(p.valid_to))
            for p in VillagePlacement.objects.all()
        ),
        "events": sorted(
            (event_id(e.pk), e.kind, str(e.effective_on), str(units.get(e.subject_id)),
             sorted(units[u.pk] for u in e.predecessors.all()), sorted(units[u.pk] for u in e.successors.all()),
             e.description, e.villages_moved, e.source_url, e.source_location, e.note)
            for e in Reorganisation.objects.prefetch_related("predecessors", "successors")
        ),
    }


def rows_after(run) -> dict:
    """The rows ``run()`` leaves; the database is then put back as it was."""
    since = last_ids()
    with transaction.atomic():
        run()
        found = rows(since)
        transaction.set_rollback(True)
    return found


def assert_same_rows(scenario) -> dict:
    """``scenario(importer)`` leaves the same rows with the bulk import as with the row-by-row one."""
    before = rows_after(lambda: scenario(row_by_row))
    after = rows_after(lambda: scenario(in_bulk))
    for table in before:
        assert after[table] == before[table], table
    return after


# ----- the same rows as the row-by-row import ----------------------------------------------


def test_dien_bien_from_the_article_as_the_fixtures_were_made(article_only):
    """``make fixtures``: the article's map, then Điện Biên's units, its 2012 and 2020 changes and
    the reform, with the article's villages (five sit in a district and go up to the province)."""
    after = assert_same_rows(lambda importer: importer("--province", "11"))
    assert len(after["units"]) == 142 and len(after["events"]) == 73  # the nation included
    assert len(after["village placements"]) == 16


def test_cao_bang_with_villages_in_communes_passing_codes_round(db):
    """Cao Bằng (04): new communes take the codes of old ones that went elsewhere (01534 and 01537
    form a new 01558; four others a new 01537), with villages in them, one moved in 2021."""

    def scenario(importer):
        importer("--province", "04", "--no-reform")
        for code in ("01534", "01537", "01549", "01555", "01561"):
            for number in (1, 2):
                services.village_create(by=SYSTEM, name=f"Bản {code} {number}", unit=unit(code))
        moving = Village.objects.get(name="Bản 01549 1")
        reorganisations.village_move(by=SYSTEM, village=moving, unit=unit("01555"), on=D(2021, 1, 1))
        importer("--province", "04")

    after = assert_same_rows(scenario)
    new_01537 = next(u for u in after["units"] if u[0] == "01537@2025-07-01")
    assert new_01537[5] == "None"  # the new 01537 is open; the old one ended on the day
    placed = {row[0]: row[2] for row in after["village placements"] if row[4] == "2025-07-01"}
    assert placed["01537-0001"] == placed["01534-0001"] == "01558@2025-07-01"
    assert placed["01549-0001"] == placed["01549-0002"] == placed["01561-0001"] == "01537@2025-07-01"


def test_ca_mau_and_bac_lieu_merged_in_2025(db):
    assert_same_rows(lambda importer: importer("--province", "96"))


def test_a_second_import_changes_nothing_and_says_so_as_before(article_only):
    said = {}
    for name, importer in (("row by row", row_by_row), ("bulk", in_bulk)):
        with transaction.atomic():
            since = last_ids()
            importer("--province", "11")
            once, history = rows(since), AdministrativeUnit.history.count()
            said[name] = summary(importer("--province", "11"))
            assert (rows(since), AdministrativeUnit.history.count()) == (once, history)
            transaction.set_rollback(True)
    assert said["bulk"] == said["row by row"]
    assert "Units created: 0, already there: 141, differing from the official list: 0; events recorded: 0" in said["bulk"]


# ----- villages, permissions, steps ---------------------------------------------------------


def test_the_figures_follow_the_villages_the_import_moves(article_only):
    in_bulk("--province", "11")
    moved = VillagePlacement.objects.filter(valid_from=REFORM_DAY).select_related("unit")
    assert moved.count() == 7
    commune = moved[0].unit  # a commune of 2025-07-01: on today's map it holds villages that reported in 2019
    figures = progress.unit_progress(commune, Period.parse("2019Q2"), boundaries=progress.CURRENT)
    assert figures["villages_total"] == moved.filter(unit=commune).count() > 0
    assert readmodel.verify() == []
    in_bulk("--province", "11")  # nothing moves again
    assert readmodel.verify() == []


def test_each_unit_written_has_its_history_row_by_the_user_through_the_command(article_only):
    in_bulk("--province", "11")
    written = 0
    by_import = AdministrativeUnit.history.filter(history_user__username="clerk")
    for unit_row in AdministrativeUnit.objects.all():
        # None for the article's units the import left as they were (their only row: loaded).
        latest = unit_row.history.filter(history_user__username="clerk").first()
        if latest is not None:
            assert (latest.name, latest.kind, latest.valid_to) == (unit_row.name, unit_row.kind, unit_row.valid_to)
            written += 1
    assert written == 141 - 2  # all but the two article communes (03316, 03317), whose rows only moved
    assert set(by_import.values_list("history_user__username", "history_path")) == {("clerk", "command")}
    assert not AdministrativeUnit.history.exclude(history_user__username="clerk").exclude(history_user=None).exists()
    assert by_import.filter(history_type="+").count() == 128


def test_only_a_superuser_imports(db, django_user_model):
    editor = django_user_model.objects.create_user(username="editor", password="pw", is_staff=True)
    with pytest.raises(NotPermitted, match="only a superuser imports the official units"):
        official.import_official_units(by=editor, province="11")
    with pytest.raises(CommandError, match="editor is not a superuser"):
        call_command("import_units", "--province", "11", "--user", "editor", stdout=io.StringIO())
    assert not AdministrativeUnit.objects.exists()


def test_a_step_that_fails_imports_nothing_of_that_step(db):
    in_bulk("--province", "11", "--no-reform")
    # A commune the official mapping does not know, with a village: the reform would close it
    # with the village still in it.
    extra = services.unit_create(by=SYSTEM, code="03999", name="Thử", kind="xa", level=Level.COMMUNE, parent=unit("100"))
    village = services.village_create(by=SYSTEM, name="Bản thử", unit=extra)
    counts = (AdministrativeUnit.objects.count(), UnitPlacement.objects.count(), AdministrativeUnit.history.count())
    with pytest.raises(CommandError, match=r"^Province 11: 1 villages still belong to this unit on 2025-07-01: move them first\. "
                                           r"\(nothing of this step imported\)$"):
        in_bulk("--province", "11")
    with pytest.raises(ValidationError):
        official.import_official_units(by=SYSTEM, province="11")
    assert (AdministrativeUnit.objects.count(), UnitPlacement.objects.count(), AdministrativeUnit.history.count()) == counts
    assert not Reorganisation.objects.filter(effective_on=REFORM_DAY).exists()
    assert not AdministrativeUnit.objects.filter(valid_to=REFORM_DAY).exists()
    assert village.unit_on(REFORM_DAY) == extra


def test_a_log_gets_a_line_for_each_step(db):
    err = io.StringIO()  # not a terminal
    call_command("import_units", "--province", "11", "--user", factories.clerk(), stdout=io.StringIO(), stderr=err)
    assert "province 11: units of 2025-06-30: 140 units, done in " in err.getvalue()
    assert "province 11: communes of 2025-07-01: 45 units, done in " in err.getvalue()
