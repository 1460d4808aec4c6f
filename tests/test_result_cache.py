"""The result cache of complete small answers: hits and misses through the real server (fast GET path, routed
POST, saved queries), what is never kept (non-deterministic functions, SERVICE, big streamed answers),
the setting that turns it off, and the identity of the build in its key (no stale answer after a rebuild)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import DATA_DIR, G_PEOPLE, G_PLACES, ONTOLOGY_DIR
from server import LiveServer, build_store

from rulakg.store.cache import ResultCache, build_identity, cacheable_query

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def fresh(query: str) -> str:
    """The query with a unique comment: a text no other test has sent (the cache keys on the exact text)."""
    return f"# {uuid.uuid4()}\n{query}"


def get(server: LiveServer, query: str, **params: str) -> httpx.Response:
    r = httpx.get(f"{server.url}/sparql", params={"query": query, **params}, timeout=30)
    assert r.status_code == 200, r.text
    return r


def stable_headers(r: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k not in ("date", "x-cache")}


def metric(server: LiveServer, name: str) -> float:
    for line in httpx.get(f"{server.url}/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def count(r: httpx.Response) -> int:
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# --- the service with its default settings (cache on) ----------------------------------------------------


def test_second_identical_get_is_a_hit(server: LiveServer):
    q = fresh(f"SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label }} ORDER BY ?s ?label")
    hits = metric(server, "rulakg_result_cache_hits_total")
    misses = metric(server, "rulakg_result_cache_misses_total")
    first, second = get(server, q), get(server, q)
    assert first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit"
    assert second.content == first.content
    assert stable_headers(second) == stable_headers(first)
    assert metric(server, "rulakg_result_cache_hits_total") == hits + 1
    assert metric(server, "rulakg_result_cache_misses_total") == misses + 1
    assert metric(server, "rulakg_result_cache_entries") >= 1
    assert metric(server, "rulakg_result_cache_bytes") > len(first.content)


def test_routed_post_uses_the_cache(server: LiveServer):
    q = fresh("ASK { ?s ?p ?o }")
    answers = [
        httpx.post(f"{server.url}/sparql", data={"query": q}, headers={"Accept": "application/sparql-results+json"})
        for _ in range(2)
    ]
    assert [r.status_code for r in answers] == [200, 200]
    assert [r.headers["x-cache"] for r in answers] == ["miss", "hit"]
    assert answers[0].content == answers[1].content
    assert stable_headers(answers[0]) == stable_headers(answers[1])
    # The query sent as application/sparql-query is the same request: the same entry.
    direct = httpx.post(
        f"{server.url}/sparql",
        content=q,
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert direct.headers["x-cache"] == "hit" and direct.content == answers[0].content


def test_other_format_or_accept_is_a_miss(server: LiveServer):
    q = fresh(f"SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label }} ORDER BY ?s ?label")
    assert get(server, q).headers["x-cache"] == "miss"
    csv1 = get(server, q, format="csv")
    assert csv1.headers["x-cache"] == "miss" and csv1.headers["content-type"].startswith("text/csv")
    csv2 = get(server, q, format="csv")
    assert csv2.headers["x-cache"] == "hit" and csv2.content == csv1.content
    xml = httpx.get(f"{server.url}/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+xml"})
    assert xml.headers["x-cache"] == "miss" and "xml" in xml.headers["content-type"]
    assert get(server, q).headers["x-cache"] == "hit"


def test_other_dataset_is_a_miss(server: LiveServer, expected_counts: dict[str, int]):
    q = fresh(COUNT)
    people = get(server, q, **{"default-graph-uri": G_PEOPLE})
    places = get(server, q, **{"default-graph-uri": G_PLACES})
    assert people.headers["x-cache"] == places.headers["x-cache"] == "miss"
    assert (count(people), count(places)) == (expected_counts[G_PEOPLE], expected_counts[G_PLACES])
    again = get(server, q, **{"default-graph-uri": G_PLACES})
    assert again.headers["x-cache"] == "hit" and count(again) == expected_counts[G_PLACES]
    named = get(server, q, **{"named-graph-uri": G_PEOPLE})  # a dataset of one named graph: empty default graph
    assert named.headers["x-cache"] == "miss" and count(named) == 0


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (RAND() AS ?r) WHERE {}",
        "select (rand() as ?r) where {}",
        "SELECT (NOW() AS ?t) WHERE {}",
        "SELECT (UUID() AS ?u) WHERE {}",
        "SELECT (StrUuid() AS ?u) WHERE {}",
        "SELECT (BNODE() AS ?b) WHERE {}",
    ],
)
def test_non_deterministic_queries_are_never_cached(server: LiveServer, query: str):
    q = fresh(query)
    assert [get(server, q).headers["x-cache"] for _ in range(3)] == ["miss", "miss", "miss"]


def test_function_names_in_strings_comments_and_names_do_not_count(server: LiveServer):
    q = fresh('SELECT ("RAND() NOW()" AS ?x) ?rand WHERE { BIND(1 AS ?rand) } # UUID()')
    assert [get(server, q).headers["x-cache"] for _ in range(2)] == ["miss", "hit"]


def test_cacheable_query():
    assert cacheable_query(COUNT)
    assert not cacheable_query("SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }")
    assert not cacheable_query("SELECT ?x WHERE { BIND(Rand() AS ?x) }")
    assert not cacheable_query("CONSTRUCT { ?s <urn:p> ?t } WHERE { ?s ?p ?o BIND(now() AS ?t) }")
    assert cacheable_query("SELECT ?now WHERE { ?now <urn:rand> 'UUID' } # BNODE()")
    assert cacheable_query("PREFIX ex: <urn:x:>\nSELECT * WHERE { ?s ex:rand ?o }")


def test_a_big_streamed_answer_is_not_cached(big_server: LiveServer):
    q = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    for _ in range(2):
        with httpx.stream("GET", f"{big_server.url}/sparql", params={"query": q}, timeout=60) as r:
            assert r.status_code == 200
            assert r.headers["x-cache"] == "miss"
            assert "content-length" not in r.headers  # streamed
            size = sum(len(chunk) for chunk in r.iter_bytes())
        assert size > 256 * 1024
    assert metric(big_server, "rulakg_result_cache_entries") <= 1  # at most a start-up query, not the scan


def test_errors_are_not_cached(server: LiveServer):
    q = fresh("SELECT * WHERE { ?s ?p }")
    for _ in range(2):
        r = httpx.get(f"{server.url}/sparql", params={"query": q})
        assert r.status_code == 400 and "x-cache" not in r.headers


# --- saved queries ------------------------------------------------------------------------------------------

SAVED_LABELS = f"""#+ summary: Labels, two per page
#+ tags: [testing]
#+ pagination: 2
SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label }} ORDER BY ?s ?label
"""
SAVED_ECHO = """#+ summary: Echo a text
#+ tags: [testing]
SELECT ?_text (STRLEN(?_text) AS ?length) WHERE {}
"""


@pytest.fixture(scope="module")
def saved_server(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    queries = tmp_path_factory.mktemp("cache-queries")
    (queries / "labels.rq").write_text(SAVED_LABELS)
    (queries / "echo-text.rq").write_text(SAVED_ECHO)
    with LiveServer(store_dir, workers=1, queries_dir=queries) as live:
        yield live


def test_saved_queries_use_the_cache(saved_server: LiveServer):
    url = f"{saved_server.url}/api/queries"
    page1 = [httpx.get(f"{url}/labels") for _ in range(2)]
    assert [r.headers["x-cache"] for r in page1] == ["miss", "hit"]
    assert page1[0].content == page1[1].content
    assert stable_headers(page1[0]) == stable_headers(page1[1])  # Link (has next page) rebuilt from the head
    assert 'rel="next"' in page1[0].headers["link"]
    page2 = httpx.get(f"{url}/labels", params={"page": 2})
    assert page2.headers["x-cache"] == "miss" and page2.content != page1[0].content
    assert httpx.get(f"{url}/labels", params={"per_page": 3}).headers["x-cache"] == "miss"
    assert httpx.get(f"{url}/labels", params={"format": "csv"}).headers["x-cache"] == "miss"
    a = httpx.get(f"{url}/echo-text", params={"text": "abc"})
    b = httpx.get(f"{url}/echo-text", params={"text": "abcd"})
    assert a.headers["x-cache"] == b.headers["x-cache"] == "miss"
    assert a.json()["results"]["bindings"][0]["length"]["value"] == "3"
    assert b.json()["results"]["bindings"][0]["length"]["value"] == "4"
    c = httpx.get(f"{url}/echo-text", params={"text": "abc"})
    assert c.headers["x-cache"] == "hit" and c.content == a.content


# --- settings and builds ------------------------------------------------------------------------------------


def test_zero_megabytes_turns_the_cache_off(store_dir: Path):
    with LiveServer(store_dir, workers=1, result_cache_mb=0) as live:
        q = fresh(COUNT)
        answers = [get(live, q) for _ in range(3)]
        assert all("x-cache" not in r.headers for r in answers)
        assert metric(live, "rulakg_result_cache_hits_total") == 0
        assert metric(live, "rulakg_result_cache_entries") == 0


def _data_copy(root: Path) -> Path:
    data = root / "data"
    shutil.copytree(DATA_DIR, data)
    return data


def test_a_new_build_is_never_answered_from_the_old_one(tmp_path: Path):
    data = _data_copy(tmp_path)
    store = tmp_path / "store"
    build_store(store, ONTOLOGY_DIR, data)
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with LiveServer(store, workers=1) as live:
        first = get(live, q)
        assert first.headers["x-cache"] == "miss" and get(live, q).headers["x-cache"] == "hit"
        before = count(first)
        # A new build with one more triple, while the service runs: the service keeps serving the build it
        # opened at start (its workers and its cache both), consistently, until it is restarted.
        (data / "people" / "extra.ttl").write_text(f'<https://w3id.org/rulakg/id/extra> <{LABEL}> "Extra" .\n')
        build_store(store, ONTOLOGY_DIR, data)
        still = get(live, q)
        assert count(still) == before
    with LiveServer(store, workers=1) as live:
        after = get(live, q)
        assert after.headers["x-cache"] == "miss" and count(after) == before + 1
        assert get(live, q).headers["x-cache"] == "hit"


def test_the_key_names_the_build(tmp_path: Path):
    data = _data_copy(tmp_path)
    store = tmp_path / "store"
    build_store(store, ONTOLOGY_DIR, data)
    from rulakg.build.builder import read_manifest

    first_root = (store / "current").resolve()
    (data / "people" / "extra.ttl").write_text(f'<https://w3id.org/rulakg/id/extra> <{LABEL}> "Extra" .\n')
    build_store(store, ONTOLOGY_DIR, data)
    second_root = (store / "current").resolve()
    assert first_root != second_root
    one = ResultCache(1 << 20, build_identity(first_root, read_manifest(first_root) or {}), first_root / "oxigraph")
    two = ResultCache(1 << 20, build_identity(second_root, read_manifest(second_root) or {}), second_root / "oxigraph")
    request = {"query": COUNT, "format": "json", "default_graph_uri": [], "union_default_graph": True}
    assert one.key(request) != two.key(request)
    assert one.put(one.key(request), request, {"content_type": "application/json"}, b"{}")
    assert two.get(two.key(request)) is None
    assert one.get(one.key(request)) == ({"content_type": "application/json"}, b"{}")


def test_a_load_into_the_served_store_empties_the_cache(tmp_path: Path):
    """``rulakg load`` opens the store for writing (a new RocksDB manifest): within a second the cache is
    emptied and its key changes (the workers need a restart to see the new triples)."""
    data = _data_copy(tmp_path)
    store = tmp_path / "store"
    build_store(store, ONTOLOGY_DIR, data)
    extra = tmp_path / "extra.nt"
    extra.write_text(f'<https://w3id.org/rulakg/id/extra> <{LABEL}> "Extra" .\n')
    q = fresh(COUNT)
    with LiveServer(store, workers=1) as live:
        first = get(live, q)
        assert [first.headers["x-cache"], get(live, q).headers["x-cache"]] == ["miss", "hit"]
        subprocess.run(
            [sys.executable, "-m", "rulakg.cli", "load", str(extra), "--store-dir", str(store)],
            check=True,
            capture_output=True,
        )
        time.sleep(1.2)
        assert get(live, q).headers["x-cache"] == "miss"
    with LiveServer(store, workers=1) as live:
        assert count(get(live, q)) == count(first) + 1


def test_lru_by_bytes():
    cache = ResultCache(5000)
    requests = [{"query": f"ASK {{ <urn:{i}> ?p ?o }}"} for i in range(5)]
    keys = [cache.key(r) for r in requests]
    for k, r in zip(keys[:3], requests[:3], strict=True):
        assert cache.put(k, r, {"content_type": "x"}, b"x" * 1000)
    assert cache.get(keys[0]) is not None  # 0 is now the most recently used
    assert cache.put(keys[3], requests[3], {"content_type": "x"}, b"x" * 1000)
    assert cache.get(keys[1]) is None  # the least recently used went first
    assert cache.get(keys[0]) is not None and cache.get(keys[2]) is not None and cache.get(keys[3]) is not None
    assert cache.bytes <= cache.max_bytes
    assert not cache.put(keys[4], requests[4], {"content_type": "x"}, b"x" * 3000)  # > half the budget
