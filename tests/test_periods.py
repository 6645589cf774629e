import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from tracking.periods import PATTERN, QUARTER_PATTERN, Period, quarter_range


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2008", "year", datetime.date(2008, 1, 1), datetime.date(2008, 12, 31)),
        ("2019Q2", "quarter", datetime.date(2019, 4, 1), datetime.date(2019, 6, 30)),
        ("2019Q4", "quarter", datetime.date(2019, 10, 1), datetime.date(2019, 12, 31)),
        ("2019-05", "month", datetime.date(2019, 5, 1), datetime.date(2019, 5, 31)),
        ("2020-02", "month", datetime.date(2020, 2, 1), datetime.date(2020, 2, 29)),
    ],
)
def test_parse_and_print_round_trip(text, kind, start, end):
    period = Period.parse(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert str(period) == text
    assert Period.parse(str(period)) == period


@pytest.mark.parametrize(
    "text", ["", "19", "2019Q0", "2019Q5", "2019q2", "2019-13", "2019-5", "2019-00", "Q2 2019", "1800", "2019Q2\x00"]
)
def test_rejects_anything_else_with_a_clear_message(text):
    with pytest.raises(ValidationError) as error:
        Period.parse(text)
    assert "is not a period" in error.value.messages[0]
    assert "2019Q2" in error.value.messages[0]


def test_ordering():
    texts = ["2019Q2", "2008", "2019", "2019-05", "2019Q1", "2018Q4"]
    ordered = sorted(Period.parse(text) for text in texts)
    assert [str(p) for p in ordered] == ["2008", "2018Q4", "2019Q1", "2019", "2019Q2", "2019-05"]
    assert Period.parse("2019Q1") < Period.parse("2019Q2") < Period.parse("2020Q1")


def test_quarters_a_period_covers():
    assert [str(q) for q in Period.parse("2008").quarters()] == ["2008Q1", "2008Q2", "2008Q3", "2008Q4"]
    assert [str(q) for q in Period.parse("2019-05").quarters()] == ["2019Q2"]
    assert [str(q) for q in Period.parse("2019Q3").quarters()] == ["2019Q3"]


def test_year_and_month_figures_count_at_their_last_quarter():
    assert str(Period.parse("2008").last_quarter) == "2008Q4"
    assert str(Period.parse("2019-05").last_quarter) == "2019Q2"


def test_quarter_index_is_an_ordered_integer():
    q = Period.parse("2019Q2")
    assert q.index == 2019 * 4 + 1
    assert Period.from_index(q.index + 1) == Period.parse("2019Q3")
    assert Period.from_index(q.index + 3) == Period.parse("2020Q1")
    assert [str(p) for p in quarter_range(Period.parse("2019Q3"), Period.parse("2020"))] == [
        "2019Q3", "2019Q4", "2020Q1", "2020Q2", "2020Q3", "2020Q4",
    ]


@pytest.mark.parametrize("text", ["1944", "1945", "2019", "2100", "2101", "0000", "9999", "2019Q2", "2100Q4", "1944Q4",
                                  "2019-05", "2101-01", "2019-13", "19450", "2019Q5"])
def test_the_period_patterns_accept_what_the_server_accepts(text):
    try:
        period = Period.parse(text)
    except Exception:
        period = None
    assert bool(re.match(PATTERN, text)) == (period is not None), text
    assert bool(re.match(QUARTER_PATTERN, text)) == (period is not None and period.kind == "quarter"), text
