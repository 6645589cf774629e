"""Record a change of the map from the command line."""
import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rest_framework.exceptions import PermissionDenied

from tracking import reorganisations
from tracking.access import scope_of
from tracking.models import Level, UnitKind, Village
from tracking.models import acting_user as acting_user_var

from ._common import acting_user, add_user_argument, unit_by_code


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date: write it as 2020-01-01.") from error


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
        self.scope = scope_of(user)
        token = acting_user_var.set(user)
        try:
            event = self._record(event, on, sources, options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except PermissionDenied as error:
            raise CommandError(str(error.detail)) from error
        finally:
            acting_user_var.reset(token)
        self.stdout.write(self.style.SUCCESS(f"Recorded: {event}"))

    def _record(self, event, on, sources, options):
        if event == "establish":
            parent = unit_by_code(options["parent"]) if options.get("parent") else None
            if parent is None and not self.scope.everything:
                raise CommandError("Only a superuser establishes a province.")
            self.scope.require_reshape(on, parent=parent)
            unit = reorganisations.unit_establish(on=on, code=options["code"], name=options["name"], kind=options["kind"],
                                                  level=options["level"], parent=parent, **sources)
            return unit.reorganisations_as_subject.latest("id")
        if event == "rename":
            unit = unit_by_code(options["unit"])
            self.scope.require_reshape(on, unit)
            return reorganisations.unit_rename(unit=unit, name=options["name"], on=on, **sources)
        if event == "transfer":
            unit, parent = unit_by_code(options["unit"]), unit_by_code(options["to"])
            self.scope.require_reshape(on, unit, parent=parent)
            return reorganisations.unit_transfer(unit=unit, parent=parent, on=on, **sources)
        if event == "split":
            villages = list(Village.objects.filter(pk__in=options["villages"]))
            if len(villages) != len(set(options["villages"])):
                raise CommandError("Some of the villages do not exist.")
            part = {"code": options["code"], "name": options["name"], "kind": options["kind"],
                    "units": [unit_by_code(code) for code in options["units"]], "villages": villages}
            self.scope.require_reshape(on, unit_by_code(options["unit"]), *part["units"])
            for village in villages:
                self.scope.require_village(village, on)
            return reorganisations.unit_split(unit=unit_by_code(options["unit"]), on=on, parts=[part],
                                              close_original=options["close_original"], **sources)
        if event == "merge":
            units = [unit_by_code(code) for code in options["units"]]
            into = unit_by_code(options["into"]) if options.get("into") else None
            self.scope.require_reshape(on, *units, *([into] if into else []))
            new = None
            if options.get("code"):
                new = {"code": options["code"], "name": options["name"], "kind": options["kind"]}
            return reorganisations.units_merge(units=units, on=on, into=into, new=new, **sources)
        province = unit_by_code(options["province"])
        self.scope.require_reshape(on, parent=province)
        return reorganisations.level_abolish(province=province, level=options["level"], on=on,
                                             villages_up=options["villages_up"], **sources)
