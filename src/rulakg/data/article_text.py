"""The source article as quotes are checked against: line breaks joined, offsets into that text.

The article was extracted from a PDF, so a sentence may run over several lines. A curator's quote is the
sentence as a reader sees it: each line break, with the spaces around it, becomes one space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_BREAK = re.compile(r"[ \t]*(?:\r?\n[ \t]*)+")


def join_lines(text: str) -> str:
    return _BREAK.sub(" ", text)


@dataclass(frozen=True)
class QuoteSpan:
    quote: str
    start: int  # character offset in the joined text
    end: int  # exclusive


class QuoteNotFound(ValueError):
    """A quote that is not an exact substring of the joined article."""


@lru_cache(maxsize=4)
def load_article(path: Path) -> str:
    return join_lines(Path(path).read_text(encoding="utf-8"))


def locate(joined: str, quote: str) -> QuoteSpan:
    """The first occurrence of ``quote`` in the joined article."""
    start = joined.find(quote)
    if start < 0:
        raise QuoteNotFound(f"quote not found in the article: {quote[:80]!r}")
    return QuoteSpan(quote, start, start + len(quote))


def split_quotes(cell: str) -> list[str]:
    """A cell may hold several quotes separated by ``||``."""
    return [q.strip() for q in cell.split("||") if q.strip()]
