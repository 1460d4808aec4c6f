"""The saved queries' enumerated parameters are listed without holding up the start-up
(``service/enumerations.py``), on real servers over a real store.

* with no wait at start-up, a run still checks its parameter against the listed values (it waits for them);
* the values are kept beside the build, and the next start reads them instead of running the queries;
* an enumeration that fails (here: over the query timeout) leaves its parameter open instead of stopping the
  start-up, and ``/health`` says so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from conftest import FIXTURES, ID, ONTOLOGY_DIR
from server import LiveServer, build_store

from rulakg.config import PROJECT_ROOT
from rulakg.service.enumerations import CACHE_FILE

CUBA = ID + "state/cuba"
ATLANTIS = ID + "state/atlantis"

# Over a few thousand triples, a three-way cross join: far over a 1-second timeout.
SLOW = """#+ summary: A query whose enumeration cannot finish in time
#+ enumerate:
#+   - thing: |
#+       SELECT ?x WHERE { ?a ?b ?x . ?c ?d ?e . ?f ?g ?h } ORDER BY ?x
SELECT ?_thing_iri ?p ?o WHERE { ?_thing_iri ?p ?o } LIMIT 5
"""


def _store(tmp: Path, queries: Path) -> Path:
    store = tmp / "store"
    build_store(store, ONTOLOGY_DIR, FIXTURES / "queries" / "data", queries_dir=queries)
    return store


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("enum-queries")
    shutil.copytree(PROJECT_ROOT / "queries" / "examples", root / "examples")
    return root


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, library: Path) -> Path:
    return _store(tmp_path_factory.mktemp("enum-store"), library)


def kept_file(store: Path) -> Path:
    return (store / "current").resolve() / CACHE_FILE


def health(server: LiveServer) -> dict[str, int]:
    return httpx.get(f"{server.url}/health", timeout=10).json()["enumerations"]


def run(server: LiveServer, state: str) -> httpx.Response:
    return httpx.get(f"{server.url}/api/queries/state-visits", params={"state": state, "format": "json"}, timeout=60)


def test_a_run_waits_for_its_enumeration_then_values_are_kept(store: Path, library: Path):
    kept_file(store).unlink(missing_ok=True)
    with LiveServer(store, workers=1, queries_dir=library, enumeration_wait=0) as server:
        r = run(server, ATLANTIS)  # maybe before the background listing got to it: it waits
        assert r.status_code == 400 and "not an allowed value" in r.text, r.text
        assert run(server, CUBA).status_code == 200
        status = health(server)
        assert status["total"] == 2 and status["failed"] == 0 and status["kept"] == 0
    kept = json.loads(kept_file(store).read_text())
    assert CUBA in [v for values in kept["values"].values() for v in values]
    # The next start reads them: nothing left to list.
    with LiveServer(store, workers=1, queries_dir=library, enumeration_wait=0) as server:
        assert health(server) == {"total": 2, "kept": 2, "pending": 0, "failed": 0}
        assert run(server, ATLANTIS).status_code == 400
        listed = httpx.get(f"{server.url}/api/queries", timeout=30).json()["queries"]
        visits = next(q for q in listed if q["name"] == "state-visits")
        assert CUBA in visits["parameters"][0]["allowed_values"]


def test_values_of_another_build_are_not_used(store: Path, library: Path):
    path = kept_file(store)
    path.write_text(json.dumps({"build": "some other build", "values": {}}))
    with LiveServer(store, workers=1, queries_dir=library) as server:
        assert health(server)["kept"] == 0
        assert run(server, ATLANTIS).status_code == 400


def test_a_failing_enumeration_does_not_stop_the_start(tmp_path: Path, library: Path):
    queries = tmp_path / "queries"
    shutil.copytree(library, queries)
    (queries / "slow.rq").write_text(SLOW)
    store = _store(tmp_path, queries)
    with LiveServer(store, workers=2, queries_dir=queries, query_timeout=1, enumeration_wait=30) as server:
        status = health(server)
        assert status["failed"] == 1 and status["pending"] == 0, status
        # its parameter is open: any IRI
        r = httpx.get(f"{server.url}/api/queries/slow", params={"thing": CUBA, "format": "json"}, timeout=30)
        assert r.status_code == 200 and r.json()["results"]["bindings"]
        # the others are listed and enforced
        assert run(server, ATLANTIS).status_code == 400
    assert "the enumeration of 'thing' failed" in server.output()
    kept = json.loads(kept_file(store).read_text())
    assert len(kept["values"]) == 2  # the failed one is not kept: tried again at the next start
