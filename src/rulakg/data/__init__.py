"""Curated data: the mappers that compile a ``data/<folder>/`` of CSV tables to RDF.

``mappers`` maps a folder name to a function ``(folder, settings) -> iterable of pyoxigraph Triples``;
the build puts its output in the folder's own named graph. ``bulk_mappers`` does the same for folders of
millions of triples (the UN voting record), through a cached N-Triples file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import Triple

if TYPE_CHECKING:
    from rulakg.config import Settings

Mapper = Callable[[Path, "Settings"], Iterable[Triple]]

mappers: dict[str, Mapper] = {}


@dataclass(frozen=True)
class BulkMapper:
    """A folder too big to map triple by triple: ``file`` writes (or finds cached) N-Triples the build bulk-loads,
    ``inputs`` lists the files it depends on. Its graph is left out of the rdflib-based build steps (inferences,
    SHACL), which cannot hold millions of triples; its tests check its shapes on a sample."""

    inputs: Callable[[Path], tuple[Path, ...]]
    file: Callable[[Path, Settings], Path]


bulk_mappers: dict[str, BulkMapper] = {}


def _register() -> None:
    from rulakg.data import unvotes
    from rulakg.data.article_mapping import compile_article

    mappers["article"] = compile_article
    bulk_mappers["unvotes"] = BulkMapper(unvotes.inputs, unvotes.record_file)


_register()
