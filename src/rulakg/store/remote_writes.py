"""Writes through the service to a remote SPARQL server: the same ``run`` as ``store/writes.StoreWriter``.

``/update`` becomes a SPARQL 1.1 Update request to ``remote_update_url``; ``/store`` writes go to the server's
Graph Store endpoint (``remote_store_url``) as N-Triples, or, without one, become SPARQL Update as in the
embedded writer (``CLEAR``/``DROP`` and ``INSERT DATA``, split into requests of at most ``BATCH`` triples for
servers that limit a request's size: then a failure can leave a part written, and blank nodes split over two
requests become two nodes). The payload is parsed here first, so a bad upload is a 400 before anything is sent.

Each acknowledged write bumps ``version`` and calls ``on_snapshot`` (the result cache forgets every answer), as a
new snapshot does for the embedded store. Backups are the server's job (501).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from rulakg.config import Settings
from rulakg.sparql_text import _tokens
from rulakg.store.remote import RemoteBackend, remote_auth
from rulakg.store.writer import MEDIA_FORMATS, _insert_data
from rulakg.store.writes import WriteFailed

BATCH = 5000  # triples per INSERT DATA request when the server has no Graph Store endpoint


def _failure(response: httpx.Response, what: str) -> WriteFailed:
    message = " ".join(response.text.split())[:2000] or f"HTTP {response.status_code}"
    status = response.status_code
    if status in (400, 404, 409, 413, 415):
        return WriteFailed(status, f"The store refused the {what}: {message}")
    if status in (429, 503):
        return WriteFailed(503, f"The store is busy (HTTP {status}): {message}")
    return WriteFailed(502, f"The store failed the {what} (HTTP {status}): {message}")


def written_graphs(text: str) -> set[str]:
    """Graph IRIs an update names (``GRAPH``, ``INTO``, ``WITH``, ``TO``): they join the union default graph."""
    toks = list(_tokens(text))
    return {
        toks[i + 1][1][1:-1]
        for i, (kind, value, _s, _e) in enumerate(toks[:-1])
        if kind == "word" and value.upper() in ("GRAPH", "INTO", "WITH", "TO") and toks[i + 1][0] == "iri"
    }


class RemoteWriter:
    """One write at a time to the remote server, each within its timeout."""

    def __init__(self, settings: Settings, backend: RemoteBackend):
        self.update_url = settings.remote_update_url or settings.remote_query_url or ""
        self.store_url = settings.remote_store_url
        self.backend = backend
        self.version = 0  # writes acknowledged since the start
        self.on_snapshot: Callable[[Path], None] | None = None
        self.snapshot: Path | None = None
        self.snapshots: Path | None = None
        self.kills = 0
        self._lock = asyncio.Lock()
        self._client = httpx.AsyncClient(auth=remote_auth(settings), headers={"User-Agent": settings.user_agent})

    async def start(self, clean: bool = True) -> None:
        pass

    async def stop(self) -> None:
        await self._client.aclose()

    async def run(self, request: dict[str, Any], parts: list[bytes], timeout: float) -> dict[str, Any]:
        """Apply one write; its result (``status``) or ``WriteFailed``."""
        op = request.get("op")
        if op == "backup":
            raise WriteFailed(501, "Backups of a remote store are made by the store's server, not by this service.")
        async with self._lock:
            try:
                async with asyncio.timeout(timeout):
                    if op == "update":
                        await self._update(request["text"], request.get("base_iri"))
                        for g in written_graphs(request["text"]):
                            self.backend.add_graph(g)
                        status = 204
                    elif op == "gsp":
                        status = await self._gsp(request, parts)
                    else:
                        raise WriteFailed(400, f"unknown write operation {op!r}")
            except TimeoutError:
                self.kills += 1
                raise WriteFailed(
                    503,
                    f"The write was stopped after {timeout:g} s (RULAKG_UPDATE_TIMEOUT); the store may have "
                    "applied it.",
                ) from None
            except httpx.HTTPError as e:
                raise WriteFailed(503, f"The remote store at {self.update_url} is unreachable: {e}") from e
            finally:
                # Even a failed write may have changed the store: answers kept from before are not trusted.
                self.version += 1
                self.snapshot = Path(f"remote-{self.version}")
                if self.on_snapshot is not None:
                    self.on_snapshot(self.snapshot)
            return {"status": status}

    async def _update(self, text: str, base_iri: str | None) -> None:
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        r = await self._client.post(self.update_url, data={"update": text})
        if not 200 <= r.status_code < 300:
            raise _failure(r, "update")

    async def _ask(self, query: str) -> bool:
        r = await self._client.post(
            self.backend.query_url, data={"query": query}, headers={"Accept": "application/sparql-results+json"}
        )
        if r.status_code != 200:
            raise _failure(r, "query")
        return bool(r.json().get("boolean"))

    def _quads(self, request: dict[str, Any], parts: list[bytes]) -> list[ox.Quad]:
        kind, iri = request["target"], request.get("graph")
        quads: list[ox.Quad] = []
        for media, body in zip(request["media"], parts, strict=True):
            fmt = MEDIA_FORMATS.get(media)
            if fmt is None:
                raise WriteFailed(415, f"Unsupported RDF media type {media!r}.")
            if kind != "dataset" and fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
                raise WriteFailed(415, f"{media} holds a dataset; send a graph format (Turtle, N-Triples, …) here.")
            try:
                parsed = list(ox.parse(body, format=fmt, base_iri=request.get("base_iri") or iri))
            except SyntaxError as e:
                raise WriteFailed(400, f"The RDF payload ({media}) is not valid: {e}") from e
            if kind != "dataset" and any(not isinstance(q.graph_name, ox.DefaultGraph) for q in parsed):
                raise WriteFailed(400, "The payload has named graphs; send it to the whole store (no graph parameter).")
            quads += parsed
        return quads

    async def _gsp(self, request: dict[str, Any], parts: list[bytes]) -> int:
        method, kind, iri = request["method"], request["target"], request.get("graph")
        if kind == "dataset" and method != "POST":
            raise WriteFailed(
                501, "Replacing or deleting the whole remote store is not done through this service: name a graph."
            )
        if method == "DELETE":
            return await self._delete(kind, iri)
        quads = self._quads(request, parts)
        if kind == "graph":
            existed = await self._ask(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
            self.backend.add_graph(iri)
        else:
            existed = True
        if kind == "dataset":  # POST of quads: merged graph by graph
            by_graph: dict[str, list[ox.Quad]] = {}
            for q in quads:
                by_graph.setdefault("" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value, []).append(
                    q
                )
            for graph, group in by_graph.items():
                if graph:
                    self.backend.add_graph(graph)
                await self._put_or_post("POST", graph or None, group)
            return 204
        await self._put_or_post(method, iri, quads)
        return 204 if existed else 201

    async def _put_or_post(self, method: str, iri: str | None, quads: list[ox.Quad]) -> None:
        if self.store_url:
            triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
            params = {"graph": iri} if iri else {"default": ""}
            # N-Triples is Turtle: every Graph Store implementation reads text/turtle.
            r = await self._client.request(
                method, self.store_url, params=params, content=body, headers={"Content-Type": "text/turtle"}
            )
            if not 200 <= r.status_code < 300:
                raise _failure(r, "upload")
            return
        target: Any = ox.NamedNode(iri) if iri else ox.DefaultGraph()
        if method == "PUT":
            await self._update(f"CLEAR SILENT GRAPH <{iri}>" if iri else "CLEAR SILENT DEFAULT", None)
        for start in range(0, len(quads), BATCH):
            await self._update(_insert_data(quads[start : start + BATCH], target), None)

    async def _delete(self, kind: str, iri: str | None) -> int:
        if kind == "graph":
            if not await self._ask(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"):
                return 404
            await self._update(f"DROP SILENT GRAPH <{iri}>", None)
            return 204
        await self._update("CLEAR SILENT DEFAULT", None)
        return 204
