"""The service on a remote SPARQL server (``RULAKG_BACKEND=remote``), against real, separately started servers:
the Oxigraph server from PyPI and Virtuoso 7 from Debian. ``rulakg build --target`` loads the project's build into
each; the service on top must then answer as it does on its embedded store (same answers, formats, saved queries,
entity pages, errors), take writes with a token, and stop a query at its timeout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from oxigraph_server import OxigraphServer
from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results
from server import LiveServer
from ui_support import project_store
from virtuoso import VirtuosoServer

from rulakg.service.auth import mint

RW, RW_LINE = mint()
AUTH = {"Authorization": f"Bearer {RW}"}
CUBA = "https://w3id.org/rulakg/id/state/cuba"
PROJECT = Path(__file__).resolve().parents[1]


@dataclass
class Remote:
    name: str
    query_url: str
    update_url: str
    store_url: str


def _load(store_dir: Path, remote: Remote, target: str) -> subprocess.CompletedProcess[str]:
    """``rulakg build --target``: the build is already made (inputs unchanged), so only the load runs."""
    env = {
        **os.environ,
        "RULAKG_STORE_DIR": str(store_dir),
        "RULAKG_ONTOLOGY_DIR": str(PROJECT / "ontology"),
        "RULAKG_DATA_DIR": str(PROJECT / "data"),
        "RULAKG_DESCRIBE_DATASET": "true",
    }
    return subprocess.run(
        [sys.executable, "-m", "rulakg.cli", "build", "--target", target, "--target-query", remote.query_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_store(tmp_path_factory)


@pytest.fixture(scope="module")
def embedded(store_dir: Path) -> Iterator[LiveServer]:
    with LiveServer(store_dir, workers=2) as live:
        yield live


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, store_dir: Path) -> Iterator[Remote]:
    """A real server, started empty, loaded by ``rulakg build --target`` (Graph Store Protocol)."""
    work = tmp_path_factory.mktemp(request.param)
    if request.param == "oxigraph":
        server: OxigraphServer | VirtuosoServer = OxigraphServer(work)
        server.start()
        remote = Remote("oxigraph", server.query_url, server.update_url, server.store_url)
        target = server.store_url
    else:
        if not VirtuosoServer.available():
            pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource; .ci/run installs it)")
        server = VirtuosoServer(work, memory_mb=500)
        server.start()
        server.enable_update()
        remote = Remote("virtuoso", server.sparql_url, server.sparql_url, server.graph_crud_url)
        target = server.graph_crud_url
    try:
        loaded = _load(store_dir, remote, target)
        assert loaded.returncode == 0, loaded.stderr
        assert "counts checked on the server" in loaded.stderr
        yield remote
    finally:
        server.stop()


@pytest.fixture(scope="module")
def service(store_dir: Path, remote: Remote) -> Iterator[LiveServer]:
    with LiveServer(
        store_dir,
        backend="remote",
        remote_query_url=remote.query_url,
        remote_update_url=remote.update_url,
        remote_store_url=remote.store_url,
        api_tokens=RW_LINE,
        query_timeout_max=10,
    ) as live:
        yield live


def _post(server: LiveServer, query: str, accept: str, **params: str) -> httpx.Response:
    return httpx.post(server.url + "/sparql", data={"query": query, **params}, headers={"Accept": accept}, timeout=60)


def _solutions(body: bytes, fmt: QueryResultsFormat) -> list[str]:
    return sorted(str(s) for s in parse_query_results(body, fmt))  # type: ignore[union-attr]


SELECTS = [
    # labels in several languages, integers, dates, an aggregate, OPTIONAL, a FILTER on language
    """PREFIX rula: <https://w3id.org/rulakg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?state ?label WHERE { ?state a rula:State ; rdfs:label ?label } ORDER BY ?state ?label""",
    """SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class LIMIT 20""",
    f"""SELECT ?p ?o WHERE {{ <{CUBA}> ?p ?o }} ORDER BY ?p ?o""",
    """PREFIX rula: <https://w3id.org/rulakg/ontology#>
    SELECT ?v ?start WHERE { ?v a rula:Visit . OPTIONAL { ?v rula:startDate ?start } } ORDER BY ?v LIMIT 50""",
]


@pytest.mark.parametrize("query", SELECTS)
def test_select_answers_are_the_same(embedded: LiveServer, service: LiveServer, query: str) -> None:
    want = _post(embedded, query, "application/sparql-results+json")
    got = _post(service, query, "application/sparql-results+json")
    assert want.status_code == got.status_code == 200, got.text
    assert _solutions(got.content, QueryResultsFormat.JSON) == _solutions(want.content, QueryResultsFormat.JSON)
    assert json.loads(want.content)["results"]["bindings"], "the query must have answers to compare"
    assert b"typed-literal" not in got.content  # re-serialized by pyoxigraph, whatever the server writes


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+xml", QueryResultsFormat.XML),
        ("text/tab-separated-values", QueryResultsFormat.TSV),
        ("text/csv", None),
    ],
)
def test_result_formats(embedded: LiveServer, service: LiveServer, accept: str, fmt: QueryResultsFormat | None) -> None:
    query = SELECTS[0]
    want, got = _post(embedded, query, accept), _post(service, query, accept)
    assert got.status_code == 200
    assert got.headers["content-type"] == want.headers["content-type"]
    if fmt is None:  # CSV is lossy: same rows as text (the query orders them)
        assert got.text.splitlines()[0] == want.text.splitlines()[0]
        assert sorted(got.text.splitlines()) == sorted(want.text.splitlines())
    else:
        assert _solutions(got.content, fmt) == _solutions(want.content, fmt)


