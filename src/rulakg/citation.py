"""How to cite the dataset: one text, built from ``CITATION.cff`` (its ``preferred-citation``), shown on the
home page, in the VoID and DCAT descriptions and in the docs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from rulakg.config import PROJECT_ROOT

CITATION_FILE = PROJECT_ROOT / "CITATION.cff"
URL = "https://w3id.org/rulakg/"
FALLBACK = {"authors": [{"name": "RuLA KG project"}], "title": "RuLA KG", "url": URL}


@lru_cache(maxsize=4)
def _preferred(path: Path) -> dict:  # type: ignore[type-arg]
    if not path.is_file():
        return FALLBACK
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data.get("preferred-citation") or data or FALLBACK


def _author(a: dict) -> str:  # type: ignore[type-arg]
    if "name" in a:
        return str(a["name"])
    given = " ".join(part[0] + "." for part in str(a.get("given-names", "")).split() if part)
    return f"{a.get('family-names', '')}, {given}".strip(", ")


def citation_text(version: str | None = None, path: Path = CITATION_FILE) -> str:
    """E.g. ``RuLA KG project (2026). RuLA KG: … (version 0.1.0) [Data set]. https://w3id.org/rulakg/``."""
    ref = _preferred(path)
    authors = "; ".join(_author(a) for a in ref.get("authors", [])) or "RuLA KG project"
    released = str(ref.get("date-released", ""))
    year = f" ({released[:4]})" if released[:4].isdigit() else ""
    version = version or ref.get("version")
    v = f" (version {version})" if version else ""
    return f"{authors}{year}. {ref.get('title', 'RuLA KG')}{v} [Data set]. {ref.get('url', URL)}"
