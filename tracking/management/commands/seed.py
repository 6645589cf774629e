"""Load the article's data into an empty database; offer to create the first staff user."""
import sys

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tracking.models import AdministrativeUnit

FIXTURE = "dien_bien"
YES = {"y", "yes", "c", "có", "co"}


class Command(BaseCommand):
    help = (
        "Load the Điện Biên fixtures if the database holds no unit yet (so edits are never "
        "overwritten), and, when run from a terminal, offer to create the first staff user."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--no-input", action="store_true", help="Never ask anything.")

    def handle(self, *args, no_input=False, **options):
        stdin = options.get("stdin") or sys.stdin
        if AdministrativeUnit.objects.exists():
            self.stdout.write(_("The database already holds data: fixtures not loaded again."))
        else:
            call_command("loaddata", FIXTURE, verbosity=0)
            self.stdout.write(self.style.SUCCESS(_("Loaded the %(name)s fixtures.") % {"name": FIXTURE}))
        if get_user_model().objects.filter(is_staff=True).exists():
            return
        if no_input or not stdin.isatty():
            self.stdout.write(_("No staff user yet: create one with `make superuser` to use the admin."))
            return
        self.stdout.write(_("No staff user yet. Create one now for the admin? [y/N] "), ending="")
        self.stdout.flush()
        if stdin.readline().strip().lower() in YES:
            call_command("superuser", stdin=stdin, stdout=self.stdout._out, stderr=self.stderr._out)
