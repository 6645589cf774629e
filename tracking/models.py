"""Tables of the tracker: the time-aware map, villages, party organisations, reports, goals.

The map changes with time (units are created, split, moved, abolished), so *where* a unit or a
village sits is not a column of the unit or the village but a dated placement row carrying the
path of unit codes above it (``/11/100/03317/``). "The villages under U on day D" is one prefix
match on that indexed path, restricted to the rows valid on D. A reorganisation closes rows and
opens new ones; it never edits the past.

Validity ranges are half-open, ``[valid_from, valid_to)``; an empty ``valid_from`` means "since
before our records begin", an empty ``valid_to`` means "still valid".
"""
from __future__ import annotations

import contextvars
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import querysets
from .choices import (  # noqa: F401  (the closed sets are part of the models' vocabulary)
    CODE_DIGITS,
    KIND_WORDS,
    KINDS_BY_LEVEL,
    NATION_CODE,
    NATION_NAME,
    UNIT_CODE_REGEX,
    GoalMetric,
    Level,
    ReportedMetric,
    UnitKind,
    VillageStatus,
)
from .fields import FoldedField, NameField, PeriodField, QuarterField
from .periods import Period, check_day

unit_code_validator = RegexValidator(
    rf"^({UNIT_CODE_REGEX})$",
    _("An official unit code is 2 to 5 digits, as the statistics office writes it (the nation's: VN)."),
)


class AuditPath(models.TextChoices):
    ADMIN = "admin", _("admin")
    API = "api", _("API")
    COMMAND = "command", _("command")
    WEB = "web", _("other web request")


class Audited(models.Model):
    """Base of the audit trail's rows: through which path the change came."""

    history_path = models.CharField(_("through"), max_length=10, choices=AuditPath.choices, default=AuditPath.COMMAND)

    class Meta:
        abstract = True

    @property
    def through(self) -> str:
        """The path, as the admin's history pages show it (their column is named after this)."""
        return self.get_history_path_display()


# The user a management command acts for (``--user``), when there is no request.
acting_user: contextvars.ContextVar = contextvars.ContextVar("tracking_acting_user", default=None)


def _history_user(request=None, **kwargs):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return acting_user.get()


def audit_trail(*, excluded: tuple[str, ...] = ()) -> HistoricalRecords:
    """Who changed a row, when, through which path, and its values after the change (not the
    ``excluded`` fields, derived from others: a name's folded form)."""
    return HistoricalRecords(bases=[Audited], cascade_delete_history=False, get_user=_history_user,
                             excluded_fields=list(excluded))


class Sourced(models.Model):
    """Where a record's facts come from."""

    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    source_location = models.CharField(
        _("where in the source"), max_length=200, blank=True, help_text=_("e.g. paragraph 4")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True


class Dated(models.Model):
    """A validity range [valid_from, valid_to); empty ends are open."""

    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("Empty: since before the records begin."),
        validators=[check_day],
    )
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("First day no longer valid. Empty: still valid."),
        validators=[check_day],
    )

    class Meta:
        abstract = True

    @classmethod
    def range_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
            name=name,
            violation_error_message=_("The end of the validity range must come after its start."),
        )

    def validity_text(self) -> str:
        start = self.valid_from.isoformat() if self.valid_from else "…"
        end = self.valid_to.isoformat() if self.valid_to else "…"
        return f"[{start}, {end})"

    def last_day(self, today: datetime.date | None = None) -> datetime.date:
        """Today while the range holds, else its last day (or its first, if it starts later)."""
        from django.utils import timezone

        today = today or timezone.localdate()
        if self.valid_to is not None and self.valid_to <= today:
            return self.valid_to - datetime.timedelta(days=1)
        if self.valid_from is not None and self.valid_from > today:
            return self.valid_from
        return today

    def is_active_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )

    def overlaps(self, start: datetime.date | None, end: datetime.date | None) -> bool:
        """Whether [valid_from, valid_to) meets [start, end); ``None`` ends are open."""
        return (end is None or self.valid_from is None or self.valid_from < end) and (
            start is None or self.valid_to is None or self.valid_to > start
        )

    def covers_range(self, start: datetime.date | None, end: datetime.date | None) -> bool:
        """Whether [valid_from, valid_to) holds all of [start, end); ``None`` ends are open."""
        return (self.valid_from is None or (start is not None and self.valid_from <= start)) and (
            self.valid_to is None or (end is not None and end <= self.valid_to)
        )


