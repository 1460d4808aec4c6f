"""The ontology's alignments with Wikidata as a Markdown table (the README's "Wikidata" section shows it;
a test checks that the two agree). Run ``python -m rulakg.wikidata.alignments`` to print it."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Store

RELATIONS = {
    "http://www.w3.org/2002/07/owl#equivalentClass": "owl:equivalentClass",
    "http://www.w3.org/2002/07/owl#equivalentProperty": "owl:equivalentProperty",
    "http://www.w3.org/2004/02/skos/core#exactMatch": "skos:exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch": "skos:closeMatch",
}
RULA = "https://w3id.org/rulakg/ontology#"


def alignment_rows(ontology: Path) -> list[tuple[str, str, str, str]]:
    """(our term, its English label, relation, Wikidata term) for each alignment triple of the ontology."""
    store = Store()
    store.load(path=str(ontology))
    rows = store.query(
        """SELECT ?s ?p ?o ?label ?isClass WHERE {
          ?s ?p ?o . FILTER(STRSTARTS(STR(?s), "https://w3id.org/rulakg/ontology#"))
          FILTER(STRSTARTS(STR(?o), "http://www.wikidata.org/"))
          OPTIONAL { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANG(?label) = "en") }
          BIND(EXISTS { ?s a <http://www.w3.org/2002/07/owl#Class> } AS ?isClass)
        }"""
    )
    out = []
    for r in rows:
        p = r["p"].value
        if p not in RELATIONS:
            continue
        o = r["o"].value
        wd = ("wdt:" if "/prop/direct/" in o else "wd:") + o.rsplit("/", 1)[-1]
        kind = "0" if r["isClass"].value == "true" else "1"
        out.append((kind + r["s"].value[len(RULA) :], r["label"].value if r["label"] else "", RELATIONS[p], wd))
    return sorted(set(out))


def table_markdown(ontology: Path) -> str:
    lines = ["| our term | label | relation | Wikidata |", "| --- | --- | --- | --- |"]
    for term, label, rel, wd in alignment_rows(ontology):
        lines.append(f"| `rula:{term[1:]}` | {label} | {rel} | `{wd}` |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from rulakg.config import PROJECT_ROOT

    print(table_markdown(PROJECT_ROOT / "ontology" / "rulakg.ttl"), end="")
