"""SHACL validation of RuLA KG data against the ontology's shapes, with readable violations.

Why a wrapper around pyshacl: its report is an RDF graph that researchers cannot read at a glance, and the
ontology must be passed as ``ont_graph`` so that instances of sub-classes (a rula:NavalPortCall is a rula:Fact)
are caught by the shapes of their super-classes. ``rulakg validate`` and ``build`` call :func:`validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyshacl
import rdflib
from rdflib.namespace import RDF, SH

from . import NAMESPACE, SHAPES_NAMESPACE, load_ontology, load_shapes
from ._graphs import GraphInput, as_graph

_PREFIXES = {
    "rula": NAMESPACE,
    "rulash": SHAPES_NAMESPACE,
    "id": "https://w3id.org/rulakg/id/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "qb": "http://purl.org/linked-data/cube#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "wd": "http://www.wikidata.org/entity/",
}


def short(term: rdflib.term.Node | None) -> str:
    """A compact, human-readable form of an RDF term (prefixed IRI, quoted literal)."""
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        for prefix, ns in _PREFIXES.items():
            if str(term).startswith(ns):
                return f"{prefix}:{str(term)[len(ns):]}"
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return term.n3()
    return f"_:{term}"


@dataclass(frozen=True)
class Violation:
    """One SHACL result: which node broke which shape on which path, and why."""

    focus_node: str
    path: str
    message: str
    shape: str
    severity: str = "Violation"
    value: str = ""
    constraint: str = ""

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        val = f" (value {self.value})" if self.value else ""
        return f"{self.severity}: {self.focus_node}{where}: {self.message}{val} [{self.shape}]"


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`: ``conforms`` and the list of violations, printable as text."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    results_graph: rdflib.Graph | None = None

    @property
    def errors(self) -> list[Violation]:
        """Results of severity Violation (they make the data non-conforming)."""
        return [v for v in self.violations if v.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        """Results of severity Warning or Info (reported, but the data still conforms)."""
        return [v for v in self.violations if v.severity != "Violation"]

    def __str__(self) -> str:
        head = "Conforms" if self.conforms else "Does not conform"
        lines = [f"{head}: {len(self.errors)} SHACL violation(s), {len(self.warnings)} warning(s)."]
        lines += [f"  {v}" for v in self.errors + self.warnings]
        return "\n".join(lines)

    def by_shape(self) -> dict[str, list[Violation]]:
        """Violations grouped by the node shape they come from (handy for summaries)."""
        out: dict[str, list[Violation]] = {}
        for v in self.violations:
            out.setdefault(v.shape, []).append(v)
        return out


def _owning_node_shape(shapes: rdflib.Graph, shape: rdflib.term.Node) -> rdflib.term.Node:
    """Climb from a property shape (often a blank node) to the named node shape that holds it."""
    seen: set[rdflib.term.Node] = set()
    current = shape
    while isinstance(current, rdflib.BNode) and current not in seen:
        seen.add(current)
        parents = list(shapes.subjects(SH.property, current)) or list(shapes.subjects(None, current))
        if not parents:
            break
        current = parents[0]
    return current


def validate(
    data: GraphInput,
    *,
    ontology: rdflib.Graph | None = None,
    shapes: rdflib.Graph | None = None,
) -> ValidationReport:
    """Validate data (a graph, a dataset, a path or a list of paths) against the RuLA KG shapes.

    The ontology is merged into the data so that sub-class instances are targeted, ``sh:class`` checks see the
    class hierarchy and the controlled values (SKOS concepts) are known; no OWL/RDFS inference is run (that is
    the reasoner's job).
    """
    data_graph = as_graph(data)
    ont = ontology if ontology is not None else load_ontology()
    shp = shapes if shapes is not None else load_shapes()
    # The ontology is merged in whole (not passed as pyshacl's ont_graph, which copies only class and property
    # axioms): shapes need its concept individuals too (rula:vote-no is a skos:Concept).
    for t in ont:
        data_graph.add(t)
    conforms, results, _text = pyshacl.validate(
        data_graph, shacl_graph=shp, inference="none", abort_on_first=False,
        allow_warnings=True, allow_infos=True,
    )
    violations: list[Violation] = []
    for res in results.subjects(RDF.type, SH.ValidationResult):
        source = results.value(res, SH.sourceShape)
        node_shape = _owning_node_shape(shp, source) if source is not None else None
        messages = [str(m) for m in results.objects(res, SH.resultMessage)]
        english = [str(m) for m in results.objects(res, SH.resultMessage)
                   if isinstance(m, rdflib.Literal) and m.language in (None, "en")]
        component = results.value(res, SH.sourceConstraintComponent)
        violations.append(Violation(
            focus_node=short(results.value(res, SH.focusNode)),
            path=short(results.value(res, SH.resultPath)),
            message=(english or messages or [short(component)])[0],
            shape=short(node_shape),
            severity=str(results.value(res, SH.resultSeverity)).split("#")[-1],
            value=short(results.value(res, SH.value)),
            constraint=str(component).split("#")[-1],
        ))
    violations = sorted(set(violations), key=lambda v: (v.severity != "Violation", v.shape, v.focus_node, v.path,
                                                        v.message))
    return ValidationReport(conforms=bool(conforms), violations=violations, results_graph=results)


@dataclass
class CompiledProject:
    """The project's sources compiled exactly as ``rulakg build`` loads them, as rdflib graphs.

    ``data`` is the union of every data source (``data/<folder>/`` RDF files and CSV tables through their
    mappers, and the saved queries' descriptions), i.e. every graph but the ontology and the shapes; it is the
    graph that ``build`` validates. The materialised inferences are not included (``build`` does not validate
    them either).
    """

    ontology: rdflib.Graph
    shapes: rdflib.Graph
    data: rdflib.Graph
    sources: list[str] = field(default_factory=list)


def compile_project(settings: object | None = None) -> CompiledProject:
    """Load every source of a build into an in-memory Oxigraph store and return its graphs (nothing on disk).

    Why here: ``rulakg validate`` and the ontology tests must check the very triples a build would load, so
    this reuses the build's own source discovery, mappers and graph extraction (``rulakg.build``).
    Raises ``rulakg.build.sources.SourceError`` when a source is broken.
    """
    from pyoxigraph import NamedNode, Quad, Store

    from rulakg.build.derive import _data, _graph
    from rulakg.build.sources import discover, graph_iri
    from rulakg.config import Settings

    cfg = settings if isinstance(settings, Settings) else Settings()
    sources = [s for s in discover(cfg) if s.checked]  # not the bulk sources (see rulakg.build.derive._data)
    store = Store()
    for source in sources:
        graph = NamedNode(source.graph)
        store.bulk_extend(
            t if isinstance(t, Quad) else Quad(t.subject, t.predicate, t.object, graph) for t in source.produce()
        )
    names = {s.name for s in sources}
    ontology = _graph(store, graph_iri(cfg, "ontology")) if "ontology" in names else load_ontology()
    shapes = _graph(store, graph_iri(cfg, "shapes")) if "shapes" in names else load_shapes()
    return CompiledProject(ontology, shapes, _data(store, sources), [s.name for s in sources])
