"""Reasoning for RuLA KG: a HermiT consistency check and the materialised inferences users need.

Why two things: the tests and ``build`` must prove that ontology + data are consistent and that no class is
unsatisfiable (owlready2 drives HermiT, which needs ``java``); and researchers query the SPARQL endpoint
without a reasoner, so the few entailments they rely on (inverse properties, super-classes, super-properties,
property chains, transitive part-of) are computed here and loaded by ``build`` into their own named graph.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from . import load_ontology
from ._graphs import GraphInput, as_graph

# Datatypes outside the OWL 2 datatype map that the data uses, and how HermiT gets to see them.
_TO_DATETIME = {XSD.date}
_TO_STRING = {XSD.gYear, XSD.gYearMonth, XSD.gMonth, XSD.gDay, XSD.gMonthDay, XSD.duration}
_PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}


@dataclass
class ConsistencyResult:
    """Outcome of :func:`check_consistency`: consistent or not, the unsatisfiable classes, and a message."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the graph is consistent and every named class is satisfiable."""
        return self.consistent and not self.unsatisfiable


def dl_view(graph: rdflib.Graph) -> rdflib.Graph:
    """A copy of the graph that HermiT accepts.

    Why: ``xsd:date`` and ``xsd:gYear`` are not in the OWL 2 datatype map (HermiT rejects them), so dates
    become ``xsd:dateTime`` at midnight UTC and the other calendar types become strings; and the RDF Data Cube
    types on our properties (``rula:refArea a qb:DimensionProperty``) are punning that owlready2 warns about,
    so class assertions on declared properties are left out (they carry no DL meaning here).
    """
    properties = {s for t in _PROPERTY_TYPES for s in graph.subjects(RDF.type, t)}
    out = rdflib.Graph()
    for s, p, o in graph:
        if p == RDF.type and s in properties and o not in _PROPERTY_TYPES and o not in (
                OWL.FunctionalProperty, OWL.TransitiveProperty, OWL.InverseFunctionalProperty,
                OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.ReflexiveProperty, OWL.IrreflexiveProperty):
            continue
        if isinstance(o, rdflib.Literal) and o.datatype in _TO_DATETIME:
            o = rdflib.Literal(f"{o}T00:00:00Z", datatype=XSD.dateTime)
        elif isinstance(o, rdflib.Literal) and o.datatype in _TO_STRING:
            o = rdflib.Literal(str(o))
        out.add((s, p, o))
    return out


def check_consistency(
    data: GraphInput = None,
    *,
    ontology: rdflib.Graph | None = None,
    java_memory_mb: int = 2000,
) -> ConsistencyResult:
    """Run HermiT (through owlready2) on ontology + data.

    Returns whether the whole is consistent and which named classes are unsatisfiable. Uses a fresh owlready2
    World each time so that repeated calls do not see each other's triples.
    """
    import owlready2

    owlready2.JAVA_MEMORY = java_memory_mb
    merged = as_graph(ontology if ontology is not None else load_ontology())
    for t in as_graph(data):
        merged.add(t)
    view = dl_view(merged)
    fd, path = tempfile.mkstemp(suffix=".nt")
    os.close(fd)
    try:
        view.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        world.get_ontology("file://" + path).load()
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                           ignore_unsupported_datatypes=True)
        except owlready2.OwlReadyInconsistentOntologyError:
            causes = explain_inconsistency(merged, ontology=ontology)
            detail = "; ".join(causes[:20]) if causes else "no simple cause found (check sameAs and cardinalities)"
            message = f"HermiT: the ontology and data are inconsistent. Likely causes: {detail}"
            return ConsistencyResult(False, [], message)
        unsat = sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)
        message = "consistent" if not unsat else f"{len(unsat)} unsatisfiable class(es)"
        world.close()
        return ConsistencyResult(True, unsat, message)
    finally:
        os.unlink(path)