class Founded(models.Model):
    """A party organisation's life: founded, and perhaps dissolved, on given days."""

    founded_on = models.DateField(_("founded on"), null=True, blank=True, validators=[check_day])
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True, validators=[check_day])

    class Meta:
        abstract = True

    @classmethod
    def dates_constraint(cls, name: str, message) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(founded_on__isnull=True) | Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=F("founded_on")),
            name=name,
            violation_error_message=message,
        )


class AdministrativeUnit(Sourced, Dated):
    """The nation, a province, district or commune, with its official code. Where it sits:
    ``placements``.

    The nation (level 0, code VN) is the root of every map: its one placement has the path ``/``
    and no parent, and every province sits under it, so a province's path (``/11/``) starts with
    the nation's and everything under ``/`` is the country's.
    """

    code = models.CharField(_("official code"), max_length=5, validators=[unit_code_validator])
    name = NameField(_("name"), max_length=200)
    name_folded = FoldedField(source="name")  # for search without accents
    kind = models.CharField(_("kind"), max_length=10, choices=UnitKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)

    history = audit_trail(excluded=("name_folded",))
    objects = querysets.UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_code_unique_per_start"),
            models.UniqueConstraint(
                fields=["level"], condition=Q(level=Level.NATION), name="one_nation",
                violation_error_message=_("There is one nation: it is already recorded."),
            ),
            Dated.range_constraint("unit_valid_range"),
        ]

    def __str__(self) -> str:
        # "huyện Điện Biên (100)" and "tỉnh Điện Biên (11)" share a name: the kind tells them apart.
        return self.label_on(None, self.name)

    def label_on(self, day: datetime.date | None, name: str | None = None) -> str:
        """"xã Thanh Luông (03328)": the unit as a record of ``day`` names it (``name_on``)."""
        return f"{KIND_WORDS.get(self.kind, '')} {name_on(self, day) if name is None else name} ({self.code})".strip()

    def clean(self) -> None:
        errors = {}
        # Note: the nation's level is 0: "no level given" is None, not falsy.
        if self.level is not None and self.kind and self.kind not in KINDS_BY_LEVEL[Level(self.level)]:
            errors["kind"] = _("A %(level)s cannot be of this kind.") % {"level": Level(self.level).label}
        digits = CODE_DIGITS.get(self.level)
        if digits and self.code and len(self.code) != digits:
            errors["code"] = _("The official code of a %(level)s has %(digits)s digits.") % {
                "level": Level(self.level).label, "digits": digits,
            }
        nation = self.level == Level.NATION
        if self.code and (self.code == NATION_CODE) != nation:
            errors["code"] = (_("The nation's code is %(code)s.") if nation else
                              _("%(code)s is the nation's code.")) % {"code": NATION_CODE}
        if nation and (self.valid_from or self.valid_to):
            errors["valid_from"] = _("The nation is the root of every map: it has no start or end date.")
        if errors:
            raise ValidationError(errors)

    def path_segment(self) -> str:
        """This unit's step in placement paths: its code, or, for a later unit that reuses a code
        (a commune of 2025 taking a predecessor's code), the code and its start day."""
        reused = AdministrativeUnit.objects.filter(code=self.code).exclude(pk=self.pk)
        if self.valid_from and reused.filter(models.Q(valid_from__isnull=True) | models.Q(valid_from__lt=self.valid_from)).exists():
            return f"{self.code}@{self.valid_from:%Y%m%d}"
        return self.code

    def placement_on(self, day: datetime.date) -> UnitPlacement | None:
        return self.placements.active_on(day).select_related("parent").first()

    def path_on(self, day: datetime.date) -> str | None:
        """The path of codes down to this unit in the map of ``day``, or None if not on it."""
        return self.placements.active_on(day).values_list("path", flat=True).first()

    def parent_on(self, day: datetime.date) -> AdministrativeUnit | None:
        placement = self.placement_on(day)
        return placement.parent if placement else None


