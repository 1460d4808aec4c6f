"""Atomic, reproducible, incremental builds of the on-disk store.

A build writes a fresh store in ``<store_dir>/build-<hash>/``, loads every source into its named graph,
runs the checks, compacts the store, and only then points ``<store_dir>/current`` at it (an atomic symlink
swap). A failed build leaves ``current`` as it was and raises ``BuildError`` naming the file and the
problem. When the inputs' hash equals the current build's, nothing is done.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad, Store, Triple

import rulakg
from rulakg.build import aggregate, derive
from rulakg.build.sources import Source, SourceError, discover
from rulakg.config import Settings
from rulakg.queries.void import void_derivation

Checker = Callable[[Store, list[Source], Settings], list[str]]

# Graphs computed from the loaded sources (materialised inferences), then checks run on the new store
# before it is swapped in (SHACL validation).
derivations: list[Callable[[Store, list[Source], Settings], tuple[str, list[Triple]]]] = [
    derive.inferred,
    aggregate.derivation,  # the counts behind the analytic saved queries (after the inferred types they count)
    void_derivation,  # last: the VoID description counts every other graph
]
checks: list[Checker] = [derive.shacl_problems]


def _ontology_docs(target: Path, sources: list[Source], settings: Settings) -> None:
    from rulakg.ontology.docs import write_docs

    write_docs(settings.ontology_dir, target)


def _search_index(target: Path, sources: list[Source], settings: Settings) -> None:
    from rulakg.search import write_for_build  # the full-text index of /api/search (SQLite FTS5)

    write_for_build(target, settings.base_iri)


def _guide(target: Path, sources: list[Source], settings: Settings) -> None:
    from rulakg.guide.site import guide_artifact  # the guide at /docs/guide (MkDocs over the finished store)

    guide_artifact(target, settings)


# Files written next to the new store (documentation, descriptions, the text index), served with it.
artifacts: list[Callable[[Path, list[Source], Settings], None]] = [_ontology_docs, _search_index, _guide]

MANIFEST = "build.json"
KEEP_OLD_BUILDS = 1


class BuildError(Exception):
    """The build failed; the previous store (if any) is still the current one."""


@dataclass
class BuildResult:
    path: Path
    skipped: bool
    input_hash: str
    graphs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def input_hash(sources: list[Source], settings: Settings) -> str:
    """Hash of everything that determines the store: input files, the code that maps them, settings."""
    h = hashlib.sha256()
    h.update(f"{rulakg.__version__}|{settings.base_iri}|{settings.describe_dataset}".encode())
    code = sorted((Path(rulakg.__file__).parent).glob("data/**/*.py")) + sorted(
        (Path(rulakg.__file__).parent).glob("build/*.py")
    ) + sorted((Path(rulakg.__file__).parent).glob("queries/*.py")) + aggregate.query_files() + [aggregate.DATASETS]
    for f in code:
        h.update(f.read_bytes())
    for source in sources:
        h.update(f"\0{source.name}\0{source.graph}\0".encode())
        for path in source.inputs:
            h.update(f"{path.name}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def read_manifest(store_root: Path) -> dict | None:  # type: ignore[type-arg]
    manifest = store_root / MANIFEST
    if manifest.is_file():
        return json.loads(manifest.read_text())
    return None


def current_manifest(settings: Settings) -> dict | None:  # type: ignore[type-arg]
    current = settings.store_dir / "current"
    return read_manifest(current) if current.exists() else None


def _swap_current(store_dir: Path, target: Path) -> None:
    link = store_dir / "current"
    tmp = store_dir / f".current-{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(target.name)
    os.replace(tmp, link)


def _prune(store_dir: Path, keep: Path) -> None:
    builds = sorted((p for p in store_dir.glob("build-*") if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime)
    for old in builds[: max(0, len(builds) - KEEP_OLD_BUILDS)]:
        shutil.rmtree(old, ignore_errors=True)


def _bulk_load(store: Store, path: Path, graph: NamedNode) -> None:
    """Load a (gzipped) N-Triples file into ``graph`` with Oxigraph's bulk loader; ``lenient``: the file is ours,
    written by a mapper from checked tables, so IRI re-validation is skipped (it costs a fifth of the load)."""
    import gzip

    from pyoxigraph import RdfFormat

    with gzip.open(path) if path.suffix == ".gz" else open(path, "rb") as f:
        store.bulk_load(f, RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)


def build(
    settings: Settings,
    *,
    force: bool = False,
    on_source: Callable[[Source], None] | None = None,
) -> BuildResult:
    """Build the store from the sources; see the module docstring."""
    started = time.perf_counter()
    try:
        sources = discover(settings)
    except SourceError as e:
        raise BuildError(str(e)) from e
    digest = input_hash(sources, settings)
    store_dir = settings.store_dir
    store_dir.mkdir(parents=True, exist_ok=True)
    manifest = current_manifest(settings)
    if not force and manifest and manifest.get("input_hash") == digest:
        return BuildResult(store_dir / "current", True, digest, manifest["graphs"], time.perf_counter() - started)

    target = store_dir / f"build-{digest[:12]}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    try:
        (target / "oxigraph").mkdir(parents=True)
        store = Store(str(target / "oxigraph"))
        graphs: dict[str, int] = {}
        for source in sources:
            if on_source:
                on_source(source)
            graph = NamedNode(source.graph)
            try:
                if source.bulk_file is not None:
                    _bulk_load(store, source.bulk_file(), graph)
                else:
                    store.bulk_extend(
                        Quad(t.subject, t.predicate, t.object, graph) if not isinstance(t, Quad) else t
                        for t in source.produce()
                    )
            except SourceError as e:
                raise BuildError(str(e)) from e
            except SyntaxError as e:
                raise BuildError(f"{source.name}: {e}") from e
            graphs[source.graph] = int(
                next(iter(store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{source.graph}> {{ ?s ?p ?o }} }}")))[0].value
            )
        for derive in derivations:
            iri, triples = derive(store, sources, settings)
            if triples:
                store.bulk_extend(Quad(t.subject, t.predicate, t.object, NamedNode(iri)) for t in triples)
                graphs[iri] = len(triples)
        problems = [p for check in checks for p in check(store, sources, settings)]
        if problems:
            shown = "\n  ".join(problems[:50])
            more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
            raise BuildError(f"the checks found {len(problems)} problem(s):\n  {shown}{more}")
        store.optimize()
        store.flush()
        del store
        gc.collect()  # the store is closed (its RocksDB lock released) only once no cycle refers to it any more
        for artifact in artifacts:
            artifact(target, sources, settings)
        result = BuildResult(target, False, digest, graphs, time.perf_counter() - started)
        (target / MANIFEST).write_text(
            json.dumps(
                {
                    "input_hash": digest,
                    "rulakg_version": rulakg.__version__,
                    "base_iri": settings.base_iri,
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "graphs": graphs,
                    "triples": result.triples,
                    "sources": {s.name: [str(p.relative_to(p.parents[1])) for p in s.inputs] for s in sources},
                },
                indent=2,
            )
        )
        # Graphs written through the API (SPARQL Update, Graph Store Protocol) are not the build's: they are carried
        # from the current store into the new one, under the writers' lock so that no write falls in between.
        from rulakg.store.writer import writes_lock

        with writes_lock(store_dir):
            carried = carry_user_graphs(store_dir / "current", target / "oxigraph", set(graphs), settings)
            if carried:
                manifest_path = target / MANIFEST
                data = json.loads(manifest_path.read_text())
                data["carried_user_graphs"] = carried
                manifest_path.write_text(json.dumps(data, indent=2))
            _swap_current(store_dir, target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    _prune(store_dir, target)
    return result


def build_owned(graph: str, owned: set[str], settings: Settings) -> bool:
    """Is ``graph`` one the build makes? Those under ``<base>graph/`` (``sources.graph_iri``) and those listed."""
    return graph in owned or graph.startswith(f"{settings.base_iri}graph/")


def _open_for_reading(build_dir: Path) -> Store | None:
    """The current build's store, as its writer last left it: the store itself when no service writes it, else
    (its writer holds it) its newest snapshot, which has every acknowledged write (we hold the writers' lock)."""
    live = build_dir / "oxigraph"
    if not live.is_dir():
        return None
    if store_in_use(live):
        snapshots = sorted((build_dir / "snapshots").glob("s-*"), key=lambda p: p.stat().st_mtime)
        if snapshots:
            return Store.read_only(str(snapshots[-1]))
    return Store.read_only(str(live))


def store_in_use(path: Path) -> bool:
    """Does a process hold the store open read-write (RocksDB's ``LOCK`` file is locked)?"""
    import fcntl

    lock = path / "LOCK"
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def carry_user_graphs(current: Path, new_store: Path, owned: set[str], settings: Settings) -> dict[str, int]:
    """Copy every graph of the current store that the build does not own (and the default graph's triples) into
    the new store; the number of quads per graph carried (``""``: the default graph)."""
    from pyoxigraph import DefaultGraph

    if not current.exists():
        return {}
    old_root = current.resolve()
    old_manifest = read_manifest(old_root) or {}
    owned = owned | set(old_manifest.get("graphs", {}))
    old = _open_for_reading(old_root)
    if old is None:
        return {}
    carried: dict[str, int] = {}
    try:
        new = Store(str(new_store))
        graphs: list[object] = [DefaultGraph()]
        graphs += [g for g in old.named_graphs() if not build_owned(g.value, owned, settings)]
        for g in graphs:
            quads = list(old.quads_for_pattern(None, None, None, g))
            if isinstance(g, NamedNode):
                new.add_graph(g)
            if quads:
                new.extend(quads)
            if quads or isinstance(g, NamedNode):
                carried["" if isinstance(g, DefaultGraph) else g.value] = len(quads)
        new.flush()
        del new
    finally:
        del old
        gc.collect()
    return carried