def _closure(pairs: dict[rdflib.term.Node, set[rdflib.term.Node]]) -> dict[rdflib.term.Node, set[rdflib.term.Node]]:
    """Reflexive-free transitive closure of a 'sub -> supers' map."""
    out: dict[rdflib.term.Node, set[rdflib.term.Node]] = {}
    for start in pairs:
        seen: set[rdflib.term.Node] = set()
        stack = list(pairs[start])
        while stack:
            x = stack.pop()
            if x in seen or x == start:
                continue
            seen.add(x)
            stack.extend(pairs.get(x, ()))
        out[start] = seen
    return out


def materialise(graph: GraphInput, *, ontology: rdflib.Graph | None = None) -> rdflib.Graph:
    """The triples a reasoner would add that users need in plain SPARQL, and only those not already there.

    Computed to a fixpoint from the ontology's axioms (nothing is hard-coded): ``owl:inverseOf``,
    ``rdfs:subPropertyOf`` (super-properties), two-step ``owl:propertyChainAxiom`` (e.g. rula:holdsOffice from
    office holdings, org:memberOf from memberships, rula:party from qualified parties),
    ``owl:TransitiveProperty`` (rula:partOf) and ``rdf:type`` closure over ``rdfs:subClassOf``.
    Equivalences with Wikidata properties are deliberately not materialised: ``wdt:`` triples between our
    own IRIs would mislead federated queries.
    """
    data = as_graph(graph)
    ont = ontology if ontology is not None else load_ontology()

    named = lambda n: isinstance(n, rdflib.URIRef)  # noqa: E731
    sub_class: dict = defaultdict(set)
    for s, o in ont.subject_objects(RDFS.subClassOf):
        if named(s) and named(o):
            sub_class[s].add(o)
    sub_prop: dict = defaultdict(set)
    for s, o in ont.subject_objects(RDFS.subPropertyOf):
        if named(s) and named(o):
            sub_prop[s].add(o)
    super_classes = _closure(sub_class)
    super_props = _closure(sub_prop)
    inverse: dict = defaultdict(set)
    for s, o in ont.subject_objects(OWL.inverseOf):
        if named(s) and named(o):
            inverse[s].add(o)
            inverse[o].add(s)
    transitive = {s for s in ont.subjects(RDF.type, OWL.TransitiveProperty) if named(s)}
    chains: list[tuple[rdflib.URIRef, list[tuple[rdflib.URIRef, bool]]]] = []
    for prop, lst in ont.subject_objects(OWL.propertyChainAxiom):
        steps: list[tuple[rdflib.URIRef, bool]] = []
        for item in rdflib.collection.Collection(ont, lst):
            inv = ont.value(item, OWL.inverseOf) if isinstance(item, rdflib.BNode) else None
            steps.append((inv, True) if inv is not None else (item, False))
        if len(steps) == 2 and named(prop):
            chains.append((prop, steps))

    known = set(data)
    new: set[tuple] = set()

    def add(t: tuple) -> bool:
        if t in known:
            return False
        known.add(t)
        new.add(t)
        return True

    changed = True
    while changed:
        changed = False
        by_pred: dict = defaultdict(list)
        for s, p, o in list(known):
            by_pred[p].append((s, o))
        for p, pairs in list(by_pred.items()):
            for sup in super_props.get(p, ()):
                for s, o in pairs:
                    changed |= add((s, sup, o))
            for inv in inverse.get(p, ()):
                for s, o in pairs:
                    if not isinstance(o, rdflib.Literal):
                        changed |= add((o, inv, s))
            if p == RDF.type:
                for s, o in pairs:
                    for sup in super_classes.get(o, ()):
                        changed |= add((s, RDF.type, sup))
        for p in transitive:
            succ: dict = defaultdict(set)
            for s, o in by_pred.get(p, ()):
                succ[s].add(o)
            for s, reachable in _closure(succ).items():
                for reach in reachable:
                    changed |= add((s, p, reach))
        for prop, ((p1, inv1), (p2, inv2)) in chains:
            first = [(o, s) if inv1 else (s, o) for s, o in by_pred.get(p1, ())]
            second: dict = defaultdict(set)
            for s, o in by_pred.get(p2, ()):
                a, b = (o, s) if inv2 else (s, o)
                second[a].add(b)
            for x, y in first:
                for z in second.get(y, ()):
                    changed |= add((x, prop, z))

    out = rdflib.Graph()
    for t in new:
        out.add(t)
    return out


