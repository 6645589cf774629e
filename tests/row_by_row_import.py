"""The import of the official units as it was before it wrote in bulk: every unit, placement and
event through the services, one at a time (``manage.py import_units`` until the bulk import of
``tracking.services.official`` replaced it). Kept as the oracle the bulk import must agree with:
run it as ``call_command(Command(), "--province", "11", "--user", name)``. With the nation as
the root of the map, it records the nation first if missing and places the provinces under it,
as the command did then."""
from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import models, transaction
from tqdm import tqdm

from tracking import official_units, services
from tracking.management.commands import import_units
from tracking.management.commands._common import acting_as, acting_user
from tracking.models import (
    AdministrativeUnit,
    Level,
    Reorganisation,
    ReorganisationKind,
    UnitPlacement,
)
from tracking.services import reorganisations
from tracking.services.official import (
    AFTER_SOURCE,
    BEFORE_SOURCE,
    LEVELS,
    REFORM_DAY,
    REFORM_SOURCES,
    _history,
)


class Command(import_units.Command):
    """The command's arguments; its work as it was."""

    def handle(self, *args, province=None, no_reform=False, user=None, **options):
        user = acting_user(user)
        # Note: the official lists add, change and close provinces themselves: superusers only.
        if not user.is_superuser:
            raise CommandError(f"{user.get_username()} is not a superuser: only a superuser imports the official units.")
        self.by = user
        with acting_as(user):
            self._import(province, no_reform)

    def _import(self, province, no_reform):
        new_of_old = {link.old_province_code: link.new_province_codes[0] for link in official_units.reform_mapping()}
        if province is not None:
            if not province.isdigit():
                raise CommandError(f"{province!r} is not a province code: write its official code, e.g. 11.")
            code = official_units.province_key(province)
            if code not in new_of_old:
                raise CommandError(f"No province has the code {province!r} in the official list.")
            # Provinces merged in 2025 are imported together: the reform moves communes between them.
            olds = sorted(old for old, new in new_of_old.items() if new == new_of_old[code])
            if len(olds) > 1:
                self.stdout.write(f"Province {code} was merged with {', '.join(o for o in olds if o != code)} in 2025: importing them together.")
        else:
            olds = sorted(new_of_old)
        counts: Counter = Counter()
        # The root the provinces sit under: recorded on the first import (the fixtures bring it).
        if not AdministrativeUnit.objects.nation().exists():
            self.stdout.write("Recording the nation, the root of the map.")
        self.nation = services.nation_ensure(by=self.by)
        for code in olds:
            self._atomic(code, self._province, code, counts)
        if not no_reform:
            for new in sorted({new_of_old[old] for old in olds}):
                group = [old for old in olds if new_of_old[old] == new]
                self._atomic(new, self._reform, new, group, counts)
        self.stdout.write(self.style.SUCCESS(
            "Units created: {created}, already there: {unchanged}, differing from the official list: {differs}; "
            "events recorded: {events}, already recorded: {events_unchanged}; "
            "communes closed without a successor in the mapping: {closed}.".format_map(defaultdict(int, counts))
        ))

    def _atomic(self, code, step, *args) -> None:
        try:
            with transaction.atomic():
                step(*args)
        except ValidationError as error:
            raise CommandError(f"Province {code}: {' '.join(error.messages)} (nothing of this step imported)") from error

    # -------------------------------------------------------------------------------------

    def _province(self, code: str, counts: Counter) -> None:
        units = official_units.units_before_reform(code)
        history = _history(code)
        first_parent = {t["unit"]: t["from"] for t in history["transfers"]}
        starts = {code: datetime.date.fromisoformat(day) for code, day in history.get("starts", {}).items()}
        by_code: dict[str, AdministrativeUnit] = {}
        for record in tqdm(units, desc=f"province {code}: units of 2025-06-30", unit="unit", disable=None):
            parent_code = first_parent.get(record.code, record.parent_code)
            parent = by_code.get(parent_code) if parent_code else self.nation
            by_code[record.code] = self._ensure(record, parent, counts, starts.get(record.code))
        for extra in history.get("extra_units", []):
            # Units of earlier years that the 2025-06-30 list no longer has (Tà Lèng, until 2020).
            record = official_units.AdminUnit(code=extra["code"], name=extra["name"], kind=extra["kind"], level=extra["level"],
                                              parent_code=extra["parent"], full_name=extra["full_name"], province_code=code)
            self._ensure(record, by_code[extra["parent"]], counts, note=extra["note"])
        for split in history.get("splits", []):
            self._split(split, counts)
        for merge in history.get("merges", []):
            self._merge(merge, counts)
        for transfer in history["transfers"]:
            self._transfer(transfer, counts)

    def _ensure(self, record, parent: AdministrativeUnit | None, counts: Counter, start: datetime.date | None = None,
                note: str = "") -> AdministrativeUnit:
        """The unit of ``record``: the one already there (left as it is), or a new one."""
        day = REFORM_DAY - datetime.timedelta(days=1)
        existing = self._unit(record.code, LEVELS[record.level])
        if existing is not None:
            # Note: the name and kind of a unit the 2025 reform kept (under its code) are those it
            # took then; only its place on 2025-06-30 can be compared.
            reformed = Reorganisation.objects.filter(effective_on__gte=REFORM_DAY).filter(
                models.Q(subject=existing) | models.Q(successors=existing)).exists()
            differs = not reformed and (existing.name != record.name or existing.kind != record.kind)
            placed = existing.placements.active_on(day).first() or existing.placements.order_by(models.F("valid_from").asc(nulls_first=True)).first()
            if parent is not None and placed is not None and placed.parent_id != parent.pk and not self._moved_later(existing, parent):
                differs = True
            counts["differs" if differs else "unchanged"] += 1
            if differs:
                self.stderr.write(f"Kept as it is, differs from the official list: {existing} ({record.full_name})")
            return existing
        # Note: a unit under a parent that began later (Nậm Pồ's communes, 2012) begins with it:
        # where it sat before is not in the official list.
        start = start or (parent.valid_from if parent is not None else None)
        counts["created"] += 1
        return services.unit_create(by=self.by,
            code=record.code, name=record.name, kind=record.kind, level=LEVELS[record.level], parent=parent,
            valid_from=start, source_url="" if note else BEFORE_SOURCE,
            note=note or f"Official list of 2025-06-30 ({record.full_name})."
            + (f" Where it sat before {start} is not recorded." if start else ""),
        )

    @staticmethod
    def _moved_later(unit: AdministrativeUnit, first_parent: AdministrativeUnit) -> bool:
        return UnitPlacement.objects.filter(unit=unit, parent=first_parent).exists()

    @staticmethod
    def _once(counts: Counter, kind: str, on: datetime.date, recorded: models.Q, record) -> None:
        """Record a history event unless an event of that kind and day already says it."""
        if Reorganisation.objects.filter(recorded, kind=kind, effective_on=on).exists():
            counts["events_unchanged"] += 1
            return
        record()
        counts["events"] += 1

    @staticmethod
    def _sources(entry: dict) -> dict:
        return {name: entry.get(name, "") for name in ("source_url", "source_location", "note")}

    def _split(self, split: dict, counts: Counter) -> None:
        unit, on = self._unit(split["unit"], Level.DISTRICT), datetime.date.fromisoformat(split["on"])
        after = [AdministrativeUnit.objects.with_code(code).first() for code in split["into"]]
        self._once(counts, ReorganisationKind.SPLIT, on, models.Q(predecessors=unit), lambda: reorganisations.lineage_record(by=self.by,
            kind=ReorganisationKind.SPLIT, on=on, before=[unit], after=after, description=split["description"],
            **self._sources(split)))

    def _merge(self, merge: dict, counts: Counter) -> None:
        units, on = [self._unit(code, Level.COMMUNE) for code in merge["units"]], datetime.date.fromisoformat(merge["on"])
        self._once(counts, ReorganisationKind.MERGE, on, models.Q(predecessors=units[0]), lambda: reorganisations.units_merge(by=self.by,
            units=units, on=on, into=self._unit(merge["into"], Level.COMMUNE), **self._sources(merge)))

    def _transfer(self, transfer: dict, counts: Counter) -> None:
        unit, on = AdministrativeUnit.objects.with_code(transfer["unit"]).first(), datetime.date.fromisoformat(transfer["on"])
        parent = AdministrativeUnit.objects.with_code(transfer["to"]).first()
        self._once(counts, ReorganisationKind.TRANSFER, on, models.Q(subject=unit), lambda: reorganisations.unit_transfer(by=self.by,
            unit=unit, parent=parent, on=on, **self._sources(transfer)))

    def _reform(self, new_code: str, old_codes: list[str], counts: Counter) -> None:
        """The reform for one province of 2025-07-01 and the provinces of 2025-06-30 that formed it."""
        olds = [self._unit(code, Level.PROVINCE) for code in old_codes]
        if Reorganisation.objects.filter(kind=ReorganisationKind.ABOLISH_LEVEL, effective_on=REFORM_DAY, successors=olds[0]).exists():
            counts["events_unchanged"] += 1
            return
        sources = REFORM_SOURCES
        mapped = {link.old_code for code in old_codes for link in official_units.reform_mapping(code)}
        for province in olds:
            # Note: a commune the mapping does not know (merged earlier in 2025) has no successor:
            # it ends with its district, before the districts go.
            communes = AdministrativeUnit.objects.within(province, REFORM_DAY).filter(level=Level.COMMUNE)
            for commune in communes.exclude(code__in=mapped):
                services.unit_update(by=self.by, unit=commune, valid_to=REFORM_DAY)
                counts["closed"] += 1
            reorganisations.level_abolish(by=self.by, province=province, level=Level.DISTRICT, on=REFORM_DAY, villages_up=True, **sources)
            counts["events"] += 1
        province = self._successor([p for p in olds], new_code, Level.PROVINCE, self.nation, sources, counts)
        predecessors: dict[str, list[str]] = defaultdict(list)
        for link in (link for code in old_codes for link in official_units.reform_mapping(code)):
            if link.divided:
                # Note: a divided commune's villages would have to be sent one by one; the
                # official mapping gives only its default successor.
                if AdministrativeUnit.objects.with_code(link.old_code).first().village_placements.exists():
                    raise ValidationError(f"Commune {link.old_code} was divided in 2025: place its villages first.")
            target = link.default_new_code or link.new_codes[0]
            predecessors[target].append(link.old_code)
        pending = [record for record in official_units.units_after_reform(new_code) if record.level == "commune"]
        with tqdm(total=len(pending), desc=f"province {new_code}: communes of 2025-07-01", unit="unit", disable=None) as bar:
            while pending:
                deferred = []
                for record in pending:
                    olds = [self._unit(old, Level.COMMUNE) for old in sorted(predecessors[record.code])]
                    olds = [unit for unit in olds if unit.placements.active_on(REFORM_DAY).exists()]
                    # A new commune may take the code of an old one that goes elsewhere: wait
                    # until that one is merged away.
                    holder = self._unit(record.code, Level.COMMUNE)
                    if holder is not None and holder.valid_to is None and holder not in olds:
                        deferred.append(record)
                        continue
                    self._successor(olds, record, Level.COMMUNE, province, sources, counts)
                    bar.update()
                if len(deferred) == len(pending):
                    # Codes passed round in a circle (A's code to B's successor, B's to A's): end the
                    # holders' validity first, so each code is free on the day; their merges follow.
                    holders = [self._unit(record.code, Level.COMMUNE) for record in deferred]
                    AdministrativeUnit.objects.filter(pk__in=[h.pk for h in holders]).update(valid_to=REFORM_DAY)
                pending = deferred

    @staticmethod
    def _unit(code: str, level: int, day: datetime.date = REFORM_DAY - datetime.timedelta(days=1)) -> AdministrativeUnit:
        """The unit with ``code`` on ``day`` (default: the last day before the reform), else the latest."""
        units = AdministrativeUnit.objects.with_code(code).filter(level=level)
        return units.active_on(day).first() or units.first()

    def _successor(self, olds, record, level, parent, sources, counts) -> AdministrativeUnit:
        """The unit of 2025-07-01 for ``record``: one of ``olds`` keeping its code (the others merged
        into it, its name and kind updated), or a new unit they merge into."""
        if isinstance(record, str):  # a province: its record is in the list of 2025-07-01
            record = next(u for u in official_units.units_after_reform(record) if u.level == "province")
        keeps_code = next((unit for unit in olds if unit.code == record.code), None)
        if keeps_code is not None:
            if len(olds) > 1:
                reorganisations.units_merge(by=self.by, units=olds, on=REFORM_DAY, into=keeps_code, **sources)
                counts["events"] += 1
            if keeps_code.kind != record.kind:
                services.unit_update(by=self.by, unit=keeps_code, kind=record.kind)
            if keeps_code.name != record.name:
                reorganisations.unit_rename(by=self.by, unit=keeps_code, name=record.name, on=REFORM_DAY, **sources)
                counts["events"] += 1
            return keeps_code
        counts["events"] += 1
        if olds:
            event = reorganisations.units_merge(by=self.by, units=olds, on=REFORM_DAY, new={
                "code": record.code, "name": record.name, "kind": record.kind, "parent": parent,
            }, **sources)
            return event.successors.get()
        return reorganisations.unit_establish(by=self.by, on=REFORM_DAY, code=record.code, name=record.name, kind=record.kind,
                                              level=level, parent=parent, source_url=AFTER_SOURCE)
