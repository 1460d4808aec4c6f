"""The hot path: ``GET /sparql?query=…`` answered without FastAPI's routing, dependency and middleware layers.

A small query spends most of its time in per-request machinery that does nothing for it: the route table,
FastAPI's request handler and its ``AsyncExitStack``, the exception, body-limit, telemetry and CORS
middlewares (each wraps ``send``), Starlette's ``Request``/``URL``/``Response`` objects. ``ServiceApp``
dispatches this one operation directly, with the same building blocks as the routed endpoint
(``protocol.parse_get``, ``sparql.query_payload``, ``execute.run_on_backend``, the same error responses and
metrics), and sends a complete answer as two raw ASGI messages. ``run_on_backend`` answers a repeated request
from the result cache (``store/cache.py``) when it can; the ``X-Cache`` header says so. ``If-None-Match`` and a
request's ``Cache-Control: no-cache`` are honoured as on the routed path (``service/http_cache.py``).

Kept exactly: a request with an ``Origin`` header (when CORS is on) takes the full stack, and the
``Vary: Origin`` that the CORS middleware adds to every other answer is added here. Everything else (POST,
``/sparql`` without a query, ``HEAD``, every other path, lifespan) goes to FastAPI.
"""

from __future__ import annotations

import time

from fastapi import FastAPI
from starlette.datastructures import URL
from starlette.types import ASGIApp, Receive, Scope, Send

from rulakg.service import metrics
from rulakg.service.edge import QUERY_TEXT
from rulakg.service.errors import error_response
from rulakg.service.execute import answer_response, run_on_backend
from rulakg.service.http_cache import etag_matches, wants_fresh
from rulakg.service.protocol import ProtocolError, parse_get
from rulakg.service.routers.sparql import query_payload
from rulakg.service.state import ServiceState
from rulakg.store import QueryAnswer

_X_CACHE = {"hit": b"hit", "miss": b"miss", "bypass": b"bypass"}
_X_LANE = {"light": b"light", "heavy": b"heavy"}


class ServiceApp(FastAPI):
    """FastAPI, plus a direct dispatch of the SPARQL query operation by GET."""

    _endpoints: dict[tuple[object, ...], str] | None = None  # endpoint URL by (scheme, Host, server)
    # The outermost layer (``edge.Edge``: limits, headers, errors, access log) around ``dispatch``, this path
    # included; set by ``edge.install``.
    edge: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.edge is not None and scope["type"] == "http":
            await self.edge(scope, receive, send)
        else:
            await self.dispatch(scope, receive, send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The fast path for ``GET /sparql?query=…``, FastAPI for everything else."""
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"] == "/sparql"
            and scope.get("query_string")
            and not scope.get("root_path")
        ):
            state = getattr(self.state, "rulakg", None)  # None until the lifespan has started the pool
            if state is not None and await self._sparql_get(scope, receive, send, state):
                return
        await super().__call__(scope, receive, send)

    async def _sparql_get(self, scope: Scope, receive: Receive, send: Send, state: ServiceState) -> bool:
        """Answer the request; False (nothing sent) to leave it to the routed endpoint."""
        settings = state.settings
        cors = settings.cors
        accept = host = if_none_match = None
        bypass = False
        for key, value in scope["headers"]:
            if key == b"accept":
                accept = accept if accept is not None else value.decode("latin-1")
            elif key == b"host":
                host = host if host is not None else value
            elif key == b"origin" and cors:
                return False  # CORS headers to compute: the middleware's job
            elif key == b"if-none-match":
                tags = value.decode("latin-1")
                if_none_match = tags if if_none_match is None else f"{if_none_match}, {tags}"
            elif key == b"cache-control" or key == b"pragma":
                bypass = bypass or wants_fresh(value.decode("latin-1"))
        started = time.perf_counter()
        try:
            req = parse_get(scope["query_string"], accept, settings)
        except ProtocolError as e:
            req, response = None, error_response(e.status, str(e), e.headers)
        if req is not None:
            if req.query is None:
                return False  # the Service Description
            scope[QUERY_TEXT] = req.query  # for the access log (edge.py)
        status = 500
        try:
            if req is not None:
                timeout, payload = query_payload(req, state, self._endpoint(scope, host, settings.public_url))
                outcome = await run_on_backend(state, payload, timeout, bypass)
                if isinstance(outcome, QueryAnswer):
                    if outcome.complete:
                        if if_none_match is not None and etag_matches(if_none_match, outcome.etag):
                            metrics.not_modified_total.inc()
                            await _send_complete(send, outcome, cors, not_modified=True)
                            status = 304
                        else:
                            await _send_complete(send, outcome, cors)
                            status = 200
                        return True
                    response = answer_response(outcome)
                else:
                    response = outcome
            status = response.status_code
            if cors:  # what CORSMiddleware.send adds to an answer to a request without Origin
                headers = response.headers
                headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
            await response(scope, receive, send)
            return True
        finally:
            metrics.answered("sparql", status, started, query=True)

    def _endpoint(self, scope: Scope, host: bytes | None, public_url: str | None) -> str:
        """The endpoint's URL, the base IRI of the query (as ``sparql._endpoint_url`` computes it)."""
        if public_url:
            return public_url.rstrip("/") + "/sparql"
        key = (scope.get("scheme"), host, scope.get("server"))
        cache = self._endpoints
        if cache is None or len(cache) > 64:  # the Host header is the client's: keep the cache small
            cache = self._endpoints = {}
        url = cache.get(key)
        if url is None:
            url = cache[key] = str(URL(scope=scope).replace(query=""))
        return url


async def _send_complete(send: Send, answer: QueryAnswer, cors: bool, not_modified: bool = False) -> None:
    """A whole answer: the same headers as ``execute``'s ``Response`` (plus CORS's ``Vary``), sent raw; or its
    ``304 Not Modified`` (the same headers but the body's, and no body)."""
    body = b"" if not_modified else answer.prefix
    headers = [(b"vary", b"Accept, Origin" if cors else b"Accept")]
    if not not_modified:
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append((b"content-type", answer.head["content_type"].encode("latin-1")))
    if answer.etag is not None:
        headers.append((b"etag", answer.etag.encode("latin-1")))
    if answer.cache_control is not None:
        headers.append((b"cache-control", answer.cache_control.encode("latin-1")))
    if "max_rows" in answer.head:
        headers.append((b"x-sparql-maxrows", str(answer.head["max_rows"]).encode()))
    if answer.cache is not None:
        headers.append((b"x-cache", _X_CACHE[answer.cache]))
    if answer.lane is not None:
        headers.append((b"x-query-lane", _X_LANE[answer.lane]))
    await send({"type": "http.response.start", "status": 304 if not_modified else 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