# The attribute where a unit keeps its renamings once read (``with_names``, ``names_prefetch``):
# the ``Reorganisation`` rows of kind ``rename`` whose subject it is, in date order.
RENAMINGS = "_renamings"


def name_on(unit, day: datetime.date | None = None) -> str:
    """The name of ``unit`` (a unit, or any record with its ``pk`` and ``name``) on ``day``
    (default today).

    Names are dated as placements are: ``name`` is the last name the unit was given, and each
    renaming (a ``Reorganisation`` of kind ``rename``) keeps the name it replaced, so the name on
    a day is the former name kept by the first renaming after that day, or ``name`` if none
    comes after. The renamings are read once per unit: ``with_names`` reads them for many units
    in one query, ``names_prefetch`` with the query that loads them."""
    if day is None:
        from django.utils import timezone

        day = timezone.localdate()
    if not hasattr(unit, RENAMINGS):
        with_names([unit])
    for event in getattr(unit, RENAMINGS):
        if day < event.effective_on:
            return event.former_name
    return unit.name


def _renamings():
    return (Reorganisation.objects.filter(kind=ReorganisationKind.RENAME).order_by("effective_on", "id")
            .only("subject_id", "effective_on", "former_name"))


def names_prefetch(path: str = "") -> models.Prefetch:
    """``prefetch_related`` of the renamings of the units at ``path`` (``""``: the units
    themselves, ``"unit__"``: the records' units), for ``name_on``: one query."""
    return models.Prefetch(f"{path}reorganisations_as_subject", queryset=_renamings(), to_attr=RENAMINGS)


def with_names(units):
    """Read the renamings of ``units`` (any iterable of units, several objects of one unit
    allowed) in one query, for ``name_on``; returns them as a list."""
    units = [unit for unit in units if unit is not None]
    pending = [unit for unit in units if not hasattr(unit, RENAMINGS)]
    if pending:
        renamings: dict[int, list] = {unit.pk: [] for unit in pending}
        for event in _renamings().filter(subject_id__any=list(renamings)):
            renamings[event.subject_id].append(event)
        for unit in pending:
            setattr(unit, RENAMINGS, renamings[unit.pk])
    return units


def forget_names(unit) -> None:
    """Drop the renamings ``with_names`` kept on ``unit`` (it has just been renamed)."""
    if hasattr(unit, RENAMINGS):
        delattr(unit, RENAMINGS)


def unit_ref(unit: AdministrativeUnit, day: datetime.date | None = None) -> dict:
    """A unit as other records refer to it: its code, its name on ``day`` (default today), its
    name today (the same unless renamed since) and its level word."""
    return {"code": unit.code, "name": name_on(unit, day), "current_name": name_on(unit), "level": Level(unit.level).word}


class UnitPlacement(Dated):
    """Where a unit sits in the tree during a period: its parent and the path of codes to it."""

    unit = models.ForeignKey(
        AdministrativeUnit, models.CASCADE, related_name="placements", verbose_name=_("unit")
    )
    parent = models.ForeignKey(
        AdministrativeUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="child_placements",
        verbose_name=_("parent unit"),
    )
    path = models.CharField(_("path"), max_length=100, editable=False)

    objects = querysets.PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit placement")
        verbose_name_plural = _("unit placements")
        ordering = ["unit", "valid_from"]
        indexes = [
            models.Index(fields=["path"], name="unit_placement_path", opclasses=["varchar_pattern_ops"])
        ]
        constraints = [Dated.range_constraint("unit_placement_valid_range")]

    def __str__(self) -> str:
        # Both units as they were called on the placement's last day.
        day = self.last_day()
        return f"{self.unit.label_on(day)} ⊂ {self.parent.label_on(day) if self.parent else '—'}"


