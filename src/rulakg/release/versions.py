"""Semantic versions: the data's (``data/VERSION``) and the ontology's (``owl:versionInfo`` in the store)."""

from __future__ import annotations

import re
from pathlib import Path

from pyoxigraph import Store

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$")
VERSION_FILE = "VERSION"


class VersionError(ValueError):
    """A version is not a semantic version (MAJOR.MINOR.PATCH)."""


def check(version: str) -> str:
    if not SEMVER.match(version):
        raise VersionError(f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 0.2.0)")
    return version


def key(version: str) -> tuple[int, int, int, int, str]:
    """Sort key: 0.10.0 after 0.9.0; a pre-release (0.2.0-rc.1) before its release."""
    m = SEMVER.match(version)
    if not m:
        raise VersionError(f"{version!r} is not a semantic version")
    major, minor, patch, pre = m.groups()
    return int(major), int(minor), int(patch), 0 if pre else 1, pre or ""


def data_version(data_dir: Path) -> str:
    """The data's version, one line in ``data/VERSION`` (raised with each data release, see CHANGELOG.md)."""
    path = data_dir / VERSION_FILE
    if not path.is_file():
        raise VersionError(f"{path} is missing: write the data's semantic version in it (e.g. 0.1.0)")
    return check(path.read_text(encoding="utf-8").strip())


def ontology_version(store: Store, base_iri: str) -> tuple[str | None, str | None]:
    """(owl:versionInfo, owl:versionIRI) of the ontology in the store's ontology graph."""
    rows = list(
        store.query(
            "PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT ?info ?iri { GRAPH ?g { ?o a owl:Ontology "
            "OPTIONAL { ?o owl:versionInfo ?info } OPTIONAL { ?o owl:versionIRI ?iri } } "
            f"FILTER(?g = <{base_iri}graph/ontology>) }} LIMIT 1"
        )
    )
    if not rows:
        return None, None
    info, iri = rows[0][0], rows[0][1]
    return (info.value if info is not None else None, iri.value if iri is not None else None)
