"""Single-pattern look-ups answered in the service process (``store/inline.py``), on real servers.

Two servers over the same store, one answering look-ups in its own process (the default) and one sending every
query to a worker (``RULAKG_INLINE_LOOKUP_BYTES=0``), must give the same bytes, headers and errors; the
``rulakg_inline_answers_total`` counter says which path answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import BIG_TRIPLES, ID, ONT
from server import LiveServer

INLINE = "rulakg_inline_answers_total"


def inline_count(server: LiveServer) -> float:
    for line in httpx.get(f"{server.url}/metrics", timeout=10).text.splitlines():
        if line.startswith(INLINE + " "):
            return float(line.split()[1])
    raise AssertionError(f"no {INLINE} in /metrics")


@pytest.fixture(scope="module")
def servers(big_store_dir: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    # No result cache: every request is evaluated.
    with (
        LiveServer(big_store_dir, workers=1, result_cache_mb=0) as inline,
        LiveServer(big_store_dir, workers=1, result_cache_mb=0, inline_lookup_bytes=0) as workers,
    ):
        yield inline, workers


@pytest.fixture(scope="module")
def small_buffer(big_store_dir: Path) -> Iterator[LiveServer]:
    with LiveServer(big_store_dir, workers=1, result_cache_mb=0, inline_lookup_bytes=2000, max_rows=50) as s:
        yield s


LOOKUPS = [
    f"SELECT ?o WHERE {{ <{ID}item/7> <{ONT}value> ?o }}",
    f"SELECT * WHERE {{ <{ID}item/8> ?p ?o }}",
    f'SELECT ?s WHERE {{ ?s <{ONT}value> "value number 9" }}',
    f"SELECT ?s ?o WHERE {{ ?s <{ONT}value> ?o }} LIMIT 3",
    f"ASK {{ <{ID}item/10> ?p ?o }}",
    f"ASK {{ <{ID}item/{BIG_TRIPLES + 5}> ?p ?o }}",
    f"SELECT ?o WHERE {{ <{ID}no-such-item> <{ONT}value> ?o }}",
]
FORMATS = ["json", "xml", "csv", "tsv"]


@pytest.mark.parametrize("query", LOOKUPS)
def test_same_answer_in_process_and_from_a_worker(servers: tuple[LiveServer, LiveServer], query: str):
    inline, workers = servers
    before = inline_count(inline), inline_count(workers)
    for fmt in FORMATS:
        a = httpx.get(f"{inline.url}/sparql", params={"query": query, "format": fmt}, timeout=30)
        b = httpx.get(f"{workers.url}/sparql", params={"query": query, "format": fmt}, timeout=30)
        assert a.status_code == b.status_code == 200, (a.text, b.text)
        assert a.content == b.content
        for h in ("content-type", "etag", "x-query-lane", "vary"):
            assert a.headers.get(h) == b.headers.get(h), h
    assert inline_count(inline) - before[0] == len(FORMATS)  # every one answered in the service process
    assert inline_count(workers) == before[1] == 0  # never, when switched off


def test_the_answers_are_right(servers: tuple[LiveServer, LiveServer]):
    inline, _ = servers
    r = httpx.get(f"{inline.url}/sparql", params={"query": LOOKUPS[0], "format": "json"}, timeout=30)
    assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == ["value number 7"]
    r = httpx.get(f"{inline.url}/sparql", params={"query": LOOKUPS[2], "format": "json"}, timeout=30)
    assert [b["s"]["value"] for b in r.json()["results"]["bindings"]] == [f"{ID}item/9"]
    r = httpx.get(f"{inline.url}/sparql", params={"query": LOOKUPS[5], "format": "json"}, timeout=30)
    assert r.json()["boolean"] is False


@pytest.mark.parametrize(
    "query",
    [
        f'SELECT ?o WHERE {{ <{ID}item/7> <{ONT}value> ?o FILTER(?o != "x") }}',
        f"SELECT DISTINCT ?p WHERE {{ <{ID}item/7> ?p ?o }}",
        f"SELECT ?o WHERE {{ <{ID}item/7> <{ONT}value> ?o . <{ID}item/8> <{ONT}value> ?o2 }}",
        f"CONSTRUCT WHERE {{ <{ID}item/7> ?p ?o }}",
        f"SELECT ?o WHERE {{ <{ID}item/7> <{ONT}value> ?o }} OFFSET 0",
    ],
)
def test_other_queries_go_to_a_worker(servers: tuple[LiveServer, LiveServer], query: str):
    inline, workers = servers
    before = inline_count(inline)
    a = httpx.get(f"{inline.url}/sparql", params={"query": query}, timeout=30)
    b = httpx.get(f"{workers.url}/sparql", params={"query": query}, timeout=30)
    assert a.status_code == b.status_code == 200 and a.content == b.content
    assert inline_count(inline) == before


def test_errors_are_those_of_a_worker(servers: tuple[LiveServer, LiveServer]):
    inline, workers = servers
    before = inline_count(inline)
    headers = {"Accept": "image/png"}
    a = httpx.get(f"{inline.url}/sparql", params={"query": LOOKUPS[0]}, headers=headers, timeout=30)
    b = httpx.get(f"{workers.url}/sparql", params={"query": LOOKUPS[0]}, headers=headers, timeout=30)
    assert a.status_code == b.status_code == 406 and a.text == b.text
    bad = f"SELECT ?o WHERE {{ <{ID}item/7> <{ONT}value> ?o }} LIMIT 99999999999999999999999"
    a = httpx.get(f"{inline.url}/sparql", params={"query": bad}, timeout=30)
    b = httpx.get(f"{workers.url}/sparql", params={"query": bad}, timeout=30)
    assert a.status_code == b.status_code and a.status_code in (400, 200) and a.text == b.text
    assert inline_count(inline) == before


def test_an_answer_over_the_buffer_goes_to_a_worker_whole(small_buffer: LiveServer):
    before = inline_count(small_buffer)
    # 50 rows (the server's row cap) of ~150 bytes of JSON each: over the 2,000-byte buffer.
    query = f"SELECT ?s ?o WHERE {{ ?s <{ONT}value> ?o }}"
    r = httpx.get(f"{small_buffer.url}/sparql", params={"query": query, "format": "json"}, timeout=60)
    assert r.status_code == 200
    assert len(r.json()["results"]["bindings"]) == 50 and r.headers["x-sparql-maxrows"] == "50"
    assert inline_count(small_buffer) == before
    # a small one fits: answered in process, with the same row cap
    r = httpx.get(f"{small_buffer.url}/sparql", params={"query": query + " LIMIT 2", "format": "json"}, timeout=30)
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 2
    assert inline_count(small_buffer) == before + 1


def test_a_request_too_large_once_goes_straight_to_a_worker(big_store_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """The second time, the answer that outgrew the buffer is not serialized here again (a whole-store scan
    would otherwise cost the event loop a buffer's worth of work on every request)."""
    from rulakg.store import inline as inline_module

    evaluated: list[str] = []
    real = inline_module.evaluate

    def counted(store, request, open_sink):  # type: ignore[no-untyped-def]
        evaluated.append(request["query"])
        return real(store, request, open_sink)

    monkeypatch.setattr(inline_module, "evaluate", counted)
    lookups = inline_module.InlineLookups((big_store_dir / "current" / "oxigraph").resolve(), max_bytes=2000)
    big = {"query": f"SELECT ?s ?o WHERE {{ ?s <{ONT}value> ?o }}", "union_default_graph": True, "format": "json"}
    assert lookups.answer(big) is None and lookups.answer(big) is None
    assert evaluated == [big["query"]] and lookups.handed_over == 2
    # the same text over another dataset is another request; a small one is answered
    assert lookups.answer({**big, "default_graph_uri": [f"{ID}graph/none"]}) is not None
    small = {**big, "query": big["query"] + " LIMIT 2"}
    answer = lookups.answer(small)
    assert answer is not None and answer.complete and len(evaluated) == 3
