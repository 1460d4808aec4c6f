"""``rulakg export quickstatements``: the graph's visits, agreements and UN votes as QuickStatements (V1).

Nothing is uploaded: the output is for a Wikidata editor to review and submit. Each fact becomes a new item
(``CREATE`` then ``LAST`` commands, since Wikidata has no items for most of them):

* ``Len`` / ``Les``: its English and Spanish labels;
* ``P31``: the Wikidata class that the ontology aligns with the fact's most specific class
  (``skos:exactMatch`` before ``skos:closeMatch``, walking up ``rdfs:subClassOf``; agreements, whose classes
  have no alignment, are written as treaties, Q131569);
* the linked entities, **only those with a QID**: P710 participant (visits: visitor and states; UN votes:
  each voting state), P17 country (a visit's host state), P276 location, P1891 signatory (an agreement's
  parties), following the ontology's alignments;
* the date: P585 point in time at the fact's precision (day /11, month /10, year /9, decade /8), or
  P580/P582 start and end for a span of days.

A fact that names no entity with a QID is left out. Every statement carries the same reference: S854
(reference URL) = the fact's IRI in RuLA KG, where its source, quote and character offsets are published, and
S1683 (quote) = the verbatim quote of the source article (for a vote, the quote of that state's vote), in
English; S248 (stated in) = the source document's item when the graph links it to Wikidata (the article is
not in Wikidata today, so S248 is not written). QuickStatements V1 strings cannot contain a double quote or a
tab: those are written as ' and a space.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

RULA = "https://w3id.org/rulakg/ontology#"
WD = "http://www.wikidata.org/entity/"
PREFIXES = f"""PREFIX rula: <{RULA}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

KINDS = ("Visit", "Agreement", "RollCallVote")
FALLBACK_P31 = {"Agreement": "Q131569"}  # treaty: Wikidata's class for agreements under international law
PRECISION = {"day": 11, "month": 10, "year": 9, "decade": 8, "century": 7}
QUOTE_MAX = 1500  # Wikidata's limit for a monolingual text

# rula: property → Wikidata property, per kind of fact
LINKS: dict[str, list[tuple[str, str]]] = {
    "Visit": [("participant", "P710"), ("visitor", "P710"), ("hostState", "P17"), ("location", "P276")],
    "Agreement": [("party", "P1891"), ("signatory", "P1891")],
    "RollCallVote": [],  # the voting states, from the vote casts
}


@dataclass
class Fact:
    iri: str
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    p31: str | None = None
    earliest: str | None = None
    latest: str | None = None
    precision: str | None = None
    quote: str | None = None
    stated_in: str | None = None
    statements: list[tuple[str, str, str | None]] = field(default_factory=list)  # (property, QID, own quote)


def _string(s: str) -> str:
    return '"' + " ".join(s.replace('"', "'").split()) + '"'


def _time(date: str, precision: int) -> str:
    y, m, d = date.split("-")[:3]
    if precision <= 9:
        m = d = "00"
    elif precision == 10:
        d = "00"
    if precision == 8:
        y = y[:3] + "0"
    elif precision == 7:
        y = y[:2] + "00"
    return f"+{y}-{m}-{d}T00:00:00Z/{precision}"


def _dates(f: Fact) -> list[tuple[str, str]]:
    if not f.earliest:
        return []
    precision = PRECISION.get(f.precision or "", 11)
    if precision == 11 and f.latest and f.latest != f.earliest:
        return [("P580", _time(f.earliest, 11)), ("P582", _time(f.latest, 11))]
    return [("P585", _time(f.earliest, precision))]


def _rows(store: Any, query: str, variables: list[str]) -> list[dict[str, str]]:
    out = []
    for r in store.query(PREFIXES + query, use_default_graph_as_union=True):
        out.append({v: r[v].value for v in variables if r[v] is not None})
    return out


def _aligned_classes(store: Any) -> dict[str, str]:
    """rula class (local name) → the Wikidata class of its nearest aligned ancestor (or itself)."""
    rows = _rows(
        store,
        f"""SELECT ?c ?wd ?exact (COUNT(DISTINCT ?mid) AS ?steps) WHERE {{
          ?c a owl:Class . FILTER(STRSTARTS(STR(?c), STR(rula:)))
          ?c rdfs:subClassOf* ?a .
          ?a skos:exactMatch|skos:closeMatch ?wd . FILTER(STRSTARTS(STR(?wd), "{WD}"))
          BIND(EXISTS {{ ?a skos:exactMatch ?wd }} AS ?exact)
          ?c rdfs:subClassOf* ?mid . ?mid rdfs:subClassOf* ?a .
        }} GROUP BY ?c ?wd ?exact""",
        ["c", "wd", "exact", "steps"],
    )
    best: dict[str, tuple[int, int, str]] = {}
    for r in rows:
        key = (int(r["steps"]), 0 if r["exact"] == "true" else 1, r["wd"][len(WD) :])
        c = r["c"][len(RULA) :]
        if c not in best or key < best[c]:
            best[c] = key
    return {c: v[2] for c, v in best.items()}


