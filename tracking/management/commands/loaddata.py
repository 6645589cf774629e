"""Django's loaddata, then what is derived from the rows derived anew: fixtures are written past
the services and ``save``, so names are put in NFC with their folded form, and the figures are
derived from what was loaded."""
from django.apps import apps
from django.core.management.commands import loaddata

from tracking.access import SYSTEM
from tracking.fields import refresh_names
from tracking.services.figures import figures_rebuild


class Command(loaddata.Command):
    help = loaddata.Command.help + " Then derives the names' search forms and the stored figures from what is in the database."

    def loaddata(self, fixture_labels):
        super().loaddata(fixture_labels)
        if self.loaded_object_count:
            for model in apps.get_app_config("tracking").get_models():
                refresh_names(model)
            figures_rebuild(by=SYSTEM)
