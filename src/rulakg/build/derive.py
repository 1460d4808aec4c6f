"""Build steps on the loaded store: materialised inferences and SHACL validation (of the data and the aggregates).

Both read the data graphs (every source but the ontology and the shapes) into rdflib, which is fine at the
size of the curated data (tens of thousands of triples); bulk sources (``Source.checked`` false) are left out.
"""

from __future__ import annotations

import io

import rdflib
from pyoxigraph import NamedNode, RdfFormat, Store, Triple, parse

from rulakg.build.sources import Source, graph_iri
from rulakg.config import Settings

SCHEMA_SOURCES = ("ontology", "shapes")
# Derived graphs that are instance data of the shapes: the build-time aggregates (an edited aggregate query that
# makes a broken observation stops the build). Not the inferred graph (the data's own consequences) nor the VoID.
CHECKED_DERIVED = ("aggregates",)


def _graph(store: Store, iri: str) -> rdflib.Graph:
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_TRIPLES, from_graph=NamedNode(iri))
    return rdflib.Graph().parse(data=buffer.getvalue(), format="nt")


def _data(store: Store, sources: list[Source]) -> rdflib.Graph:
    data = rdflib.Graph()
    for source in sources:
        # A bulk source (the UN voting record, millions of triples) is left out: rdflib cannot hold it. Its shapes
        # are tested on a sample (tests/test_unvotes.py).
        if source.name not in SCHEMA_SOURCES and source.checked:
            data += _graph(store, source.graph)
    return data


def inferred(store: Store, sources: list[Source], settings: Settings) -> tuple[str, list[Triple]]:
    """Inverse properties, super-classes, super-properties, chains and transitive part-of, for plain SPARQL."""
    from rulakg.ontology.reason import materialise

    names = {s.name for s in sources}
    if "ontology" not in names:
        return graph_iri(settings, "inferred"), []
    ontology = _graph(store, graph_iri(settings, "ontology"))
    new = materialise(_data(store, sources), ontology=ontology)
    nt = new.serialize(format="nt", encoding="utf-8")
    triples = [Triple(q.subject, q.predicate, q.object) for q in parse(nt, RdfFormat.N_TRIPLES)]
    return graph_iri(settings, "inferred"), sorted(triples, key=str)


def shacl_problems(store: Store, sources: list[Source], settings: Settings) -> list[str]:
    """SHACL violations of the data, and of the figures the build computed from it (``CHECKED_DERIVED``), against
    ``ontology/shapes.ttl``, one readable line each."""
    from rulakg.ontology.validate import validate

    names = {s.name for s in sources}
    if "ontology" not in names or "shapes" not in names:
        return []
    data = _data(store, sources)
    for name in CHECKED_DERIVED:
        data += _graph(store, graph_iri(settings, name))
    report = validate(
        data,
        ontology=_graph(store, graph_iri(settings, "ontology")),
        shapes=_graph(store, graph_iri(settings, "shapes")),
    )
    return [
        f"{v.focus_node} {v.path}: {v.message} ({v.shape})" for v in report.violations if v.severity == "Violation"
    ]
