"""Record a change of the map from the command line."""
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tracking import selectors
from tracking.models import Level, UnitKind
from tracking.services import reorganisations

from ._common import acting_as, acting_user, add_user_argument


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(_("%(text)r is not a date: write it as 2020-01-01.") % {"text": text}) from error


class Command(BaseCommand):
    help = "Record a dated change of the map: establish, rename, transfer, split, merge, abolish-level."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="event", required=True)
        for name in ("establish", "rename", "transfer", "split", "merge", "abolish-level"):
            command = sub.add_parser(name)
            command.add_argument("--on", required=True, help="Effective date, e.g. 2020-01-01.")
            command.add_argument("--source-url", default="")
            command.add_argument("--source-location", default="")
            command.add_argument("--note", default="")
            add_user_argument(command)
            if name in ("rename", "transfer", "split"):
                command.add_argument("--unit", required=True, help="Official code of the unit concerned.")
        sub.choices["establish"].add_argument("--code", required=True)
        sub.choices["establish"].add_argument("--name", required=True)
        sub.choices["establish"].add_argument("--kind", required=True, choices=UnitKind.values)
        sub.choices["establish"].add_argument("--level", required=True, type=int, choices=Level.values)
        sub.choices["establish"].add_argument("--parent", help="Code of the parent unit (none for a province).")
        sub.choices["rename"].add_argument("--name", required=True)
        sub.choices["transfer"].add_argument("--to", required=True, help="Code of the new parent.")
        split = sub.choices["split"]
        split.add_argument("--code", required=True, help="Code of the new unit.")
        split.add_argument("--name", required=True)
        split.add_argument("--kind", required=True, choices=UnitKind.values)
        split.add_argument("--units", nargs="*", default=[], help="Codes of the child units that move to the new unit.")
        split.add_argument("--villages", nargs="*", type=int, default=[], help="Ids of villages that move.")
        split.add_argument("--close-original", action="store_true")
        merge = sub.choices["merge"]
        merge.add_argument("--units", nargs="+", required=True, help="Codes of the units merged.")
        merge.add_argument("--into", help="Code of an existing unit they merge into.")
        merge.add_argument("--code", help="Code of a new unit they merge into.")
        merge.add_argument("--name")
        merge.add_argument("--kind", choices=UnitKind.values)
        sub.choices["abolish-level"].add_argument("--province", required=True)
        sub.choices["abolish-level"].add_argument("--level", type=int, default=Level.DISTRICT, choices=Level.values)
        sub.choices["abolish-level"].add_argument(
            "--villages-up", action="store_true",
            help="Place villages directly in an abolished unit (their commune unknown) in its parent.",
        )

    def handle(self, *args, event, on, source_url, source_location, note, user, **options):
        sources = {"source_url": source_url, "source_location": source_location, "note": note}
        on = _day(on)
        user = acting_user(user)
        with acting_as(user):
            event = self._record(user, event, on, sources, options)
        self.stdout.write(self.style.SUCCESS(_("Recorded: %(event)s") % {"event": event}))

    def _record(self, by, event, on, sources, options):
        def unit(code):
            return selectors.unit_by_code(by=by, code=code)

        if event == "establish":
            parent = unit(options["parent"]) if options.get("parent") else None
            created = reorganisations.unit_establish(by=by, on=on, code=options["code"], name=options["name"],
                                                     kind=options["kind"], level=options["level"], parent=parent,
                                                     **sources)
            return created.reorganisations_as_subject.latest("id")
        if event == "rename":
            return reorganisations.unit_rename(by=by, unit=unit(options["unit"]), name=options["name"], on=on, **sources)
        if event == "transfer":
            return reorganisations.unit_transfer(by=by, unit=unit(options["unit"]), parent=unit(options["to"]), on=on,
                                                 **sources)
        if event == "split":
            villages = selectors.villages_by_ids(by=by, ids=options["villages"], field="villages")
            part = {"code": options["code"], "name": options["name"], "kind": options["kind"],
                    "units": [unit(code) for code in options["units"]],
                    "villages": [villages[pk] for pk in options["villages"]]}
            return reorganisations.unit_split(by=by, unit=unit(options["unit"]), on=on, parts=[part],
                                              close_original=options["close_original"], **sources)
        if event == "merge":
            new = None
            if options.get("code"):
                new = {"code": options["code"], "name": options["name"], "kind": options["kind"]}
            return reorganisations.units_merge(by=by, units=[unit(code) for code in options["units"]], on=on,
                                               into=unit(options["into"]) if options.get("into") else None, new=new,
                                               **sources)
        return reorganisations.level_abolish(by=by, province=unit(options["province"]), level=options["level"], on=on,
                                             villages_up=options["villages_up"], **sources)
