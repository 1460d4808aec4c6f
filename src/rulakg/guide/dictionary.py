"""The data dictionary: every class and property of the ontology (``rula:`` namespace) with its label,
definition, domain and range, how often the data uses it, and an example from the data — generated from the
built store, so it is never out of date."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Store

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREFIXES = (
    "PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
)
KINDS = (
    ("owl:Class", "Classes"),
    ("owl:ObjectProperty", "Object properties"),
    ("owl:DatatypeProperty", "Datatype properties"),
    ("owl:AnnotationProperty", "Annotation properties"),
)


@dataclass
class Term:
    iri: str
    kind: str
    label: str
    definition: str
    parents: list[str]
    domain: list[str]
    range: list[str]
    count: int = 0
    example: str = ""


def _short(iri: str, base_iri: str) -> str:
    for prefix, ns in (("rula:", f"{base_iri}ontology#"), ("id:", f"{base_iri}id/"), ("xsd:",
                       "http://www.w3.org/2001/XMLSchema#"), ("skos:", "http://www.w3.org/2004/02/skos/core#"),
                       ("prov:", "http://www.w3.org/ns/prov#"), ("org:", "http://www.w3.org/ns/org#"),
                       ("owl:", "http://www.w3.org/2002/07/owl#"), ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
                       ("qb:", "http://purl.org/linked-data/cube#"), ("wd:", "http://www.wikidata.org/entity/")):
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return f"<{iri}>"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _data_graphs(store: Store, base_iri: str) -> set[NamedNode]:
    described = {f"{base_iri}graph/{g}" for g in ("ontology", "shapes", "void", "queries")}
    return {g for g in store.named_graphs() if isinstance(g, NamedNode) and g.value not in described}


def terms(store: Store, base_iri: str) -> list[Term]:
    ns = f"{base_iri}ontology#"
    found: dict[str, Term] = {}
    for kind, _ in KINDS:
        rows = store.query(
            PREFIXES + f"SELECT ?t (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?def) "
            "(GROUP_CONCAT(DISTINCT STR(?p); SEPARATOR=' ') AS ?parents) "
            "(GROUP_CONCAT(DISTINCT STR(?dom); SEPARATOR=' ') AS ?domains) "
            "(GROUP_CONCAT(DISTINCT STR(?ran); SEPARATOR=' ') AS ?ranges) "
            f"{{ GRAPH <{base_iri}graph/ontology> {{ ?t a {kind} "
            'OPTIONAL { ?t rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) } '
            'OPTIONAL { ?t skos:definition ?d FILTER(LANGMATCHES(LANG(?d), "en")) } '
            "OPTIONAL { ?t rdfs:subClassOf|rdfs:subPropertyOf ?p FILTER(isIRI(?p)) } "
            "OPTIONAL { ?t rdfs:domain ?dom FILTER(isIRI(?dom)) } OPTIONAL { ?t rdfs:range ?ran FILTER(isIRI(?ran)) } "
            f'}} FILTER(STRSTARTS(STR(?t), "{ns}")) }} GROUP BY ?t ORDER BY ?t'
        )
        for row in rows:
            iri = row[0].value
            if iri in found:
                continue
            found[iri] = Term(
                iri, kind, row[1].value if row[1] else "", row[2].value if row[2] else "",
                row[3].value.split() if row[3] else [], row[4].value.split() if row[4] else [],
                row[5].value.split() if row[5] else [],
            )
    return list(found.values())


def _label(store: Store, node: NamedNode) -> str | None:
    for quad in store.quads_for_pattern(node, RDFS_LABEL, None, None):
        if isinstance(quad.object, Literal) and (quad.object.language or "").startswith("en"):
            return quad.object.value
    return None


def _term_text(store: Store, term: object, base_iri: str) -> str:
    if isinstance(term, NamedNode):
        label = _label(store, term)
        short = _short(term.value, base_iri)
        href = term.value[len(base_iri) - 1 :] if term.value.startswith(f"{base_iri}id/") else None
        text = f"[`{short}`]({href})" if href else f"`{short}`"
        return f"{text} ({_cell(label)})" if label else text
    if isinstance(term, Literal):
        value = term.value if len(term.value) <= 80 else term.value[:77] + "…"
        return f'`"{_cell(value)}"`' + (f"@{term.language}" if term.language else "")
    return "a blank node"


def examples(store: Store, base_iri: str, items: list[Term]) -> None:
    """Fill each term's count and an example from the data graphs (not the ontology, shapes or descriptions)."""
    graphs = _data_graphs(store, base_iri)
    in_data = " ".join(f"<{g.value}>" for g in sorted(graphs, key=lambda g: g.value))
    for t in items:
        node = NamedNode(t.iri)
        if t.kind == "owl:Class":
            t.count = int(next(iter(store.query(
                f"SELECT (COUNT(DISTINCT ?x) AS ?n) {{ GRAPH ?g {{ ?x a <{t.iri}> }} VALUES ?g {{ {in_data} }} }}"
            )))[0].value)  # type: ignore[index]
            quad = next((q for q in store.quads_for_pattern(None, RDF_TYPE, node, None) if q.graph_name in graphs),
                        None)
            if quad is not None:
                t.example = _term_text(store, quad.subject, base_iri)
        else:
            t.count = int(next(iter(store.query(
                f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s <{t.iri}> ?o }} VALUES ?g {{ {in_data} }} }}"
            )))[0].value)  # type: ignore[index]
            quad = next((q for q in store.quads_for_pattern(None, node, None, None) if q.graph_name in graphs), None)
            if quad is not None:
                t.example = (f"{_term_text(store, quad.subject, base_iri)} → "
                             f"{_term_text(store, quad.object, base_iri)}")


