"""Persistent identifiers: the IRIs a release publishes, and the check that none disappears later.

The persistent IRIs are those the project mints for things (``<base>id/…``), the ontology and its terms
(``<base>ontology``, ``<base>ontology#…``) and the named graphs (``<base>graph/…``); the VoID statistics
nodes, shapes and saved-query nodes are descriptions of a build, not identifiers. Each release keeps its list
(sorted, one a line, gzip) in the repository, ``releases/<version>/iris.txt.gz``. An IRI of an earlier release
must stay in the graph; one that is retired stays as a stub ``<iri> owl:deprecated true ; dct:isReplacedBy
<new>`` (the new IRI in the graph, not itself deprecated), so links into the graph never break.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Store

from rulakg.release import versions

IRI_LIST = "iris.txt.gz"
OWL_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"
DCT_IS_REPLACED_BY = "http://purl.org/dc/terms/isReplacedBy"


def persistent_prefixes(base_iri: str) -> tuple[str, ...]:
    """Entities, ontology terms, graph names (the ontology's version IRIs, ``ontology/<v>``, change by design)."""
    return (f"{base_iri}id/", f"{base_iri}ontology#", f"{base_iri}graph/")


def persistent_iris(store: Store, base_iri: str) -> set[str]:
    """Every persistent IRI the store describes: the subjects of its triples and the names of its graphs. (An IRI
    of ours used only as an object names nothing the graph says anything about; leaving objects out makes the scan
    3 times faster on millions of triples.)"""
    starts = " || ".join(f'STRSTARTS(STR(?i), "{p}")' for p in persistent_prefixes(base_iri))
    starts += f' || STR(?i) = "{base_iri}ontology"'
    query = f"SELECT DISTINCT ?i {{ GRAPH ?g {{ ?i ?p ?o }} FILTER(isIRI(?i) && ({starts})) }}"
    found = {row[0].value for row in store.query(query)}
    prefixes = persistent_prefixes(base_iri)
    found.update(g.value for g in store.named_graphs() if isinstance(g, NamedNode) and g.value.startswith(prefixes))
    return found


def write_iris(path: Path, iris: Iterable[str]) -> None:
    """Sorted, one a line, reproducible gzip (no time stamp)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        for iri in sorted(iris):
            gz.write(iri.encode("utf-8") + b"\n")


def read_iris(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def latest_release(record_dir: Path) -> tuple[str, Path] | None:
    """(version, IRI list) of the newest release recorded in ``record_dir`` (``releases/``), if any."""
    found = [
        (p.name, p / IRI_LIST)
        for p in record_dir.iterdir()
        if p.is_dir() and versions.SEMVER.match(p.name) and (p / IRI_LIST).is_file()
    ] if record_dir.is_dir() else []
    return max(found, key=lambda item: versions.key(item[0])) if found else None


@dataclass(frozen=True)
class StabilityReport:
    previous: int  # IRIs in the earlier release
    current: int  # persistent IRIs in the store now
    deprecated: int  # earlier IRIs kept only as deprecated stubs
    problems: list[str]

    def message(self, version: str) -> str:
        shown = "\n  ".join(self.problems[:50])
        more = f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        return (
            f"{len(self.problems)} persistent IRI problem(s) against release {version}:\n  {shown}{more}\n"
            "An IRI, once released, stays: keep it with `<old> owl:deprecated true ; dct:isReplacedBy <new> .`"
        )


def check_stability(previous: Iterable[str], store: Store, base_iri: str) -> StabilityReport:
    """Every IRI of the earlier release is still in the store; every deprecated IRI has a replacement that is
    in the store and not itself deprecated."""
    current = persistent_iris(store, base_iri)
    rows = store.query(
        f"SELECT ?i ?r {{ ?i <{OWL_DEPRECATED}> ?d FILTER(?d = true || STR(?d) = \"true\") "
        f"OPTIONAL {{ ?i <{DCT_IS_REPLACED_BY}> ?r }} }}",
        use_default_graph_as_union=True,
    )
    replaced: dict[str, set[str]] = {}
    for row in rows:
        replaced.setdefault(row[0].value, set())
        if row[1] is not None:
            replaced[row[0].value].add(row[1].value)
    earlier = list(previous)
    problems = [
        f"{iri}: in the earlier release, gone now (no triple uses it)" for iri in earlier if iri not in current
    ]
    deprecated = 0
    for iri in sorted(replaced):
        targets = replaced[iri]
        if iri in current:
            deprecated += iri in earlier
        if not targets:
            problems.append(f"{iri}: owl:deprecated without dct:isReplacedBy (say which IRI replaces it)")
        for target in sorted(targets):
            if target in replaced:
                problems.append(f"{iri}: replaced by {target}, which is deprecated too (point at the live IRI)")
            elif target.startswith(base_iri) and target not in current:
                problems.append(f"{iri}: replaced by {target}, which is not in the graph")
    return StabilityReport(len(earlier), len(current), deprecated, problems)
