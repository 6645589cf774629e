"""Reporting periods: a year (``2008``), a quarter (``2019Q2``) or a month (``2019-05``).

Quarters are the unit of reporting. Internally a quarter is one integer, its *index*
(``year * 4 + quarter - 1``), so ordering, ranges and "the last four quarters" are integer
comparisons; the text form is parsed and printed only at the edges.

A figure stated for a year or a month is read as of the last quarter that period touches:
"134 blank villages in 2008" counts at 2008Q4, "no blank village in May 2019" at 2019Q2.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cached_property, total_ordering

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

YEAR, QUARTER, MONTH = "year", "quarter", "month"
MIN_YEAR, MAX_YEAR = 1945, 2100
# The text forms, years MIN_YEAR to MAX_YEAR only (the API schema gives these patterns).
_YEARS = r"(194[5-9]|19[5-9][0-9]|20[0-9][0-9]|2100)"
PATTERN = rf"^{_YEARS}(Q[1-4]|-(0[1-9]|1[0-2]))?$"
QUARTER_PATTERN = rf"^{_YEARS}Q[1-4]$"
# Days are bounded as periods are: a founding day, a map change, a validity range.
FIRST_DAY, LAST_DAY = datetime.date(MIN_YEAR, 1, 1), datetime.date(MAX_YEAR, 12, 31)
DAY_PATTERN = rf"^{_YEARS}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_FORMS = (
    (re.compile(r"^(\d{4})$"), YEAR),
    (re.compile(r"^(\d{4})Q([1-4])$"), QUARTER),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), MONTH),
)


@total_ordering
@dataclass(frozen=True)
class Period:
    """A year, quarter or month. Ordered by start, then end (2019Q1 < 2019 < 2019Q2).

    Its days and index are computed once per object (a goal list reads them millions of times).
    """

    kind: str
    year: int
    number: int = 0  # the quarter (1-4) or month (1-12); 0 for a year

    def __post_init__(self) -> None:
        limits = {YEAR: (0, 0), QUARTER: (1, 4), MONTH: (1, 12)}
        if self.kind not in limits:
            raise ValueError(f"unknown period kind {self.kind!r}")
        low, high = limits[self.kind]
        if not low <= self.number <= high or not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"invalid {self.kind}: {self.year}/{self.number}")

    @classmethod
    def parse(cls, text: str | Period) -> Period:
        """Read ``2008``, ``2019Q2`` or ``2019-05``; anything else is a ValidationError."""
        if isinstance(text, Period):
            return text
        value = str(text).strip()
        for pattern, kind in _FORMS:
            match = pattern.match(value)
            if match:
                year = int(match.group(1))
                number = int(match.group(2)) if kind != YEAR else 0
                if not MIN_YEAR <= year <= MAX_YEAR:
                    break
                return cls(kind, year, number)
        raise ValidationError(
            _(
                "“%(value)s” is not a period: write a year (2019), a quarter (2019Q2) "
                "or a month (2019-05), with a year between %(min)s and %(max)s."
            ),
            code="invalid_period",
            params={"value": value, "min": MIN_YEAR, "max": MAX_YEAR},
        )

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        return cls(QUARTER, year, number)

    @classmethod
    def from_index(cls, index: int) -> Period:
        """The quarter with this index (``year * 4 + quarter - 1``)."""
        return cls(QUARTER, index // 4, index % 4 + 1)

    @classmethod
    def quarter_of(cls, day: datetime.date) -> Period:
        """The quarter that contains ``day``."""
        return cls(QUARTER, day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        if self.kind == YEAR:
            return f"{self.year:04d}"
        if self.kind == QUARTER:
            return f"{self.year:04d}Q{self.number}"
        return f"{self.year:04d}-{self.number:02d}"

    def __repr__(self) -> str:
        return f"Period({str(self)!r})"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return (self.start, self.end) < (other.start, other.end)

    @cached_property
    def start(self) -> datetime.date:
        """The first day of the period."""
        if self.kind == YEAR:
            return datetime.date(self.year, 1, 1)
        if self.kind == QUARTER:
            return datetime.date(self.year, 3 * self.number - 2, 1)
        return datetime.date(self.year, self.number, 1)

    @cached_property
    def end(self) -> datetime.date:
        """The last day of the period (inclusive)."""
        if self.kind == YEAR:
            return datetime.date(self.year, 12, 31)
        last_month = 3 * self.number if self.kind == QUARTER else self.number
        if last_month == 12:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, last_month + 1, 1) - datetime.timedelta(days=1)

    @cached_property
    def index(self) -> int:
        """The index of the period's last quarter; for a quarter, its own index."""
        return self.last_quarter.year * 4 + self.last_quarter.number - 1

    @cached_property
    def last_quarter(self) -> Period:
        """The quarter a figure stated for this period counts at."""
        return self if self.kind == QUARTER else Period.quarter_of(self.end)

    def quarters(self) -> list[Period]:
        """The quarters this period covers, in order (a month covers the quarter it is in)."""
        if self.kind == QUARTER:
            return [self]
        first = Period.quarter_of(self.start).index
        return [Period.from_index(i) for i in range(first, self.index + 1)]

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def quarter_range(first: Period, last: Period) -> list[Period]:
    """Every quarter from ``first``'s first quarter to ``last``'s last quarter, in order."""
    start = Period.quarter_of(first.start).index
    return [Period.from_index(i) for i in range(start, last.index + 1)]


def current_quarter(today: datetime.date | None = None) -> Period:
    from django.utils import timezone

    return Period.quarter_of(today or timezone.localdate())


def period_of(name: str, text: str | Period | None) -> Period | None:
    """The period written ``text`` in the parameter or field ``name`` (None when not given); else
    a ValidationError on ``name``. The one reading of a period that a user typed."""
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValidationError as error:
        raise ValidationError({name: error.error_list}) from error


def check_day(day: datetime.date | None) -> None:
    """A day of the records lies in the years MIN_YEAR to MAX_YEAR (the validator of every
    date field of the models and of the API)."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            _("%(day)s is not a day of the records: give a day of the years %(min)s to %(max)s."),
            code="day_out_of_range",
            params={"day": day.isoformat(), "min": MIN_YEAR, "max": MAX_YEAR},
        )
