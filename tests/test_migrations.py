"""Migrations that change data do it right on a database that already holds records."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_villages_recorded_before_keys_get_one_each_from_their_first_unit():
    executor = MigrationExecutor(connection)
    executor.migrate([("tracking", "0005_roles_and_approvals")])
    apps = executor.loader.project_state([("tracking", "0005_roles_and_approvals")]).apps
    Unit, Placement = apps.get_model("tracking", "AdministrativeUnit"), apps.get_model("tracking", "UnitPlacement")
    Village, VillagePlacement = apps.get_model("tracking", "Village"), apps.get_model("tracking", "VillagePlacement")
    import datetime

    province = Unit.objects.create(code="11", name="Điện Biên", kind="tinh", level=1)
    Placement.objects.create(unit=province, path="/11/")
    units = {}
    for code in ("03317", "094"):
        units[code] = Unit.objects.create(code=code, name=code, kind="xa", level=3)
        Placement.objects.create(unit=units[code], parent=province, path=f"/11/{code}/")
    first = Village.objects.create(name="Huổi Chổn")
    VillagePlacement.objects.create(village=first, unit=units["03317"], path="/11/03317/",
                                    valid_to=datetime.date(2020, 1, 1))
    VillagePlacement.objects.create(village=first, unit=units["094"], path="/11/094/",
                                    valid_from=datetime.date(2020, 1, 1))
    second = Village.objects.create(name="Hoa")
    VillagePlacement.objects.create(village=second, unit=units["03317"], path="/11/03317/")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from tracking.models import Village as Current

    assert dict(Current.objects.values_list("name", "key")) == {"Huổi Chổn": "03317-0001", "Hoa": "03317-0002"}


@pytest.mark.django_db(transaction=True)
def test_provinces_recorded_before_the_nation_go_under_it_with_their_paths_unchanged():
    import datetime

    before = [("tracking", "0006_village_key")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Unit, Placement = apps.get_model("tracking", "AdministrativeUnit"), apps.get_model("tracking", "UnitPlacement")
    dien_bien = Unit.objects.create(code="11", name="Điện Biên", kind="tinh", level=1)
    Placement.objects.create(unit=dien_bien, path="/11/")
    ha_giang = Unit.objects.create(code="02", name="Hà Giang", kind="tinh", level=1, valid_to=datetime.date(2025, 7, 1))
    Placement.objects.create(unit=ha_giang, path="/02/", valid_to=datetime.date(2025, 7, 1))
    district = Unit.objects.create(code="100", name="Điện Biên", kind="huyen", level=2)
    Placement.objects.create(unit=district, parent=dien_bien, path="/11/100/")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from tracking.models import AdministrativeUnit, UnitPlacement

    nation = AdministrativeUnit.objects.get(level=0)
    assert (nation.code, nation.name, nation.kind, nation.path_on(datetime.date(2019, 6, 30))) == ("VN", "Việt Nam", "quoc_gia", "/")
    assert set(UnitPlacement.objects.values_list("unit__code", "parent__code", "path")) == {
        ("VN", None, "/"), ("11", "VN", "/11/"), ("02", "VN", "/02/"), ("100", "11", "/11/100/"),
    }
    assert nation.history.get().history_type == "+"
    assert AdministrativeUnit.objects.within(nation, datetime.date(2019, 6, 30)).count() == 3

    # And back: the provinces have no parent again, and the nation is gone.
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Placement = apps.get_model("tracking", "UnitPlacement")
    assert set(Placement.objects.values_list("unit__code", "parent__code", "path")) == {
        ("11", None, "/11/"), ("02", None, "/02/"), ("100", "11", "/11/100/"),
    }
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_database_without_provinces_gets_no_nation_from_the_migration():
    """A new database stays empty (``manage.py seed`` loads the fixtures only into an empty one)."""
    before = [("tracking", "0006_village_key")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from tracking.models import AdministrativeUnit

    assert not AdministrativeUnit.objects.exists()