def collect(store: Any) -> list[Fact]:
    """The exportable facts of the store, in IRI order."""
    aligned = _aligned_classes(store)
    qid = {r["e"]: r["q"] for r in _rows(store, "SELECT ?e ?q { ?e rula:wikidataId ?q }", ["e", "q"])}
    facts: dict[str, Fact] = {}
    for kind in KINDS:
        for r in _rows(store, f"SELECT DISTINCT ?f {{ ?f a rula:{kind} }}", ["f"]):
            facts.setdefault(r["f"], Fact(r["f"], kind))
    if not facts:
        return []
    classes: dict[str, list[str]] = defaultdict(list)
    for r in _rows(
        store,
        "SELECT ?f ?c (COUNT(DISTINCT ?sup) AS ?depth) { ?f a ?c . ?c rdfs:subClassOf* ?sup "
        "FILTER(STRSTARTS(STR(?c), STR(rula:))) } GROUP BY ?f ?c ORDER BY DESC(?depth) ?c",
        ["f", "c", "depth"],
    ):
        if r["f"] in facts:
            classes[r["f"]].append(r["c"][len(RULA) :])
    for r in _rows(
        store,
        "SELECT ?f ?l (LANG(?l) AS ?lang) { ?f rdfs:label ?l FILTER(LANG(?l) IN ('en', 'es')) }",
        ["f", "l", "lang"],
    ):
        if r["f"] in facts:
            facts[r["f"]].labels.setdefault(r["lang"], r["l"])
    for r in _rows(
        store,
        "SELECT ?f ?e ?l ?p { OPTIONAL { ?f rula:earliestDate ?e } OPTIONAL { ?f rula:latestDate ?l } "
        "OPTIONAL { ?f rula:datePrecision ?p } ?f rula:earliestDate|rula:latestDate|rula:datePrecision [] }",
        ["f", "e", "l", "p"],
    ):
        f = facts.get(r["f"])
        if f is not None:
            f.earliest, f.latest = r.get("e"), r.get("l")
            f.precision = r["p"].rsplit("precision-", 1)[-1] if "p" in r else None
    quotes = _first_quotes(store)
    for f in facts.values():
        for c in classes.get(f.iri, []):
            if c in aligned:
                f.p31 = aligned[c]
                break
        f.p31 = f.p31 or FALLBACK_P31.get(f.kind)
        f.quote, f.stated_in = quotes.get(f.iri, (None, None))
    for kind, links in LINKS.items():
        for prop, wdprop in links:
            for r in _rows(store, f"SELECT ?f ?o {{ ?f a rula:{kind} ; rula:{prop} ?o }}", ["f", "o"]):
                f = facts[r["f"]]
                if r["o"] in qid and (wdprop, qid[r["o"]], None) not in f.statements:
                    f.statements.append((wdprop, qid[r["o"]], None))
    for r in _rows(
        store,
        "SELECT ?f ?c ?voter { ?f a rula:RollCallVote ; rula:hasVoteCast ?c . ?c rula:voter ?voter }",
        ["f", "c", "voter"],
    ):
        f = facts[r["f"]]
        if r["voter"] in qid:
            f.statements.append(("P710", qid[r["voter"]], quotes.get(r["c"], (None, None))[0]))
    for f in facts.values():
        f.statements.sort(key=lambda s: (s[0], int(s[1][1:])))
    return [f for _, f in sorted(facts.items()) if f.statements and f.p31]


def _first_quotes(store: Any) -> dict[str, tuple[str, str | None]]:
    """Each fact's first quote (by offset in the source) and the source document's QID, if any."""
    out: dict[str, tuple[str, str | None]] = {}
    for r in _rows(
        store,
        """SELECT ?f ?q ?doc WHERE {
          ?f prov:wasDerivedFrom ?c . ?c rula:quote ?q ; rula:startOffset ?s .
          OPTIONAL { ?c dcterms:source/rula:wikidataId ?doc }
        } ORDER BY ?f ?s""",
        ["f", "q", "doc"],
    ):
        out.setdefault(r["f"], (r["q"], r.get("doc")))
    return out


def _reference(f: Fact, quote: str | None) -> str:
    parts = []
    if f.stated_in:
        parts += ["S248", f.stated_in]
    parts += ["S854", _string(f.iri)]
    quote = quote or f.quote
    if quote:
        parts += ["S1683", "en:" + _string(quote[:QUOTE_MAX])]
    return "\t".join(parts)


def statements(f: Fact) -> list[str]:
    """The QuickStatements V1 commands that create the fact's item."""
    lines = ["CREATE"]
    for lang in ("en", "es"):
        if lang in f.labels:
            lines.append(f"LAST\tL{lang}\t{_string(f.labels[lang])}")
    ref = _reference(f, None)
    lines.append(f"LAST\tP31\t{f.p31}\t{ref}")
    for prop, value, quote in f.statements:
        lines.append(f"LAST\t{prop}\t{value}\t{_reference(f, quote)}")
    for prop, value in _dates(f):
        lines.append(f"LAST\t{prop}\t{value}\t{ref}")
    return lines


def export(store: Any) -> str:
    """The whole export as text (one command per line)."""
    return "".join(line + "\n" for f in collect(store) for line in statements(f))
