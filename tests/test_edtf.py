"""Dates as curated (EDTF) → precision and bounds."""

from datetime import date

import pytest

from rulakg.data.edtf import DateError, parse_edtf


@pytest.mark.parametrize(
    ("text", "precision", "earliest", "latest"),
    [
        ("2014-04-29", "day", date(2014, 4, 29), date(2014, 4, 29)),
        ("2012-12", "month", date(2012, 12, 1), date(2012, 12, 31)),
        ("2014-02", "month", date(2014, 2, 1), date(2014, 2, 28)),
        ("2014-21", "season", date(2014, 3, 1), date(2014, 5, 31)),
        ("2014-24", "season", date(2014, 12, 1), date(2015, 2, 28)),
        ("2014", "year", date(2014, 1, 1), date(2014, 12, 31)),
        ("199X", "decade", date(1990, 1, 1), date(1999, 12, 31)),
        ("19XX", "century", date(1900, 1, 1), date(1999, 12, 31)),
        ("1996/1997", "year", date(1996, 1, 1), date(1997, 12, 31)),
        ("2004/..", "year", date(2004, 1, 1), None),
        ("../2001", "year", None, date(2001, 12, 31)),
    ],
)
def test_precision_and_bounds(text: str, precision: str, earliest: date | None, latest: date | None) -> None:
    d = parse_edtf(text)
    assert (d.precision, d.earliest, d.latest) == (precision, earliest, latest)
    assert d.interval == ("/" in text)


def test_uncertain_and_approximate_flags() -> None:
    assert parse_edtf("2008?").uncertain and not parse_edtf("2008?").approximate
    assert parse_edtf("2008~").approximate
    assert parse_edtf("2008%").uncertain and parse_edtf("2008%").approximate


@pytest.mark.parametrize("bad", ["", "2014-13", "14", "spring 2014", "2014-02-30", "../.."])
def test_bad_dates_are_refused(bad: str) -> None:
    with pytest.raises((DateError, ValueError)):
        parse_edtf(bad)
