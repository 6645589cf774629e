"""The benchmark: build a country's worth of villages and quarters through the project's own bulk
paths, then time the requests committees make against two floors measured in the same run.

Run it on an empty PostgreSQL database (``make bench`` starts one); ``--provinces 11`` and fewer
quarters give the small size CI runs so that it cannot rot. It asserts nothing about time: it
prints a table (the README's "Performance") and fails only if a request fails or the stored
figures differ from their derivation.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import random
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import include, path
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView
from tracking import official_units, readmodel, services
from tracking.models import AdministrativeUnit, CellCoverage, Goal, GoalMetric, Level, Village
from tracking.periods import Period, quarter_range
from tracking.services import bulk, imports, reports

from ._common import acting_as
from ._progress import progress

REFORM_DAY = datetime.date(2025, 7, 1)
BEFORE_REFORM = REFORM_DAY - datetime.timedelta(days=1)


class Bare(APIView):
    """The floor: a DRF view with the API's authentication and permissions that reads nothing."""

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("bench/bare/", Bare.as_view()), path("", include("config.urls"))]


class _Counter:
    """Counts the SQL statements run inside it (whatever the connection's debug setting)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times) * 1000, times[min(len(times) - 1, int(len(times) * 0.95))] * 1000


class Command(BaseCommand):
    help = (
        "Build a national dataset (the official map, about 10 villages per commune, a report a "
        "quarter with gaps carried forward, merged cells, the 2025 reform) on an EMPTY database "
        "through the bulk paths, then time figures, timelines, goals, blank villages and writes "
        "against a bare DRF view and a one-row SQL read, and verify the stored figures."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", help="Only this province (repeat; default: all).")
        parser.add_argument("--villages-per-commune", type=int, default=10)
        parser.add_argument("--first", default="2008Q1")
        parser.add_argument("--last", default="2025Q4")
        parser.add_argument("--repeat", type=int, default=30, help="Requests timed per line of the table.")
        parser.add_argument("--seed", type=int, default=2008)
        parser.add_argument("--measure-only", action="store_true",
                            help="Do not build: measure (after importing --last from CSV) and verify the database an "
                                 "earlier run built.")

    @no_translations  # the benchmark speaks English throughout, its progress lines and import_units' too
    def handle(self, *args, province=None, villages_per_commune=10, first="2008Q1", last="2025Q4", repeat=30,
               seed=2008, measure_only=False, **options):
        self.random = random.Random(seed)
        self.first, self.last = Period.parse(first), Period.parse(last)
        self.steps: list[tuple[str, float, str]] = []
        if measure_only:
            self._again()
        else:
            if AdministrativeUnit.objects.exists():
                raise CommandError("The benchmark builds its own data: run it on an empty database (make bench makes one).")
            user = get_user_model().objects.create_superuser(username="bench", email="bench@example.org", password="bench")
            self.user = user
            self.token = Token.objects.create(user=user).key
            with acting_as(user):
                self._build(province or [None], villages_per_commune)
        if connection.vendor == "postgresql":
            # As an operator does after a bulk load: the reform rewrites most stored spans, and an
            # autovacuum of them would otherwise run during the measurements.
            self._timed("VACUUM ANALYZE after the build", lambda: connection.cursor().execute("VACUUM ANALYZE"))
        self._measure(repeat)
        self._verify()
        self._print()

    # -------------------------------------------------------------------------------------

    def _timed(self, label: str, function, note: str = ""):
        self.stdout.write(f"… {label}")
        self.stdout.flush()  # at once, in a log too
        start = time.perf_counter()
        result = function()
        self.steps.append((label, time.perf_counter() - start, note))
        return result

    def _import_units(self, provinces, *extra):
        for code in provinces:
            call_command("import_units", "--user", "bench", *(("--province", code) if code else ()), *extra,
                         stdout=io.StringIO(), stderr=self.stderr._out)

    def _build(self, provinces, per_commune: int) -> None:
        self._timed("import_units, the map of 2025-06-30", lambda: self._import_units(provinces, "--no-reform"))
        # Note: a commune the reform divided has no villages here: its villages would have to be
        # sent one by one to its successors, which the official mapping does not name (471, 4.7 %);
        # nor has one the mapping does not know (18, merged earlier in 2025: it closes with its
        # district, and its villages would have to be moved first).
        links = official_units.reform_mapping()
        divided = {link.old_code for link in links if link.divided}
        communes = list(AdministrativeUnit.objects.filter(level=Level.COMMUNE).active_on(BEFORE_REFORM)
                        .filter(code__in={link.old_code for link in links}).exclude(code__in=divided).order_by("code"))
        # One commune of 30 villages: the submission timed below.
        self.big_commune = communes[len(communes) // 2]
        rows = [{"name": f"Bản {n + 1}", "unit": commune, "valid_from": commune.valid_from,
                 "source_url": "https://example.org/bench"}
                for commune in communes for n in range(30 if commune == self.big_commune else per_commune)]
        villages = self._timed(f"{len(rows):,} villages (one bulk write)",
                               lambda: bulk.villages_create_many(by=self.user, rows=rows))
        self.cells = self._timed("cells (one bulk write)", lambda: self._cells(villages))
        quarters = [q for q in quarter_range(self.first, self.last) if q.end < REFORM_DAY]
        self.plan = self._plan(villages)
        def reports() -> int:
            with progress(self.stderr, "reports", unit="quarters", iterable=quarters) as bar:
                return sum(self._quarter(villages, quarter) for quarter in bar)

        with readmodel.deferred():
            count = self._timed(f"reports of {len(quarters)} quarters (bulk, figures derived at the end)", reports)
        self.steps[-1] = (self.steps[-1][0], self.steps[-1][1], f"{count:,} reports; derivation included")
        self._timed("import_units again: the 2025 reform (villages moved, figures kept)",
                    lambda: self._import_units(provinces))
        after = [q for q in quarter_range(self.first, self.last) if q.start >= REFORM_DAY]
        for quarter in after[:-1]:
            self._quarter(villages, quarter)
        if after:
            self._csv_quarter(villages, after[-1])
        self._goals()

    def _again(self) -> None:
        """The state an earlier run left: its user, its commune of 30 villages, its goals; then
        the quarter ``--last`` from CSV."""
        self.user = get_user_model().objects.filter(username="bench").first()
        if self.user is None:
            raise CommandError("No earlier run of the benchmark in this database: run it without --measure-only.")
        self.token = Token.objects.get(user=self.user).key
        self.big_commune = (AdministrativeUnit.objects.filter(level=Level.COMMUNE)
                            .annotate(villages=Count("village_placements")).order_by("-villages").first())
        villages = list(Village.objects.order_by("pk"))
        self.plan = self._plan(villages)
        with acting_as(self.user):
            if not Goal.objects.exists():
                self._goals()
            self._csv_quarter(villages, self.last)

    def _csv_quarter(self, villages: list[Village], quarter: Period) -> None:
        text = self._csv(villages, quarter)
        result = self._timed(f"a quarter from CSV ({quarter}), figures kept",
                             lambda: imports.reports_import(by=self.user, quarter=quarter,
                                                            rows=imports.read_csv(io.StringIO(text))))
        self.steps[-1] = (self.steps[-1][0], self.steps[-1][1],
                          f"{result['rows']:,} rows: {result['created']:,} created, {result['updated']:,} updated")

    def _cells(self, villages: list[Village]):
        rows = []
        for start in range(0, len(villages) - 1, 2):
            a, b = villages[start], villages[start + 1]
            draw = self.random.random()
            founded_on = max(filter(None, [a.valid_from, b.valid_from]), default=None)
            if draw < 0.1 and a.key.split("-")[0] == b.key.split("-")[0]:
                rows.append({"name": f"Chi bộ {a.name}–{b.name}", "villages": [a, b], "founded_on": founded_on})
            elif draw < 0.6:
                rows.append({"name": f"Chi bộ {a.name}", "villages": [a], "founded_on": a.valid_from})
        return bulk.cells_create_many(by=self.user, rows=rows)

    def _plan(self, villages: list[Village]) -> dict[int, dict]:
        """Each village's story: blank until some quarter (about one in ten in 2008), then members."""
        cell_of = {coverage.village_id: coverage.cell for coverage in CellCoverage.objects.select_related("cell")}
        # Blank villages resolved by 2019Q4, as in the source article (or within a year of a later start).
        resolved_by = max(Period.quarter(2019, 4).index, self.first.index + 4)
        plan = {}
        for village in villages:
            blank_until = self.first.index
            if self.random.random() < 0.1:
                blank_until = self.random.randint(self.first.index, resolved_by)
            plan[village.pk] = {"blank_until": blank_until, "members": self.random.randint(1, 6),
                                "cell": cell_of.get(village.pk)}
        return plan

    def _values(self, village: Village, quarter: Period) -> dict | None:
        story = self.plan[village.pk]
        if village.valid_from and quarter.end < village.valid_from:
            return None  # not there yet
        if quarter.index > self.first.index and self.random.random() < 0.2:
            return None  # no report: the last one is carried forward
        if quarter.index < story["blank_until"]:
            return {"full_members": 0, "probationary_members": 0, "admissions": 0, "cell": None}
        story["members"] += self.random.choice((0, 0, 0, 1))
        probationary = self.random.choice((0, 1, 1, 2))
        admissions = self.random.choice((None, 0, probationary))  # new members begin as probationary
        return {"full_members": story["members"], "probationary_members": probationary, "admissions": admissions,
                "cell": story["cell"]}

    def _quarter(self, villages: list[Village], quarter: Period) -> int:
        rows = [(f"reports.{n}", village, values) for n, village in enumerate(villages)
                if (values := self._values(village, quarter)) is not None]
        with transaction.atomic():  # one quarter, all or nothing, in parts a statement can name
            for start in range(0, len(rows), imports.CHUNK):
                reports.write_rows(by=self.user, quarter=quarter, rows=rows[start:start + imports.CHUNK])
        return len(rows)

    def _csv(self, villages: list[Village], quarter: Period) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["village_key", "full_members", "probationary_members", "admissions", "cell"])
        for village in villages:
            values = self._values(village, quarter)
            if values is not None:
                writer.writerow([village.key, values["full_members"], values["probationary_members"],
                                 "" if values["admissions"] is None else values["admissions"],
                                 values["cell"].pk if values["cell"] else ""])
        return out.getvalue()

    def _goals(self) -> None:
        tops = AdministrativeUnit.objects.filter(level__lte=Level.PROVINCE).active_on(BEFORE_REFORM).order_by("level", "code")
        deadline = Period.parse("2019Q4") if self.first.year < 2019 else self.last
        for unit in tops:
            services.goal_save(by=self.user, goal=Goal(
                unit=unit, title=f"No blank village in {unit.name}", metric=GoalMetric.BLANK_VILLAGES,
                baseline_period=Period.parse(str(self.first.year)), deadline=deadline,
                set_by="Benchmark", source_url="https://example.org/bench"))

    # -------------------------------------------------------------------------------------

    def _unit(self, level: int) -> AdministrativeUnit | None:
        day = self.last.end
        path = self.big_commune.path_on(BEFORE_REFORM)
        for unit in AdministrativeUnit.objects.filter(level=level).active_on(BEFORE_REFORM):
            if path.startswith(unit.path_on(BEFORE_REFORM) or "-"):
                return unit
        return AdministrativeUnit.objects.filter(level=level).active_on(day).first()

    def _measure(self, repeat: int) -> None:
        client = Client(HTTP_AUTHORIZATION=f"Token {self.token}")
        quarter = "2019Q2"
        self.rows: list[tuple] = []
        # Pages name their static files without a manifest: the bench runs without collectstatic.
        static = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        with override_settings(ROOT_URLCONF=__name__, DEBUG=False, ALLOWED_HOSTS=["*"], STORAGES=static):
            self._time_request(client, "floor: bare DRF view, same authentication", "/bench/bare/", repeat)
            self._time_sql(repeat)
            for level in sorted(Level.values, reverse=True):
                unit = self._unit(level)
                if unit is not None:
                    self._time_request(client, f"figures, one quarter: {Level(level).name.lower()} {unit.code}",
                                       f"/api/v1/units/{unit.code}/progress/?period={quarter}", repeat, "≤ 20 ms, ≤ 2× bare")
            top = self._unit(min(Level.values))
            self._time_request(client, f"timeline {self.first}–{BEFORE_REFORM.year}Q2 of {top.code}",
                               f"/api/v1/units/{top.code}/progress/timeline/?from={self.first}&to=2025Q2", repeat, "≤ 100 ms")
            goal = Goal.objects.order_by("pk").first()
            self._time_request(client, "a goal's progress", f"/api/v1/goals/{goal.pk}/progress/", repeat, "≤ 50 ms")
            self._time_request(client, "the goal list (one page)", "/api/v1/goals/", repeat, "≤ 200 ms")
            province = self._unit(Level.PROVINCE)
            self._time_request(client, f"blank villages of {province.code} (one page)",
                               f"/api/v1/units/{province.code}/blank-villages/?period=2010Q4", repeat, "≤ 100 ms")
            staff = Client()
            staff.force_login(self.user)
            self._time_request(staff, f"the dashboard of {province.code} (admin page)",
                               f"/admin/dashboard/{province.code}/?quarter={quarter}", repeat, "≤ 300 ms")
            self._time_submission(client, repeat)

    def _time_request(self, client: Client, label: str, url: str, repeat: int, target: str = "") -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url}: {response.status_code} {response.content[:500]!r}")
        with _Counter() as queries:
            client.get(url)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - start)
        self.rows.append((label, *_percentiles(times), queries.count, target))

    def _time_sql(self, repeat: int) -> None:
        unit_id = AdministrativeUnit.objects.values_list("pk", flat=True).first()
        times = []
        with connection.cursor() as cursor:
            for _ in range(repeat):
                start = time.perf_counter()
                cursor.execute("SELECT id, code, name FROM tracking_administrativeunit WHERE id = %s", [unit_id])
                cursor.fetchone()
                times.append(time.perf_counter() - start)
        self.rows.append(("floor: one-row SQL read", *_percentiles(times), 1, ""))

    def _time_submission(self, client: Client, repeat: int) -> None:
        commune = self.big_commune
        quarter = self.last
        villages = list(Village.objects.within(commune, BEFORE_REFORM).order_by("pk")[:30])
        # The commune of 30 villages on the quarter's map (after the reform, the commune it joined).
        unit = villages[0].unit_on(quarter.end)
        times, queries = [], 0
        for n in range(repeat + 1):
            body = {"reports": [{"village": v.pk, "full_members": 5 + (n % 2), "probationary_members": 1} for v in villages]}
            start = time.perf_counter()
            with _Counter() as captured:
                response = client.put(f"/api/v1/units/{unit.code}/reports/{quarter}/", json.dumps(body),
                                      content_type="application/json")
            if response.status_code != 200:
                raise CommandError(f"submission: {response.status_code} {response.content[:500]!r}")
            if n:
                times.append(time.perf_counter() - start)
            queries = captured.count
        self.rows.append((f"a commune's submission of {len(villages)} villages, figures kept", *_percentiles(times),
                          queries, "≤ 50 ms"))

    def _verify(self) -> None:
        def verify() -> list[str]:
            with progress(self.stderr, "figures --verify", unit="villages", total=Village.objects.count()) as bar:
                return readmodel.verify(progress=bar.update)

        problems = self._timed("figures --verify over the whole dataset", verify)
        self.steps[-1] = (self.steps[-1][0], self.steps[-1][1], f"{len(problems)} differences")
        if problems:
            for problem in problems[:20]:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} stored figures differ from their derivation.")

    def _print(self) -> None:
        bare = self.rows[0][1]
        villages = Village.objects.count()
        self.stdout.write(f"\n{villages:,} villages, {connection.vendor}, {datetime.date.today()}\n")
        self.stdout.write("| request | p50 ms | p95 ms | × bare | queries | target |")
        self.stdout.write("|---|---:|---:|---:|---:|---|")
        for label, p50, p95, queries, target in self.rows:
            self.stdout.write(f"| {label} | {p50:.1f} | {p95:.1f} | {p50 / bare:.1f} | {queries} | {target} |")
        self.stdout.write("\n| step | seconds | |")
        self.stdout.write("|---|---:|---|")
        for label, seconds, note in self.steps:
            self.stdout.write(f"| {label} | {seconds:.1f} | {note} |")
