"""Operations on the embedded on-disk Oxigraph store: loading files, dumping, statistics."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store

from rulakg.formats import rdf_format_for_path

Progress = Callable[[int], None]  # called with the number of bytes read since the last call


class LoadError(Exception):
    """A file could not be loaded: says which file and, from the parser, where and why."""


class _CountingReader(io.RawIOBase):
    """A binary reader that reports how many bytes of the underlying file have been read."""

    def __init__(self, raw: BinaryIO, progress: Progress):
        self.raw = raw
        self.progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.progress(n)
        return n or 0


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"\x1f\x8b"


def load_file(
    store: Store,
    path: Path,
    *,
    graph: str | None = None,
    rdf_format: RdfFormat | None = None,
    base_iri: str | None = None,
    progress: Progress | None = None,
) -> None:
    """Bulk-load an RDF file (any syntax pyoxigraph reads; gzip too) into ``store``.

    ``graph`` names the graph that receives the triples of a triple format; quads keep their own graphs.
    """
    path = Path(path)
    fmt = rdf_format or rdf_format_for_path(path.name)
    if fmt is None:
        raise LoadError(f"{path}: unknown RDF format; name the file .ttl, .nt, .nq, .trig, .rdf, .jsonld (or .gz)")
    to_graph = NamedNode(graph) if graph else DefaultGraph()
    base = base_iri or path.resolve().as_uri()
    try:
        if _is_gzip(path):
            with path.open("rb") as raw:
                source: BinaryIO = raw
                if progress:
                    source = io.BufferedReader(_CountingReader(raw, progress), 1 << 20)  # type: ignore[assignment]
                with gzip.open(source, "rb") as unzipped:
                    store.bulk_load(unzipped, fmt, base_iri=base, to_graph=to_graph)
        elif progress:
            with path.open("rb") as raw:
                reader = io.BufferedReader(_CountingReader(raw, progress), 1 << 20)
                store.bulk_load(reader, fmt, base_iri=base, to_graph=to_graph)
        else:
            store.bulk_load(path=path, format=fmt, base_iri=base, to_graph=to_graph)
    except SyntaxError as e:
        raise LoadError(f"{path}: {e}") from e
    except (OSError, ValueError) as e:
        raise LoadError(f"{path}: {e}") from e


def dump(store: Store, output: BinaryIO | Path, rdf_format: RdfFormat = RdfFormat.N_QUADS) -> None:
    """Write every quad of the store (a backup: N-Quads or TriG keep the named graphs)."""
    if not rdf_format.supports_datasets:
        raise ValueError("a whole-store dump needs a dataset format: N-Quads or TriG")
    if isinstance(output, Path):
        with output.open("wb") as f:
            store.dump(f, rdf_format)
    else:
        store.dump(output, rdf_format)


@dataclass(frozen=True)
class StoreStats:
    graphs: list[tuple[str, int]]  # (graph IRI or "DEFAULT", triples)
    classes: list[tuple[str, int]]  # (class IRI, instances)
    properties: list[tuple[str, int]]  # (property IRI, triples)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.graphs)


def _rows(store: Store, query: str) -> list[tuple[str, int]]:
    return [(s[0].value, int(s[1].value)) for s in store.query(query)]


def stats(store: Store) -> StoreStats:
    """Triples per named graph, instances per class and triples per property."""
    default = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))[0].value)
    named = _rows(store, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    graphs = [("DEFAULT", default)] if default else []
    graphs += named
    union = {"use_default_graph_as_union": True}
    classes = [
        (s[0].value, int(s[1].value))
        for s in store.query(
            "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) { ?x a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c", **union
        )
    ]
    properties = [
        (s[0].value, int(s[1].value))
        for s in store.query("SELECT ?p (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p", **union)
    ]
    return StoreStats(graphs, classes, properties)


def count_triples(store: Store) -> int:
    result = store.query("SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    return int(next(iter(result))[0].value)


__all__ = ["LoadError", "StoreStats", "count_triples", "dump", "load_file", "stats"]
