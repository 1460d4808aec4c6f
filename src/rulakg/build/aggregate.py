"""Build-time aggregates: the counts behind the analytic saved queries, stored as RDF Data Cube observations.

Each ``aggregates/*.rq`` is a CONSTRUCT query with a GROUP BY that runs once over the loaded store (the union of
its graphs) and yields ``rula:StatisticalObservation`` nodes with deterministic IRIs; ``aggregates/datasets.ttl``
describes their data sets and structures. They land in ``<base>graph/aggregates`` so that the saved queries
(visits per year, contacts per state, agreements per area) read a few hundred observations instead of grouping
every fact on each request — an aggregation is what Oxigraph does slowest. The raw facts stay as they are.
``rulakg aggregates`` recomputes them over an existing store (e.g. after ``rulakg load``).
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, parse

from rulakg.build.sources import Source, graph_iri
from rulakg.config import Settings

FOLDER = Path(__file__).parent / "aggregates"
DATASETS = FOLDER / "datasets.ttl"
QB_DATASET = NamedNode("http://purl.org/linked-data/cube#dataSet")


def query_files() -> list[Path]:
    """The aggregate queries, in a stable order (also hashed into the build's inputs)."""
    return sorted(FOLDER.glob("*.rq"))


def compute(store: Store, base_iri: str) -> list[Triple]:
    """Run every aggregate query over ``store`` (its graphs' union): the observations, then the descriptions of
    the data sets that have any, sorted."""
    ids = f"{base_iri}id/"
    observations: set[Triple] = set()
    for path in query_files():
        observations.update(
            store.query(path.read_text(), base_iri=ids, use_default_graph_as_union=True)
        )
    described = _datasets(ids)
    # the data sets that have observations, their structures and the structures' components
    keep = frontier = {t.object for t in observations if t.predicate == QB_DATASET}
    while frontier:
        frontier = {t.object for t in described if t.subject in frontier and isinstance(t.object, NamedNode)} - keep
        keep = keep | frontier
    return sorted(observations, key=str) + sorted((t for t in described if t.subject in keep), key=str)


def _datasets(id_base: str) -> list[Triple]:
    quads = parse(path=DATASETS, format=RdfFormat.TURTLE, base_iri=id_base)
    return [Triple(q.subject, q.predicate, q.object) for q in quads]


def derivation(store: Store, sources: list[Source], settings: Settings) -> tuple[str, list[Triple]]:
    """The build step (``builder.derivations``): the aggregates graph of the loaded store."""
    return graph_iri(settings, "aggregates"), compute(store, settings.base_iri)


def recompute(store: Store, settings: Settings) -> int:
    """Replace the aggregates graph of an existing store (opened read-write) with fresh ones; the triple count."""
    graph = NamedNode(graph_iri(settings, "aggregates"))
    if graph in set(store.named_graphs()):
        store.remove_graph(graph)
    triples = compute(store, settings.base_iri)
    store.extend(Quad(t.subject, t.predicate, t.object, graph) for t in triples)  # small: one transaction
    return len(triples)
