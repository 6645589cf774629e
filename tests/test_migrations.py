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
