"""Load a quarter's reports from a CSV file or an Excel workbook, for the villages of your editor area."""
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tracking.errors import Locked
from tracking.services import imports

from ._common import acting_as, acting_user, add_user_argument, period_or_error
from ._progress import progress


class Command(BaseCommand):
    help = ("Load a quarter's reports from a CSV file or an Excel workbook (.xlsx; columns: " + ", ".join(imports.COLUMNS)
            + "; one row a village, named by its key): all or nothing, every error by its row and column.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8) or .xlsx workbook; its first line names the columns.")
        parser.add_argument("--quarter", required=True, help="The quarter of the reports, e.g. 2019Q2.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row; save nothing.")
        add_user_argument(parser)

    def handle(self, *args, file, quarter, dry_run, user, **options):
        quarter = period_or_error(quarter)
        if quarter.kind != "quarter":
            raise CommandError(_("“%(value)s” is not a quarter: write it as 2019Q2.") % {"value": quarter})
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": file})
        by = acting_user(user)
        with path.open(encoding="utf-8-sig", newline="") as lines:
            # A workbook is read whole (it is a zip archive); a CSV file a line at a time, however long.
            table = imports.read_xlsx(path.read_bytes()) if path.suffix.lower() == ".xlsx" else imports.read_csv(lines)
            try:
                with acting_as(by), progress(self.stderr, _("rows"), unit=_("rows"), iterable=table) as rows:
                    outcome = imports.reports_import(by=by, quarter=quarter, rows=rows, dry_run=dry_run)
            except UnicodeDecodeError as error:
                raise CommandError(_("%(path)s is not UTF-8 text (save it as “CSV UTF-8”): byte %(position)s.")
                                   % {"path": file, "position": error.start}) from error
            except CommandError as error:
                cause = error.__cause__
                if isinstance(cause, ValidationError) and hasattr(cause, "error_dict"):
                    problems = [(where, message) for where, messages in cause.message_dict.items() for message in messages]
                elif isinstance(cause, Locked):
                    problems = cause.entries
                else:
                    raise
                for where, message in problems:
                    self.stderr.write(f"{_where(where)}: {message}")
                raise CommandError(_("%(n)s errors: nothing was saved.") % {"n": len(problems)}) from cause
        said = (_("%(quarter)s, %(rows)s rows: %(created)s reports would be created, %(updated)s updated, "
                  "%(unchanged)s unchanged, %(empty)s rows left empty.") if dry_run else
                _("%(quarter)s, %(rows)s rows: %(created)s reports were created, %(updated)s updated, "
                  "%(unchanged)s unchanged, %(empty)s rows left empty."))
        self.stdout.write(self.style.SUCCESS(said % {"quarter": quarter, **outcome}))


def _where(path: str) -> str:
    """``rows.3.admissions`` → ``row 3, column admissions``."""
    parts = path.split(".")
    if parts[0] == "rows" and len(parts) >= 2:
        if len(parts) > 2:
            return _("row %(row)s, column %(column)s") % {"row": parts[1], "column": parts[2]}
        return _("row %(row)s") % {"row": parts[1]}
    return path
