"""Print a unit's figures for a period."""
import json

from django.core.management.base import BaseCommand

from tracking import progress, selectors

from ._common import acting_as, add_reader_argument, period_or_error, reader

LABELS = [
    ("villages_total", "villages"),
    ("blank_villages", "blank villages"),
    ("villages_with_own_cell", "villages with their own cell"),
    ("villages_in_merged_cells", "villages in merged cells"),
    ("members", "members"),
    ("admissions", "admissions"),
    ("villages_without_report", "villages without report"),
]


class Command(BaseCommand):
    help = "Print a unit's figures computed from village reports, beside the figures reported for it."

    def add_arguments(self, parser):
        parser.add_argument("unit_code", help="Official code of the unit, e.g. 11 or 100.")
        parser.add_argument("--period", help="2008, 2019Q2 or 2019-05 (default: the latest quarter with data).")
        parser.add_argument(
            "--boundaries", choices=progress.BOUNDARIES, default=progress.HISTORICAL,
            help="historical (default): the map as it was in the period; current: today's map.",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON document.")
        add_reader_argument(parser)

    def handle(self, *args, unit_code, period=None, boundaries=progress.HISTORICAL, json=False, user=None, **options):
        by = reader(user)
        with acting_as(by):
            figures = selectors.unit_figures(by=by, code=unit_code, period=period_or_error(period), boundaries=boundaries)
            unit = selectors.unit_by_code(by=by, code=unit_code)
        if json:
            self.stdout.write(_dumps(figures))
            return
        self.stdout.write(
            f"{unit} — {figures['period']} (as of {figures['as_of_quarter']}, "
            f"{figures['boundaries']} boundaries: the map of {figures['map_date']})"
        )
        approval = figures["approval"]
        by = f", approved for {approval['approved_by_unit']}" if approval["approved_by_unit"] else ""
        self.stdout.write(f"Quarter {approval['quarter']}: {approval['state']}{by}")
        self.stdout.write("From village reports:")
        for key, label in LABELS:
            value = figures[key]
            self.stdout.write(f"  {label:<32} {'—' if value is None else value}")
        for note in figures["notes"]:
            self.stdout.write(f"  note: {note}")
        self.stdout.write("Reported figures:" if figures["reported"] else "Reported figures: none for this period.")
        for entry in figures["reported"]:
            scope = " + ".join([entry["unit"]["name"], *(u["name"] for u in entry["combined_with"])])
            since = f" since {entry['since']}" if entry["since"] else ""
            how = f" [derived: {entry['derivation']}]" if entry.get("derivation") else ""
            self.stdout.write(
                f"  {entry['metric']:<32} {entry['value']:>7}  {scope}, {entry['period']}{since}{how}"
            )
            self.stdout.write(f"  {'':<32} source: {entry['source_url']} ({entry['source_location']})")
        for event in figures["lineage"]:
            self.stdout.write(f"Map change {event['effective_on']}: {event['description']}")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
