"""Query lanes: light and heavy queries, so that a few slow aggregates cannot starve the point look-ups.

Before a query is dispatched it is classified:

* **by observed cost** when its text (with its dataset parameters) ran recently: ``CostMemory`` keeps, for
  the last ``CostMemory.size`` query texts, an exponentially weighted moving average of their run time; above
  ``RULAKG_HEAVY_QUERY_MS`` the query is heavy. A query stopped by its timeout counts as having run for its
  whole timeout (so it is heavy from then on);
* **otherwise by its text** (``sparql_text.looks_heavy``: aggregates, GROUP BY, ORDER BY without a small
  LIMIT, ``*``/``+`` property paths, no LIMIT over several patterns).

The worker pool (``store/pool.py``) then lets heavy queries hold at most ``RULAKG_HEAVY_WORKERS`` workers at
once (default: all but one), so a light query always finds a worker soon; a light query may use any free
worker. The lane is sent back in ``X-Query-Lane`` and counted in ``/metrics``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from rulakg.sparql_text import looks_heavy
from rulakg.store.evaluate import work_key as cost_key  # a query's cost: its text and dataset

LIGHT = "light"
HEAVY = "heavy"


class CostMemory:
    """A bounded LRU of query key → exponentially weighted run time (milliseconds)."""

    def __init__(self, size: int = 10_000, alpha: float = 0.5):
        self.size = size
        self.alpha = alpha
        self._ms: OrderedDict[int, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._ms)

    def get(self, key: int) -> float | None:
        ms = self._ms.get(key)
        if ms is not None:
            self._ms.move_to_end(key)
        return ms

    def observe(self, key: int, ms: float) -> float:
        """Fold one run time in; the new average."""
        old = self._ms.get(key)
        new = ms if old is None else old + self.alpha * (ms - old)
        self._ms[key] = new
        self._ms.move_to_end(key)
        while len(self._ms) > self.size:
            self._ms.popitem(last=False)
        return new


class Lanes:
    """Classifies queries (observed cost first, then the static estimate) and learns from each run."""

    def __init__(self, heavy_ms: float, memory: CostMemory | None = None):
        self.heavy_ms = heavy_ms
        self.memory = memory if memory is not None else CostMemory()

    def classify(self, payload: dict[str, Any]) -> tuple[str, int]:
        """The query's lane and its cost key (for ``observe``)."""
        key = cost_key(payload)
        ms = self.memory.get(key)
        if ms is not None:
            return (HEAVY if ms > self.heavy_ms else LIGHT), key
        text = payload.get("query")
        heavy = isinstance(text, str) and looks_heavy(text)[0]
        return (HEAVY if heavy else LIGHT), key

    def observe(self, key: int, ms: float) -> None:
        self.memory.observe(key, ms)


def heavy_cap(heavy_workers: int | None, workers: int) -> int:
    """Workers heavy queries may hold at once; 0 means no cap (lanes off)."""
    if heavy_workers is None:
        return max(1, workers - 1)
    return min(heavy_workers, workers)
