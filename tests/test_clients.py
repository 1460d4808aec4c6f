"""Real SPARQL clients against the live service: SPARQLWrapper and rdflib's ``SPARQLStore``."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import G_ONTOLOGY, G_PEOPLE, G_PLACES, ID, ONT
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

PREFIXES = f"PREFIX ex: <{ID}>\nPREFIX rula: <{ONT}>\n"
NAMES = PREFIXES + "SELECT ?p ?name WHERE { ?p rula:name ?name } ORDER BY ?name"
CONSTRUCT_CASTRO = PREFIXES + "CONSTRUCT { ex:castro ?p ?o } WHERE { ex:castro ?p ?o }"
CASTRO = URIRef(ID + "castro")


def wrapper(server, query: str, fmt=JSON) -> SPARQLWrapper:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setTimeout(30)
    return sw


# --- SPARQLWrapper ---------------------------------------------------------------------------------------


def test_wrapper_select_json(server):
    result = wrapper(server, NAMES).queryAndConvert()
    assert result["head"]["vars"] == ["p", "name"]
    names = {(b["name"]["value"], b["name"].get("xml:lang")) for b in result["results"]["bindings"]}
    assert names == {
        ("Fidel Castro", "es"),
        ("Фидель Кастро", "ru"),
        ("Nikita Khrushchev", "en"),
        ("Никита Хрущёв", "ru"),
    }


@pytest.mark.parametrize("method", [POST, POSTDIRECTLY])
def test_wrapper_select_post(server, method):
    sw = wrapper(server, NAMES)
    sw.setMethod(POST)
    if method == POSTDIRECTLY:
        sw.setRequestMethod(POSTDIRECTLY)
    result = sw.queryAndConvert()
    assert len(result["results"]["bindings"]) == 4


def test_wrapper_select_xml(server):
    doc = wrapper(server, NAMES, XML).queryAndConvert()  # a DOM document
    literals = [n.firstChild.data for n in doc.getElementsByTagName("literal")]
    assert sorted(literals) == sorted(["Fidel Castro", "Фидель Кастро", "Nikita Khrushchev", "Никита Хрущёв"])


@pytest.mark.parametrize(("fmt", "delimiter"), [(CSV, ","), (TSV, "\t")])
def test_wrapper_select_csv_tsv(server, fmt, delimiter):
    body = wrapper(server, NAMES, fmt).queryAndConvert()
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert [h.lstrip("?") for h in rows[0]] == ["p", "name"]
    assert len(rows) == 5


@pytest.mark.parametrize(
    ("query", "expected"), [("ASK { ?s a ?c }", True), ("ASK { ?s a <urn:nothing> }", False)]
)
def test_wrapper_ask(server, query, expected):
    assert wrapper(server, query).queryAndConvert()["boolean"] is expected
    doc = wrapper(server, query, XML).queryAndConvert()
    assert doc.getElementsByTagName("boolean")[0].firstChild.data == str(expected).lower()


@pytest.mark.parametrize("fmt", [RDFXML, TURTLE, N3, JSONLD])
def test_wrapper_construct(server, fmt):
    result = wrapper(server, CONSTRUCT_CASTRO, fmt).queryAndConvert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert len(graph) == 7
    assert (CASTRO, URIRef(ONT + "name"), Literal("Фидель Кастро", lang="ru")) in graph
    assert (CASTRO, URIRef(ONT + "born"), Literal("1926-08-13", datatype=XSD.date)) in graph
    residence = graph.value(CASTRO, URIRef(ONT + "residence"))
    assert isinstance(residence, BNode)


def test_wrapper_describe(server):
    graph = wrapper(server, PREFIXES + "DESCRIBE ex:khrushchev", RDFXML).queryAndConvert()
    assert isinstance(graph, Graph)
    assert len(graph) == 6
    assert (URIRef(ID + "khrushchev"), URIRef(ONT + "visits"), Literal(1)) in graph


def test_wrapper_named_graphs(server):
    sw = wrapper(server, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    rows = sw.queryAndConvert()["results"]["bindings"]
    assert [r["g"]["value"] for r in rows] == sorted([G_ONTOLOGY, G_PEOPLE, G_PLACES])
    sw = wrapper(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    sw.addDefaultGraph(G_PLACES)
    assert sw.queryAndConvert()["results"]["bindings"][0]["n"]["value"] == "10"
    sw = wrapper(server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    sw.addNamedGraph(G_PEOPLE)
    assert [r["g"]["value"] for r in sw.queryAndConvert()["results"]["bindings"]] == [G_PEOPLE]


def test_wrapper_syntax_error(server):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed):
        wrapper(server, "SELEC * { ?s ?p ?o }").query()


# --- rdflib SPARQLStore ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(server):
    sparql_store = SPARQLStore(server.url + "/sparql", returnFormat="xml")
    yield sparql_store
    sparql_store.close()


def test_store_select(store):
    graph = Graph(store)
    rows = list(graph.query(NAMES))
    assert len(rows) == 4
    assert (CASTRO, Literal("Фидель Кастро", lang="ru")) in {(r.p, r.name) for r in rows}


def test_store_select_json(server):
    sparql_store = SPARQLStore(server.url + "/sparql", returnFormat="json", method="POST")
    rows = list(Graph(sparql_store).query(PREFIXES + "SELECT ?pop WHERE { ex:cuba rula:population ?pop }"))
    assert rows[0].pop == Literal(11089511)
    assert rows[0].pop.datatype == XSD.integer


def test_store_ask(store):
    graph = Graph(store)
    assert graph.query(PREFIXES + "ASK { ex:castro rula:citizenOf ex:cuba }").askAnswer is True
    assert graph.query(PREFIXES + "ASK { ex:cuba rula:citizenOf ex:castro }").askAnswer is False


def test_store_construct(store):
    result = Graph(store).query(CONSTRUCT_CASTRO)
    graph = result.graph
    assert len(graph) == 7
    assert (CASTRO, RDF.type, URIRef(ONT + "Person")) in graph


def test_store_triples_union(store):
    graph = Graph(store)
    labels = set(graph.objects(URIRef(ID + "cuba"), RDFS.label))
    assert labels == {Literal("Cuba", lang="es"), Literal("Куба", lang="ru")}
    assert len(list(graph.triples((CASTRO, None, None)))) == 7


def test_store_named_graphs(store):
    names = {c.identifier if isinstance(c, Graph) else c for c in store.contexts()}
    assert {URIRef(G_ONTOLOGY), URIRef(G_PEOPLE), URIRef(G_PLACES)} <= names
    people = Graph(store, identifier=URIRef(G_PEOPLE))
    assert len(list(people.triples((CASTRO, None, None)))) == 7
    places = Graph(store, identifier=URIRef(G_PLACES))
    assert list(places.triples((CASTRO, None, None))) == []
    capitals = list(places.objects(URIRef(ID + "cuba"), URIRef(ONT + "capital")))
    assert len(capitals) == 1
    assert isinstance(capitals[0], BNode)


def test_store_dataset_query_with_graph(store):
    dataset = Dataset(store, default_union=True)  # else rdflib sends default-graph-uri=urn:x-rdflib:default
    rows = list(
        dataset.query(
            f"SELECT ?label WHERE {{ GRAPH <{G_ONTOLOGY}> {{ <{ONT}Person> <{RDFS.label}> ?label }} }}"
        )
    )
    assert {r.label for r in rows} == {
        Literal("Person", lang="en"),
        Literal("Персона", lang="ru"),
        Literal("Persona", lang="es"),
    }
