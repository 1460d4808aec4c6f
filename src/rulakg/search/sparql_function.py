"""Full-text search inside SPARQL: ``rulaf:search(?entity, "text")`` → the entity's relevance score, or unbound.

Why a function: pyoxigraph lets a worker register custom functions but not magic properties or services, and a
function of (entity, text) is enough to filter and rank with the same index as ``/api/search``::

    PREFIX rulaf: <https://w3id.org/rulakg/function#>
    SELECT ?e ?score WHERE {
      ?e a rula:SovereignState .
      BIND(rulaf:search(?e, "Bogota") AS ?score) FILTER(BOUND(?score))
    } ORDER BY DESC(?score)

The index is asked once per distinct search text and query (the answers are memoised), so the per-row cost is a
dictionary look-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from rulakg.search import INDEX_FILE, SearchIndex

FUNCTION = NamedNode("https://w3id.org/rulakg/function#search")
XSD_DOUBLE = NamedNode("http://www.w3.org/2001/XMLSchema#double")
MAX_HITS = 2000


def search_function(build_dir: Path) -> Callable[..., Literal | None] | None:
    """A fresh ``rulaf:search`` implementation over the build's index (``None`` when the build has none)."""
    path = build_dir / INDEX_FILE
    if not path.is_file():
        return None
    index = SearchIndex(path)
    memo: dict[str, dict[str, float]] = {}

    def search(entity: object = None, text: object = None, *_: object) -> Literal | None:
        if not isinstance(entity, NamedNode) or not isinstance(text, Literal):
            return None  # an error value: the expression is unbound
        scores = memo.get(text.value)
        if scores is None:
            scores = {h.iri: h.score for h in index.search(text.value, limit=MAX_HITS)}
            memo[text.value] = scores
        score = scores.get(entity.value)
        return None if score is None else Literal(repr(round(score, 6)), datatype=XSD_DOUBLE)

    return search
