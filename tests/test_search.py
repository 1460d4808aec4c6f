"""The full-text index (SQLite FTS5): folding of case and accents, every language, ranking, the four fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from rulakg.search import INDEX_FILE, SearchIndex, build_index, fts_query, write_for_build

BASE = "https://w3id.org/rulakg/"
ID = BASE + "id/"
RULA = BASE + "ontology#"
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ALT = NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
NOTE = NamedNode("http://www.w3.org/2004/02/skos/core#editorialNote")
DERIVED = NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
QUOTE = NamedNode(RULA + "quote")
TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    root = tmp_path_factory.mktemp("search")
    store = Store(str(root / "oxigraph"))
    g = NamedNode(BASE + "graph/test")
    bogota, cuba, visit, citation = (
        NamedNode(ID + x) for x in ("place/bogota", "state/cuba", "visit/v1", "citation/c1")
    )
    quads = [
        (bogota, RDFS_LABEL, Literal("Bogotá", language="en")),
        (bogota, TYPE, NamedNode(RULA + "City")),
        (cuba, RDFS_LABEL, Literal("Cuba", language="en")),
        (cuba, RDFS_LABEL, Literal("Куба", language="ru")),
        (cuba, ALT, Literal("Republic of Cuba", language="en")),
        (cuba, TYPE, NamedNode(RULA + "SovereignState")),
        (visit, RDFS_LABEL, Literal("Visit: Lavrov → Cuba", language="en")),
        (visit, NOTE, Literal("A working visit to Havana.")),
        (visit, DERIVED, citation),
        (citation, QUOTE, Literal("Lavrov went to Havana to discuss the Cuban debt")),
        (citation, RDFS_LABEL, Literal("Citation 1")),
    ]
    store.bulk_extend(Quad(s, p, o, g) for s, p, o in quads)
    store.flush()
    del store
    n = write_for_build(root, BASE)
    assert n == 3  # citations are found through the facts they support, not on their own
    assert (root / INDEX_FILE).is_file()
    return SearchIndex(root / INDEX_FILE)


def iris(index: SearchIndex, q: str) -> list[str]:
    return [h.iri.removeprefix(ID) for h in index.search(q)]


def test_accents_and_case_are_folded(index: SearchIndex) -> None:
    assert iris(index, "Bogota") == ["place/bogota"]
    assert iris(index, "BOGOTÁ") == ["place/bogota"]
    assert iris(index, "bogo") == ["place/bogota"]  # the last word is a prefix (search as you type)


def test_every_language_and_alternative_names(index: SearchIndex) -> None:
    assert iris(index, "куба")[0] == "state/cuba"
    assert iris(index, "republic")[0] == "state/cuba"


def test_descriptions_and_quotes(index: SearchIndex) -> None:
    assert iris(index, "havana") == ["visit/v1"]  # editorial note and the quote of its citation
    assert iris(index, "debt") == ["visit/v1"]  # only in the quote
    hit = index.search("debt")[0]
    assert "[debt]" in hit.snippet


def test_ranking_puts_the_label_match_first(index: SearchIndex) -> None:
    assert iris(index, "cuba") == ["state/cuba", "visit/v1"]
    hits = index.search("cuba")
    assert hits[0].score > hits[1].score
    assert hits[0].labels == {"en": "Cuba", "ru": "Куба"}
    assert hits[0].type == RULA + "SovereignState"


def test_queries_are_words_not_syntax(index: SearchIndex) -> None:
    assert fts_query('cuba" OR *') == '"cuba" AND "OR"*'
    assert fts_query("  ,;  ") is None
    assert index.search('"; DROP TABLE docs; --') == []
    assert index.search("") == []


def test_paging_and_type_filter(index: SearchIndex) -> None:
    assert len(index.search("cuba", limit=1)) == 1
    assert [h.iri for h in index.search("cuba", limit=1, offset=1)] == [ID + "visit/v1"]
    assert [h.iri for h in index.search("cuba", type_iri=RULA + "SovereignState")] == [ID + "state/cuba"]


def test_an_index_is_made_on_demand_for_an_older_store(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "oxigraph"))
    store.add(Quad(NamedNode(ID + "state/peru"), RDFS_LABEL, Literal("Perú", language="es"), NamedNode(BASE + "g")))
    store.flush()
    del store
    index = SearchIndex.for_store(tmp_path, BASE)
    assert [h.label for h in index.search("peru")] == ["Perú"]
    assert not (tmp_path / INDEX_FILE).exists()  # the build folder is not written to


def test_build_index_replaces_the_file(tmp_path: Path) -> None:
    store = Store()
    store.add(Quad(NamedNode(ID + "x/a"), RDFS_LABEL, Literal("Alpha"), NamedNode(BASE + "g")))
    target = tmp_path / INDEX_FILE
    target.write_text("old")
    assert build_index(store, target, BASE) == 1
    assert [h.label for h in SearchIndex(target).search("alpha")] == ["Alpha"]
