"""``rulakg build --target URL``: load the built graphs into a remote SPARQL server.

The build is made and checked as always (validation, derivations) into the local store; then each of its named
graphs replaces the graph of the same name on the server, in one of two ways:

* ``store`` — the SPARQL 1.1 Graph Store Protocol (Oxigraph ``/store``, Virtuoso ``/sparql-graph-crud`` once
  SPARQL_UPDATE is granted, Fuseki ``/ds/data``, GraphDB ``…/rdf-graphs/service``): a PUT of the graph's first
  ``chunk`` triples, then POSTs of the rest, as N-Triples sent as ``text/turtle`` (which every implementation
  reads);
* ``update`` — SPARQL 1.1 Update (any endpoint that takes updates): ``DROP SILENT GRAPH`` then ``INSERT DATA``
  of ``update_chunk`` triples at a time (servers limit the size of one update: Virtuoso's SQL text).

Blank nodes are scoped to one request, so a graph's triples that mention one all go in its first request.
The server's graphs that the build does not make are left alone. Afterwards, when a query endpoint is known,
each graph's triple count on the server is checked against the build's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx
from pyoxigraph import BlankNode, NamedNode, RdfFormat, Store, Triple, serialize

from rulakg.store.writer import _insert_data


class TargetError(Exception):
    """The server refused a request or could not be reached (the message says which and why)."""


@dataclass
class Target:
    url: str
    kind: str  # "store" (Graph Store Protocol) or "update" (SPARQL Update)
    query_url: str | None = None  # to check the counts afterwards
    auth: httpx.Auth | None = None
    chunk: int = 200_000  # triples per Graph Store request
    update_chunk: int = 5_000  # triples per INSERT DATA


def guess_kind(url: str) -> str:
    """``update`` for an endpoint named like one (…/update, …/sparql), else ``store``."""
    last = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1].lower()
    return "update" if last in ("update", "sparql", "sparql-auth", "statements") else "store"


def _has_blank(t: Triple) -> bool:
    return isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode)


def _chunks(store: Store, graph: str, size: int) -> Iterator[list[Triple]]:
    """The graph in requests of at most ``size`` triples, those with a blank node all in the first; streamed from
    the store (two passes), so a graph of millions of triples is never all in memory."""

    def triples() -> Iterator[Triple]:
        for q in store.quads_for_pattern(None, None, None, NamedNode(graph)):
            yield Triple(q.subject, q.predicate, q.object)

    chunk = [t for t in triples() if _has_blank(t)]
    for t in triples():
        if _has_blank(t):
            continue
        chunk.append(t)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    yield chunk  # the last (for an empty graph, the one request that still replaces the server's graph)


def _check(response: httpx.Response, what: str) -> None:
    if not 200 <= response.status_code < 300:
        text = " ".join(response.text.split())[:1000]
        hint = ""
        if response.status_code in (401, 403):
            hint = ' (does the server accept writes? Virtuoso: GRANT SPARQL_UPDATE TO "SPARQL"; or give a user)'
        raise TargetError(f"{what}: HTTP {response.status_code}{hint}: {text}")


def count_on_server(client: httpx.Client, query_url: str, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    r = client.post(query_url, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    _check(r, f"counting <{graph}> on {query_url}")
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def load_graphs(
    store: Store,
    graphs: list[str],
    target: Target,
    on_graph: Callable[[str, int], None] | None = None,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """Replace each of ``graphs`` on the server by the local store's; the triples sent per graph, and the counts
    found on the server afterwards (``checked``) when ``target.query_url`` is set."""
    sent: dict[str, int] = {}
    with httpx.Client(auth=target.auth, timeout=timeout) as client:
        try:
            for graph in graphs:
                if target.kind == "store":
                    sent[graph] = _load_by_graph_store(client, target, graph, store)
                else:
                    sent[graph] = _load_by_update(client, target, graph, store)
                if on_graph is not None:
                    on_graph(graph, sent[graph])
            checked = {g: count_on_server(client, target.query_url, g) for g in graphs} if target.query_url else {}
        except httpx.HTTPError as e:
            raise TargetError(f"{target.url}: {type(e).__name__}: {e}") from e
    wrong = {g: (sent[g], n) for g, n in checked.items() if n != sent[g]}
    if wrong:
        detail = "; ".join(f"<{g}>: sent {a}, found {b}" for g, (a, b) in wrong.items())
        raise TargetError(f"The server does not hold what was sent: {detail}")
    return {"sent": sent, "checked": checked}


def _load_by_graph_store(client: httpx.Client, target: Target, graph: str, store: Store) -> int:
    sent = 0
    for i, chunk in enumerate(_chunks(store, graph, target.chunk)):
        if i > 0 and not chunk:
            continue
        body = serialize(chunk, format=RdfFormat.N_TRIPLES) or b""
        method = "PUT" if i == 0 else "POST"
        r = client.request(
            method, target.url, params={"graph": graph}, content=body, headers={"Content-Type": "text/turtle"}
        )
        _check(r, f"{method} <{graph}> to {target.url}")
        sent += len(chunk)
    return sent


def _load_by_update(client: httpx.Client, target: Target, graph: str, store: Store) -> int:
    r = client.post(target.url, data={"update": f"DROP SILENT GRAPH <{graph}>"})
    _check(r, f"DROP GRAPH <{graph}> on {target.url}")
    sent = 0
    for chunk in _chunks(store, graph, target.update_chunk):
        if not chunk:
            continue
        r = client.post(target.url, data={"update": _insert_data(chunk, NamedNode(graph))})
        _check(r, f"INSERT DATA into <{graph}> on {target.url}")
        sent += len(chunk)
    return sent


def load_build(
    settings: Any,
    store: Store,
    url: str,
    kind: str | None = None,
    query_url: str | None = None,
    on_graph: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Load the graphs of the served build (its ``build.json``) from ``store`` into the server at ``url``."""
    from rulakg.build.builder import read_manifest
    from rulakg.store.remote import remote_auth

    if kind not in (None, "store", "update"):
        raise TargetError(f"--target-kind is 'store' (Graph Store Protocol) or 'update' (SPARQL Update), not {kind!r}")
    if urlparse(url).scheme not in ("http", "https"):
        raise TargetError(f"The target must be an http(s) URL, not {url!r}")
    manifest = read_manifest(settings.store_path().resolve()) or {}
    graphs = list(manifest.get("graphs", {}))
    if not graphs:
        raise TargetError(f"The build at {settings.store_path()} names no graphs (no build.json?)")
    target = Target(url, kind or guess_kind(url), query_url or settings.remote_query_url, remote_auth(settings))
    return load_graphs(store, graphs, target, on_graph)
