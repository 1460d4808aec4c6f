"""``rulakg wikidata check``: is every Wikidata link still right?

For each entity of the graph with a ``rula:wikidataId``, the item is fetched from a SPARQL endpoint (default:
Wikidata's; any endpoint with Wikidata's RDF shape works) in batched ``VALUES`` queries: its English label,
aliases and description, its P31 types, and whether it is a redirect (``wd:Qold owl:sameAs wd:Qnew`` on the
Wikidata Query Service). Then:

* **missing**: the item has no triples (deleted, or never existed);
* **redirect**: the item was merged into another one; the link should name the new item;
* **type**: none of the P31 types (or their P279 superclasses) is one expected for our class (a state →
  Q3624078/Q6256/Q7275…, a person → Q5, an organisation → Q43229…, see ``EXPECTED_TYPES``);
* **label**: neither our English label nor alternative labels match Wikidata's English label or aliases.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from rulakg.config import Settings

RULA = "https://w3id.org/rulakg/ontology#"
WD = "http://www.wikidata.org/entity/"

# Our class → the Wikidata classes an item linked from it may be an instance of (directly or through P279*).
# Most specific first: an entity is checked against the first row whose class it has.
EXPECTED_TYPES: list[tuple[str, tuple[str, ...]]] = [
    ("PartiallyRecognisedState", ("Q15634554", "Q3624078", "Q6256", "Q7275")),
    ("HistoricalState", ("Q3024240", "Q6256", "Q7275", "Q3624078")),
    ("SovereignState", ("Q3624078", "Q6256", "Q7275")),
    ("State", ("Q7275", "Q6256", "Q3624078", "Q15634554", "Q56061", "Q82794")),
    ("Person", ("Q5",)),
    ("Company", ("Q4830453", "Q783794", "Q43229")),
    ("Organisation", ("Q43229",)),
    ("City", ("Q515", "Q486972")),
    ("Region", ("Q82794",)),
    ("Office", ("Q4164871",)),
    ("Place", ("Q2221906", "Q618123", "Q486972", "Q82794")),
]


@dataclass
class Linked:
    """One entity of our graph and its link."""

    iri: str
    qid: str
    labels: set[str] = field(default_factory=set)  # English labels and alternative labels
    classes: set[str] = field(default_factory=set)  # local names of its rula: classes

    @property
    def expected(self) -> tuple[str, tuple[str, ...]] | None:
        return next(((c, q) for c, q in EXPECTED_TYPES if c in self.classes), None)


@dataclass
class Item:
    """What the endpoint holds about one item."""

    labels: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)
    descriptions: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    redirect: str | None = None

    @property
    def exists(self) -> bool:
        return bool(self.labels or self.aliases or self.descriptions or self.types or self.redirect)


@dataclass
class Finding:
    entity: str
    qid: str
    status: str  # ok, missing, redirect, type, label
    message: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def linked_entities(store: Any) -> list[Linked]:
    """The entities of the store with a Wikidata QID (``rula:wikidataId``)."""
    q = f"""PREFIX rula: <{RULA}>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?e ?qid ?label ?class WHERE {{
      ?e rula:wikidataId ?qid .
      {{ ?e rdfs:label|skos:prefLabel|skos:altLabel ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
      UNION {{ ?e a ?class FILTER(STRSTARTS(STR(?class), STR(rula:))) }}
    }}"""
    out: dict[str, Linked] = {}
    for row in store.query(q, use_default_graph_as_union=True):
        e = row["e"].value
        item = out.setdefault(e, Linked(e, row["qid"].value))
        if row["label"] is not None:
            item.labels.add(row["label"].value)
        if row["class"] is not None:
            item.classes.add(row["class"].value[len(RULA) :])
    return sorted(out.values(), key=lambda x: x.iri)


class Endpoint:
    """A SPARQL endpoint called with our User-Agent; a 429 is waited out (Retry-After) and tried again."""

    def __init__(self, url: str, settings: Settings, client: httpx.Client | None = None):
        self.url = url
        self.settings = settings
        self.client = client or httpx.Client(follow_redirects=True)

    def select(self, query: str, attempts: int = 3) -> list[dict[str, str]]:
        headers = {"User-Agent": self.settings.user_agent, "Accept": "application/sparql-results+json"}
        for attempt in range(attempts):
            r = self.client.post(
                self.url, data={"query": query}, headers=headers, timeout=self.settings.federation_timeout
            )
            if r.status_code == 429 and attempt + 1 < attempts:
                wait = r.headers.get("retry-after", "")
                time.sleep(min(float(wait) if wait.isdigit() else 5.0, 120.0))
                continue
            if r.status_code != 200:
                raise RuntimeError(f"{self.url} answered {r.status_code}: {r.text[:300]}")
            return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]
        raise RuntimeError(f"{self.url} kept answering 429 Too Many Requests")


def _values(qids: Iterable[str]) -> str:
    return " ".join(f"wd:{q}" for q in qids)


def fetch_items(endpoint: Endpoint, qids: list[str]) -> dict[str, Item]:
    query = f"""PREFIX wd: <{WD}>
    PREFIX wdt: <http://www.wikidata.org/prop/direct/>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX schema: <http://schema.org/>
    PREFIX owl: <http://www.w3.org/2002/07/owl#>
    SELECT ?item ?label ?alias ?description ?type ?redirect WHERE {{
      VALUES ?item {{ {_values(qids)} }}
      {{ ?item rdfs:label ?label FILTER(LANG(?label) = "en") }}
      UNION {{ ?item skos:altLabel ?alias FILTER(LANG(?alias) = "en") }}
      UNION {{ ?item schema:description ?description FILTER(LANG(?description) = "en") }}
      UNION {{ ?item wdt:P31 ?type }}
      UNION {{ ?item owl:sameAs ?redirect }}
    }}"""
    items = {q: Item() for q in qids}
    for row in endpoint.select(query):
        item = items.setdefault(row["item"].removeprefix(WD), Item())
        if "label" in row:
            item.labels.add(row["label"])
        if "alias" in row:
            item.aliases.add(row["alias"])
        if "description" in row:
            item.descriptions.add(row["description"])
        if "type" in row:
            item.types.add(row["type"].removeprefix(WD))
        if "redirect" in row:
            item.redirect = row["redirect"].removeprefix(WD)
    return items


def fetch_type_matches(endpoint: Endpoint, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (item, expected class) pairs hold: ``?item wdt:P31/wdt:P279* ?expected``."""
    if not pairs:
        return set()
    rows = " ".join(f"(wd:{i} wd:{c})" for i, c in pairs)
    query = f"""PREFIX wd: <{WD}>
    PREFIX wdt: <http://www.wikidata.org/prop/direct/>
    SELECT DISTINCT ?item ?expected WHERE {{
      VALUES (?item ?expected) {{ {rows} }}
      ?item wdt:P31/wdt:P279* ?expected .
    }}"""
    return {(r["item"].removeprefix(WD), r["expected"].removeprefix(WD)) for r in endpoint.select(query)}


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).casefold().split())


