"""Django's loaddata, then what is derived from the rows derived anew: fixtures are written past
the services and ``save``, so names are put in NFC with their folded form, the figures are
derived from what was loaded, and each loaded record gets the first row of its audit trail
(created, with the values loaded), so that its first change shows what it changed from."""
from django.apps import apps
from django.core.management.commands import loaddata

from tracking.access import SYSTEM
from tracking.audit import history_of_saved
from tracking.fields import refresh_names
from tracking.services.figures import figures_rebuild


class Command(loaddata.Command):
    help = loaddata.Command.help + " Then derives the names' search forms and the stored figures from what is in the database."

    def loaddata(self, fixture_labels):
        super().loaddata(fixture_labels)
        if self.loaded_object_count:
            for model in apps.get_app_config("tracking").get_models():
                refresh_names(model)
            for model in apps.get_app_config("tracking").get_models():
                if hasattr(model, "history") and model._meta.managed:
                    pks = list(model.objects.exclude(pk__in=model.history.values("id")).values_list("pk", flat=True))
                    history_of_saved(model, pks, "+", by=None)
            figures_rebuild(by=SYSTEM)
