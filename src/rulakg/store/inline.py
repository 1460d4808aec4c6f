"""Look-ups answered in the service process, without the round trip to a query worker.

A query worker is another process: handing it a query and reading its answer back wakes two processes, and on
this kind of machine (a VM whose idle vCPUs sleep) that costs 0.7–0.9 ms after a pause, more than a point
look-up itself (bench/README.md). Workers exist because a pyoxigraph query cannot be stopped; a query whose
cost is bounded does not need one. ``sparql_text.is_single_pattern`` picks those: one triple pattern (an index
range scan) where every row read is a row of the answer. Their answer is serialized here into a buffer of at
most ``max_bytes``; a bigger one stops the serializer (the write raises), and the query goes to a worker, which
streams it. So the service process never spends more than a few milliseconds on one, nor holds more than
``max_bytes`` for it; and a request whose answer outgrew the buffer once (``SELECT * { ?s ?p ?o }``) goes
straight to a worker the next times.

The answer is made by the same code as a worker's (``evaluate.py``): same bytes, headers and errors. Any error
sends the query to a worker as well, which reports it exactly as it always did.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from pyoxigraph import Store

from rulakg.sparql_text import is_single_pattern
from rulakg.store.evaluate import QueryError, evaluate, work_key
from rulakg.store.pool import QueryAnswer

TOO_LARGE_KEPT = 1024  # requests remembered as too large to answer here


class _TooLarge(Exception):
    """The answer outgrew the buffer (not an OSError: ``evaluate`` lets it through unchanged)."""


class _Buffer:
    def __init__(self, head: dict[str, Any], max_bytes: int):
        self.head = head
        self.max_bytes = max_bytes
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        if len(self.data) > self.max_bytes:
            raise _TooLarge
        return len(data)

    def flush(self) -> None:
        pass


class InlineLookups:
    """Single-pattern queries on a read-only opener of the store, in the calling thread."""

    def __init__(self, store_path: Path, max_bytes: int = 64 * 1024):
        self.max_bytes = max_bytes
        self.answered = 0  # queries answered here
        self.handed_over = 0  # eligible ones given to a worker (too large, or an error to report)
        self._too_large: OrderedDict[int, None] = OrderedDict()  # requests (work_key) seen to outgrow the buffer
        self._store: Store | None = None
        self.open(store_path)

    def open(self, store_path: Path) -> None:
        """Read ``store_path`` from now on (a new snapshot after a write)."""
        self._store = Store.read_only(str(store_path))

    def close(self) -> None:
        self._store = None

    @staticmethod
    def eligible(request: dict[str, Any]) -> bool:
        text = request.get("query")
        return (
            isinstance(text, str)
            and "page" not in request
            and "dump" not in request
            and len(text) < 4096
            and is_single_pattern(text)
        )

    def answer(self, request: dict[str, Any]) -> QueryAnswer | None:
        """The whole answer, or None: not eligible, too large, or an error (a worker then answers)."""
        if self._store is None or not self.eligible(request):
            return None
        seen = work_key(request)
        if seen in self._too_large:
            self._too_large.move_to_end(seen)
            self.handed_over += 1
            return None
        try:
            sink = evaluate(self._store, request, lambda head: _Buffer(head, self.max_bytes))
        except _TooLarge:
            self._too_large[seen] = None
            if len(self._too_large) > TOO_LARGE_KEPT:
                self._too_large.popitem(last=False)
            self.handed_over += 1
            return None
        except QueryError:
            self.handed_over += 1
            return None
        assert isinstance(sink, _Buffer)
        self.answered += 1
        return QueryAnswer(sink.head, bytes(sink.data), complete=True)
