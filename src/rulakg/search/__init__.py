"""Full-text search over the graph's entities: a SQLite FTS5 index built with the store.

One row per entity the graph mints (``<base_iri>id/…``, citations aside) with four text columns, every language
run together: ``label`` (rdfs:label, skos:prefLabel), ``altname`` (skos:altLabel and other names), ``description``
(descriptions, statements, purposes, editorial notes) and ``quote`` (the ``rula:quote`` of each citation the
entity ``prov:wasDerivedFrom``). The tokenizer is ``unicode61 remove_diacritics 2``: case and accents are folded
(``Bogota`` finds ``Bogotá``, ``cafe`` finds ``Café``), in every script Unicode knows. Results are ranked by BM25
with the label weighing most.

The index is written at build time next to the store (``search.sqlite``, see ``rulakg.build.builder``); a store
built before the index existed gets one built on first use (``SearchIndex.for_store``).
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from pyoxigraph import Literal, NamedNode, Store

INDEX_FILE = "search.sqlite"

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _fields(ontology: str) -> dict[str, str]:
    """Predicate → column."""
    return {
        RDFS + "label": "label",
        SKOS + "prefLabel": "label",
        DCT + "title": "label",
        SKOS + "altLabel": "altname",
        SCHEMA + "alternateName": "altname",
        SKOS + "hiddenLabel": "altname",
        ontology + "draftSymbol": "altname",
        ontology + "adoptedSymbol": "altname",
        ontology + "isoAlpha2": "altname",
        ontology + "isoAlpha3": "altname",
        ontology + "wikidataId": "altname",
        RDFS + "comment": "description",
        DCT + "description": "description",
        SKOS + "definition": "description",
        SKOS + "editorialNote": "description",
        SCHEMA + "keywords": "description",
        ontology + "statementText": "description",
        ontology + "purpose": "description",
        ontology + "outcomeText": "description",
        ontology + "productText": "description",
        ontology + "dateText": "description",
    }


COLUMNS = ("label", "altname", "description", "quote")
WEIGHTS = (10.0, 6.0, 2.0, 1.0)  # bm25() weights of the columns
SCHEMA_SQL = """
CREATE VIRTUAL TABLE docs USING fts5(
  entity UNINDEXED, label, altname, description, quote,
  tokenize = "unicode61 remove_diacritics 2"
);
CREATE TABLE entities (entity TEXT PRIMARY KEY, label TEXT, type TEXT, labels TEXT);
"""


def _pick_label(labels: list[tuple[str, str]]) -> str | None:
    """The English label, else one without language, else the first."""
    for lang in ("en", ""):
        for text, tag in labels:
            if tag == lang:
                return text
    return labels[0][0] if labels else None


def collect(store: Store, base_iri: str) -> dict[str, dict[str, list]]:  # type: ignore[type-arg]
    """``{entity IRI: {column: [texts], "labels": [(text, lang)], "types": [IRI]}}`` from the store."""
    ontology = base_iri + "ontology#"
    ids = base_iri + "id/"
    citation = ids + "citation/"
    fields = _fields(ontology)
    docs: dict[str, dict[str, list]] = {}  # type: ignore[type-arg]

    def doc(iri: str) -> dict[str, list]:  # type: ignore[type-arg]
        return docs.setdefault(
            iri, {"label": [], "altname": [], "description": [], "quote": [], "labels": [], "types": []}
        )

    values = " ".join(f"<{p}>" for p in fields)
    rows = store.query(
        f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ids}") && !STRSTARTS(STR(?s), "{citation}") && isLiteral(?o)) }}',
        use_default_graph_as_union=True,
    )
    for s, p, o in rows:
        assert isinstance(o, Literal)
        entry = doc(s.value)
        entry[fields[p.value]].append(o.value)
        if p.value == RDFS + "label":
            entry["labels"].append((o.value, o.language or ""))
    rows = store.query(
        f"SELECT DISTINCT ?s ?q WHERE {{ ?s <{PROV}wasDerivedFrom> ?c . ?c <{ontology}quote> ?q "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ids}")) }}',
        use_default_graph_as_union=True,
    )
    for s, q in rows:
        doc(s.value)["quote"].append(q.value)
    rows = store.query(
        f'SELECT DISTINCT ?s ?t WHERE {{ ?s <{RDF_TYPE}> ?t FILTER(STRSTARTS(STR(?t), "{ontology}") '
        f'&& STRSTARTS(STR(?s), "{ids}") && !STRSTARTS(STR(?s), "{citation}")) }}',
        use_default_graph_as_union=True,
    )
    for s, t in rows:
        if s.value in docs:
            docs[s.value]["types"].append(t.value)
    return docs


def _main_type(types: list[str], store_types: dict[str, int]) -> str | None:
    """The rarest of the entity's classes: the most specific one, usually."""
    return min(types, key=lambda t: (store_types.get(t, 0), t)) if types else None


