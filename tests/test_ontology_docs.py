"""The ontology served at its IRI path: pyLODE HTML for browsers, RDF for machines, over a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.namespace import OWL, RDF
from server import LiveServer, build_store

from rulakg.config import PROJECT_ROOT

ONTOLOGY = rdflib.URIRef("https://w3id.org/rulakg/ontology")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    empty: Path = tmp_path_factory.mktemp("no-data")
    settings = build_store(tmp_path_factory.mktemp("ontology-store"), PROJECT_ROOT / "ontology", empty)
    with LiveServer(settings.store_dir) as live:
        yield live


def test_a_browser_gets_the_html_documentation(docs_server: LiveServer) -> None:
    r = httpx.get(f"{docs_server.url}/ontology", headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Accept" in r.headers["vary"]
    assert "RuLA KG ontology" in r.text and "OfficeHolding" in r.text  # pyLODE's page lists the classes


@pytest.mark.parametrize(
    ("accept", "syntax"),
    [("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
     ("application/n-triples", "nt")],
)
def test_a_client_gets_the_rdf_it_asks_for(docs_server: LiveServer, accept: str, syntax: str) -> None:
    r = httpx.get(f"{docs_server.url}/ontology", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    graph = rdflib.Graph().parse(data=r.content, format=syntax)
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph
    assert len(graph) > 2000


def test_file_extensions_and_versions(docs_server: LiveServer) -> None:
    ttl = httpx.get(f"{docs_server.url}/ontology.ttl")
    assert ttl.status_code == 200 and ttl.headers["content-type"].startswith("text/turtle")
    versioned = httpx.get(f"{docs_server.url}/ontology/0.1.0", headers={"Accept": "text/turtle"})
    assert versioned.status_code == 200 and versioned.content == ttl.content
    assert httpx.get(f"{docs_server.url}/ontology.xyz").status_code == 404


def test_an_unavailable_format_is_a_406_listing_the_offered_ones(docs_server: LiveServer) -> None:
    r = httpx.get(f"{docs_server.url}/ontology", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in r.text and "text/html" in r.text
