"""Check the stored figures against the raw rows, or derive them anew."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tracking.models import Village
from tracking.services.figures import figures_rebuild, figures_verify

from ._common import acting_as, reader
from ._progress import progress


class Command(BaseCommand):
    help = (
        "Figures are kept on write. --verify derives them from the raw rows (reports, map, cells) "
        "and lists every stored figure that differs (exit status 1 if any); --rebuild derives them "
        "anew and stores them (all or nothing)."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--verify", action="store_true", help="Compare; change nothing.")
        action.add_argument("--rebuild", action="store_true", help="Derive and store every figure anew.")
        parser.add_argument("--user", help="Act as this superuser (default: the installation's operator).")

    def handle(self, *args, verify=False, rebuild=False, user=None, **options):
        by = reader(user)
        with acting_as(by), progress(self.stderr, _("verify") if verify else _("rebuild"), unit=_("villages"),
                                     total=Village.objects.count()) as bar:
            if rebuild:
                done = figures_rebuild(by=by, progress=bar.update)
                self.stdout.write(self.style.SUCCESS(
                    _("Figures derived anew from %(villages)s villages: %(rows)s stored rows.") % done))
                return
            problems = figures_verify(by=by, progress=bar.update)
        for problem in problems[:200]:
            self.stdout.write(problem)
        if problems:
            raise CommandError(_("%(n)s stored figures differ from the raw rows: run `manage.py figures --rebuild`.")
                               % {"n": len(problems)})
        self.stdout.write(self.style.SUCCESS(_("Every stored figure equals its derivation from the raw rows.")))
