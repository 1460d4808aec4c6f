"""Running a query request on the backend and answering it over HTTP: the one code path shared by the SPARQL
endpoint and the saved-query API (same workers, timeout, errors, headers, streaming)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from rulakg.service import metrics
from rulakg.service.errors import error_response
from rulakg.service.http_cache import answer_etag, cache_control, etag_matches, not_modified, wants_fresh
from rulakg.service.lanes import LIGHT, Lanes
from rulakg.service.state import ServiceState
from rulakg.store import PoolBusy, QueryAnswer, QueryFailed, QueryTimeout


def sparql_endpoint(request: Request, state: ServiceState) -> str:
    """The public URL of the SPARQL endpoint (the base IRI of queries, the target of saved queries)."""
    if state.settings.public_url:
        return state.settings.public_url.rstrip("/") + "/sparql"
    return str(request.url.replace(path="/sparql", query=""))


async def guard(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Count a failure in mid-stream; re-raising aborts the connection, so the client sees a truncated body."""
    try:
        async for chunk in body:
            yield chunk
    except QueryTimeout:
        metrics.query_timeouts_total.inc()
        raise
    except QueryFailed as e:
        metrics.query_errors_total.labels(str(e.status)).inc()
        raise


_COUNTED = {lane: metrics.queries_total.labels(lane) for lane in ("light", "heavy")}


async def _timed(rest: AsyncIterator[bytes], lanes: Lanes, key: int, started: float, timeout: float):
    """A streamed body that tells the lanes how long the whole answer took (a timeout counts in full)."""
    ms: float | None = None
    try:
        async for chunk in rest:
            yield chunk
    except QueryTimeout:
        ms = timeout * 1000
        raise
    finally:
        lanes.observe(key, ms if ms is not None else (time.perf_counter() - started) * 1000)


async def run_on_backend(
    state: ServiceState, payload: dict[str, Any], timeout: float, bypass: bool = False
) -> QueryAnswer | Response:
    """Run ``payload`` (a worker request) within ``timeout``: the answer, or the error response to send.

    A complete small answer comes from, or goes to, the result cache (``store/cache.py``) when it is on;
    ``QueryAnswer.cache`` says which ("hit" / "miss"), for the ``X-Cache`` header. With ``bypass`` (the request
    said ``Cache-Control: no-cache``) the kept answer is not used: the query runs ("bypass") and its answer
    replaces the kept one. A complete answer gets its ``ETag`` and ``Cache-Control`` (``service/http_cache.py``);
    the tag is kept with the cached answer.

    A query whose cost is bounded (a single-pattern look-up) is answered by the backend in this process
    (``answer_here``), light by construction: no lane to choose, no run time to learn. Any other query takes its
    lane (light or heavy, ``service/lanes.py``), which decides the workers it may use; ``QueryAnswer.lane`` says
    which, for the ``X-Query-Lane`` header, and the run time is remembered for the next classification of the
    same text. What only matters to later requests (keeping the answer, the counters) is done after this
    request's answer has been sent.
    """
    settings = state.settings
    cache = state.cache
    if cache.max_bytes > 0:
        key = cache.key(payload)
        if bypass:
            metrics.result_cache_bypass_total.inc()
        else:
            kept = cache.get(key)
            if kept is not None:
                metrics.result_cache_hits_total.inc()
                head = kept[0]
                # The lane the answer was computed in (a hit takes no worker): the same headers as the miss.
                return QueryAnswer(
                    head,
                    kept[1],
                    complete=True,
                    cache="hit",
                    lane=head.get("lane", LIGHT),
                    etag=head.get("etag"),
                    cache_control=cache_control(settings.http_max_age, payload),
                )
            metrics.result_cache_misses_total.inc()
    else:
        key = None
    answer = state.backend.answer_here(payload)
    if answer is not None:
        answer.lane = LIGHT
        _settle(state, key, payload, answer, bypass)
        asyncio.get_running_loop().call_soon(_count_inline, answer.lane)
        return answer
    lanes = state.lanes
    lane, cost_key = lanes.classify(payload)
    _COUNTED[lane].inc()
    lane_header = {"X-Query-Lane": lane}
    started = time.perf_counter()
    try:
        answer = await state.backend.run(payload, timeout, settings.worker_queue_wait, lane)
        answer.lane = lane
        _settle(state, key, payload, answer, bypass)
        if answer.complete or answer._rest is None:
            lanes.observe(cost_key, (time.perf_counter() - started) * 1000)
        else:
            answer._rest = _timed(answer._rest, lanes, cost_key, started, timeout)
        return answer
    except QueryTimeout as e:
        lanes.observe(cost_key, timeout * 1000)  # stopped: at least this slow, heavy from now on
        metrics.query_timeouts_total.inc()
        return error_response(
            503,
            f"{e} Simplify the query, add a LIMIT, or ask for a longer timeout with timeout= "
            f"(at most {settings.query_timeout_max:g} s).",
            {"Retry-After": "1", **lane_header},
        )
    except PoolBusy as e:
        return error_response(503, f"{e} Try again shortly.", {"Retry-After": "2", **lane_header})
    except QueryFailed as e:
        lanes.observe(cost_key, (time.perf_counter() - started) * 1000)
        return error_response(e.status, str(e), lane_header)