def test_ask_and_construct(embedded: LiveServer, service: LiveServer) -> None:
    for text, expected in ((f"ASK {{ <{CUBA}> ?p ?o }}", True), ("ASK { <http://example.org/nothing> ?p ?o }", False)):
        r = _post(service, text, "application/sparql-results+json")
        assert r.status_code == 200 and r.json()["boolean"] is expected
    construct = f"CONSTRUCT {{ <{CUBA}> ?p ?o }} WHERE {{ <{CUBA}> ?p ?o }}"
    for accept, fmt in (("text/turtle", RdfFormat.TURTLE), ("application/n-triples", RdfFormat.N_TRIPLES)):
        want, got = _post(embedded, construct, accept), _post(service, construct, accept)
        assert got.status_code == 200 and got.headers["content-type"] == want.headers["content-type"]
        triples = set(parse(got.content, fmt))
        assert triples == set(parse(want.content, fmt)) and len(triples) > 5


def test_saved_query_and_entity_page(embedded: LiveServer, service: LiveServer) -> None:
    r = httpx.get(service.url + "/api/queries/state-by-name", params={"name_es": "Cuba"}, timeout=60)
    want = httpx.get(embedded.url + "/api/queries/state-by-name", params={"name_es": "Cuba"}, timeout=60)
    assert r.status_code == want.status_code == 200, r.text
    assert r.json()["results"]["bindings"] == want.json()["results"]["bindings"] != []
    page = httpx.get(service.url + "/id/state/cuba", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and "Cuba" in page.text
    ttl = httpx.get(service.url + "/id/state/cuba.ttl", timeout=60)
    want_ttl = httpx.get(embedded.url + "/id/state/cuba.ttl", timeout=60)
    assert ttl.status_code == 200
    assert set(parse(ttl.content, RdfFormat.TURTLE)) == set(parse(want_ttl.content, RdfFormat.TURTLE))
    assert httpx.get(service.url + "/id/state/no-such-state", timeout=60).status_code == 404


def test_errors_are_mapped(service: LiveServer) -> None:
    r = _post(service, "SELEC ?x WHERE { ?x ?p ?o }", "application/sparql-results+json")
    assert r.status_code == 400, r.text
    r = _post(service, "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }", "application/json")
    assert r.status_code == 400 and "update endpoint" in r.text
    r = _post(service, SELECTS[0], "image/png")
    assert r.status_code == 406


def test_timeout_stops_the_query(service: LiveServer) -> None:
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    r = _post(service, heavy, "application/sparql-results+json", timeout="1")
    assert r.status_code == 503, r.text
    assert "timeout" in r.text and r.headers.get("retry-after")
    assert time.monotonic() - started < 5
    assert _post(service, f"ASK {{ <{CUBA}> ?p ?o }}", "application/json").status_code == 200  # still serving


def test_update_with_token_invalidates_the_cache(service: LiveServer) -> None:
    graph = "https://w3id.org/rulakg/graph/user-test"
    query = f"SELECT ?o WHERE {{ <{CUBA}> <http://example.org/note> ?o }}"
    first = _post(service, query, "application/sparql-results+json")
    assert first.status_code == 200 and first.json()["results"]["bindings"] == []
    assert _post(service, query, "application/sparql-results+json").headers.get("x-cache") == "hit"
    text = f'INSERT DATA {{ GRAPH <{graph}> {{ <{CUBA}> <http://example.org/note> "from a test" }} }}'
    denied = httpx.post(service.url + "/update", data={"update": text}, timeout=30)
    assert denied.status_code == 401
    r = httpx.post(service.url + "/update", data={"update": text}, headers=AUTH, timeout=30)
    assert r.status_code == 204, r.text
    after = _post(service, query, "application/sparql-results+json")
    assert [b["o"]["value"] for b in after.json()["results"]["bindings"]] == ["from a test"]
    assert after.headers.get("x-cache") == "miss"
    # the Graph Store Protocol: read the graph back, then delete it
    got = httpx.get(service.url + "/store", params={"graph": graph}, headers={**AUTH, "Accept": "text/turtle"})
    assert got.status_code == 200 and len(set(parse(got.content, RdfFormat.TURTLE))) == 1
    assert httpx.delete(service.url + "/store", params={"graph": graph}, headers=AUTH).status_code == 204
    assert httpx.get(service.url + "/store", params={"graph": graph}, headers=AUTH).status_code == 404
    assert _post(service, query, "application/sparql-results+json").json()["results"]["bindings"] == []


def test_health_and_metrics(service: LiveServer) -> None:
    health = httpx.get(service.url + "/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    metrics = httpx.get(service.url + "/metrics", timeout=10).text
    assert "rulakg_result_cache_hits_total" in metrics