class Village(Sourced, Dated):
    """A village (bản, thôn, tổ dân phố): the leaf the goal counts. Where it sits: ``placements``."""

    name = NameField(_("name"), max_length=200)
    name_folded = FoldedField(source="name")  # for search without accents
    # The statistics office gives villages no code: files name a village by this key, given once
    # when it is recorded (the code of its unit then, and a number) and never changed by a
    # rename or a change of the map.
    key = models.CharField(
        _("key"), max_length=20, unique=True, editable=False,
        help_text=_("The village's stable key in files, e.g. 03317-0002: its unit's code when it was recorded and a number."),
    )

    history = audit_trail(excluded=("name_folded",))
    objects = querysets.VillageQuerySet.as_manager()

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["name", "id"]
        constraints = [Dated.range_constraint("village_valid_range")]

    def __str__(self) -> str:
        return self.name

    def unit_on(self, day: datetime.date) -> AdministrativeUnit | None:
        placement = self.placements.active_on(day).select_related("unit").first()
        return placement.unit if placement else None


class VillagePlacement(Dated):
    """The unit a village belongs to during a period, with that unit's path."""

    village = models.ForeignKey(Village, models.CASCADE, related_name="placements", verbose_name=_("village"))
    unit = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, related_name="village_placements", verbose_name=_("unit")
    )
    path = models.CharField(_("path"), max_length=100, editable=False)

    objects = querysets.PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("village placement")
        verbose_name_plural = _("village placements")
        ordering = ["village", "valid_from"]
        indexes = [
            models.Index(fields=["path"], name="village_placement_path", opclasses=["varchar_pattern_ops"])
        ]
        constraints = [Dated.range_constraint("village_placement_valid_range")]

    def __str__(self) -> str:
        return f"{self.village} ⊂ {self.unit}"


class GrassrootsOrganisation(Sourced, Founded):
    """A grassroots party organisation (tổ chức cơ sở đảng), usually one per commune or agency."""

    name = NameField(_("name"), max_length=200)
    name_folded = FoldedField(source="name")  # for search without accents
    unit = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, related_name="organisations", verbose_name=_("unit")
    )

    history = audit_trail(excluded=("name_folded",))
    class Meta:
        verbose_name = _("grassroots party organisation")
        verbose_name_plural = _("grassroots party organisations")
        ordering = ["name"]
        constraints = [
            Founded.dates_constraint("organisation_dates_in_order", _("An organisation is dissolved after it is founded."))
        ]

    def __str__(self) -> str:
        return self.name


class PartyCell(Sourced, Founded):
    """A party cell (chi bộ). Which villages it serves, and when: ``coverage``.

    Serving one village makes it that village's own cell; several, a merged cell; none, an
    agency cell. The kind therefore depends on the date.
    """

    name = NameField(_("name"), max_length=200)
    name_folded = FoldedField(source="name")  # for search without accents
    organisation = models.ForeignKey(
        GrassrootsOrganisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cells",
        verbose_name=_("grassroots organisation"),
    )

    history = audit_trail(excluded=("name_folded",))
    class Meta:
        verbose_name = _("party cell")
        verbose_name_plural = _("party cells")
        ordering = ["name"]
        constraints = [Founded.dates_constraint("cell_dates_in_order", _("A cell is dissolved after it is founded."))]

    def __str__(self) -> str:
        return self.name

    def villages_served_on(self, day: datetime.date) -> list[int]:
        return list(self.coverage.active_on(day).values_list("village_id", flat=True))


class CellCoverage(Dated):
    """A cell serves a village during a period."""

    cell = models.ForeignKey(PartyCell, models.CASCADE, related_name="coverage", verbose_name=_("party cell"))
    village = models.ForeignKey(Village, models.CASCADE, related_name="cell_coverage", verbose_name=_("village"))

    objects = querysets.DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("village served by a cell")
        verbose_name_plural = _("villages served by cells")
        ordering = ["cell", "valid_from"]
        constraints = [Dated.range_constraint("cell_coverage_valid_range")]

    def __str__(self) -> str:
        return f"{self.cell} → {self.village}"


COUNT_FIELDS = ("full_members", "probationary_members", "admissions", "ethnic_minority_members", "candidates")
MAX_COUNT = 1_000_000  # a count no village reaches: a larger one is a typing error
MAX_NOTE = 5000  # characters of a note


