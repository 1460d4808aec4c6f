"""Admission control: light and heavy query lanes (``service/lanes.py``, ``store/pool.py``).

Unit tests of the classification (the static estimate, the observed-cost memory), then the behaviour on a
real server with 2 workers over the big store: heavy queries hold at most one worker (the heavy cap), the
others wait for a slot, and point look-ups keep being answered on the worker left for them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import ID, ONT
from server import LiveServer

from rulakg.service.lanes import HEAVY, LIGHT, CostMemory, Lanes, cost_key, heavy_cap
from rulakg.sparql_text import looks_heavy
from rulakg.store.admission import Admission, PoolBusy

# --- the static estimate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?o",
        "SELECT (SUM(?v) AS ?t) WHERE { <http://e/s> <http://e/p> ?v }",
        "SELECT ?s WHERE { ?s <http://e/p> ?o } GROUP BY ?s LIMIT 5",
        "SELECT ?s WHERE { ?s <http://e/p> ?o } ORDER BY ?o",
        "SELECT ?s WHERE { ?s <http://e/p> ?o } ORDER BY ?o LIMIT 100000",
        "PREFIX ex: <http://e/> SELECT ?y WHERE { ex:a ex:knows+ ?y } LIMIT 5",
        "SELECT ?y WHERE { <http://e/a> <http://e/knows>* ?y } LIMIT 5",
        "SELECT ?y WHERE { <http://e/a> (<http://e/p>|<http://e/q>)* ?y } LIMIT 5",
        "SELECT * WHERE { ?s ?p ?o }",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?a <http://e/p> ?b . ?b <http://e/q> ?c . ?c <http://e/r> ?d }",
        "SELECT * WHERE { ?a <http://e/p> ?b ; <http://e/q> ?c ; <http://e/r> ?d }",
    ],
)
def test_estimate_heavy(query: str):
    heavy, reason = looks_heavy(query)
    assert heavy and reason


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?p ?o WHERE { <http://e/s> ?p ?o }",
        "ASK { <http://e/s> ?p ?o }",
        "DESCRIBE <http://e/s>",
        "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
        "SELECT ?s WHERE { ?s <http://e/p> ?o } ORDER BY ?o LIMIT 10",
        "SELECT ?s WHERE { ?s a <http://e/C> ; <http://e/name> ?n }",
        "SELECT ?s WHERE { ?s <http://e/p> ?v FILTER(?v * 2 > 3) }",  # arithmetic, not a path
        "SELECT ?s WHERE { ?s <http://e/p> ?v FILTER(?v + 1 > 3) }",
        # the keywords in a string or a comment do not count
        'SELECT ?s WHERE { ?s <http://e/p> "COUNT(*) GROUP BY ?x ORDER BY" } # GROUP BY ?s',
        "INSERT DATA { <http://e/s> <http://e/p> 1 }",
    ],
)
def test_estimate_light(query: str):
    assert looks_heavy(query) == (False, None)


# --- the observed-cost memory ---------------------------------------------------------------------------


def test_cost_memory_is_a_moving_average():
    memory = CostMemory(alpha=0.5)
    assert memory.get(1) is None
    assert memory.observe(1, 100) == 100  # the first run is taken as it is
    assert memory.observe(1, 300) == 200
    assert memory.observe(1, 0) == 100
    assert memory.get(1) == 100


def test_cost_memory_is_bounded_lru():
    memory = CostMemory(size=3)
    for key in (1, 2, 3):
        memory.observe(key, key)
    memory.get(1)  # recently used: kept
    memory.observe(4, 4)
    assert len(memory) == 3
    assert memory.get(2) is None
    assert [memory.get(k) for k in (1, 3, 4)] == [1, 3, 4]


def _payload(query: str, **kw: object) -> dict[str, object]:
    return {
        "query": query,
        "default_graph_uri": [],
        "named_graph_uri": [],
        "union_default_graph": True,
        "accept": None,
        "format": None,
        **kw,
    }


def test_observed_cost_wins_over_the_estimate():
    lanes = Lanes(heavy_ms=200)
    aggregate = _payload("SELECT (COUNT(*) AS ?n) WHERE { <http://e/s> ?p ?o }")
    lookup = _payload("SELECT * WHERE { ?a ?p ?x . ?b ?q ?y } LIMIT 1")
    lane, key = lanes.classify(aggregate)
    assert lane == HEAVY  # unseen: the text says aggregate
    lanes.observe(key, 3)
    assert lanes.classify(aggregate)[0] == LIGHT  # seen to be quick
    lane, key = lanes.classify(lookup)
    assert lane == LIGHT  # unseen: a LIMIT 1
    lanes.observe(key, 30_000)  # e.g. it timed out after 30 s
    assert lanes.classify(lookup)[0] == HEAVY
    for _ in range(8):  # then quick again (the data changed): light once the average is back under 200 ms
        lanes.observe(key, 1)
    assert lanes.classify(lookup)[0] == LIGHT


def test_cost_key_ignores_format_and_timeout_but_not_the_dataset():
    q = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    assert cost_key(_payload(q)) == cost_key(_payload(q, accept="text/csv", format="csv", base_iri="http://x/"))
    assert cost_key(_payload(q)) != cost_key(_payload(q, default_graph_uri=["http://g/"]))
    assert cost_key(_payload(q)) != cost_key(_payload(q + " "))


def test_cost_key_tells_a_saved_query_s_parameter_values_and_pages_apart():
    """One saved query is cheap for a small state and slow for a large one: its run times are kept apart."""
    q = "SELECT ?v WHERE { ?v <http://x/host> ?state }"
    cuba = {"state": {"type": "iri", "value": "https://w3id.org/rulakg/id/state/cuba"}}
    brazil = {"state": {"type": "iri", "value": "https://w3id.org/rulakg/id/state/brazil"}}
    page = {"limit": 50, "offset": 0}
    keys = {
        cost_key(_payload(q, substitutions=cuba)),
        cost_key(_payload(q, substitutions=brazil)),
        cost_key(_payload(q, substitutions=cuba, page=page)),
        cost_key(_payload(q, substitutions=cuba, page={"limit": 50, "offset": 50})),
        cost_key(_payload(q)),
    }
    assert len(keys) == 5
    assert cost_key(_payload(q, substitutions=cuba, accept="text/csv")) == cost_key(_payload(q, substitutions=cuba))


def test_admission_keeps_a_unit_for_light_queries_and_bounds_each_wait():
    """The rule both backends share (``store/admission.py``), over 2 units with a heavy cap of 1."""
    import asyncio

    async def scenario() -> list[tuple[str, bool]]:
        units: asyncio.LifoQueue[str] = asyncio.LifoQueue()
        for name in ("a", "b"):
            units.put_nowait(name)
        admission: Admission[str] = Admission(2, 1, "query workers")
        waits: list[tuple[str, bool]] = []
        admission.on_wait = lambda lane, seconds, admitted: waits.append((lane, admitted))

        async def admit(lane: str, wait: float = 0.1) -> tuple[str, bool]:
            return await admission.admit(lane, wait, lambda: not units.empty(), units.get_nowait, units.get)

        first, held = await admit(HEAVY)
        assert held and admission.running == {"light": 0, "heavy": 1}
        with pytest.raises(PoolBusy, match="Heavy queries may use 1 of the 2 query workers at once"):
            await admit(HEAVY)  # the heavy slot is taken, though a unit is free
        light, held_light = await admit(LIGHT)  # the unit left is the light lane's
        assert not held_light and admission.running == {"light": 1, "heavy": 1}
        with pytest.raises(PoolBusy, match=r"All 2 query workers stayed busy for 0\.1 s"):
            await admit(LIGHT)
        # a waiting query gets the unit given back within its wait
        later = asyncio.get_running_loop().call_later(0.02, lambda: (admission.leave(LIGHT), units.put_nowait(light)))
        assert (await admit(LIGHT, wait=1.0))[0] == light
        later.cancel()
        admission.leave(HEAVY)
        units.put_nowait(first)
        admission.release_heavy(held)
        assert (await admit(HEAVY))[1]  # the heavy slot is free again
        assert admission.waiting == {"light": 0, "heavy": 0}
        return waits

    assert asyncio.run(scenario()) == [(HEAVY, False), (LIGHT, False), (LIGHT, True)]


def test_heavy_cap_defaults():
    assert heavy_cap(None, 4) == 3  # all workers but one
    assert heavy_cap(None, 2) == 1
    assert heavy_cap(None, 1) == 1  # at least one
    assert heavy_cap(2, 4) == 2
    assert heavy_cap(9, 4) == 4
    assert heavy_cap(0, 4) == 0  # no cap: lanes off


# --- behaviour on a real server -------------------------------------------------------------------------

# A cross join of the big store with itself: 4·10^10 pairs to count, stopped by its timeout.
HEAVY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y }"
HEAVY_TIMEOUT = 4
N_HEAVY = 3


def lookup(i: int) -> str:
    return f"SELECT ?o WHERE {{ <{ID}item/{i}> <{ONT}value> ?o }}"


def metrics(server: LiveServer) -> dict[str, float]:
    out = {}
    for line in httpx.get(f"{server.url}/metrics", timeout=10).text.splitlines():
        if line.startswith("rulakg_") and " " in line:
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


@pytest.fixture(scope="module")
def lane_server(big_store_dir: Path) -> Iterator[LiveServer]:
    # 2 workers: heavy queries may hold 1 (the default, workers - 1); no result cache, so every look-up runs.
    server = LiveServer(big_store_dir, workers=2, worker_queue_wait=60, result_cache_mb=0).start()
    try:
        yield server
    finally:
        server.stop()


def test_lane_header_on_fast_and_routed_paths(lane_server: LiveServer):
    url = f"{lane_server.url}/sparql"
    r = httpx.get(url, params={"query": lookup(1)}, timeout=30)  # the fast path
    assert r.status_code == 200 and r.headers["x-query-lane"] == "light"
    r = httpx.post(url, data={"query": lookup(2)}, timeout=30)  # FastAPI
    assert r.status_code == 200 and r.headers["x-query-lane"] == "light"
    agg = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{ID}item/3> ?p ?o }}"
    r = httpx.post(url, data={"query": agg}, timeout=30)
    assert r.status_code == 200 and r.headers["x-query-lane"] == "heavy"  # unseen: the text says aggregate
    r = httpx.get(url, params={"query": agg}, timeout=30)
    assert r.status_code == 200 and r.headers["x-query-lane"] == "light"  # seen to be quick


def test_a_timed_out_query_is_heavy_next_time(lane_server: LiveServer):
    # Statically light (LIMIT 1), but a nested-loop join of the whole store with itself.
    q = f'SELECT * WHERE {{ ?a ?p ?x . ?b ?q ?y FILTER(STR(?x) = CONCAT(STR(?y), "{time.time()}")) }} LIMIT 1'
    url = f"{lane_server.url}/sparql"
    first = httpx.get(url, params={"query": q, "timeout": "1"}, timeout=30)
    assert first.status_code == 503 and "retry-after" in first.headers
    assert first.headers["x-query-lane"] == "light"
    second = httpx.get(url, params={"query": q, "timeout": "1"}, timeout=30)
    assert second.status_code == 503
    assert second.headers["x-query-lane"] == "heavy"


def test_lookups_are_answered_while_heavy_queries_queue(lane_server: LiveServer):
    before = metrics(lane_server)
    heavy: list[httpx.Response] = []

    def run_heavy(i: int) -> None:
        q = f"{HEAVY_QUERY} # {i} {time.time()}"  # a comment: distinct texts, the same work
        heavy.append(
            httpx.get(
                f"{lane_server.url}/sparql",
                params={"query": q, "timeout": str(HEAVY_TIMEOUT)},
                timeout=N_HEAVY * HEAVY_TIMEOUT + 60,
            )
        )

    threads = [threading.Thread(target=run_heavy, args=(i,)) for i in range(N_HEAVY)]
    for t in threads:
        t.start()
    started = time.monotonic()
    lookups: list[tuple[httpx.Response, float]] = []
    max_heavy_running = max_heavy_waiting = 0.0
    i = 0
    with httpx.Client(timeout=60) as client:
        while any(t.is_alive() for t in threads):
            i += 1
            t0 = time.monotonic()
            r = client.get(f"{lane_server.url}/sparql", params={"query": lookup(1000 + i)})
            lookups.append((r, time.monotonic() - t0))
            m = metrics(lane_server)
            max_heavy_running = max(max_heavy_running, m['rulakg_lane_running{lane="heavy"}'])
            max_heavy_waiting = max(max_heavy_waiting, m['rulakg_lane_waiting{lane="heavy"}'])
            time.sleep(0.05)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    after = metrics(lane_server)

    # The heavy queries ran one at a time (the cap is 1 of the 2 workers), the others waited for the slot.
    assert len(heavy) == N_HEAVY
    assert all(r.status_code == 503 and r.headers["x-query-lane"] == "heavy" for r in heavy)  # their timeout
    assert max_heavy_running == 1
    assert max_heavy_waiting >= 1
    assert after["rulakg_heavy_workers"] == 1
    assert (
        after['rulakg_queries_total{lane="heavy"}'] - before.get('rulakg_queries_total{lane="heavy"}', 0) == N_HEAVY
    )
    waited = after['rulakg_query_wait_seconds_count{lane="heavy"}'] - before.get(
        'rulakg_query_wait_seconds_count{lane="heavy"}', 0
    )
    assert waited >= N_HEAVY - 1
    # A query's timeout covers its wait too: one heavy query ran until its timeout stopped it, the others
    # waited for the heavy slot all that time and were then refused (503 + Retry-After) as the lane was busy.
    stopped = [r for r in heavy if "stopped after" in r.text]
    refused = [r for r in heavy if "Heavy queries may use 1 of the 2" in r.text]
    assert len(stopped) == 1 and len(refused) == N_HEAVY - 1, [r.text for r in heavy]
    assert all("retry-after" in r.headers for r in heavy)
    busy = after['rulakg_query_busy_total{lane="heavy"}'] - before.get('rulakg_query_busy_total{lane="heavy"}', 0)
    assert busy == N_HEAVY - 1
    assert elapsed >= HEAVY_TIMEOUT

    # Meanwhile every look-up was answered, in the light lane, without waiting for the heavy queries.
    assert len(lookups) >= 5
    assert all(r.status_code == 200 and r.headers["x-query-lane"] == "light" for r, _ in lookups)
    assert all(f"value number {1000 + n + 1}" in r.text for n, (r, _) in enumerate(lookups))
    assert max(seconds for _, seconds in lookups) < HEAVY_TIMEOUT + 1  # generous: never behind a heavy query
