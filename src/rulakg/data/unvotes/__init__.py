"""Erik Voeten's UN General Assembly voting record (``data/unvotes/``) → the named graph ``graph/unvotes``.

The record is millions of triples, so unlike the article's tables it is not mapped triple by triple into the
build: ``record_file`` writes it once as gzipped N-Triples into ``<store_dir>/cache/``, keyed by the hash of its
input files and of this package's code, and the build bulk-loads that file. An unchanged record is not mapped
again (only loaded), whatever else of the graph changed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rulakg.data.unvotes.records import FILES

if TYPE_CHECKING:
    from rulakg.config import Settings

ARTICLE_INPUTS = ("states.csv", "un_resolutions.csv")  # the article's states and votes it links to


def _article_dir(folder: Path) -> Path:
    return folder.parent / "article"


def inputs(folder: Path) -> tuple[Path, ...]:
    """The files the record's graph is made from (its build hash)."""
    article = _article_dir(folder)
    return tuple(folder / name for name in FILES) + tuple(
        article / name for name in ARTICLE_INPUTS if (article / name).is_file()
    )


def cache_key(folder: Path, settings: Settings) -> str:
    h = hashlib.sha256(settings.base_iri.encode())
    for path in inputs(folder):
        h.update(f"\0{path.name}\0".encode())
        h.update(path.read_bytes())
    for code in sorted(Path(__file__).parent.glob("*.py")):
        h.update(code.read_bytes())
    return h.hexdigest()[:24]


def record_file(folder: Path, settings: Settings) -> Path:
    """The record as gzipped N-Triples, from the cache or written now (atomically; older versions removed)."""
    from rulakg.data.unvotes.rdf import write_record

    cache = settings.store_dir / "cache"
    target = cache / f"unvotes-{cache_key(folder, settings)}.nt.gz"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp-{os.getpid()}")
    try:
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=1) as out:
            write_record(folder, settings.base_iri, out, _article_dir(folder))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    for old in cache.glob("unvotes-*.nt.gz"):
        if old != target:
            old.unlink(missing_ok=True)
    return target
