"""The guide (MkDocs, served at /docs/guide): it builds without a single warning, its generated data dictionary
covers every term of the ontology with examples from the data, it is served by the live service; and the
citation and licences are stated where the issue asks (CITATION.cff, the start page, the VoID description)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import yaml
from project_store import project_settings
from server import LiveServer

from rulakg.citation import citation_text
from rulakg.config import PROJECT_ROOT, Settings
from rulakg.guide import GUIDE_DIR, GuideError, build_guide
from rulakg.guide.pages import IncludeError, expand_includes, section

RULA = "https://w3id.org/rulakg/ontology#"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return project_settings(tmp_path_factory)


@pytest.fixture(scope="module")
def store(project: Settings) -> Iterator[ox.Store]:
    yield ox.Store.read_only(str((project.store_path() / "oxigraph").resolve()))


@pytest.fixture(scope="module")
def site(store: ox.Store, project: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("guide") / "site"
    warnings = build_guide(store, target, base_iri=project.base_iri, queries_dir=project.queries_dir, strict=True)
    assert warnings == []
    return target


def test_the_guide_builds_strictly_with_every_page(site: Path) -> None:
    nav = yaml.safe_load((PROJECT_ROOT / "mkdocs.yml").read_text())["nav"]
    for entry in nav:
        (page,) = entry.values()
        html = site / ("index.html" if page == "index.md" else f"{page[:-3]}/index.html")
        assert html.is_file(), page
        assert "<!-- include:" not in html.read_text(encoding="utf-8"), page  # every include was expanded
    assert (site / "model.svg").read_text().startswith("<svg")


def _fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in ("mkdocs.yml", "README.md", "CHANGELOG.md", "docs", "ontology/README.md", "data/README.md"):
        source, target = PROJECT_ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
    return root


def test_a_broken_link_fails_the_strict_build(store: ox.Store, project: Settings, tmp_path: Path) -> None:
    root = _fake_root(tmp_path)
    page = root / "docs" / "contribute.md"
    page.write_text(page.read_text() + "\nSee [the missing page](no-such-page.md).\n")
    with pytest.raises(GuideError, match=r"no-such-page\.md"):
        build_guide(store, tmp_path / "site", base_iri=project.base_iri, queries_dir=project.queries_dir,
                    strict=True, root=root)


def test_an_include_of_a_missing_section_names_it(store: ox.Store, project: Settings, tmp_path: Path) -> None:
    root = _fake_root(tmp_path)
    page = root / "docs" / "api.md"
    page.write_text(page.read_text() + '\n<!-- include: README.md "## No such section" -->\n')
    with pytest.raises(GuideError, match=r"api.md: include: README.md: no heading '## No such section'"):
        build_guide(store, tmp_path / "site", base_iri=project.base_iri, queries_dir=project.queries_dir,
                    strict=True, root=root)


def test_an_included_section_ends_at_the_next_heading_of_its_level() -> None:
    text = "# A\nintro\n## B\nb text\n```\n## not a heading\n```\n### B1\nb1\n## C\nc\n"
    assert section(text, "## B") == "## B\nb text\n```\n## not a heading\n```\n### B1\nb1\n"
    with pytest.raises(IncludeError):
        section(text, "## D")
    shifted = expand_includes('<!-- include: x.md "## B" as ### -->', _write(text))
    assert shifted.startswith("### B\n") and "#### B1" in shifted and "## not a heading" in shifted


def _write(text: str) -> Path:
    import tempfile

    root = Path(tempfile.mkdtemp())
    (root / "x.md").write_text(text)
    return root


def test_the_data_dictionary_covers_every_term_with_real_examples(site: Path) -> None:
    ontology = ox.Store()
    ontology.load(path=PROJECT_ROOT / "ontology" / "rulakg.ttl", format=ox.RdfFormat.TURTLE)
    declared = {
        q.subject.value for kind in ("Class", "ObjectProperty", "DatatypeProperty")
        for q in ontology.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(OWL + kind), None)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(RULA)
    }
    page = (site / "data-dictionary" / "index.html").read_text(encoding="utf-8")
    listed = set(re.findall(r"<code>rula:([A-Za-z][\w-]*)</code></td>", page))
    assert {iri[len(RULA):] for iri in declared} <= listed
    # examples are the data's own: the example of rula:hostState is a visit and a host state of visits.csv
    import csv

    with (PROJECT_ROOT / "data" / "article" / "visits.csv").open(encoding="utf-8") as f:
        visits = list(csv.DictReader(f))
    row = re.search(r'<span id="hostState"></span>.*?</tr>', page, re.S)
    assert row is not None
    visit, host = re.findall(r"id:(?:visit|state)/([\w-]+)", row.group(0))[:2]
    assert any(v["id"] == visit and host in v["host_states"].split(";") for v in visits)
    assert re.search(r'<span id="Visit"></span>.*?<td style="text-align: right;">(\d+)</td>', page, re.S)


@pytest.fixture(scope="module")
def server(project: Settings) -> Iterator[LiveServer]:
    with LiveServer(project.store_dir, workers=1) as live:
        yield live


def test_the_service_serves_the_guide_it_built(server: LiveServer, project: Settings) -> None:
    assert (project.store_path() / GUIDE_DIR / "index.html").is_file()  # written by the build
    answer = httpx.get(f"{server.url}/docs/guide", follow_redirects=True)
    assert answer.status_code == 200 and str(answer.url).endswith("/docs/guide/")
    assert "What the graph covers" in answer.text and "text/html" in answer.headers["content-type"]
    tutorial = httpx.get(f"{server.url}/docs/guide/tutorial/")
    assert tutorial.status_code == 200 and "ten questions" in tutorial.text
    svg = httpx.get(f"{server.url}/docs/guide/model.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and svg.text.startswith("<svg")
    assert httpx.get(f"{server.url}/docs/guide/no-such-page/").status_code == 404
    for escape in ("/docs/guide/..%2F..%2Fbuild.json", "/docs/guide/%2E%2E/build.json", "/docs/guide/a%00b",
                   "/docs/guide/" + "x" * 5000):
        assert httpx.get(server.url + escape).status_code == 404
    assert "swagger" in httpx.get(f"{server.url}/docs").text.lower()  # /docs stays the OpenAPI UI


def test_the_citation_is_on_the_start_page_and_in_the_void(server: LiveServer) -> None:
    cite = citation_text()
    page = httpx.get(f"{server.url}/", headers={"Accept": "text/html"}).text
    assert cite.replace("'", "&#x27;") in page
    void = httpx.get(f"{server.url}/.well-known/void", headers={"Accept": "application/n-triples"})
    cited = [t.object.value for t in ox.parse(void.content, ox.RdfFormat.N_TRIPLES)
             if t.predicate.value == "http://purl.org/dc/terms/bibliographicCitation"]
    assert cited == [cite]


def test_citation_cff_names_the_software_the_dataset_and_the_upstream_data() -> None:
    cff = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software" and cff["license"] == "MIT"
    data = cff["preferred-citation"]
    assert data["type"] == "data" and data["license"] == "CC-BY-4.0"
    version = (PROJECT_ROOT / "data" / "VERSION").read_text().strip()
    assert data["version"] == version, "CITATION.cff's dataset version must be data/VERSION's"
    licences = {r["title"]: r["license"] for r in cff["references"]}
    assert licences["United Nations General Assembly Voting Data"] == "CC0-1.0"
    assert "MIT" in licences.values() and licences["Wikidata"] == "CC0-1.0"
    assert "MIT License" in (PROJECT_ROOT / "LICENSE").read_text()
    data_licence = (PROJECT_ROOT / "data" / "LICENSE").read_text()
    assert "CC BY 4.0" in data_licence and "CC0" in data_licence and "Our World in Data" in data_licence
