"""Import Vietnam's official administrative units, and the 2025 reform, for one province or all."""
from __future__ import annotations

from collections import defaultdict

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tracking.services import official

from ._common import acting_as, acting_user, add_user_argument
from ._progress import progress


class Command(BaseCommand):
    help = (
        "Import the official units of a province (or of every province, under the nation, which "
        "is recorded first if missing) as they stood on "
        "2025-06-30, the earlier changes recorded in tracking/data/history-<province>.json, and "
        "the 2025 reform (districts abolished, communes merged) as reorganisation events. "
        "A second run changes nothing. Superusers only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", help="Official code of one province, e.g. 11 (default: all).")
        parser.add_argument("--no-reform", action="store_true", help="Stop at the map of 2025-06-30.")
        add_user_argument(parser)

    def handle(self, *args, province=None, no_reform=False, user=None, **options):
        user = acting_user(user)
        with acting_as(user):
            result = official.import_official_units(by=user, province=province, reform=not no_reform,
                                                    progress=self._progress)
        for note in result.notes:
            self.stdout.write(note)
        for line in result.differing:
            self.stderr.write(line)
        self.stdout.write(self.style.SUCCESS(_(
            "Units created: %(created)s, already there: %(unchanged)s, differing from the official list: %(differs)s; "
            "events recorded: %(events)s, already recorded: %(events_unchanged)s; "
            "communes closed without a successor in the mapping: %(closed)s.") % defaultdict(int, result.counts)
        ))

    def _progress(self, description: str, total: int):
        """A step's progress on the standard error: a bar on a terminal, lines in a log."""
        return progress(self.stderr, description, unit=_("units"), total=total)
