"""The RDF dumps of a release, written by pyoxigraph's serialisers straight into gzip streams (no Python per
quad, so a store of millions of triples streams in constant memory). gzip headers carry no time stamp: the
same store gives the same bytes, hence the same checksums."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, Store

from rulakg.prefixes import PREFIXES


@contextmanager
def gzip_writer(path: Path) -> Iterator[BinaryIO]:
    """A reproducible gzip file (mtime 0, no file name in the header)."""
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
        yield gz  # type: ignore[misc]


def write_dataset(store: Store, path: Path, rdf_format: RdfFormat) -> None:
    """The whole store (every named graph) in a dataset syntax: N-Quads, TriG or JSON-LD."""
    if not rdf_format.supports_datasets:
        raise ValueError(f"{rdf_format} cannot hold named graphs")
    prefixes = PREFIXES if rdf_format == RdfFormat.TRIG else None
    with gzip_writer(path) as out:
        store.dump(out, rdf_format, prefixes=prefixes)


def graph_names(store: Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))


def graph_slug(graph: str, base_iri: str) -> str:
    """A file-name part for a graph: its local name under ``<base>graph/``, else a sanitised IRI."""
    local = graph[len(base_iri) + 6 :] if graph.startswith(f"{base_iri}graph/") else graph
    return re.sub(r"[^A-Za-z0-9._-]+", "-", local).strip("-") or "graph"


def write_graph(store: Store, path: Path, graph: str) -> None:
    """One named graph as Turtle (with the project's prefixes)."""
    with gzip_writer(path) as out:
        store.dump(out, RdfFormat.TURTLE, from_graph=NamedNode(graph), prefixes=PREFIXES)


def write_table(store: Store, path: Path, query: str) -> None:
    """A SELECT over the union of the graphs as CSV (SPARQL 1.1 CSV results: IRIs and plain values)."""
    result = store.query(query, use_default_graph_as_union=True)
    with gzip_writer(path) as out:
        result.serialize(out, QueryResultsFormat.CSV)  # type: ignore[union-attr]
