"""Evaluating one query request on a pyoxigraph ``Store``: the protocol's dataset, saved-query substitutions,
the row cap and pages, content negotiation, and the answer serialized by pyoxigraph into a sink.

Shared by the query workers (``worker.py``, a sink that sends frames) and the look-ups answered in the service
process (``inline.py``, a bounded in-memory sink), so both give the same bytes, headers and errors.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, Store, Variable

from rulakg import formats
from rulakg.search.sparql_function import FUNCTION as SEARCH_FUNCTION
from rulakg.search.sparql_function import search_function
from rulakg.sparql_text import cap_rows, inspect, paginate
from rulakg.store.cache import freeze


class Sink(Protocol):
    """A binary file-like object pyoxigraph serializes into."""

    def write(self, data: bytes) -> int: ...
    def flush(self) -> None: ...


def work_key(request: dict[str, Any]) -> int:
    """What decides a request's work and the size of its answer: its text, dataset, a saved query's parameter
    values and page (not its format, timeout or base IRI). The lanes remember run times by it, the in-process
    look-ups the answers too large for them."""
    return hash(
        (
            request.get("query"),
            tuple(request.get("default_graph_uri") or ()),
            tuple(request.get("named_graph_uri") or ()),
            bool(request.get("union_default_graph")),
            freeze(request.get("substitutions")),
            freeze(request.get("page")),
        )
    )


class QueryError(Exception):
    """An error to report to the client with an HTTP status."""

    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.extra = extra


def _dataset_kwargs(req: dict[str, Any], has_dataset: bool) -> dict[str, Any]:
    """Map the protocol's dataset parameters and the union-graph setting to ``Store.query`` arguments."""
    default_graphs = req.get("default_graph_uri") or []
    named_graphs = req.get("named_graph_uri") or []
    try:
        if default_graphs or named_graphs:
            # The protocol's dataset replaces the query's own (SPARQL 1.1 Protocol, 2.1.4).
            return {
                "default_graph": [NamedNode(g) for g in default_graphs],
                "named_graphs": [NamedNode(g) for g in named_graphs],
            }
    except ValueError as e:
        raise QueryError(400, f"Invalid graph IRI in default-graph-uri or named-graph-uri: {e}") from e
    if req.get("union_default_graph") and not has_dataset:
        return {"use_default_graph_as_union": True}
    return {}


def _substitutions(req: dict[str, Any]) -> dict[Variable, NamedNode | Literal]:
    """The request's parameter bindings (saved queries) as pyoxigraph terms: never spliced into the text."""
    out: dict[Variable, NamedNode | Literal] = {}
    for name, term in (req.get("substitutions") or {}).items():
        try:
            if term["type"] == "iri":
                out[Variable(name)] = NamedNode(term["value"])
            elif term.get("language"):
                out[Variable(name)] = Literal(term["value"], language=term["language"])
            elif term.get("datatype"):
                out[Variable(name)] = Literal(term["value"], datatype=NamedNode(term["datatype"]))
            else:
                out[Variable(name)] = Literal(term["value"])
        except (KeyError, ValueError, TypeError) as e:
            raise QueryError(400, f"Invalid value for the parameter ?{name}: {e}") from e
    return out


_UNKNOWN_FUNCTION = re.compile(r"The custom function <([^>]*)> is not supported")


def query_tolerating_unknown_functions(  # type: ignore[no-untyped-def]
    store: Store, text: str, build_dir: Path | None = None, **kwargs: Any
):
    """``store.query`` where a call of a function the engine does not know is an error *value* (so its
    expression is unbound, as SPARQL 1.1 §17.3 says of errors), not a refused query. ``build_dir``: where the
    search index of ``rulaf:search`` lives."""
    unknown: dict[NamedNode, Any] = {}
    if "search" in text:  # rulaf:search(?entity, "text"): full-text search (rulakg.search.sparql_function)
        search = search_function(build_dir) if build_dir else None
        if search is not None:
            unknown[SEARCH_FUNCTION] = search
    while True:
        try:
            return store.query(text, custom_functions=unknown or None, **kwargs)
        except RuntimeError as e:
            m = _UNKNOWN_FUNCTION.search(str(e))
            if not m or NamedNode(m.group(1)) in unknown or len(unknown) > 32:
                raise
            unknown[NamedNode(m.group(1))] = lambda *_args: None


