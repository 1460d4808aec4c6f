"""The saved queries as RDF, in the SIB/SHACL ``sparql-examples`` style.

```turtle
<https://w3id.org/rulakg/query/list-states> a sh:SPARQLExecutable, sh:SPARQLSelectExecutable ;
    rdfs:label "The sovereign states" ;
    rdfs:comment "Every sovereign state with its name…"@en ;
    sh:select "PREFIX … SELECT …" ;
    sh:prefixes <https://w3id.org/rulakg/query/prefixes> ;
    schema:keywords "states", "examples" ;
    schema:target <https://…/sparql> ;
    dcterms:identifier "list-states" .
```

Published at ``/.well-known/sparql-examples`` and, at build time, in the named graph ``<base>graph/queries``.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from rulakg.prefixes import PREFIXES
from rulakg.queries.library import SavedQuery

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
SPEX = "https://purl.expasy.org/sparql-examples/ontology#"

_FORM = {
    "SELECT": (SH + "SPARQLSelectExecutable", SH + "select"),
    "ASK": (SH + "SPARQLAskExecutable", SH + "ask"),
    "CONSTRUCT": (SH + "SPARQLConstructExecutable", SH + "construct"),
    "DESCRIBE": (SPEX + "DescribeExecutable", SPEX + "describe"),
}

OUTPUT_PREFIXES = {
    "sh": SH,
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "dcterms": DCTERMS,
    "xsd": XSD,
    "spex": SPEX,
}


def query_iri(base_iri: str, name: str) -> str:
    return f"{base_iri}query/{name}"


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def query_triples(queries: Iterable[SavedQuery], base_iri: str, endpoint: str) -> list[Triple]:
    """The triples describing each query (and the prefixes they may use)."""
    out: list[Triple] = []
    a = _n(RDF + "type")
    prefixes = _n(query_iri(base_iri, "prefixes"))
    declarations = [(p, ns, _n(f"{query_iri(base_iri, 'prefixes')}#{p}")) for p, ns in sorted(PREFIXES.items())]
    out += [Triple(prefixes, _n(SH + "declare"), decl) for _, _, decl in declarations]
    for prefix, namespace, decl in declarations:
        out += [
            Triple(decl, _n(SH + "prefix"), Literal(prefix)),
            Triple(decl, _n(SH + "namespace"), Literal(namespace, datatype=_n(XSD + "anyURI"))),
        ]
    target = _n(endpoint)
    for q in queries:
        node = _n(query_iri(base_iri, q.name))
        klass, prop = _FORM[q.form]
        out += [
            Triple(node, a, _n(SH + "SPARQLExecutable")),
            Triple(node, a, _n(klass)),
            Triple(node, _n(RDFS + "label"), Literal(q.summary)),
            Triple(node, _n(RDFS + "comment"), Literal(q.description or q.summary, language="en")),
            Triple(node, _n(prop), Literal(q.body)),
            Triple(node, _n(SH + "prefixes"), prefixes),
            Triple(node, _n(SCHEMA + "target"), target),
            Triple(node, _n(DCTERMS + "identifier"), Literal(q.name)),
        ]
        out += [Triple(node, _n(SCHEMA + "keywords"), Literal(tag)) for tag in q.tags]
    return out


def examples_document(queries: Iterable[SavedQuery], base_iri: str, endpoint: str, fmt: RdfFormat) -> bytes:
    """The queries as an RDF document in ``fmt`` (Turtle with prefixes by default)."""
    triples = query_triples(queries, base_iri, endpoint)
    return serialize(triples, format=fmt, prefixes={**OUTPUT_PREFIXES, "query": f"{base_iri}query/"})
