"""Prometheus metrics of the service (``/metrics``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from rulakg.store.cache import ResultCache
    from rulakg.store.pool import WorkerPool

registry = CollectorRegistry()

requests_total = Counter(
    "rulakg_http_requests_total", "HTTP requests answered", ["endpoint", "status"], registry=registry
)
request_seconds = Histogram(
    "rulakg_http_request_seconds",
    "Time to the response head, per endpoint",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=registry,
)
query_errors_total = Counter(
    "rulakg_query_errors_total", "Queries that failed, by HTTP status", ["status"], registry=registry
)
query_timeouts_total = Counter("rulakg_query_timeouts_total", "Queries stopped by their timeout", registry=registry)
workers_alive = Gauge("rulakg_query_workers_alive", "Query worker processes alive", registry=registry)
store_triples = Gauge("rulakg_store_triples", "Triples in the served store", registry=registry)
result_cache_hits_total = Counter(
    "rulakg_result_cache_hits_total", "Query answers sent from the result cache", registry=registry
)
result_cache_misses_total = Counter(
    "rulakg_result_cache_misses_total",
    "Query answers computed by a worker while the result cache is on",
    registry=registry,
)
result_cache_bypass_total = Counter(
    "rulakg_result_cache_bypass_total",
    "Query answers computed by a worker because the request said Cache-Control: no-cache / no-store",
    registry=registry,
)
not_modified_total = Counter(
    "rulakg_not_modified_total", "Query requests answered 304 Not Modified (If-None-Match)", registry=registry
)
result_cache_bytes = Gauge("rulakg_result_cache_bytes", "Bytes held by the result cache", registry=registry)
result_cache_entries = Gauge("rulakg_result_cache_entries", "Answers held by the result cache", registry=registry)

# Query lanes (service/lanes.py)
queries_total = Counter(
    "rulakg_queries_total", "Queries classified, by lane (light / heavy)", ["lane"], registry=registry
)
inline_answers_total = Counter(
    "rulakg_inline_answers_total",
    "Single-pattern look-ups answered in the service process, without a worker (store/inline.py)",
    registry=registry,
)
query_wait_seconds = Histogram(
    "rulakg_query_wait_seconds",
    "Time a query waited for a worker (and, if heavy, for a heavy slot), by lane; only queries that had to wait",
    ["lane"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=registry,
)
query_busy_total = Counter(
    "rulakg_query_busy_total", "Queries refused (503) after waiting for a worker, by lane", ["lane"], registry=registry
)
lane_running = Gauge("rulakg_lane_running", "Queries holding a worker, by lane", ["lane"], registry=registry)
lane_waiting = Gauge("rulakg_lane_waiting", "Queries waiting for a worker, by lane", ["lane"], registry=registry)
workers_replaced = Gauge(
    "rulakg_query_workers_replaced",
    "Query workers replaced since the start, by reason: stopped (a query past its timeout, or its client gone) "
    "or memory (grown past RULAKG_WORKER_MEMORY_MB)",
    ["reason"],
    registry=registry,
)
heavy_workers = Gauge(
    "rulakg_heavy_workers", "Workers heavy queries may hold at once (0: no cap, lanes off)", registry=registry
)


_answered: dict[tuple[str, int], tuple[Any, Any]] = {}  # the metrics' children by (endpoint, status)


def _children(endpoint: str, status: int) -> tuple[Any, Any]:
    """The labelled children, looked up once (prometheus_client takes a lock for it)."""
    children = _answered.get((endpoint, status))
    if children is None:
        children = _answered[(endpoint, status)] = (
            requests_total.labels(endpoint, str(status)),
            request_seconds.labels(endpoint),
        )
    return children


_children("sparql", 200)  # the series exist (at 0) from the start, before the first query


def answered(endpoint: str, status: int, started: float, query: bool = False) -> None:
    """Count a request to ``endpoint`` answered with ``status`` and its time to the response head
    (``started``: ``time.perf_counter()`` at its start); for a ``query`` endpoint, a 4xx or 5xx is also a failed
    query. Every HTTP route with its own metrics ends here."""
    children = _children(endpoint, status)
    children[0].inc()
    children[1].observe(time.perf_counter() - started)
    if query and status >= 400:
        query_errors_total.labels(str(status)).inc()


def observe_wait(lane: str, seconds: float, admitted: bool) -> None:
    query_wait_seconds.labels(lane).observe(seconds)
    if not admitted:
        query_busy_total.labels(lane).inc()


def watch_lanes(backend: object) -> None:
    """Report the backend's lanes (``store/admission.py``) when ``/metrics`` is read (one without reports nothing)."""
    admission = getattr(backend, "admission", None)
    if admission is None:
        return
    running, waiting = admission.running, admission.waiting
    for lane in ("light", "heavy"):
        lane_running.labels(lane).set_function(lambda lane=lane: running[lane])
        lane_waiting.labels(lane).set_function(lambda lane=lane: waiting[lane])
    heavy_workers.set(admission.heavy_cap)
    admission.on_wait = observe_wait


def watch_workers(pool: WorkerPool) -> None:
    """Report the worker pool's replacements when ``/metrics`` is read."""
    workers_replaced.labels("stopped").set_function(lambda: pool.kills)
    workers_replaced.labels("memory").set_function(lambda: pool.retired)


def watch_result_cache(cache: ResultCache) -> None:
    """Report the cache's size when ``/metrics`` is read."""
    result_cache_bytes.set_function(lambda: cache.bytes)
    result_cache_entries.set_function(lambda: len(cache))