def build_index(store: Store, path: Path, base_iri: str) -> int:
    """Write the index of ``store`` to ``path`` (replaced); the number of entities indexed."""
    docs = collect(store, base_iri)
    counts: dict[str, int] = {}
    for d in docs.values():
        for t in set(d["types"]):
            counts[t] = counts.get(t, 0) + 1
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript(SCHEMA_SQL)
        for iri, d in sorted(docs.items()):
            db.execute(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
                (iri, *("\n".join(dict.fromkeys(d[c])) for c in COLUMNS)),
            )
            labels = "\n".join(f"{lang}\t{text}" for text, lang in dict.fromkeys(d["labels"]))
            db.execute(
                "INSERT INTO entities VALUES (?, ?, ?, ?)",
                (iri, _pick_label(d["labels"]), _main_type(d["types"], counts), labels),
            )
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()
    tmp.replace(path)
    return len(docs)


_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str, prefix: bool = True) -> str | None:
    """The FTS5 query for what a user typed: every word must match (the last one as a prefix); None if no word."""
    words = _TOKEN.findall(text)
    if not words:
        return None
    terms = [f'"{w}"' for w in words]
    if prefix:
        terms[-1] += "*"
    return " AND ".join(terms)


def fold(text: str) -> str:
    """Case and accents folded, as the tokenizer folds them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(_TOKEN.findall("".join(c for c in decomposed if not unicodedata.combining(c))))


def _label_bonus(text: str, labels: dict[str, str]) -> float:
    """BM25 favours long columns' rare words; a label equal to (or starting with) the query should come first."""
    wanted = fold(text)
    folded = [fold(v) for v in labels.values()]
    if wanted in folded:
        return 20.0
    if any(f.startswith(wanted) for f in folded):
        return 5.0
    return 0.0


@dataclass
class Hit:
    iri: str
    label: str | None
    type: str | None
    score: float
    snippet: str
    labels: dict[str, str]

    def to_json(self) -> dict:  # type: ignore[type-arg]
        return {
            "iri": self.iri,
            "label": self.label,
            "type": self.type,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "labels": self.labels,
        }


class SearchIndex:
    """A read-only view of an index file."""

    _lazy: ClassVar[dict[Path, Path]] = {}  # store folder → index built on demand
    _lock = threading.Lock()

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def for_store(cls, store_root: Path, base_iri: str) -> SearchIndex:
        """The index of the store at ``store_root`` (a build folder): its own, or one built now into a temp dir."""
        root = store_root.resolve()
        path = root / INDEX_FILE
        if path.is_file():
            return cls(path)
        with cls._lock:
            if root not in cls._lazy:
                target = Path(tempfile.mkdtemp(prefix="rulakg-search-")) / INDEX_FILE
                store = Store.read_only(str(root / "oxigraph"))
                build_index(store, target, base_iri)
                del store
                cls._lazy[root] = target
            return cls(cls._lazy[root])

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def search(self, text: str, limit: int = 20, offset: int = 0, type_iri: str | None = None) -> list[Hit]:
        match = fts_query(text)
        if match is None:
            return []
        weights = ", ".join(str(w) for w in (0.0, *WEIGHTS))
        sql = (
            f"SELECT d.entity, e.label, e.type, bm25(docs, {weights}) AS rank, "
            "snippet(docs, -1, '[', ']', '…', 12), e.labels "
            "FROM docs d JOIN entities e ON e.entity = d.entity WHERE docs MATCH ? "
        )
        args: list[object] = [match]
        if type_iri:
            sql += "AND e.type = ? "
            args.append(type_iri)
        sql += "ORDER BY rank LIMIT ?"
        args.append((offset + limit) * 2 + 50)  # candidates, re-ranked below
        db = self._connect()
        try:
            rows = db.execute(sql, args).fetchall()
        except sqlite3.OperationalError:
            return []
        finally:
            db.close()
        hits = []
        for iri, label, typ, rank, snip, labels in rows:
            by_lang = {}
            for line in (labels or "").splitlines():
                lang, _, value = line.partition("\t")
                by_lang.setdefault(lang or "-", value)
            hits.append(Hit(iri, label, typ, -float(rank) + _label_bonus(text, by_lang), snip, by_lang))
        hits.sort(key=lambda h: -h.score)
        return hits[offset : offset + limit]

    def label(self, iri: str) -> str | None:
        db = self._connect()
        try:
            row = db.execute("SELECT label FROM entities WHERE entity = ?", (iri,)).fetchone()
        finally:
            db.close()
        return row[0] if row else None


def write_for_build(target: Path, base_iri: str) -> int:
    """The build step: index the store just written in ``target``."""
    store = Store.read_only(str(target / "oxigraph"))
    try:
        return build_index(store, target / INDEX_FILE, base_iri)
    finally:
        del store


__all__ = ["INDEX_FILE", "Hit", "NamedNode", "SearchIndex", "build_index", "fts_query", "write_for_build"]