@functools.lru_cache(maxsize=1)
def _federation_settings():  # type: ignore[no-untyped-def]
    from rulakg.config import Settings

    return Settings()  # the service's settings: a worker inherits its environment


def _federate(text: str) -> str:
    """``text`` with its SERVICE endpoints checked against the allow-list and rewritten to the proxy."""
    from rulakg.wikidata.federation import ServiceRefused, rewrite_services

    try:
        return rewrite_services(text, _federation_settings())
    except ServiceRefused as e:
        raise QueryError(e.status, str(e)) from e
    except ValueError as e:
        raise QueryError(500, f"Federation settings: {e}") from e


negotiate = functools.lru_cache(maxsize=256)(formats.negotiate)  # a function of its string arguments


def evaluate(
    store: Store, req: dict[str, Any], open_sink: Callable[[dict[str, Any]], Sink], build_dir: Path | None = None
) -> Sink:
    """Evaluate one request and serialize its answer into ``open_sink(head)``, which is returned unclosed;
    raise ``QueryError`` for a client-visible error (before the sink is opened, or from it)."""
    text: str = req["query"]
    shape = inspect(text)
    if shape.has_service:  # SERVICE: allow-list check, endpoints pointed at the service's federation proxy
        text = _federate(text)
        shape = inspect(text)
    if shape.is_update:
        raise QueryError(
            400,
            "This is a SPARQL Update request; the query endpoint only runs queries "
            "(SELECT, ASK, CONSTRUCT, DESCRIBE). Send updates to the update endpoint.",
        )
    page = req.get("page")  # saved queries: {"limit", "offset"} of the page to answer
    original = text
    if page:
        text = paginate(text, int(page["limit"]), int(page["offset"]))
    text, capped = cap_rows(text, int(req.get("max_rows") or 0), None if page else shape)
    kwargs = _dataset_kwargs(req, shape.has_dataset)
    substitutions = _substitutions(req)
    if substitutions:
        kwargs["substitutions"] = substitutions
    try:
        result = query_tolerating_unknown_functions(store, text, build_dir, base_iri=req.get("base_iri"), **kwargs)
        if isinstance(result, QuerySolutions | QueryBoolean):
            offered, kind = formats.RESULT_FORMATS, "results"
        else:
            offered, kind = formats.RDF_FORMATS, "graph"
        fmt = negotiate(req.get("accept"), offered, req.get("format"))
        head = {"content_type": fmt.content_type, "kind": kind, "format": fmt.key}
        if capped:
            head["max_rows"] = int(req["max_rows"])
        if page and kind == "results" and shape.form == "SELECT":
            # Is there a row after this page? One more row of the same query, asked before answering.
            probe = paginate(original, 1, int(page["offset"]) + int(page["limit"]))
            head["has_next"] = any(True for _ in store.query(probe, base_iri=req.get("base_iri"), **kwargs))
        sink = open_sink(head)
        serializer = formats.results_serializer(fmt.key) if kind == "results" else formats.rdf_serializer(fmt.key)
        result.serialize(sink, serializer)
        return sink
    except formats.NotAcceptable as e:
        raise QueryError(406, str(e), offered=[f.media_type for f in e.offered]) from e
    except formats.UnknownFormat as e:
        raise QueryError(400, str(e)) from e
    except SyntaxError as e:
        raise QueryError(400, f"SPARQL syntax error: {e}") from e
    except OSError as e:
        if shape.has_service:
            from rulakg.wikidata.federation import public_error

            status, message = public_error(f"A SERVICE call failed: {e}", _federation_settings())
            raise QueryError(status, message) from e
        raise QueryError(500, f"Store error: {e}") from e
    except (RuntimeError, ValueError, TypeError) as e:
        raise QueryError(400, f"The query could not be evaluated: {e}") from e