class QuarterReport(Sourced):
    """What a commune or district committee reports for one village and one quarter.

    Either counts (full and probationary members at least) or, for historical facts where the
    source gives no count, only a status. Never both.
    """

    village = models.ForeignKey(Village, models.PROTECT, related_name="reports", verbose_name=_("village"))
    quarter = QuarterField(_("quarter"))
    full_members = models.PositiveIntegerField(_("full members"), null=True, blank=True)
    probationary_members = models.PositiveIntegerField(_("probationary members"), null=True, blank=True)
    admissions = models.PositiveIntegerField(
        _("admissions during the quarter"), null=True, blank=True
    )
    ethnic_minority_members = models.PositiveIntegerField(_("ethnic-minority members"), null=True, blank=True)
    candidates = models.PositiveIntegerField(
        _("candidates in preparation"), null=True, blank=True
    )
    status = models.CharField(
        _("status only"),
        max_length=20,
        choices=VillageStatus.choices,
        blank=True,
        default="",
        help_text=_("Only for a historical fact without counts: leave the counts empty."),
    )
    cell = models.ForeignKey(
        PartyCell,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("party cell"),
        help_text=_("The cell the village's members belong to: its own or a merged cell."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = audit_trail()
    objects = querysets.QuarterReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("quarterly village report")
        verbose_name_plural = _("quarterly village reports")
        ordering = ["-quarter", "village"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "quarter"],
                name="one_report_per_village_and_quarter",
                violation_error_message=_("This village already has a report for this quarter."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="", full_members__isnull=False, probationary_members__isnull=False)
                    | (
                        ~Q(status="")
                        & Q(
                            full_members__isnull=True,
                            probationary_members__isnull=True,
                            admissions__isnull=True,
                            ethnic_minority_members__isnull=True,
                            candidates__isnull=True,
                        )
                    )
                ),
                name="report_has_counts_or_status",
                violation_error_message=_(
                    "Give the full and probationary member counts, or only a status for a "
                    "historical fact without counts, not both."
                ),
            ),
            models.CheckConstraint(
                condition=Q(admissions__isnull=True) | Q(admissions__lte=F("probationary_members")),
                name="admissions_within_probationary",
                violation_error_message=_(
                    "Admissions during the quarter cannot exceed the probationary members: "
                    "every new member starts on probation."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ethnic_minority_members__isnull=True)
                | Q(ethnic_minority_members__lte=F("full_members") + F("probationary_members")),
                name="ethnic_minority_within_members",
                violation_error_message=_("Ethnic-minority members cannot exceed the members."),
            ),
            models.CheckConstraint(
                condition=Q(cell__isnull=True)
                | (~Q(status=VillageStatus.NO_MEMBER) & (~Q(status="") | Q(full_members__gt=0) | Q(probationary_members__gt=0))),
                name="blank_village_has_no_cell",
                violation_error_message=_("A village without a party member belongs to no cell."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.quarter}"

    def clean(self) -> None:
        """Every rule a report must keep, whichever path writes it (admin, API, command).

        A report describes the village as at the last day of its quarter: the village, its
        place on the map and its cell must all exist on that day.
        """
        errors: dict[str, list] = {}

        def error(field: str, message) -> None:
            errors.setdefault(field, []).append(message)

        counts = {name: getattr(self, name) for name in COUNT_FIELDS}
        if self.status:
            if any(value is not None for value in counts.values()):
                error("status", _("A status-only report holds no counts: clear the counts or the status."))
        else:
            for name in ("full_members", "probationary_members"):
                if counts[name] is None:
                    error(name, _("Give this count, or give only a status for a historical fact."))
        for name, value in counts.items():
            if value is not None and value < 0:
                error(name, _("A count cannot be negative."))
        if counts["admissions"] is not None and counts["probationary_members"] is not None:
            if counts["admissions"] > counts["probationary_members"]:
                error(
                    "admissions",
                    _(
                        "Admissions (%(admissions)s) cannot exceed the probationary members "
                        "(%(probationary)s): every new member starts on probation."
                    )
                    % {"admissions": counts["admissions"], "probationary": counts["probationary_members"]},
                )
        if self.members is not None and counts["ethnic_minority_members"] is not None:
            if counts["ethnic_minority_members"] > self.members:
                error(
                    "ethnic_minority_members",
                    _("Ethnic-minority members (%(ethnic)s) cannot exceed the members (%(members)s).")
                    % {"ethnic": counts["ethnic_minority_members"], "members": self.members},
                )
        blank = self.status == VillageStatus.NO_MEMBER or self.members == 0
        if blank and self.cell_id:
            error("cell", _("A village without a party member belongs to no cell."))

        if isinstance(self.quarter, Period) and self.village_id:
            self._clean_dates(error)
        if errors:
            raise ValidationError(errors)

    def _clean_dates(self, error) -> None:
        from django.utils import timezone

        day = self.quarter.end
        if self.quarter.start > timezone.localdate():
            error("quarter", _("%(quarter)s has not begun: no report for a future quarter.") % {"quarter": self.quarter})
            return
        village = self.village
        known = getattr(self, "_known_on_day", None)  # (placed, villages the cell serves), read in bulk
        if not village.is_active_on(day):
            error(
                "quarter",
                _("%(village)s does not exist on the last day of %(quarter)s (valid %(range)s).")
                % {"village": village, "quarter": self.quarter, "range": village.validity_text()},
            )
            return
        placed = known[0] if known else village.pk and village.placements.active_on(day).exists()
        if village.pk and not placed:
            error("quarter", _("%(village)s belongs to no unit in %(quarter)s.") % {"village": village, "quarter": self.quarter})
        if self.cell_id:
            served = known[1] if known else set(self.cell.villages_served_on(day))
            if village.pk not in served:
                error(
                    "cell",
                    _("%(cell)s does not serve %(village)s in %(quarter)s.")
                    % {"cell": self.cell, "village": village, "quarter": self.quarter},
                )
            elif self.status == VillageStatus.HAS_OWN_CELL and len(served) > 1:
                error(
                    "cell",
                    _("%(cell)s is a merged cell in %(quarter)s: it is not the village's own cell.")
                    % {"cell": self.cell, "quarter": self.quarter},
                )

    @property
    def members(self) -> int | None:
        if self.full_members is None or self.probationary_members is None:
            return None
        return self.full_members + self.probationary_members

    def clean_known(self, *, placed: bool, served: set[int]) -> None:
        """``full_clean`` for a write of many reports at once, which read what the rules need in
        bulk: whether the village is on the map on the quarter's last day, which villages the
        cell serves then; the village and cell are known to exist, and one report per village
        and quarter is the writer's to keep. The other constraints are the rules of ``clean``."""
        self._known_on_day = (placed, served)
        try:
            self.full_clean(exclude=["village", "cell"], validate_unique=False, validate_constraints=False)
        finally:
            del self._known_on_day


class ReportedFigure(Sourced):
    """A unit-level total from a cited document. Shown beside computed figures, never mixed in."""

    unit = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, related_name="reported_figures", verbose_name=_("unit")
    )
    combined_with = models.ManyToManyField(
        AdministrativeUnit,
        blank=True,
        related_name="combined_reported_figures",
        verbose_name=_("reported together with"),
        help_text=_("Other units the source counts in the same total."),
    )
    period = PeriodField(_("period"), help_text=_("When the figure holds: 2008, 2019Q2 or 2019-05."))
    since = PeriodField(
        _("counted since"),
        null=True,
        blank=True,
        help_text=_("For a change or a count of events: the period counting starts from."),
    )
    metric = models.CharField(_("metric"), max_length=40, choices=ReportedMetric.choices)
    value = models.PositiveIntegerField(_("value"))

    history = audit_trail()
    class Meta:
        verbose_name = _("reported figure")
        verbose_name_plural = _("reported figures")
        ordering = ["unit", "period", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period", "metric", "source_url"],
                name="one_reported_figure_per_source",
                violation_error_message=_("This source already gives this figure for this unit and period."),
            ),
        ]

    def __str__(self) -> str:
        return f"{name_on(self.unit, self.period.end)} {self.period}: {self.get_metric_display()} = {self.value}"

    def clean(self) -> None:
        errors = {}
        if not self.source_url:
            errors["source_url"] = _("A reported figure needs its source.")
        if self.since and self.period and self.period < self.since:
            errors["since"] = _("Counting starts before the period the figure holds for.")
        if errors:
            raise ValidationError(errors)


