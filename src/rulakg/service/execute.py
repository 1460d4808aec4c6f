"""Running a query request on the backend and answering it over HTTP: the one code path shared by the SPARQL
endpoint and the saved-query API (same workers, timeout, errors, headers, streaming)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from rulakg.service import metrics
from rulakg.service.errors import error_response
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


async def run_on_backend(state: ServiceState, payload: dict[str, Any], timeout: float) -> QueryAnswer | Response:
    """Run ``payload`` (a worker request) within ``timeout``: the answer, or the error response to send.

    A complete small answer comes from, or goes to, the result cache (``store/cache.py``) when it is on;
    ``QueryAnswer.cache`` says which ("hit" / "miss"), for the ``X-Cache`` header.
    """
    settings = state.settings
    cache = state.cache
    if cache.max_bytes > 0:
        key = cache.key(payload)
        kept = cache.get(key)
        if kept is not None:
            metrics.result_cache_hits_total.inc()
            return QueryAnswer(kept[0], kept[1], complete=True, cache="hit")
        metrics.result_cache_misses_total.inc()
    else:
        key = None
    try:
        answer = await state.backend.run(payload, timeout, settings.worker_queue_wait)
        if key is not None:
            answer.cache = "miss"
            if answer.complete:  # held whole in memory: no streamed, failed or stopped answer gets here
                cache.put(key, payload, answer.head, answer.prefix)
        return answer
    except QueryTimeout as e:
        metrics.query_timeouts_total.inc()
        return error_response(
            503,
            f"{e} Simplify the query, add a LIMIT, or ask for a longer timeout with timeout= "
            f"(at most {settings.query_timeout_max:g} s).",
            {"Retry-After": "1"},
        )
    except PoolBusy as e:
        return error_response(503, f"{e} Try again shortly.", {"Retry-After": "2"})
    except QueryFailed as e:
        return error_response(e.status, str(e))


async def execute(
    request: Request,
    state: ServiceState,
    payload: dict[str, Any],
    timeout: float,
    headers_for: Callable[[dict[str, Any]], dict[str, str]] | None = None,
) -> Response:
    """Run ``payload`` (a worker request) within ``timeout``; the answer, streamed, or a plain-text error.

    ``headers_for`` adds response headers from the answer's head (e.g. pagination links).
    """
    answer = await run_on_backend(state, payload, timeout)
    if isinstance(answer, Response):
        return answer
    return answer_response(answer, request.method == "HEAD", headers_for)


def answer_response(
    answer: QueryAnswer, head_only: bool = False, headers_for: Callable[[dict[str, Any]], dict[str, str]] | None = None
) -> Response:
    """The HTTP response for a query's answer: whole, or streamed while the worker is still writing it."""
    headers = {"Vary": "Accept"}
    if "max_rows" in answer.head:
        headers["X-SPARQL-MaxRows"] = str(answer.head["max_rows"])
    if answer.cache is not None:
        headers["X-Cache"] = answer.cache
    if headers_for is not None:
        headers.update(headers_for(answer.head))
    media_type = answer.head["content_type"]
    if head_only:
        return Response(b"", media_type=media_type, headers=headers)
    if answer.complete:
        return Response(answer.prefix, media_type=media_type, headers=headers)
    return StreamingResponse(guard(answer.body()), media_type=media_type, headers=headers)
