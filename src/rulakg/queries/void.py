"""A VoID description of the built dataset, computed on the store at build time into ``<base>graph/void``.

The dataset ``<base>void/dataset``: its triples, entities, classes, properties, distinct subjects and
objects; a ``void:classPartition`` per class and a ``void:propertyPartition`` per property; a ``void:subset``
per named graph with its triple count; a ``void:Linkset`` counting the ``owl:sameAs`` links to Wikidata; the
SPARQL endpoint. All nodes are IRIs derived from what they describe, so the same store gives the same VoID.
"""

from __future__ import annotations

import hashlib

from pyoxigraph import Literal, NamedNode, Quad, Store, Triple

from rulakg.citation import citation_text
from rulakg.config import Settings

VOID = "http://rdfs.org/ns/void#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SD = "http://www.w3.org/ns/sparql-service-description#"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"


def void_graph_iri(base_iri: str) -> str:
    return f"{base_iri}graph/void"


def dataset_iri(base_iri: str) -> str:
    return f"{base_iri}void/dataset"


def _count(store: Store, query: str) -> int:
    return int(next(iter(store.query(query)))[0].value)


def _key(iri: str) -> str:
    return hashlib.sha1(iri.encode()).hexdigest()[:16]


def describe(store: Store, base_iri: str, endpoint: str, *, exclude: tuple[str, ...] = ()) -> list[Quad]:
    """The VoID quads (in the VoID graph) for every named graph of ``store`` but ``exclude``."""
    graph = NamedNode(void_graph_iri(base_iri))
    skip = set(exclude) | {void_graph_iri(base_iri)}
    not_skipped = " ".join(f"<{g}>" for g in sorted(skip))
    where = f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({not_skipped}))"
    ds = NamedNode(dataset_iri(base_iri))
    quads: list[Quad] = []

    def add(s: NamedNode, p: str, o: NamedNode | Literal) -> None:
        quads.append(Quad(s, NamedNode(p), o, graph))

    def integer(n: int) -> Literal:
        return Literal(str(n), datatype=NamedNode(XSD_INTEGER))

    add(ds, RDF + "type", NamedNode(VOID + "Dataset"))
    add(ds, DCTERMS + "title", Literal("RuLA KG", language="en"))
    add(
        ds,
        DCTERMS + "description",
        Literal("Russia (and the USSR) and Latin America and the Caribbean: a knowledge graph.", language="en"),
    )
    add(ds, DCTERMS + "license", NamedNode("https://creativecommons.org/licenses/by/4.0/"))
    add(ds, DCTERMS + "bibliographicCitation", Literal(citation_text()))  # CITATION.cff's preferred citation
    add(ds, VOID + "sparqlEndpoint", NamedNode(endpoint))
    add(ds, VOID + "uriSpace", Literal(f"{base_iri}id/"))
    add(ds, VOID + "vocabulary", NamedNode(f"{base_iri}ontology#"))
    add(ds, VOID + "feature", NamedNode("http://www.w3.org/ns/formats/Turtle"))
    add(ds, VOID + "feature", NamedNode("http://www.w3.org/ns/formats/N-Quads"))
    add(ds, VOID + "triples", integer(_count(store, f"SELECT (COUNT(*) AS ?n) {{ {where} }}")))
    add(ds, VOID + "distinctSubjects", integer(_count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ {where} }}")))
    add(ds, VOID + "distinctObjects", integer(_count(store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) {{ {where} }}")))
    add(ds, VOID + "properties", integer(_count(store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) {{ {where} }}")))
    typed = where.replace("?s ?p ?o", f"?s <{RDF}type> ?o")
    add(ds, VOID + "classes", integer(_count(store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) {{ {typed} }}")))
    add(ds, VOID + "entities", integer(_count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ {typed} }}")))

    rows = store.query(f"SELECT ?o (COUNT(DISTINCT ?s) AS ?n) {{ {typed} FILTER(isIRI(?o)) }} GROUP BY ?o ORDER BY ?o")
    for row in rows:
        klass, n = row[0], int(row[1].value)
        part = NamedNode(f"{base_iri}void/class/{_key(klass.value)}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", klass)
        add(part, VOID + "entities", integer(n))

    rows = store.query(
        f"SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?ns) (COUNT(DISTINCT ?o) AS ?no) {{ {where} }} "
        "GROUP BY ?p ORDER BY ?p"
    )
    for row in rows:
        prop = row[0]
        part = NamedNode(f"{base_iri}void/property/{_key(prop.value)}")
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", prop)
        add(part, VOID + "triples", integer(int(row[1].value)))
        add(part, VOID + "distinctSubjects", integer(int(row[2].value)))
        add(part, VOID + "distinctObjects", integer(int(row[3].value)))

    rows = store.query(f"SELECT ?g (COUNT(*) AS ?n) {{ {where} }} GROUP BY ?g ORDER BY ?g")
    for row in rows:
        g, n = row[0], int(row[1].value)
        local = g.value[len(base_iri) + 6 :] if g.value.startswith(f"{base_iri}graph/") else _key(g.value)
        sub = NamedNode(f"{base_iri}void/graph/{local}")
        add(ds, VOID + "subset", sub)
        add(sub, RDF + "type", NamedNode(VOID + "Dataset"))
        add(sub, SD + "name", g)
        add(sub, VOID + "triples", integer(n))
        add(sub, VOID + "sparqlEndpoint", NamedNode(endpoint))

    links = _count(
        store,
        f"SELECT (COUNT(*) AS ?n) {{ {where.replace('?s ?p ?o', f'?s <{OWL_SAME_AS}> ?o')} "
        f'FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{WIKIDATA_ENTITY}")) }}',
    )
    wikidata = NamedNode(f"{base_iri}void/wikidata")
    add(wikidata, RDF + "type", NamedNode(VOID + "Dataset"))
    add(wikidata, FOAF + "homepage", NamedNode("https://www.wikidata.org/"))
    add(wikidata, VOID + "uriSpace", Literal(WIKIDATA_ENTITY))
    add(wikidata, VOID + "sparqlEndpoint", NamedNode("https://query.wikidata.org/sparql"))
    linkset = NamedNode(f"{base_iri}void/linkset/wikidata")
    add(ds, VOID + "subset", linkset)
    add(linkset, RDF + "type", NamedNode(VOID + "Linkset"))
    add(linkset, VOID + "linkPredicate", NamedNode(OWL_SAME_AS))
    add(linkset, VOID + "subjectsTarget", ds)
    add(linkset, VOID + "objectsTarget", wikidata)
    add(linkset, VOID + "target", ds)
    add(linkset, VOID + "target", wikidata)
    add(linkset, VOID + "triples", integer(links))
    return quads


def endpoint_of(settings: Settings) -> str:
    """The SPARQL endpoint named in the build's descriptions: the public URL's, else the base IRI's."""
    return (settings.public_url.rstrip("/") if settings.public_url else settings.base_iri.rstrip("/")) + "/sparql"


def void_derivation(store: Store, sources: list, settings: Settings) -> tuple[str, list[Triple]]:  # type: ignore[type-arg]
    """The build step (``builder.derivations``): the VoID graph of the loaded store."""
    iri = void_graph_iri(settings.base_iri)
    if not settings.describe_dataset:
        return iri, []
    quads = describe(store, settings.base_iri, endpoint_of(settings))
    return iri, [Triple(q.subject, q.predicate, q.object) for q in quads]