class Goal(Sourced):
    """A dated target set by a committee for its area: a metric that must reach zero."""

    unit = models.ForeignKey(AdministrativeUnit, models.PROTECT, related_name="goals", verbose_name=_("unit"))
    title = models.CharField(_("title"), max_length=300)
    metric = models.CharField(_("what must reach zero"), max_length=40, choices=GoalMetric.choices)
    baseline_period = PeriodField(
        _("baseline period"), null=True, blank=True, help_text=_("Empty when the source states none.")
    )
    deadline = PeriodField(
        _("deadline"), null=True, blank=True, help_text=_("Empty when the source states none.")
    )
    set_by = models.CharField(_("set by"), max_length=200, help_text=_("The committee that set the goal."))

    history = audit_trail()
    objects = querysets.GoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["unit", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.baseline_period and self.deadline and self.deadline < self.baseline_period:
            raise ValidationError({"deadline": _("The deadline comes after the baseline period.")})


class ReorganisationKind(models.TextChoices):
    CREATE = "create", _("creation")
    RENAME = "rename", _("renaming")
    SPLIT = "split", _("split")
    MERGE = "merge", _("merger")
    TRANSFER = "transfer", _("transfer to another parent")
    ABOLISH_LEVEL = "abolish_level", _("abolition of a level")


class Reorganisation(Sourced):
    """A dated change of the map, linking the units before it to the units after it.

    The placements it closed and opened carry the change itself; this row says what happened,
    when and on what authority, so that a reader can follow a unit's lineage.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ReorganisationKind.choices)
    effective_on = models.DateField(_("effective on"), validators=[check_day])
    subject = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, null=True, blank=True, related_name="reorganisations_as_subject",
        verbose_name=_("unit concerned"), help_text=_("The unit renamed or transferred."),
    )
    predecessors = models.ManyToManyField(
        AdministrativeUnit, blank=True, related_name="reorganisations_as_predecessor", verbose_name=_("units before")
    )
    successors = models.ManyToManyField(
        AdministrativeUnit, blank=True, related_name="reorganisations_as_successor", verbose_name=_("units after")
    )
    description = models.CharField(_("description"), max_length=500)
    former_name = NameField(
        _("former name"), max_length=200, blank=True,
        help_text=_("For a renaming: the name the unit had until that day."),
    )
    villages_moved = models.PositiveIntegerField(_("villages moved"), default=0)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reorganisation")
        verbose_name_plural = _("reorganisations")
        ordering = ["effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.get_kind_display()}: {self.description}"


# ---------------------------------------------------------------------------------------
# Who may see and change what


class Role(models.TextChoices):
    """What a user may do in the area of a unit. Each role includes the ones before it."""

    VIEWER = "viewer", _("viewer")
    EDITOR = "editor", _("editor")
    APPROVER = "approver", _("approver")


ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.APPROVER: 3}


class RoleGrant(models.Model):
    """A role of one user on one unit, covering everything placed under that unit.

    The area is computed from the unit's placements when it is used, never copied: a unit moved
    to another parent is then in the area of its new parent's users, and a role on a unit that
    moved keeps covering it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="role_grants", verbose_name=_("user")
    )
    unit = models.ForeignKey(AdministrativeUnit, models.PROTECT, related_name="role_grants", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    history = audit_trail()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["user", "unit", "role"]
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="one_grant_per_user_unit_role")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} — {self.unit}"


