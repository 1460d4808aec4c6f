"""A query worker that outgrew its memory allowance is replaced after its answer (``store/worker.py``), on real
servers: with a tiny allowance every answer retires its worker and the answers stay whole and right; with the
default one, ordinary queries over a store keep their worker (a fresh worker has cold caches, and starting one
costs a CPU for a while)."""

from __future__ import annotations

from pathlib import Path

import httpx
from conftest import ID, ONT
from server import LiveServer

JSON = "application/sparql-results+json"


def replaced(server: LiveServer, reason: str) -> float:
    wanted = f'rulakg_query_workers_replaced{{reason="{reason}"}} '
    for line in httpx.get(f"{server.url}/metrics", timeout=10).text.splitlines():
        if line.startswith(wanted):
            return float(line.split()[1])
    raise AssertionError(f"no {wanted.strip()} in /metrics")


def ask(server: LiveServer, n: int) -> None:
    """``n`` different queries through a worker (two patterns: never answered in the service process)."""
    for i in range(n):
        query = f"SELECT ?o ?p WHERE {{ <{ID}item/{i}> <{ONT}value> ?o . <{ID}item/{i}> ?p ?o }}"
        r = httpx.get(f"{server.url}/sparql", params={"query": query}, headers={"Accept": JSON}, timeout=60)
        assert r.status_code == 200, r.text
        rows = r.json()["results"]["bindings"]
        assert [row["o"]["value"] for row in rows] == [f"value number {i}"]


def test_a_worker_past_its_allowance_is_replaced_after_its_answer(big_store_dir: Path) -> None:
    with LiveServer(big_store_dir, workers=1, result_cache_mb=0, worker_memory_mb=0.001) as server:
        ask(server, 4)
        assert replaced(server, "memory") >= 3  # a retiring worker finishes its answer first
        assert replaced(server, "stopped") == 0
        ask(server, 2)  # the fresh workers answer


def test_ordinary_queries_keep_their_worker(big_store_dir: Path) -> None:
    with LiveServer(big_store_dir, workers=1, result_cache_mb=0) as server:
        ask(server, 30)
        assert replaced(server, "memory") == 0
