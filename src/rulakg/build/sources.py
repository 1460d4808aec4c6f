"""The sources of the knowledge graph and the named graph each one lands in.

* ``ontology/*.ttl`` (but the shapes) → ``<base>graph/ontology``
* ``ontology/shapes.ttl`` → ``<base>graph/shapes``
* each folder ``data/<name>/`` → ``<base>graph/<name>``: its RDF files as they are, its CSV tables through
  the mapper registered for that folder (``rulakg.data.mappers``), or a bulk mapper's N-Triples file
  (``rulakg.data.bulk_mappers``: the UN voting record); folders named in ``skip_sources`` are left out.

Blank nodes are renamed deterministically (file and order of appearance), so the same inputs always give
the same store and the same dump.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Quad, RdfFormat, Triple, parse

from rulakg.config import Settings
from rulakg.formats import rdf_format_for_path

RDF_SUFFIXES = (".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl", ".jsonld")


class SourceError(Exception):
    """A source file is broken: the message names the file and the parser's position."""


@dataclass(frozen=True)
class Source:
    name: str
    graph: str
    inputs: tuple[Path, ...]
    produce: Callable[[], Iterable[Triple | Quad]]
    # A source of millions of triples: an N-Triples file (plain or .gz) the build bulk-loads, and that the
    # rdflib-based steps (inferences, SHACL, `rulakg validate`) leave out (``checked`` False).
    bulk_file: Callable[[], Path] | None = None
    checked: bool = True


def graph_iri(settings: Settings, name: str) -> str:
    return f"{settings.base_iri}graph/{name}"


def _relabel(term, labels: dict[str, BlankNode], prefix: str):  # type: ignore[no-untyped-def]
    if isinstance(term, BlankNode):
        node = labels.get(term.value)
        if node is None:
            node = labels[term.value] = BlankNode(f"{prefix}{len(labels)}")
        return node
    if isinstance(term, Triple):
        return Triple(
            _relabel(term.subject, labels, prefix),
            term.predicate,
            _relabel(term.object, labels, prefix),
        )
    return term


def read_rdf_file(path: Path) -> Iterator[Triple]:
    """Parse one RDF file, with blank nodes renamed from the file's own name and their order."""
    fmt = rdf_format_for_path(path.name)
    if fmt is None:
        raise SourceError(f"{path}: not an RDF file this build knows")
    prefix = "b" + hashlib.sha1(path.name.encode()).hexdigest()[:8] + "x"
    labels: dict[str, BlankNode] = {}
    try:
        for quad in parse(path=path, format=fmt, base_iri=path.resolve().as_uri()):
            yield Triple(
                _relabel(quad.subject, labels, prefix),
                quad.predicate,
                _relabel(quad.object, labels, prefix),
            )
    except SyntaxError as e:
        raise SourceError(f"{path}: {e}") from e


def _rdf_files(folder: Path, exclude: tuple[str, ...] = ()) -> tuple[Path, ...]:
    return tuple(
        sorted(p for p in folder.iterdir() if p.suffix in RDF_SUFFIXES and p.is_file() and p.name not in exclude)
    )


def _chain_files(files: tuple[Path, ...]) -> Callable[[], Iterator[Triple]]:
    def produce() -> Iterator[Triple]:
        for f in files:
            yield from read_rdf_file(f)

    return produce


def discover(settings: Settings) -> list[Source]:
    """Every source of a build, in a fixed order."""
    from rulakg.data import bulk_mappers, mappers  # the data package registers its table mappers

    sources: list[Source] = []
    onto = settings.ontology_dir
    if onto.is_dir():
        files = _rdf_files(onto, exclude=("shapes.ttl",))
        sources.append(Source("ontology", graph_iri(settings, "ontology"), files, _chain_files(files)))
        shapes = onto / "shapes.ttl"
        if shapes.is_file():
            sources.append(Source("shapes", graph_iri(settings, "shapes"), (shapes,), _chain_files((shapes,))))
    if settings.data_dir.is_dir():
        skipped = {name.strip() for name in settings.skip_sources.split(",") if name.strip()}
        for folder in sorted(p for p in settings.data_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if folder.name in skipped:
                continue
            if folder.name in bulk_mappers:
                sources.append(_bulk_source(folder, settings))
                continue
            rdf = _rdf_files(folder)
            mapper = mappers.get(folder.name)
            tables = tuple(sorted(folder.glob("*.csv"))) if mapper else ()
            if not rdf and not tables:
                continue

            def produce(rdf: tuple[Path, ...] = rdf, folder: Path = folder, mapper=mapper) -> Iterator[Triple]:  # type: ignore[no-untyped-def]
                yield from _chain_files(rdf)()
                if mapper is not None:
                    yield from mapper(folder, settings)

            sources.append(Source(folder.name, graph_iri(settings, folder.name), (*rdf, *tables), produce))
    if settings.describe_dataset and settings.queries_dir.is_dir():
        saved = tuple(sorted(settings.queries_dir.rglob("*.rq")))
        if saved:
            sources.append(Source("queries", graph_iri(settings, "queries"), saved, lambda: _saved_queries(settings)))
    return sources


def _bulk_source(folder: Path, settings: Settings) -> Source:
    from rulakg.data import bulk_mappers

    mapper = bulk_mappers[folder.name]

    def bulk_file() -> Path:
        return mapper.file(folder, settings)

    def produce() -> Iterator[Triple]:
        with gzip.open(bulk_file()) as f:
            for quad in parse(f, RdfFormat.N_TRIPLES):
                yield Triple(quad.subject, quad.predicate, quad.object)

    return Source(folder.name, graph_iri(settings, folder.name), mapper.inputs(folder), produce, bulk_file, False)


def _saved_queries(settings: Settings) -> list[Triple]:
    """The saved queries as RDF (SIB/SHACL sparql-examples); a broken query fails the build (file, line)."""
    from rulakg.queries import LibraryError, load_library
    from rulakg.queries.rdf import query_triples
    from rulakg.queries.void import endpoint_of

    try:
        library = load_library(settings.queries_dir)
    except LibraryError as e:
        raise SourceError(str(e)) from e
    return query_triples(library, settings.base_iri, endpoint_of(settings))
