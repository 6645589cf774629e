"""The nation (level 0, code VN) becomes the root of the map: the provinces sit under it.

Its placement's path is ``/``, so every path already recorded (``/11/100/03317/``) lies under it
unchanged: only the parent of the provinces' placements changes. A database without provinces
(a new one, before its fixtures or import) gets no nation here: the fixtures bring it, and
adding the first province records it. Where it records the nation, the stored figures are derived
again (0007 derived them before there was a nation to sum them).
"""
import django.core.validators
from django.db import migrations, models
from django.utils import timezone

CODE_VALIDATOR = django.core.validators.RegexValidator(
    "^([0-9]{2,5}|VN)$",
    "An official unit code is 2 to 5 digits, as the statistics office writes it (the nation's: VN).",
)
KINDS = [
    ("quoc_gia", "quốc gia (nation)"), ("tinh", "tỉnh (province)"), ("huyen", "huyện (rural district)"),
    ("thi_xa", "thị xã (town)"), ("thanh_pho", "thành phố (city)"), ("quan", "quận (urban district)"),
    ("xa", "xã (commune)"), ("phuong", "phường (ward)"), ("thi_tran", "thị trấn (township)"),
    ("dac_khu", "đặc khu (special zone)"),
]
LEVELS = [(0, "nation"), (1, "province"), (2, "district"), (3, "commune")]
# Note: the values of tracking.services.records.NATION, copied: a migration does not follow the code.
NATION = {
    "code": "VN", "name": "Việt Nam", "kind": "quoc_gia", "level": 0,
    "source_url": "https://www.iso.org/obp/ui/#iso:code:3166:VN",
    "note": "The country, root of the map. The statistics office numbers no country: its code is that of ISO 3166-1.",
}


def add_nation(apps, schema_editor):
    Unit = apps.get_model("tracking", "AdministrativeUnit")
    HistoricalUnit = apps.get_model("tracking", "HistoricalAdministrativeUnit")
    Placement = apps.get_model("tracking", "UnitPlacement")
    provinces = Placement.objects.filter(unit__level=1, parent__isnull=True)
    if not provinces.exists() or Unit.objects.filter(level=0).exists():
        return
    nation = Unit.objects.create(**NATION)
    Placement.objects.create(unit=nation, parent=None, path="/")
    # The audit trail's row of its creation (signals do not run in migrations): no user, by a command.
    HistoricalUnit.objects.create(id=nation.pk, **NATION, valid_from=None, valid_to=None, history_path="command",
                                  history_date=timezone.now(), history_type="+", history_user=None)
    provinces.update(parent=nation)
    # The nation's figures (``manage.py figures --rebuild``): the sums over the provinces.
    # Note: the module's models are today's; the tables they read are those of 0007 and this
    # migration, so they match.
    from tracking import readmodel

    readmodel.rebuild()


def remove_nation(apps, schema_editor):
    Unit = apps.get_model("tracking", "AdministrativeUnit")
    Placement = apps.get_model("tracking", "UnitPlacement")
    removed = False
    for nation in Unit.objects.filter(level=0):
        Placement.objects.filter(parent=nation).update(parent=None)
        nation.delete()  # refused while goals, roles or figures name it: delete those first
        removed = True
    if removed:
        # The stored figures without the nation's (see add_nation on today's models).
        from tracking import readmodel

        readmodel.rebuild()


class Migration(migrations.Migration):
    dependencies = [("tracking", "0007_read_model")]

    operations = [
        *(
            operation
            for model_name in ("administrativeunit", "historicaladministrativeunit")
            for operation in (
                migrations.AlterField(
                    model_name=model_name, name="code",
                    field=models.CharField(max_length=5, validators=[CODE_VALIDATOR], verbose_name="official code"),
                ),
                migrations.AlterField(
                    model_name=model_name, name="kind",
                    field=models.CharField(choices=KINDS, max_length=10, verbose_name="kind"),
                ),
                migrations.AlterField(
                    model_name=model_name, name="level",
                    field=models.PositiveSmallIntegerField(choices=LEVELS, verbose_name="level"),
                ),
            )
        ),
        migrations.RunPython(add_nation, remove_nation),
        migrations.AddConstraint(
            model_name="administrativeunit",
            constraint=models.UniqueConstraint(
                condition=models.Q(("level", 0)), fields=("level",), name="one_nation",
                violation_error_message="There is one nation: it is already recorded.",
            ),
        ),
    ]
