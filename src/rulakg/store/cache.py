"""A bounded cache of complete small answers, kept in the service process.

The served store changes only through the service's own write path (SPARQL Update, the Graph Store
Protocol: ``store/writes.py``), which calls ``invalidate`` with the new snapshot's version on every write
before acknowledging it. Between writes the same request always gets the same bytes, and researchers and
the web interface send the same requests again and again. This cache keeps those answers in memory and
skips the worker round trip.

What is kept: only answers the pool already holds whole in memory (``QueryAnswer.complete``: the worker
finished within the first 256 KiB), never a streamed answer, an error or a timeout; never a query that calls
a remote endpoint (``SERVICE``: the federation proxy has its own cache with its own lifetime) nor one that
uses a non-deterministic function (``RAND``, ``NOW``, ``UUID``, ``STRUUID``, ``BNODE``).

The key: the identity of the build being served (its resolved path, its ``build.json`` input hash and build
time, and the RocksDB manifest named by the store's ``CURRENT`` file) and every field of the worker request,
i.e. everything that can change the bytes: the query text (leading and trailing whitespace aside), the dataset
(default-graph-uri, named-graph-uri), the union-default-graph flag, ``Accept`` and ``format`` (so the negotiated
media type), the row cap, the base IRI, a saved query's substitutions and page. The value: the answer's head
(media type, ``max_rows``, ``has_next``: the response headers are rebuilt from it) and its body.

Bounded by the total size of the entries (``result_cache_mb``), least recently used first out. The store's
``CURRENT`` file is read again at most once a second: a writer opening the store (``rulakg load`` into the
served build) changes it, and then the cache is emptied and the identity changes.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from rulakg.sparql_text import inspect, token_list

NON_DETERMINISTIC = frozenset({"RAND", "NOW", "UUID", "STRUUID", "BNODE"})
ENTRY_OVERHEAD = 512  # bytes counted per entry besides its body and query text (key tuple, dict slot, head)
RECHECK_SECONDS = 1.0


@functools.lru_cache(maxsize=1024)
def cacheable_query(text: str) -> bool:
    """False for a query whose answer may change from one run to the next: SERVICE, or a non-deterministic
    function (outside strings, IRIs and comments; any case)."""
    if inspect(text).has_service:
        return False
    for kind, value, _start, _end in token_list(text):
        if kind == "word" and value.upper() in NON_DETERMINISTIC:
            return False
    return True


def freeze(value: Any) -> Any:
    """A request field as a hashable value (lists as tuples, dicts as sorted item tuples)."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    return value


def _normal(name: str, value: Any) -> Any:
    """The query text without leading and trailing whitespace (the same answer; costs no parse). Runs of
    whitespace inside are kept: collapsing them needs the tokenizer (a ``#`` comment ends at a line break)."""
    return value.strip() if name == "query" and isinstance(value, str) else value


def store_generation(store_path: Path) -> str:
    """The RocksDB manifest the store's ``CURRENT`` file names: it changes when a writer opens the store."""
    try:
        return (Path(store_path) / "CURRENT").read_text().strip()
    except OSError:
        return ""


class ResultCache:
    """LRU by total bytes. ``identity`` names the build served; ``store_path`` is its Oxigraph folder."""

    def __init__(self, max_bytes: int, identity: str = "", store_path: Path | None = None):
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 2  # one answer may not take more than half
        self.store_path = store_path
        self._base_identity = identity
        self._generation = store_generation(store_path) if store_path is not None else ""
        self.identity = f"{identity}|{self._generation}"
        self._recheck_at = time.monotonic() + RECHECK_SECONDS
        self._entries: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], bytes, int]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.invalidations = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def key(self, request: dict[str, Any]) -> tuple[Any, ...]:
        """Every field of the worker request, with the identity of the build (hashable)."""
        return (self.identity, *sorted((k, freeze(_normal(k, v))) for k, v in request.items() if v is not None))

    def get(self, key: tuple[Any, ...]) -> tuple[dict[str, Any], bytes] | None:
        self._recheck()
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[0], entry[1]

    def put(self, key: tuple[Any, ...], request: dict[str, Any], head: dict[str, Any], body: bytes) -> bool:
        """Keep a complete answer if it may be kept; say whether it was."""
        if key[0] != self.identity:  # the store changed while this query ran
            return False
        query = request.get("query")
        if not isinstance(query, str) or not cacheable_query(query):
            return False
        size = len(body) + len(query) + ENTRY_OVERHEAD
        if size > self.max_entry:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old[2]
        self._entries[key] = (dict(head), body, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, (_, _, dropped) = self._entries.popitem(last=False)
            self.bytes -= dropped
        return True

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def invalidate(self, version: str) -> None:
        """A write changed the store: forget every answer, and key new ones by the store's new version (an answer
        to a query that was running during the write is then not kept: its key names the old version)."""
        self._base_identity = f"{self._base_identity.split('|v=')[0]}|v={version}"
        self.identity = f"{self._base_identity}|{self._generation}"
        self.invalidations += 1
        self.clear()

    def _recheck(self) -> None:
        if self.store_path is None:
            return
        now = time.monotonic()
        if now < self._recheck_at:
            return
        self._recheck_at = now + RECHECK_SECONDS
        generation = store_generation(self.store_path)
        if generation != self._generation:
            self._generation = generation
            self.identity = f"{self._base_identity}|{generation}"
            self.invalidations += 1
            self.clear()


def build_identity(store_root: Path, manifest: dict[str, Any]) -> str:
    """The build served: its resolved folder and what its ``build.json`` says of its inputs and time."""
    return "|".join(
        [str(Path(store_root).resolve()), str(manifest.get("input_hash", "")), str(manifest.get("built_at", ""))]
    )
