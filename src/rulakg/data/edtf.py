"""Dates as the curators write them (EDTF, ISO 8601-2) → value, precision and earliest/latest bounds.

The graph keeps a date's own precision ("in the spring of 2014", "since 2004", "1996-1997") and also plain
``xsd:date`` bounds, so that a range question is a simple FILTER. Precision names follow Wikidata's scale
(day 11, month 10, year 9, decade 8, century 7), with ``season`` between month and year.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_SEASONS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 2)}  # northern hemisphere, as the source writes


class DateError(ValueError):
    """Not a date this project's EDTF subset can read."""


@dataclass(frozen=True)
class EdtfDate:
    value: str  # the EDTF text itself
    precision: str  # day, month, season, year, decade, century (of the start, for intervals)
    earliest: date | None
    latest: date | None
    uncertain: bool = False  # '?'
    approximate: bool = False  # '~'
    interval: bool = False


def _single(text: str) -> EdtfDate:
    raw = text
    uncertain = "?" in text or "%" in text
    approximate = "~" in text or "%" in text
    text = text.strip("?~%")  # level-1 qualifiers follow the date; a leading one (level 2) is read the same
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return EdtfDate(raw, "day", d, d, uncertain, approximate)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            last = calendar.monthrange(year, month)[1]
            return EdtfDate(raw, "month", date(year, month, 1), date(year, month, last), uncertain, approximate)
        if month in _SEASONS:
            start, end = _SEASONS[month]
            end_year = year + 1 if end < start else year
            last = calendar.monthrange(end_year, end)[1]
            return EdtfDate(raw, "season", date(year, start, 1), date(end_year, end, last), uncertain, approximate)
        raise DateError(f"month {month} in {raw!r}")
    if m := re.fullmatch(r"(\d{4})", text):
        year = int(m[1])
        return EdtfDate(raw, "year", date(year, 1, 1), date(year, 12, 31), uncertain, approximate)
    if m := re.fullmatch(r"(\d{3})X", text):
        start = int(m[1]) * 10
        return EdtfDate(raw, "decade", date(start, 1, 1), date(start + 9, 12, 31), uncertain, approximate)
    if m := re.fullmatch(r"(\d{2})XX", text):
        start = int(m[1]) * 100
        return EdtfDate(raw, "century", date(start, 1, 1), date(start + 99, 12, 31), uncertain, approximate)
    raise DateError(f"not an EDTF date: {raw!r}")


def parse_edtf(text: str) -> EdtfDate:
    """Read a date or an interval (``A/B``, ``A/..``, ``../B``)."""
    text = text.strip()
    if "/" not in text:
        return _single(text)
    left, _, right = text.partition("/")
    start = _single(left) if left not in ("", "..") else None
    end = _single(right) if right not in ("", "..") else None
    if start is None and end is None:
        raise DateError(f"an interval needs at least one end: {text!r}")
    return EdtfDate(
        text,
        (start or end).precision,  # type: ignore[union-attr]
        start.earliest if start else None,
        end.latest if end else None,
        bool((start and start.uncertain) or (end and end.uncertain)),
        bool((start and start.approximate) or (end and end.approximate)),
        interval=True,
    )
