"""Prometheus metrics of the service (``/metrics``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from rulakg.store.cache import ResultCache

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
result_cache_bytes = Gauge("rulakg_result_cache_bytes", "Bytes held by the result cache", registry=registry)
result_cache_entries = Gauge("rulakg_result_cache_entries", "Answers held by the result cache", registry=registry)


def watch_result_cache(cache: ResultCache) -> None:
    """Report the cache's size when ``/metrics`` is read."""
    result_cache_bytes.set_function(lambda: cache.bytes)
    result_cache_entries.set_function(lambda: len(cache))
