"""Counts of the ontology's terms, shapes and alignment axioms, computed from the Turtle (for ontology/README.md).

Run ``python -m rulakg.ontology.stats`` to print the Markdown tables of the README's overview; nothing here is
hand-counted. Definitions:

* a *class* / *object property* / *datatype property* / *annotation property* is an IRI of the ``rula:``
  namespace typed ``owl:Class`` / ``owl:ObjectProperty`` / ``owl:DatatypeProperty`` / ``owl:AnnotationProperty``
  (the external terms the ontology re-declares for OWL 2 DL, such as ``prov:Entity``, are not counted);
* a *SKOS concept* is a ``rula:`` IRI typed ``skos:Concept``; a *concept scheme* one typed ``skos:ConceptScheme``;
* a *shape* is a node shape of ``shapes.ttl`` (a subject of ``sh:targetClass``); *property shapes* are the
  objects of ``sh:property``; *SPARQL constraints* the objects of ``sh:sparql``;
* an *alignment axiom* is a triple whose subject is a ``rula:`` term, whose predicate is one of
  :data:`ALIGNMENT_PREDICATES` and whose object is an IRI outside the project's namespaces.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from . import NAMESPACE, load_ontology, load_shapes

ALIGNMENT_PREDICATES = (
    OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf,
    SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch,
)

# Target vocabularies, in the order of the README's table: (label, namespace prefixes).
VOCABULARIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Wikidata", ("http://www.wikidata.org/entity/", "http://www.wikidata.org/prop/direct/")),
    ("schema.org", ("https://schema.org/", "http://schema.org/")),
    ("W3C ORG", ("http://www.w3.org/ns/org#",)),
    ("PROV-O", ("http://www.w3.org/ns/prov#",)),
    ("OWL-Time", ("http://www.w3.org/2006/time#",)),
    ("SKOS", ("http://www.w3.org/2004/02/skos/core#",)),
    ("FOAF", ("http://xmlns.com/foaf/0.1/",)),
    ("DC terms", ("http://purl.org/dc/terms/",)),
    ("RDF Data Cube", ("http://purl.org/linked-data/cube#",)),
    ("SDMX", ("http://purl.org/linked-data/sdmx/2009/",)),
    ("Web Annotation", ("http://www.w3.org/ns/oa#",)),
    ("QUDT", ("http://qudt.org/schema/qudt/",)),
)

_PREFIXES = {
    "wd": "http://www.wikidata.org/entity/", "wdt": "http://www.wikidata.org/prop/direct/",
    "schema": "https://schema.org/", "org": "http://www.w3.org/ns/org#", "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#", "skos": "http://www.w3.org/2004/02/skos/core#",
    "foaf": "http://xmlns.com/foaf/0.1/", "dcterms": "http://purl.org/dc/terms/",
    "qb": "http://purl.org/linked-data/cube#", "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#", "oa": "http://www.w3.org/ns/oa#",
    "qudt": "http://qudt.org/schema/qudt/", "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "rula": NAMESPACE,
}


def curie(term: rdflib.term.Node) -> str:
    """``prefix:local`` for the namespaces above, ``<iri>`` otherwise."""
    text = str(term)
    for prefix, ns in sorted(_PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns):]}"
    return f"<{text}>"


def vocabulary(iri: str) -> str:
    """The README's name of the vocabulary an IRI belongs to ("other" if none)."""
    for label, namespaces in VOCABULARIES:
        if iri.startswith(namespaces):
            return label
    return "other"


@dataclass
class OntologyStats:
    classes: int
    object_properties: int
    datatype_properties: int
    annotation_properties: int
    concepts: int
    concept_schemes: int
    node_shapes: int
    property_shapes: int
    sparql_constraints: int
    alignments: list[tuple[rdflib.URIRef, rdflib.URIRef, rdflib.URIRef]] = field(default_factory=list)

    def by_vocabulary(self) -> Counter[tuple[str, str]]:
        """Alignment axioms per (vocabulary, predicate CURIE)."""
        return Counter((vocabulary(str(o)), curie(p)) for _s, p, o in self.alignments)


def _ours(term: rdflib.term.Node) -> bool:
    return isinstance(term, rdflib.URIRef) and str(term).startswith(NAMESPACE)