def _settle(
    state: ServiceState, key: tuple[Any, ...] | None, payload: dict[str, Any], answer: QueryAnswer, bypass: bool
) -> None:
    """A fresh answer's validators and ``X-Cache``; a complete one is kept in the result cache once it is sent."""
    cache = state.cache
    if answer.complete:  # held whole in memory: no streamed, failed or stopped answer gets here
        answer.etag = answer_etag(key[0] if key is not None else cache.identity, answer.head, answer.prefix)
        answer.cache_control = cache_control(state.settings.http_max_age, payload)
    if key is not None:
        answer.cache = "bypass" if bypass else "miss"
        if answer.complete:
            head = {**answer.head, "lane": answer.lane, "etag": answer.etag}
            asyncio.get_running_loop().call_soon(cache.put, key, payload, head, answer.prefix)


def _count_inline(lane: str) -> None:
    _COUNTED[lane].inc()
    metrics.inline_answers_total.inc()


async def execute(
    request: Request,
    state: ServiceState,
    payload: dict[str, Any],
    timeout: float,
    headers_for: Callable[[dict[str, Any]], dict[str, str]] | None = None,
) -> Response:
    """Run ``payload`` (a worker request) within ``timeout``; the answer, streamed, or a plain-text error.

    ``headers_for`` adds response headers from the answer's head (e.g. pagination links). A request with
    ``Cache-Control: no-cache`` skips the result cache; one whose ``If-None-Match`` names the answer's ``ETag``
    gets ``304 Not Modified``.
    """
    headers = request.headers
    bypass = wants_fresh(headers.get("cache-control"), headers.get("pragma"))
    answer = await run_on_backend(state, payload, timeout, bypass)
    if isinstance(answer, Response):
        return answer
    if answer.etag is not None and etag_matches(headers.get("if-none-match"), answer.etag):
        metrics.not_modified_total.inc()
        return not_modified(_headers(answer))
    return answer_response(answer, request.method == "HEAD", headers_for)


def answer_response(
    answer: QueryAnswer, head_only: bool = False, headers_for: Callable[[dict[str, Any]], dict[str, str]] | None = None
) -> Response:
    """The HTTP response for a query's answer: whole, or streamed while the worker is still writing it."""
    headers = _headers(answer)
    if "max_rows" in answer.head:
        headers["X-SPARQL-MaxRows"] = str(answer.head["max_rows"])
    if headers_for is not None:
        headers.update(headers_for(answer.head))
    media_type = answer.head["content_type"]
    if head_only:
        return Response(b"", media_type=media_type, headers=headers)
    if answer.complete:
        return Response(answer.prefix, media_type=media_type, headers=headers)
    return StreamingResponse(guard(answer.body()), media_type=media_type, headers=headers)


def _headers(answer: QueryAnswer) -> dict[str, str]:
    """The headers a 200 and a 304 share: ``Vary``, the validator and lifetime, ``X-Cache``, ``X-Query-Lane``."""
    headers = {"Vary": "Accept"}
    if answer.etag is not None:
        headers["ETag"] = answer.etag
    if answer.cache_control is not None:
        headers["Cache-Control"] = answer.cache_control
    if answer.cache is not None:
        headers["X-Cache"] = answer.cache
    if answer.lane is not None:
        headers["X-Query-Lane"] = answer.lane
    return headers
