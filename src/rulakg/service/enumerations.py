"""The allowed values of saved-query parameters that a query lists (``#+ enumerate``), computed without holding
up the start-up.

At 10 M triples the 57 enumeration queries took two minutes, and one of them over the query timeout stopped the
service from starting. So the start-up waits for them at most ``RULAKG_ENUMERATION_WAIT`` seconds; the rest go on
in the background, one at a time, and a run of a saved query waits for its own parameters' (a request can start
one that is not yet running). An enumeration that fails or times out leaves its parameter open (any value of the
right type), with a warning in the log, as one that lists no values does.

Values are kept in ``enumerations.json`` beside the build they were computed on, keyed by the build and the
enumeration's text, so that a restart over the same build is instant. Not with a remote backend or with writes
on: the data can then change under the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rulakg.queries import Library, SavedQuery
from rulakg.queries.parameters import Parameter

log = logging.getLogger("rulakg.queries")

CACHE_FILE = "enumerations.json"

Runner = Callable[[str], Awaitable[dict[str, Any]]]  # an enumeration's text → its SPARQL JSON results


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _values(result: dict[str, Any]) -> list[str]:
    """The distinct values of the first column, in order."""
    first = result["head"]["vars"][0] if result["head"]["vars"] else None
    return list(dict.fromkeys(row[first]["value"] for row in result["results"]["bindings"] if first and first in row))


class Enumerations:
    """The library's enumerated parameters and the tasks that fill them."""

    def __init__(self, library: Library, run: Runner, cache_file: Path | None = None, identity: str = ""):
        self._params = library.enumerations()
        self._run = run
        self._file = cache_file
        self._identity = identity
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._cached: set[int] = set()  # parameters whose values were read from the file
        self._ok: set[int] = set()  # parameters whose values were listed here (possibly none)
        self._background: asyncio.Task[None] | None = None
        self.failed: list[str] = []
        self.on_done: Callable[[], None] | None = None  # when all are settled (the OpenAPI document is rebuilt)
        self._loaded: dict[str, list[str]] = self._read() if cache_file is not None else {}

    # the cache file -------------------------------------------------------------------------------------
    def _read(self) -> dict[str, list[str]]:
        assert self._file is not None
        try:
            doc = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(doc, dict) or doc.get("build") != self._identity or not isinstance(doc.get("values"), dict):
            return {}
        return {k: v for k, v in doc["values"].items() if isinstance(v, list)}

    def _write(self) -> None:
        if self._file is None:
            return
        values = {_key(p.enum_query or ""): p.enum or [] for _q, p in self._params if id(p) in self._cached | self._ok}
        tmp = self._file.with_name(self._file.name + ".tmp")
        try:
            tmp.write_text(json.dumps({"build": self._identity, "values": values}, ensure_ascii=False), "utf-8")
            tmp.replace(self._file)
        except OSError as e:  # a read-only copy of the store: computed again at the next start
            log.debug("enumerations not kept in %s: %s", self._file, e)

    # computing -----------------------------------------------------------------------------------------
    async def _fill(self, query: SavedQuery, param: Parameter) -> None:
        text = param.enum_query or ""
        try:
            values = _values(await self._run(text))
        except Exception as e:  # any failure leaves the parameter open; the service goes on
            self.failed.append(f"{query.name}.{param.name}")
            log.warning(
                "%s: the enumeration of %r failed (%s): any value of its type is accepted",
                query.path,
                param.name,
                str(e) or type(e).__name__,
            )
            return
        self._ok.add(id(param))
        if values:
            param.enum = values
        else:
            log.warning("%s: the enumeration of %r gave no values; any value is accepted", query.path, param.name)

    def _task(self, query: SavedQuery, param: Parameter) -> asyncio.Task[None] | None:
        """The task listing ``param``'s values (started now if need be); None when they came from the file."""
        if id(param) in self._cached:
            return None
        task = self._tasks.get(id(param))
        if task is None:
            task = self._tasks[id(param)] = asyncio.ensure_future(self._fill(query, param))
        return task

    async def _all(self) -> None:
        for query, param in self._params:
            task = self._task(query, param)
            if task is not None:
                await asyncio.shield(task)
        if self._tasks:
            self._write()
        if self.on_done is not None:
            self.on_done()

    async def start(self, wait: float) -> None:
        """Take the values kept for this build, start listing the others; return when all are done or after
        ``wait`` seconds."""
        for _query, param in self._params:
            kept = self._loaded.get(_key(param.enum_query or ""))
            if kept is not None:
                param.enum = kept or None
                self._cached.add(id(param))
        self._background = asyncio.ensure_future(self._all())
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._background), wait)
        if self.pending:
            log.info("%d enumerations still running after %g s: they go on in the background", self.pending, wait)

    async def ready(self, query: SavedQuery) -> None:
        """Wait until ``query``'s enumerated parameters have their values (or have failed)."""
        mine = [t for q, p in self._params if q is query and (t := self._task(q, p)) is not None]
        if mine:
            await asyncio.gather(*(asyncio.shield(t) for t in mine))

    async def stop(self) -> None:
        tasks = [*self._tasks.values(), *([self._background] if self._background else [])]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # status --------------------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        return sum(
            1
            for _q, p in self._params
            if id(p) not in self._cached and (not (t := self._tasks.get(id(p))) or not t.done())
        )

    def status(self) -> dict[str, int]:
        """For ``/health``: how many enumerations are listed, still running, or failed."""
        return {
            "total": len(self._params),
            "kept": len(self._cached),  # read from the file kept for this build
            "pending": self.pending,
            "failed": len(self.failed),
        }
