"""Turning the inputs users pass (paths, graphs, datasets) into one rdflib graph."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import rdflib
from rdflib.util import guess_format

GraphInput = rdflib.Graph | str | Path | Iterable[str | Path] | None


def as_graph(data: GraphInput) -> rdflib.Graph:
    """Merge the input into a single default graph.

    Why: pyshacl and owlready2 validate one graph; the store keeps facts in named graphs, so a
    Dataset (or a TriG/N-Quads file) is flattened to the union of its graphs.
    """
    merged = rdflib.Graph()
    if data is None:
        return merged
    if isinstance(data, rdflib.Dataset | rdflib.ConjunctiveGraph):
        for s, p, o, _g in data.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged
    if isinstance(data, rdflib.Graph):
        for t in data:
            merged.add(t)
        return merged
    paths = [data] if isinstance(data, str | Path) else list(data)
    for path in paths:
        fmt = guess_format(str(path)) or "turtle"
        if fmt in ("trig", "nquads"):
            ds = rdflib.Dataset()
            ds.parse(path, format=fmt)
            for s, p, o, _g in ds.quads((None, None, None, None)):
                merged.add((s, p, o))
        else:
            merged.parse(path, format=fmt)
    return merged
