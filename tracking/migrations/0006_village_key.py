"""Villages get a stable key for files (``03317-0002``): their first unit's code and a number."""
from django.db import migrations, models


def give_keys(apps, schema_editor):
    Village = apps.get_model("tracking", "Village")
    VillagePlacement = apps.get_model("tracking", "VillagePlacement")
    HistoricalVillage = apps.get_model("tracking", "HistoricalVillage")
    numbers: dict[str, int] = {}
    for village in Village.objects.order_by("pk"):
        first = min(VillagePlacement.objects.filter(village=village).select_related("unit"),
                    key=lambda p: (p.valid_from is not None, p.valid_from, p.pk), default=None)
        code = first.unit.code if first else "0"
        numbers[code] = numbers.get(code, 0) + 1
        village.key = f"{code}-{numbers[code]:04d}"
        village.save(update_fields=["key"])
        HistoricalVillage.objects.filter(id=village.pk).update(key=village.key)
    HistoricalVillage.objects.filter(key__isnull=True).update(key="")  # villages deleted since


class Migration(migrations.Migration):
    dependencies = [("tracking", "0005_roles_and_approvals")]

    operations = [
        migrations.AddField(
            model_name="village", name="key",
            field=models.CharField(editable=False, max_length=20, null=True, verbose_name="key"),
        ),
        migrations.AddField(
            model_name="historicalvillage", name="key",
            field=models.CharField(editable=False, max_length=20, null=True, verbose_name="key"),
        ),
        migrations.RunPython(give_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="village", name="key",
            field=models.CharField(
                editable=False, max_length=20, unique=True, verbose_name="key",
                help_text="The village's stable key in files, e.g. 03317-0002: its unit's code when it was recorded and a number.",
            ),
        ),
        migrations.AlterField(
            model_name="historicalvillage", name="key",
            field=models.CharField(
                db_index=True, editable=False, max_length=20, verbose_name="key",
                help_text="The village's stable key in files, e.g. 03317-0002: its unit's code when it was recorded and a number.",
            ),
        ),
    ]
