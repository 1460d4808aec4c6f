"""Entity pages: every minted IRI dereferences at /id/…; HTML for browsers, RDF by Accept or file extension."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import NamedNode, RdfFormat, parse
from server import LiveServer
from ui_support import project_store

CUBA = "https://w3id.org/rulakg/id/state/cuba"
VISIT = "https://w3id.org/rulakg/id/visit/visit-lavrov-cuba-2015-03"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
SAME_AS = NamedNode("http://www.w3.org/2002/07/owl#sameAs")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(project_store(tmp_path_factory), workers=2) as live:
        yield live


def get(server: LiveServer, path: str, accept: str | None = None) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.get(server.url + path, headers=headers, timeout=30)


@pytest.mark.parametrize(
    ("accept", "media", "rdf_format"),
    [
        ("text/turtle", "text/turtle", RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", RdfFormat.N_TRIPLES),
        ("application/ld+json", "application/ld+json", RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", RdfFormat.RDF_XML),
    ],
)
def test_content_negotiation_gives_each_rdf_format(
    server: LiveServer, accept: str, media: str, rdf_format: RdfFormat
) -> None:
    r = get(server, "/id/state/cuba", accept)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]
    triples = list(parse(r.content, rdf_format))
    subjects = {t.subject for t in triples}
    assert NamedNode(CUBA) in subjects
    assert any(t.predicate == SAME_AS and "wikidata.org/entity/Q241" in t.object.value for t in triples)
    # the facts pointing at the entity come too
    assert any(t.object == NamedNode(CUBA) and t.subject != NamedNode(CUBA) for t in triples)


@pytest.mark.parametrize(
    ("ext", "media"),
    [
        ("ttl", "text/turtle"),
        ("nt", "application/n-triples"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("html", "text/html"),
    ],
)
def test_file_extension_urls(server: LiveServer, ext: str, media: str) -> None:
    r = get(server, f"/id/state/cuba.{ext}", "text/html")  # the extension wins over Accept
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media


def test_a_browser_gets_the_html_page(server: LiveServer) -> None:
    r = get(server, "/id/state/cuba", BROWSER)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<h1>Cuba</h1>" in page
    assert 'lang="ru">Куба<' in page  # every label, in every language
    assert 'href="http://www.wikidata.org/entity/Q241"' in page
    assert 'href="/id/visit/' in page  # incoming links go to their own pages
    assert 'id="entity-timeline-data"' in page
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert '</id/state/cuba.ttl>; rel="alternate"; type="text/turtle"' in r.headers["link"]


def test_a_fact_page_shows_its_quotes_and_links(server: LiveServer) -> None:
    r = get(server, "/id/visit/visit-lavrov-cuba-2015-03", BROWSER)
    assert r.status_code == 200
    assert "<blockquote>" in r.text  # the provenance quote (prov:wasDerivedFrom → rula:Citation rula:quote)
    assert 'href="/id/state/cuba"' in r.text and 'href="/id/person/sergey-lavrov"' in r.text
    ttl = get(server, "/id/visit/visit-lavrov-cuba-2015-03.ttl")
    quotes = [t for t in parse(ttl.content, RdfFormat.TURTLE) if t.predicate.value.endswith("#quote")]
    assert quotes  # the citations come with the entity's RDF


def test_unknown_iris_are_404(server: LiveServer) -> None:
    assert get(server, "/id/state/atlantis", "text/turtle").status_code == 404
    assert get(server, "/id/state/atlantis.ttl").status_code == 404
    r = get(server, "/id/state/atlantis", BROWSER)
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


def test_not_acceptable_and_default(server: LiveServer) -> None:
    assert get(server, "/id/state/cuba", "image/png").status_code == 406
    assert get(server, "/id/state/cuba").headers["content-type"].startswith("text/html")  # as /ontology
    assert get(server, "/id/state/cuba?format=nt").headers["content-type"].startswith("application/n-triples")


def test_head_request(server: LiveServer) -> None:
    r = httpx.head(server.url + "/id/state/cuba", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")


def test_search_api_and_page(server: LiveServer) -> None:
    r = httpx.get(server.url + "/api/search", params={"q": "Bogota"})
    assert r.status_code == 200
    first = r.json()["results"][0]
    assert first["iri"] == "https://w3id.org/rulakg/id/place/bogota" and first["label"] == "Bogotá"
    assert first["url"] == "/id/place/bogota"
    srj = httpx.get(server.url + "/api/search", params={"q": "Куба", "format": "srj"})
    assert srj.headers["content-type"] == "application/sparql-results+json"
    assert srj.json()["results"]["bindings"][0]["entity"]["value"] == CUBA
    page = httpx.get(server.url + "/search", params={"q": "lavrov"})
    assert 'href="/id/person/sergey-lavrov"' in page.text