def disjointness_clashes(data: GraphInput, *, ontology: rdflib.Graph | None = None) -> list[str]:
    """Individuals that fall into two disjoint classes, explained: the usual cause of an inconsistency.

    Why: HermiT only answers "inconsistent"; this cheap check (types from the data, from rdfs:domain and
    rdfs:range of the properties used, and their super-classes) names the node, the two classes and the
    triples that typed it, so a data editor can fix the row.
    """
    ont = ontology if ontology is not None else load_ontology()
    graph = as_graph(data)
    domains: dict = defaultdict(set)
    ranges: dict = defaultdict(set)
    for p, c in ont.subject_objects(RDFS.domain):
        if isinstance(c, rdflib.URIRef):
            domains[p].add(c)
    for p, c in ont.subject_objects(RDFS.range):
        if isinstance(c, rdflib.URIRef):
            ranges[p].add(c)
    reasons: dict = defaultdict(lambda: defaultdict(list))  # node -> class -> why
    for s, p, o in graph:
        if p == RDF.type and isinstance(o, rdflib.URIRef):
            reasons[s][o].append("asserted")
        for c in domains.get(p, ()):
            reasons[s][c].append(f"domain of {p}")
        if not isinstance(o, rdflib.Literal):
            for c in ranges.get(p, ()):
                reasons[o][c].append(f"range of {p}")
    sub_class: dict = defaultdict(set)
    for s, o in ont.subject_objects(RDFS.subClassOf):
        if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef):
            sub_class[s].add(o)
    supers = _closure(sub_class)
    pairs: set[frozenset] = set()
    for a, b in ont.subject_objects(OWL.disjointWith):
        pairs.add(frozenset((a, b)))
    for node in ont.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(rdflib.collection.Collection(ont, ont.value(node, OWL.members)))
        pairs.update(frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1:])
    out: list[str] = []
    for node, classes in reasons.items():
        closed: dict = defaultdict(list)
        for c, why in classes.items():
            closed[c].extend(why)
            for sup in supers.get(c, ()):
                closed[sup].extend(f"{w} via {c}" for w in why)
        for pair in pairs:
            a, b = tuple(pair)
            if a in closed and b in closed:
                out.append(f"{node} is both {a} ({'; '.join(sorted(set(closed[a])))}) "
                           f"and {b} ({'; '.join(sorted(set(closed[b])))})")
    return sorted(out)


_NUMERIC_OK = {
    XSD.decimal: {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.int, XSD.long},
    XSD.integer: {XSD.nonNegativeInteger, XSD.positiveInteger, XSD.int, XSD.long},
    XSD.nonNegativeInteger: {XSD.integer, XSD.positiveInteger},
}


def explain_inconsistency(data: GraphInput, *, ontology: rdflib.Graph | None = None) -> list[str]:
    """Likely causes of an inconsistency, in words: disjoint classes, functional properties with two values,
    literals outside a datatype property's range (e.g. a language-tagged string where xsd:string is required).

    Why: ``check_consistency`` calls this when HermiT says "inconsistent", so the message tells what to fix.
    """
    ont = ontology if ontology is not None else load_ontology()
    graph = as_graph(data)
    out = disjointness_clashes(graph, ontology=ont)
    for prop in ont.subjects(RDF.type, OWL.FunctionalProperty):
        values: dict = defaultdict(set)
        for s, o in graph.subject_objects(prop):
            values[s].add(o)
        out += [f"{s} has {len(v)} values of functional {prop}: {sorted(map(str, v))}"
                for s, v in values.items() if len(v) > 1]
    ranges = {p: r for p, r in ont.subject_objects(RDFS.range)
              if (p, RDF.type, OWL.DatatypeProperty) in ont and isinstance(r, rdflib.URIRef)}
    for s, p, o in graph:
        if p in ranges and isinstance(o, rdflib.Literal):
            dt = o.datatype or (RDF.langString if o.language else XSD.string)
            want = ranges[p]
            if dt != want and dt not in _NUMERIC_OK.get(want, set()) and want != RDFS.Literal:
                out.append(f"{s} {p} {o.n3()}: the range of the property is {want}")
    return out