class ApprovalState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")


class QuarterApproval(models.Model):
    """Where one unit's quarter stands: draft → submitted → approved.

    No row means draft. While approved, the reports of the villages under the unit for that
    quarter cannot change; an approver of a unit above may reopen it, with a reason.
    """

    unit = models.ForeignKey(AdministrativeUnit, models.PROTECT, related_name="approvals", verbose_name=_("unit"))
    quarter = QuarterField(_("quarter"))
    state = models.CharField(_("state"), max_length=10, choices=ApprovalState.choices, default=ApprovalState.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    reason = models.CharField(
        _("reason"), max_length=500, blank=True,
        help_text=_("Why the quarter was last reopened or sent back."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = audit_trail()

    class Meta:
        verbose_name = _("quarter approval")
        verbose_name_plural = _("quarter approvals")
        ordering = ["-quarter", "unit"]
        constraints = [models.UniqueConstraint(fields=["unit", "quarter"], name="one_approval_per_unit_and_quarter")]

    def __str__(self) -> str:
        # The unit as it was called in that quarter (a renaming since does not relabel it).
        return f"{self.unit.label_on(self.quarter.end)} {self.quarter}: {self.get_state_display()}"


# ---------------------------------------------------------------------------------------
# Figures kept on write (``tracking.readmodel``): derived from the rows above, never edited by
# hand; ``manage.py figures --verify`` compares them with a recomputation, ``--rebuild`` makes
# them anew. Quarters are indexes (``year * 4 + quarter - 1``); units and villages are plain ids
# so that a deleted village's stored share can still be taken back.


class VillageFigureSpan(models.Model):
    """What a village adds to the figures of the units above it, for the quarters
    ``[first, end)`` (``end`` empty: from ``first`` on) in which nothing about it changes."""

    village_id = models.IntegerField()
    first = models.IntegerField()
    end = models.IntegerField(null=True)
    path = models.CharField(max_length=100, null=True)
    units = models.TextField(default="")  # ids of the units above it on each quarter's map
    units_today = models.TextField(default="")  # ids of the units above it on today's map
    situation = models.CharField(max_length=1)
    members = models.IntegerField(null=True)
    status = models.CharField(max_length=20, default="")
    cell_id = models.IntegerField(null=True)
    report_quarter = models.IntegerField(null=True)
    admissions = models.IntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["village_id", "first"], name="village_span_village"),
            # A write's first read: the spans of its villages still open at a quarter (``end`` null
            # or later), without reading their history.
            models.Index(fields=["village_id", "end"], name="village_span_village_end"),
            models.Index(fields=["cell_id"], name="village_span_cell"),
            # The villages of one situation under a path (the blank villages of a province).
            models.Index(fields=["situation", "path"], name="village_span_situation_path",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]),
        ]


