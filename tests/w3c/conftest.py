"""One store and one live server for the whole W3C run.

The store holds every data file the query and result-format suites use, each in a named graph whose IRI
is the file's URL (blank nodes distinct per file), plus the protocol suite's data in the graphs its tests
name (``http://kasei.us/2009/09/sparql/data/dataN.rdf``). Its default graph is empty. The server runs in
the standard mode (``RULAKG_UNION_DEFAULT_GRAPH=False``): the default graph is the store's own, or the
protocol's ``default-graph-uri`` graphs.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import BlankNode, NamedNode, Quad, Store, parse

from . import manifest as m

try:
    from tests.server import LiveServer
except ImportError:  # tests/ itself on sys.path (pytest's rootdir-based import mode)
    from server import LiveServer  # type: ignore[no-redef]

QUERY_SUITES = ("manifest-sparql11-query.ttl", "manifest-sparql11-results.ttl")


def protocol_graphs() -> list[tuple[Path, str]]:
    """(file, graph IRI) of the data the protocol tests assume (their ``ut:graphData``)."""
    path = m.W3C_DIR / "protocol" / "manifest.ttl"
    g = m.Graph(path)
    out = {}
    for props in g.index.values():
        for gd in props.get(m.UT + "graphData", []):
            file = g.value(gd, m.UT + "graph")
            label = g.value(gd, m.RDFS + "label")
            if file is not None and label is not None:
                out[label.value] = m.url_path(file.value)
    return sorted((f, iri) for iri, f in out.items())


def build_w3c_store(store_dir: Path) -> dict[str, int]:
    """Write the store at ``store_dir/current`` the way ``rulakg build`` lays it out; return triples per graph."""
    target = store_dir / "build-w3c"
    (target / "oxigraph").mkdir(parents=True)
    store = Store(str(target / "oxigraph"))
    files = m.data_files(c for top in QUERY_SUITES for c in m.all_cases(top))
    loads = [(f, m.file_url(f)) for f in sorted(files)] + protocol_graphs()

    # One bulk write for all the files (a bulk load per file costs a store flush each); parse() keeps the
    # files' blank node labels, so they are made distinct per file here.
    def fresh(term: object, prefix: str) -> object:
        return BlankNode(prefix + term.value) if isinstance(term, BlankNode) else term

    def quads() -> Iterator[Quad]:
        for i, (path, iri) in enumerate(loads):
            graph, prefix = NamedNode(iri), f"f{i}x"
            for t in parse(path=path, format=m.rdf_format(path), base_iri=m.file_url(path)):
                yield Quad(fresh(t.subject, prefix), t.predicate, fresh(t.object, prefix), graph)  # type: ignore[arg-type]

    store.bulk_extend(quads())
    graphs = {
        s["g"].value: int(s["n"].value)
        for s in store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")  # type: ignore[union-attr]
    }
    store.flush()
    del store
    gc.collect()
    (target / "build.json").write_text(
        json.dumps({"input_hash": "w3c", "graphs": graphs, "triples": sum(graphs.values())})
    )
    (store_dir / "current").symlink_to(target.name)
    return graphs


@pytest.fixture(scope="session")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not m.available():
        pytest.skip(m.MISSING_REASON)
    store_dir = tmp_path_factory.mktemp("w3c-store")
    build_w3c_store(store_dir)
    with LiveServer(store_dir, union_default_graph=False, query_timeout=20) as server:
        yield server


@pytest.fixture(scope="session")
def w3c_client(w3c_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=w3c_server.url, timeout=30.0) as client:
        yield client


# --- writes (Update, Graph Store Protocol): a server over an empty store, with a read-write API token --------------

W3C_TOKEN = "w3c-test-token"


@pytest.fixture(scope="session")
def w3c_write_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not m.available():
        pytest.skip(m.MISSING_REASON)
    import hashlib

    store_dir = tmp_path_factory.mktemp("w3c-write-store")
    target = store_dir / "build-w3c-write"
    (target / "oxigraph").mkdir(parents=True)
    store = Store(str(target / "oxigraph"))
    store.flush()
    del store
    gc.collect()
    (target / "build.json").write_text(json.dumps({"input_hash": "w3c-write", "graphs": {}, "triples": 0}))
    (store_dir / "current").symlink_to(target.name)
    token_hash = hashlib.sha256(W3C_TOKEN.encode()).hexdigest()
    with LiveServer(
        store_dir, union_default_graph=False, workers=1, api_tokens=f"rw:{token_hash}", query_timeout=20
    ) as server:
        yield server


@pytest.fixture(scope="session")
def w3c_write_client(w3c_write_server: LiveServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {W3C_TOKEN}"}
    with httpx.Client(base_url=w3c_write_server.url, timeout=30.0, headers=headers) as client:
        yield client
