"""Print every goal with its progress."""
import json

from django.core.management.base import BaseCommand

from tracking import selectors

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
            self.stdout.write("No goal.")
        for row in rows:
            share = "—" if row["progress"] is None else f"{row['progress']:.0%}"
            self.stdout.write(f"#{row['id']} {row['title']} ({row['unit']['name']})")
            self.stdout.write(
                f"  {row['metric']}: baseline {_show(row['baseline'])} ({row['baseline_period'] or '—'}), "
                f"current {_show(row['current'])} ({row['current_period'] or '—'}), "
                f"resolved {_show(row['resolved'])}, progress {share}"
            )
            self.stdout.write(
                f"  status {row['status']}, deadline {row['deadline'] or '—'}, "
                f"projected {row['projected_period'] or '—'}, from {row['basis'] or '—'}"
            )
            if row["explanation"]:
                self.stdout.write(f"  {row['explanation']}")


def _show(value) -> str:
    return "—" if value is None else str(value)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
