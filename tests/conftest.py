"""Session fixtures: a tiny dataset, real stores built on disk, real servers (``LiveServer``) over them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from server import LiveServer, build_store, serve

FIXTURES = Path(__file__).parent / "fixtures"
ONTOLOGY_DIR = FIXTURES / "ontology"
DATA_DIR = FIXTURES / "data"

BASE = "https://w3id.org/rulakg/"
ID = BASE + "id/"
ONT = BASE + "ontology#"
G_ONTOLOGY = BASE + "graph/ontology"
G_PEOPLE = BASE + "graph/people"
G_PLACES = BASE + "graph/places"

BIG_TRIPLES = 200_000


def fixture_triples() -> dict[str, int]:
    """Triples per named graph, counted straight from the fixture files (independently of the build)."""
    counts = {}
    for graph, files in (
        (G_ONTOLOGY, sorted(ONTOLOGY_DIR.glob("*.ttl"))),
        (G_PEOPLE, sorted((DATA_DIR / "people").iterdir())),
        (G_PLACES, sorted((DATA_DIR / "places").iterdir())),
    ):
        counts[graph] = sum(len(set(ox.parse(path=f))) for f in files)
    return counts


@pytest.fixture(scope="session")
def expected_counts() -> dict[str, int]:
    return fixture_triples()


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture dataset built into a real on-disk store."""
    path = tmp_path_factory.mktemp("store")
    # Only the fixture's own graphs: no saved queries or VoID graph (those have their own tests).
    build_store(path, ONTOLOGY_DIR, DATA_DIR, describe_dataset=False)
    assert (path / "current" / "oxigraph").is_dir()
    return path


@pytest.fixture(scope="session")
def server(store_dir: Path) -> Iterator[LiveServer]:
    """The service in its default mode: default graph = union of the named graphs."""
    yield from serve(store_dir, workers=2)


@pytest.fixture(scope="session")
def std_server(store_dir: Path) -> Iterator[LiveServer]:
    """The service in the standard mode (RULAKG_UNION_DEFAULT_GRAPH=false)."""
    yield from serve(store_dir, workers=1, union_default_graph="false")


@pytest.fixture(scope="session")
def limited_server(store_dir: Path) -> Iterator[LiveServer]:
    """The service with a 1 s timeout (at most 2 s), a 5-row cap and a small body limit."""
    yield from serve(
        store_dir, workers=2, query_timeout=1, query_timeout_max=2, max_rows=5, max_body_bytes=4000
    )


@pytest.fixture(scope="session")
def big_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of BIG_TRIPLES generated triples, written with pyoxigraph in the layout the service opens."""
    root = tmp_path_factory.mktemp("bigstore")
    target = root / "build-big"
    (target / "oxigraph").mkdir(parents=True)
    store = ox.Store(str(target / "oxigraph"))
    graph = ox.NamedNode(BASE + "graph/big")
    p = ox.NamedNode(ONT + "value")
    store.bulk_extend(
        ox.Quad(ox.NamedNode(f"{ID}item/{i}"), p, ox.Literal(f"value number {i}"), graph)
        for i in range(BIG_TRIPLES)
    )
    store.flush()
    del store
    (root / "current").symlink_to(target.name)
    return root


@pytest.fixture(scope="session")
def big_server(big_store_dir: Path) -> Iterator[LiveServer]:
    yield from serve(big_store_dir, workers=1)