def compute(ontology: rdflib.Graph | None = None, shapes: rdflib.Graph | None = None) -> OntologyStats:
    """Count the ontology's terms, the shapes and the alignment axioms (see the module docstring)."""
    ont = ontology if ontology is not None else load_ontology()
    shp = shapes if shapes is not None else load_shapes()

    def typed(kind: rdflib.URIRef) -> int:
        return len({s for s in ont.subjects(RDF.type, kind) if _ours(s)})

    alignments = sorted(
        (s, p, o)
        for p in ALIGNMENT_PREDICATES
        for s, o in ont.subject_objects(p)
        if _ours(s) and isinstance(o, rdflib.URIRef) and not str(o).startswith("https://w3id.org/rulakg/")
    )
    return OntologyStats(
        classes=typed(OWL.Class),
        object_properties=typed(OWL.ObjectProperty),
        datatype_properties=typed(OWL.DatatypeProperty),
        annotation_properties=typed(OWL.AnnotationProperty),
        concepts=typed(SKOS.Concept),
        concept_schemes=typed(SKOS.ConceptScheme),
        node_shapes=len(set(shp.subjects(SH.targetClass, None))),
        property_shapes=len(set(shp.objects(None, SH.property))),
        sparql_constraints=len(set(shp.objects(None, SH.sparql))),
        alignments=alignments,
    )


def counts_table(stats: OntologyStats) -> str:
    """The counts of terms, shapes and alignment axioms, as a Markdown table."""
    return "\n".join([
        "| what | count |", "| --- | ---: |",
        f"| classes (`owl:Class`) | {stats.classes} |",
        f"| object properties | {stats.object_properties} |",
        f"| datatype properties | {stats.datatype_properties} |",
        f"| annotation properties | {stats.annotation_properties} |",
        f"| SKOS concepts (controlled values) | {stats.concepts} |",
        f"| SKOS concept schemes | {stats.concept_schemes} |",
        f"| SHACL node shapes | {stats.node_shapes} |",
        f"| SHACL property shapes | {stats.property_shapes} |",
        f"| SHACL-SPARQL constraints | {stats.sparql_constraints} |",
        f"| alignment axioms | {len(stats.alignments)} |",
    ])


def vocabulary_table(stats: OntologyStats) -> str:
    """Alignment axioms per target vocabulary (rows) and predicate (columns), as a Markdown table."""
    per = stats.by_vocabulary()
    predicates = sorted({p for _v, p in per})
    lines = ["| target vocabulary | " + " | ".join(f"`{p}`" for p in predicates) + " | total |",
             "| --- |" + " ---: |" * (len(predicates) + 1)]
    for label in [v for v, _ns in VOCABULARIES] + ["other"]:
        row = [per.get((label, p), 0) for p in predicates]
        if sum(row):
            lines.append(f"| {label} | " + " | ".join(str(n) if n else "" for n in row) + f" | {sum(row)} |")
    totals = [sum(n for (_v, q), n in per.items() if q == p) for p in predicates]
    lines.append("| **all** | " + " | ".join(map(str, totals)) + f" | **{sum(totals)}** |")
    return "\n".join(lines)


_MARKS = {"owl:equivalentClass": "≡", "owl:equivalentProperty": "≡", "rdfs:subClassOf": "⊑",
          "rdfs:subPropertyOf": "⊑", "skos:exactMatch": "=", "skos:closeMatch": "≈"}


def terms_table(stats: OntologyStats) -> str:
    """One row per aligned ``rula:`` term, one column per main vocabulary, as a Markdown table."""
    main = [v for v, _ns in VOCABULARIES[:8]]
    lines = ["| our term | " + " | ".join(main) + " | other |", "| --- |" + " --- |" * (len(main) + 1)]
    by_term: dict[rdflib.URIRef, dict[str, list[str]]] = {}
    for s, p, o in stats.alignments:
        label = vocabulary(str(o))
        column = label if label in main else "other"
        by_term.setdefault(s, {}).setdefault(column, []).append(f"{_MARKS.get(curie(p), curie(p))} `{curie(o)}`")
    for term in sorted(by_term, key=lambda t: str(t)[len(NAMESPACE):].lower()):
        cells = [", ".join(by_term[term].get(v, [])) for v in [*main, "other"]]
        lines.append(f"| `{curie(term)}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(stats: OntologyStats) -> str:
    """The three tables of the README's overview, separated by blank lines."""
    return "\n\n".join([counts_table(stats), vocabulary_table(stats), terms_table(stats)])


if __name__ == "__main__":
    print(markdown(compute()))