def label_matches(ours: set[str], item: Item) -> bool:
    theirs = {_norm(x) for x in item.labels | item.aliases}
    return not ours or not theirs or any(_norm(x) in theirs for x in ours)


def check(entities: list[Linked], endpoint: Endpoint, batch_size: int = 50) -> list[Finding]:
    """Check every link; one finding per entity (the first problem found, else ok)."""
    findings: list[Finding] = []
    for start in range(0, len(entities), batch_size):
        batch = entities[start : start + batch_size]
        items = fetch_items(endpoint, sorted({e.qid for e in batch}))
        pairs = [
            (e.qid, c)
            for e in batch
            if e.expected and items[e.qid].exists and not items[e.qid].redirect
            for c in e.expected[1]
        ]
        direct = {(e.qid, t) for e in batch for t in items[e.qid].types}
        matches = {p for p in pairs if p in direct}
        rest = [p for p in pairs if p[0] not in {m[0] for m in matches}]
        matches |= fetch_type_matches(endpoint, rest)
        for e in batch:
            findings.append(_judge(e, items[e.qid], matches))
    return findings


def _judge(e: Linked, item: Item, matches: set[tuple[str, str]]) -> Finding:
    name = min(e.labels, default=e.iri)
    if item.redirect:
        return Finding(e.iri, e.qid, "redirect", f"{e.qid} ({name}) is a redirect to {item.redirect}: link that item")
    if not item.exists:
        return Finding(e.iri, e.qid, "missing", f"{e.qid} ({name}) has no data on the endpoint (deleted?)")
    wd_label = min(item.labels, default="?")
    if e.expected and not any((e.qid, c) in matches for c in e.expected[1]):
        types = ", ".join(sorted(item.types)) or "none"
        return Finding(
            e.iri,
            e.qid,
            "type",
            f"{e.qid} ({wd_label}) is an instance of {types}; a rula:{e.expected[0]} should be one of "
            + ", ".join(e.expected[1]),
        )
    if not label_matches(e.labels, item):
        return Finding(
            e.iri, e.qid, "label", f"{e.qid}: our label {name!r} is not Wikidata's label {wd_label!r} nor an alias"
        )
    return Finding(e.iri, e.qid, "ok", f"{e.qid} ({wd_label})")