def markdown(store: Store, base_iri: str) -> str:
    items = terms(store, base_iri)
    examples(store, base_iri, items)
    lines = [
        "# Data dictionary",
        "",
        "Every class and property of the RuLA ontology (`rula:` = `https://w3id.org/rulakg/ontology#`), with its",
        "English label and definition, its super-class or super-property, domain and range, how many times the data",
        "uses it (instances of a class, triples of a property; inferred triples included) and one example from the",
        "data. Generated from the built store by `rulakg.guide.dictionary` each time the guide is built.",
        "",
    ]
    used = sum(1 for t in items if t.count)
    lines.append(f"{len(items)} terms, {used} of them used by the data.")
    lines.append("")
    for kind, title in KINDS:
        group = [t for t in items if t.kind == kind]
        if not group:
            continue
        lines += [f"## {title}", ""]
        lines += list(_table(group, base_iri, kind == "owl:Class"))
        lines.append("")
    return "\n".join(lines)


def _table(group: list[Term], base_iri: str, classes: bool) -> Iterator[str]:
    if classes:
        yield "| class | label and definition | sub-class of | instances | example |"
        yield "| --- | --- | --- | ---: | --- |"
    else:
        yield "| property | label and definition | domain → range | triples | example |"
        yield "| --- | --- | --- | ---: | --- |"
    for t in group:
        name = f'<span id="{t.iri.rsplit("#", 1)[-1]}"></span>`{_short(t.iri, base_iri)}`'
        text = f"**{_cell(t.label)}**: {_cell(t.definition)}" if t.definition else f"**{_cell(t.label)}**"
        if classes:
            middle = ", ".join(f"`{_short(p, base_iri)}`" for p in t.parents) or "—"
        else:
            dom = ", ".join(f"`{_short(d, base_iri)}`" for d in t.domain) or "—"
            ran = ", ".join(f"`{_short(r, base_iri)}`" for r in t.range) or "—"
            middle = f"{dom} → {ran}"
        example = t.example or "*(not used by the data of this release)*"
        yield f"| {name} | {text} | {middle} | {t.count:,} | {example} |"
