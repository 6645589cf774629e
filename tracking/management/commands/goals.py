"""Print every goal with its progress."""
import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tracking import progress, selectors
from tracking.models import GoalMetric

from ._common import acting_as, add_reader_argument, period_or_error, reader


class Command(BaseCommand):
    help = "Print every goal (or a unit's goals) with baseline, current value, progress and status."

    def add_arguments(self, parser):
        parser.add_argument("--unit", dest="unit_code", help="Only the goals of this unit (official code).")
        parser.add_argument("--as-of", help="Evaluate as of this period (default: the current quarter).")
        parser.add_argument("--json", action="store_true", help="Print one JSON document.")
        add_reader_argument(parser)

    def handle(self, *args, unit_code=None, as_of=None, json=False, user=None, **options):
        by = reader(user)
        as_of = period_or_error(as_of)
        with acting_as(by):
            goals = selectors.goals(by=by)
            if unit_code:
                goals = goals.for_unit(selectors.unit_by_code(by=by, code=unit_code))
            rows = selectors.goals_progress(by=by, goals=goals, as_of=as_of)
        if json:
            self.stdout.write(_dumps(rows))
            return
        if not rows:
            self.stdout.write(_("No goal."))
        for row in rows:
            share = "—" if row["progress"] is None else f"{row['progress']:.0%}"
            self.stdout.write(f"#{row['id']} {row['title']} ({row['unit']['name']})")
            self.stdout.write("  " + _(
                "%(metric)s: baseline %(baseline)s (%(baseline_period)s), current %(current)s (%(current_period)s), "
                "resolved %(resolved)s, progress %(progress)s") % {
                "metric": GoalMetric(row["metric"]).label, "baseline": _show(row["baseline"]),
                "baseline_period": row["baseline_period"] or "—", "current": _show(row["current"]),
                "current_period": row["current_period"] or "—", "resolved": _show(row["resolved"]), "progress": share})
            self.stdout.write("  " + _("status %(status)s, deadline %(deadline)s, projected %(projected)s, from %(basis)s") % {
                "status": progress.STATUS_LABELS[row["status"]], "deadline": row["deadline"] or "—",
                "projected": row["projected_period"] or "—",
                "basis": progress.SOURCE_LABELS.get(row["basis"], row["basis"]) if row["basis"] else "—"})
            if row["explanation"]:
                self.stdout.write(f"  {row['explanation']}")


def _show(value) -> str:
    return "—" if value is None else str(value)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
