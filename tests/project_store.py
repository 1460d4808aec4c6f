"""The project's ontology and curated article data (`data/article/`) built once per test session, as
`rulakg build` does (saved queries, VoID and the guide included), for the modules that need the real graph:
releases' persistent IRIs, the guide, the tutorial.

Only the article folder: the UN roll-call data (`data/unvotes/`, millions of triples) would make every such test
slow, and none of these tests is about it; the persistent IRIs of release 0.1.0 all come from the ontology and
the article."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from server import build_store

from rulakg.config import PROJECT_ROOT, Settings

DATA_FOLDERS = ("article",)


@cache
def _build(root: Path) -> Settings:
    data = root / "data"
    data.mkdir()
    for name in DATA_FOLDERS:
        (data / name).symlink_to(PROJECT_ROOT / "data" / name, target_is_directory=True)
    return build_store(root / "store", PROJECT_ROOT / "ontology", data, describe_dataset=True)


_root: list[Path] = []


def project_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the session's project store (built on first use)."""
    if not _root:
        _root.append(tmp_path_factory.mktemp("project"))
    return _build(_root[0])
