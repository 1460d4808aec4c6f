"""Curated data: the mappers that compile a ``data/<folder>/`` of CSV tables to RDF.

``mappers`` maps a folder name to a function ``(folder, settings) -> iterable of pyoxigraph Triples``;
the build puts its output in the folder's own named graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import Triple

if TYPE_CHECKING:
    from rulakg.config import Settings

Mapper = Callable[[Path, "Settings"], Iterable[Triple]]

mappers: dict[str, Mapper] = {}


def _register() -> None:
    from rulakg.data.article_mapping import compile_article

    mappers["article"] = compile_article


_register()
