"""Print a unit's figures for a period."""
import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracking import progress, selectors
from tracking.models import ApprovalState, ReportedMetric

from ._common import acting_as, add_reader_argument, period_or_error, reader

LABELS = [
    ("villages_total", gettext_lazy("villages")),
    ("blank_villages", gettext_lazy("blank villages")),
    ("villages_with_own_cell", gettext_lazy("villages with their own cell")),
    ("villages_in_merged_cells", gettext_lazy("villages in merged cells")),
    ("members", gettext_lazy("members")),
    ("admissions", gettext_lazy("admissions")),
    ("villages_without_report", gettext_lazy("villages without report")),
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
        self.stdout.write(_("%(unit)s — %(period)s (as of %(quarter)s, on %(boundaries)s: the map of %(day)s)") % {
            "unit": unit, "period": figures["period"], "quarter": figures["as_of_quarter"],
            "boundaries": progress.BOUNDARY_LABELS[figures["boundaries"]], "day": figures["map_date"]})
        approval = figures["approval"]
        state = ApprovalState(approval["state"]).label
        if approval["approved_by_unit"]:
            self.stdout.write(_("Quarter %(quarter)s: %(state)s, approved for %(unit)s")
                              % {"quarter": approval["quarter"], "state": state, "unit": approval["approved_by_unit"]})
        else:
            self.stdout.write(_("Quarter %(quarter)s: %(state)s") % {"quarter": approval["quarter"], "state": state})
        self.stdout.write(_("From village reports:"))
        for key, label in LABELS:
            value = figures[key]
            self.stdout.write(f"  {label:<32} {'—' if value is None else value}")
        for note in figures["notes"]:
            self.stdout.write("  " + _("note: %(note)s") % {"note": note})
        self.stdout.write(_("Reported figures:") if figures["reported"] else _("Reported figures: none for this period."))
        metrics = dict(ReportedMetric.choices)
        for entry in figures["reported"]:
            scope = " + ".join([entry["unit"]["name"], *(u["name"] for u in entry["combined_with"])])
            since = " " + _("since %(period)s") % {"period": entry["since"]} if entry["since"] else ""
            how = " [" + _("derived: %(how)s") % {"how": entry["derivation"]} + "]" if entry.get("derivation") else ""
            self.stdout.write(
                f"  {metrics.get(entry['metric'], entry['metric']):<32} {entry['value']:>7}  {scope}, {entry['period']}{since}{how}"
            )
            self.stdout.write(f"  {'':<32} " + _("source: %(url)s (%(where)s)")
                              % {"url": entry["source_url"], "where": entry["source_location"]})
        for event in figures["lineage"]:
            self.stdout.write(_("Map change %(day)s: %(description)s")
                              % {"day": event["effective_on"], "description": event["description"]})


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
