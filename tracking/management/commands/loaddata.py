"""Django's loaddata, then the stored figures derived anew: fixtures are written past the
services, so their figures are derived from what was loaded."""
from django.core.management.commands import loaddata

from tracking.access import SYSTEM
from tracking.services.figures import figures_rebuild


class Command(loaddata.Command):
    help = loaddata.Command.help + " Then derives the stored figures from what is in the database."

    def loaddata(self, fixture_labels):
        super().loaddata(fixture_labels)
        if self.loaded_object_count:
            figures_rebuild(by=SYSTEM)
