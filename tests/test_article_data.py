"""The curated article data: provenance, labels, counts, and sample facts of each kind end to end over HTTP."""

from __future__ import annotations

import csv
from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import Store
from server import LiveServer, build_store

from rulakg.config import PROJECT_ROOT, Settings
from rulakg.data.article_mapping import ARTICLE_FILE, compile_article
from rulakg.data.article_text import load_article
from rulakg.data.report import counts_markdown, replace_block
from rulakg.prefixes import PREFIXES

DATA = PROJECT_ROOT / "data"
ARTICLE = DATA / "article"
PREFIX_TEXT = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


@pytest.fixture(scope="module")
def project_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_store(tmp_path_factory.mktemp("article-store"), PROJECT_ROOT / "ontology", DATA)


@pytest.fixture(scope="module")
def store(project_settings: Settings) -> Iterator[Store]:
    yield Store.read_only(str((project_settings.store_path() / "oxigraph").resolve()))


@pytest.fixture(scope="module")
def server(project_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(project_settings.store_dir) as live:
        yield live


def select(server: LiveServer, query: str) -> list[dict[str, str]]:
    response = httpx.post(f"{server.url}/sparql", data={"query": PREFIX_TEXT + query}, timeout=30)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def test_every_quote_is_in_the_article_at_its_offsets(store: Store) -> None:
    article = load_article(ARTICLE / ARTICLE_FILE)
    rows = list(
        store.query(
            PREFIX_TEXT
            + "SELECT ?c ?q ?s ?e { ?c a rula:Citation ; rula:quote ?q ; rula:startOffset ?s ; rula:endOffset ?e }",
            use_default_graph_as_union=True,
        )
    )
    assert len(rows) > 500
    for c, q, s, e in rows:
        assert article[int(s.value) : int(e.value)] == q.value, c


def test_every_csv_row_has_a_quote_found_in_the_article() -> None:
    article = load_article(ARTICLE / ARTICLE_FILE)
    checked = 0
    for table in sorted(ARTICLE.glob("*.csv")):
        with table.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                quotes = [q.strip() for q in row["quote"].split("||") if q.strip()]
                assert quotes, f"{table.name} {row['id']}: no quote"
                for q in quotes:
                    assert q in article, f"{table.name} {row['id']}: {q[:60]!r}"
                    checked += 1
    assert checked > 500


def test_inferred_facts_have_a_confidence_and_stated_ones_none(store: Store) -> None:
    bad = list(
        store.query(
            PREFIX_TEXT
            + """SELECT ?x { ?x rula:assertionStatus ?s .
                 OPTIONAL { ?x rula:confidence ?c }
                 FILTER((?s = "inferred" && (!BOUND(?c) || ?c < 0 || ?c > 1)) || (?s = "stated" && BOUND(?c))) }""",
            use_default_graph_as_union=True,
        )
    )
    assert bad == []
    inferred = list(
        store.query(PREFIX_TEXT + 'SELECT ?x { ?x rula:assertionStatus "inferred" }', use_default_graph_as_union=True)
    )
    assert len(inferred) >= 50


def test_every_entity_and_fact_has_english_and_spanish_labels(store: Store) -> None:
    missing = list(
        store.query(
            PREFIX_TEXT
            + """SELECT DISTINCT ?x {
                   GRAPH <https://w3id.org/rulakg/graph/article> { ?x rula:localId ?id
                     FILTER NOT EXISTS { ?x rdfs:label ?en FILTER(lang(?en) = "en") } }
                 } """,
        )
    ) + list(
        store.query(
            PREFIX_TEXT
            + """SELECT DISTINCT ?x {
                   GRAPH <https://w3id.org/rulakg/graph/article> { ?x rula:localId ?id
                     FILTER NOT EXISTS { ?x rdfs:label ?es FILTER(lang(?es) = "es") } }
                 } """,
        )
    )
    assert missing == []


def test_counts_table_in_data_readme_is_up_to_date() -> None:
    settings = Settings()
    readme = DATA / "README.md"
    expected = replace_block(readme, counts_markdown(compile_article(ARTICLE, settings)))
    assert readme.read_text(encoding="utf-8") == expected, "run `rulakg data-readme`"


def test_wikidata_links_come_from_the_verified_tables() -> None:
    shared = PROJECT_ROOT.parent / "shared" / "data"
    if not shared.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    verified = {r["qid"] for r in csv.DictReader((shared / "wikidata" / "qids.csv").open(encoding="utf-8"))}
    verified |= {
        r["wikidata_qid"] for r in csv.DictReader((shared / "countries" / "countries.csv").open(encoding="utf-8"))
    }
    for table in sorted(ARTICLE.glob("*.csv")):
        with table.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                qid = row.get("qid", "")
                if qid and qid not in verified:
                    # Any other QID must cite where it was verified.
                    assert row.get("qid_source"), f"{table.name} {row['id']}: {qid} has no cited source"


def test_foreign_minister_visits_in_2014(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?host WHERE {
             ?h a rula:OfficeHolding ; rula:holder ?p ;
                rula:office <https://w3id.org/rulakg/id/office/foreign-minister> ;
                rula:ofPolity <https://w3id.org/rulakg/id/state/russia> .
             ?visit rula:visitor ?p ; rula:hostState ?s ; rula:earliestDate ?e ; rula:latestDate ?l .
             ?s rdfs:label ?host FILTER(lang(?host) = "en")
             FILTER(?e >= "2014-01-01"^^xsd:date && ?l <= "2014-12-31"^^xsd:date)
           } ORDER BY ?host""",
    )
    assert [r["host"] for r in rows] == ["Chile", "Cuba", "Nicaragua", "Peru"]


def test_the_four_latin_american_states_that_voted_against_a_68_l_39(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?name WHERE {
             ?r rula:draftSymbol "A/68/L.39" . ?cast rula:onResolution ?r ; rula:voteOption rula:vote-no ;
                rula:voter ?s . ?s rdfs:label ?name FILTER(lang(?name) = "en")
           } ORDER BY ?name""",
    )
    assert [r["name"] for r in rows] == ["Bolivia", "Cuba", "Nicaragua", "Venezuela"]


def test_vote_totals_of_a_68_l_39(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?no ?lacNo ?lacYes WHERE { ?v a rula:RollCallVote ; rula:onResolution/rula:draftSymbol "A/68/L.39" ;
             rula:noCount ?no ; rula:lacNoCount ?lacNo ; rula:lacYesCount ?lacYes }""",
    )
    assert rows == [{"no": "11", "lacNo": "4", "lacYes": "13"}]


def test_states_that_recognised_abkhazia_and_south_ossetia(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT DISTINCT ?name WHERE { ?r a rula:Recognition ; rula:stance rula:stance-support ;
             rula:recognisingState ?s ; rula:recognisedPolity ?p . ?s rdfs:label ?name FILTER(lang(?name) = "en")
           } ORDER BY ?name""",
    )
    assert [r["name"] for r in rows] == ["Nicaragua", "Venezuela"]


def test_provenance_of_a_fact_is_its_quote(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?quote WHERE { <https://w3id.org/rulakg/id/visit/visit-lavrov-cuba-2014-spring>
             prov:wasDerivedFrom ?c . ?c rula:quote ?quote }""",
    )
    assert any("Sergei Lavrov to four Latin American countries" in r["quote"] for r in rows)


def test_every_kind_of_fact_is_present(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH <https://w3id.org/rulakg/graph/article> { ?x a ?c } }
           GROUP BY ?c""",
    )
    counts = {r["c"].rsplit("#", 1)[-1]: int(r["n"]) for r in rows}
    expected_minimum = {
        "SovereignState": 30, "Official": 20, "Scholar": 10, "DiplomaticVisit": 15, "NavalPortCall": 1,
        "BomberFlight": 1, "IntergovernmentalAgreement": 10, "VoteCast": 15, "Membership": 30,
        "MilitaryTechnicalCooperation": 10, "StatisticalObservation": 40, "Event": 30, "Claim": 20,
    }  # fmt: skip
    for cls, minimum in expected_minimum.items():
        assert counts.get(cls, 0) >= minimum, (cls, counts.get(cls))


def test_a_cancelled_trip_is_modelled_as_cancelled(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?v WHERE { ?v a rula:Visit ; rula:status rula:status-cancelled ;
             rula:visitor <https://w3id.org/rulakg/id/person/andrei-kozyrev> }""",
    )
    assert len(rows) == 1


def test_dates_keep_their_precision(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?p ?e ?l WHERE {
             <https://w3id.org/rulakg/id/visit/visit-lavrov-cuba-2014-spring> rula:datePrecision ?p ;
             rula:earliestDate ?e ; rula:latestDate ?l }""",
    )
    assert rows == [{"p": PREFIXES["rula"] + "precision-season", "e": "2014-03-01", "l": "2014-05-31"}]
