"""The store behind the service: one small interface, an embedded Oxigraph implementation today.

A backend runs a SPARQL request (query text, dataset, accepted formats) within a timeout and returns its
answer already serialized, streaming. ``WorkerPool`` runs queries in worker processes over the on-disk
store; a remote SPARQL server would implement the same ``QueryBackend`` protocol.
"""

from __future__ import annotations

from typing import Any, Protocol

from rulakg.store.admission import PoolBusy
from rulakg.store.pool import QueryAnswer, QueryFailed, QueryTimeout, WorkerPool


class QueryBackend(Protocol):
    """What the HTTP layer needs from a store."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def run(
        self, request: dict[str, Any], timeout: float, queue_wait: float, lane: str = "light"
    ) -> QueryAnswer: ...

    def answer_here(self, request: dict[str, Any]) -> QueryAnswer | None:
        """The whole answer computed in the calling thread when its cost is bounded (a single-pattern look-up
        with a small answer), else None: ``run`` answers it."""
        ...

    @property
    def alive(self) -> int: ...


__all__ = ["PoolBusy", "QueryAnswer", "QueryBackend", "QueryFailed", "QueryTimeout", "WorkerPool"]