class CellFigureSpan(models.Model):
    """The units a merged cell counts in (``merged_cells``) for the quarters ``[first, end)``."""

    cell_id = models.IntegerField()
    first = models.IntegerField()
    end = models.IntegerField(null=True)
    units = models.TextField(default="")
    units_today = models.TextField(default="")

    class Meta:
        indexes = [models.Index(fields=["cell_id", "first"], name="cell_span_cell")]


class UnitFigureDelta(models.Model):
    """How a unit's figures change at ``quarter`` (``d_*``, summed over the quarters up to a
    quarter give its figures then) and what happened in that quarter alone (the flows), on the
    map of each quarter (``mode`` 0) or on today's map (``mode`` 1)."""

    unit_id = models.IntegerField()
    mode = models.SmallIntegerField()
    quarter = models.IntegerField()
    d_villages = models.IntegerField(default=0)
    d_reported = models.IntegerField(default=0)
    d_blank = models.IntegerField(default=0)
    d_own_cell = models.IntegerField(default=0)
    d_merged = models.IntegerField(default=0)
    d_members = models.BigIntegerField(default=0)
    d_counted = models.IntegerField(default=0)
    d_status_only = models.IntegerField(default=0)
    d_merged_cells = models.IntegerField(default=0)
    reports_here = models.IntegerField(default=0)
    admissions = models.BigIntegerField(default=0)
    admissions_known = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "mode", "quarter"], name="one_delta_per_unit_mode_quarter")]


class FigureState(models.Model):
    """One row: the day whose map the ``today`` figures were derived on, and the next day on
    which that map changes (a dated change entered in advance)."""

    day = models.DateField(null=True)
    next_change = models.DateField(null=True)


# Derived from the rows above (``tracking.readmodel``): not edited anywhere, not in the admin.
DERIVED_MODELS = (VillageFigureSpan, CellFigureSpan, UnitFigureDelta, FigureState)
