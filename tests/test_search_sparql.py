"""Full-text search from SPARQL: ``rulaf:search(?entity, "text")`` over the build's index, through /sparql."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from server import LiveServer
from ui_support import project_store

PREFIXES = """PREFIX rula: <https://w3id.org/rulakg/ontology#>
PREFIX rulaf: <https://w3id.org/rulakg/function#>
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(project_store(tmp_path_factory), workers=1) as live:
        yield live


def select(server: LiveServer, query: str) -> list[dict[str, str]]:
    r = httpx.post(f"{server.url}/sparql", data={"query": PREFIXES + query}, timeout=30)
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def test_search_folds_accents_and_ranks(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?e ?score WHERE { ?e a rula:City . BIND(rulaf:search(?e, "Bogota") AS ?score)
           FILTER(BOUND(?score)) } ORDER BY DESC(?score)""",
    )
    assert rows and rows[0]["e"] == "https://w3id.org/rulakg/id/place/bogota"
    assert float(rows[0]["score"]) > 0


def test_search_agrees_with_the_api(server: LiveServer) -> None:
    api = httpx.get(f"{server.url}/api/search", params={"q": "Куба", "limit": 5}, timeout=30).json()
    top = api["results"][0]["iri"]
    rows = select(
        server,
        """SELECT ?e WHERE { ?e a rula:SovereignState . BIND(rulaf:search(?e, "Куба") AS ?s) FILTER(BOUND(?s)) }
           ORDER BY DESC(?s) LIMIT 1""",
    )
    assert rows == [{"e": top}] and top == "https://w3id.org/rulakg/id/state/cuba"


def test_no_match_and_wrong_arguments_are_unbound(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT (COUNT(?s) AS ?n) (COUNT(?bad) AS ?m) WHERE { ?e a rula:SovereignState .
           BIND(rulaf:search(?e, "zzzqqqxx") AS ?s) BIND(rulaf:search("not an entity", "Cuba") AS ?bad) }""",
    )
    assert rows == [{"n": "0", "m": "0"}]
