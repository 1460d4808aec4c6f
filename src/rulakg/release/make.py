"""``rulakg release``: the store → a release folder of dumps, checksums and their DCAT description.

Written into ``<version>.partial/`` and renamed when complete, so a release folder is never half-written.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from rulakg.citation import citation_text
from rulakg.release import checksums, dcat, dumps, iris, versions
from rulakg.release.tables import TABLES

MANIFEST = "release.json"
DCAT_FILE = "dcat.ttl"


class ReleaseError(Exception):
    """The release cannot be written (bad version, folder exists…); the message says what to do."""


@dataclass(frozen=True)
class ReleaseFile:
    name: str
    title: str
    media_type: str
    gzip: bool
    bytes: int
    sha256: str


@dataclass
class ReleaseResult:
    version: str
    folder: Path
    files: list[ReleaseFile] = field(default_factory=list)
    graphs: dict[str, int] = field(default_factory=dict)  # triples per named graph in the dumps
    iris: int = 0
    seconds: float = 0.0


def _graph_counts(store: Store) -> dict[str, int]:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    counts = {row[0].value: int(row[1].value) for row in rows}
    default = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))[0].value)  # type: ignore[index]
    if default:
        counts[""] = default  # the default graph, if anything was loaded there
    return dict(sorted(counts.items()))


def make_release(
    store: Store,
    *,
    version: str,
    base_iri: str,
    out_dir: Path,
    record_dir: Path | None,
    download_base: str,
    force: bool = False,
    on_file: object = None,
) -> ReleaseResult:
    """Write release ``version`` of ``store`` into ``out_dir/<version>/`` and its IRI list into
    ``record_dir/<version>/`` (the repository's ``releases/``; None: not recorded)."""
    started = time.perf_counter()
    versions.check(version)
    final = out_dir / version
    if final.exists() and not force:
        raise ReleaseError(f"{final} exists: raise the version in data/VERSION, or pass --force to overwrite it")
    partial = out_dir / f"{version}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    stem = f"rulakg-{version}"
    planned: list[tuple[str, str, str, object]] = [
        (f"{stem}.nq.gz", "The whole dataset, every named graph (N-Quads, gzip)", "application/n-quads",
         lambda p: dumps.write_dataset(store, p, RdfFormat.N_QUADS)),
        (f"{stem}.trig.gz", "The whole dataset, every named graph (TriG, gzip)", "application/trig",
         lambda p: dumps.write_dataset(store, p, RdfFormat.TRIG)),
        (f"{stem}.jsonld.gz", "The whole dataset, every named graph (JSON-LD, gzip)", "application/ld+json",
         lambda p: dumps.write_dataset(store, p, RdfFormat.JSON_LD)),
    ]
    for graph in dumps.graph_names(store):
        slug = dumps.graph_slug(graph, base_iri)
        planned.append(
            (f"{stem}-graph-{slug}.ttl.gz", f"The named graph <{graph}> (Turtle, gzip)", "text/turtle",
             lambda p, g=graph: dumps.write_graph(store, p, g))
        )
    for table, query in TABLES.items():
        planned.append(
            (f"{stem}-{table}.csv.gz", f"Table: {table} (CSV, gzip)", "text/csv",
             lambda p, q=query: dumps.write_table(store, p, q))
        )
    result = ReleaseResult(version, final)
    digests: dict[str, str] = {}
    for name, title, media_type, write in planned:
        if callable(on_file):
            on_file(name)
        path = partial / name
        write(path)  # type: ignore[operator]
        digests[name] = checksums.sha256(path)
        result.files.append(ReleaseFile(name, title, media_type, True, path.stat().st_size, digests[name]))
    persistent = iris.persistent_iris(store, base_iri)
    iris.write_iris(partial / iris.IRI_LIST, persistent)
    digests[iris.IRI_LIST] = checksums.sha256(partial / iris.IRI_LIST)
    result.iris = len(persistent)
    result.graphs = _graph_counts(store)
    _, ontology_iri = versions.ontology_version(store, base_iri)
    issued = time.strftime("%Y-%m-%d", time.gmtime())
    (partial / DCAT_FILE).write_bytes(
        dcat.describe(
            base_iri=base_iri,
            download_base=download_base,
            version=version,
            issued=issued,
            ontology_version_iri=ontology_iri,
            citation=citation_text(version),
            distributions=[
                dcat.Distribution(f.name, f.title, f.media_type, f.gzip, f.bytes, f.sha256) for f in result.files
            ],
        )
    )
    digests[DCAT_FILE] = checksums.sha256(partial / DCAT_FILE)
    manifest = {
        "version": version,
        "issued": issued,
        "ontology_version": ontology_iri,
        "graphs": result.graphs,
        "iris": result.iris,
        "files": [asdict(f) for f in result.files],
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    digests[MANIFEST] = checksums.sha256(partial / MANIFEST)
    checksums.write_sums(partial, digests)
    if final.exists():
        shutil.rmtree(final)
    partial.rename(final)
    if record_dir is not None:
        target = record_dir / version / iris.IRI_LIST
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(final / iris.IRI_LIST, target)
    result.seconds = time.perf_counter() - started
    return result
