"""A query worker: a process that opens the store read-only and answers queries over a Unix socket.

Queries run in separate processes because pyoxigraph cannot cancel a running query: a query past its
timeout is stopped by killing its worker. Results are serialized here by pyoxigraph itself and streamed
in frames, so neither this process nor the service holds a large result in memory: ``sendall`` blocks
while the service (and behind it the HTTP client) is not reading, which is the back-pressure.

Run as ``python -m rulakg.store.worker STORE_PATH SOCKET_PATH``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import socket
import sys
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, Literal, NamedNode, QueryBoolean, QuerySolutions, Store, Variable

from rulakg import formats
from rulakg.search.sparql_function import FUNCTION as SEARCH_FUNCTION
from rulakg.search.sparql_function import search_function
from rulakg.sparql_text import cap_rows, inspect, paginate
from rulakg.store import frames

CHUNK = 64 * 1024

# Memory: each worker has its own RocksDB block cache and table readers, which a large scan fills (a
# whole-store scan of 1 M triples adds ~50 MB that stays). A worker whose resident memory has grown this
# much since it opened the store ends its answer with ``frames.RETIRE`` and exits; the pool starts a fresh one.
MAX_RSS_GROWTH = 24 * 2**20
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes(statm_fd: int | None = None) -> int:
    """This process's resident set size (0 if unknown); ``statm_fd``: an open ``/proc/self/statm`` (cheaper)."""
    try:
        if statm_fd is not None:
            return int(os.pread(statm_fd, 128, 0).split()[1]) * _PAGE_SIZE
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


# The shape of a query text depends on the text only: repeated texts (saved queries, whose parameters are
# bound as substitutions, and the same query sent again) skip the tokenizer.
_inspect = functools.lru_cache(maxsize=256)(inspect)


class QueryError(Exception):
    """An error to report to the client with an HTTP status."""

    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.extra = extra


class FrameWriter:
    """A binary file-like sink for pyoxigraph serializers that sends frames in chunks.

    The head frame is sent with the first chunk, so an error raised before any output still becomes a
    clean error response with its own status.
    """

    def __init__(self, sock: socket.socket, head: dict[str, Any]):
        self.sock = sock
        self.head = head
        self.buf = bytearray()
        self.started = False

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= CHUNK:
            self._send(end=False)
        return len(data)

    def flush(self) -> None:  # pyoxigraph calls it when done; chunking is ours
        pass

    def _send(self, end: bool, end_payload: bytes = b"") -> None:
        out = bytearray()
        if not self.started:
            out += frames.json_frame(frames.HEAD, self.head)
            self.started = True
        if self.buf:
            out += frames.frame(frames.DATA, bytes(self.buf))
            self.buf.clear()
        if end:
            out += frames.frame(frames.END, end_payload)
        self.sock.sendall(out)

    def close(self, end_payload: bytes = b"") -> None:
        self._send(end=True, end_payload=end_payload)


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


def query_tolerating_unknown_functions(store: Store, text: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    """``store.query`` where a call of a function the engine does not know is an error *value* (so its
    expression is unbound, as SPARQL 1.1 §17.3 says of errors), not a refused query."""
    unknown: dict[NamedNode, Any] = {}
    if "search" in text:  # rulaf:search(?entity, "text"): full-text search (rulakg.search.sparql_function)
        search = search_function(_BUILD_DIR) if _BUILD_DIR else None
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


_negotiate = functools.lru_cache(maxsize=256)(formats.negotiate)  # a function of its string arguments


def run_query(
    store: Store,
    req: dict[str, Any],
    sock: socket.socket,
    rss_limit: int = 0,
    statm_fd: int | None = None,
) -> bool:
    """Evaluate one request and stream its answer; raise ``QueryError`` for a client-visible error.

    Returns True when the worker has outgrown ``rss_limit`` (bytes; 0: no limit) and told the pool it retires.
    """
    text: str = req["query"]
    shape = _inspect(text)
    if shape.has_service:  # SERVICE: allow-list check, endpoints pointed at the service's federation proxy
        text = _federate(text)
        shape = _inspect(text)
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
        result = query_tolerating_unknown_functions(store, text, base_iri=req.get("base_iri"), **kwargs)
        if isinstance(result, QuerySolutions | QueryBoolean):
            offered, kind = formats.RESULT_FORMATS, "results"
        else:
            offered, kind = formats.RDF_FORMATS, "graph"
        fmt = _negotiate(req.get("accept"), offered, req.get("format"))
        head = {"content_type": fmt.content_type, "kind": kind, "format": fmt.key}
        if capped:
            head["max_rows"] = int(req["max_rows"])
        if page and kind == "results" and shape.form == "SELECT":
            # Is there a row after this page? One more row of the same query, asked before answering.
            probe = paginate(original, 1, int(page["offset"]) + int(page["limit"]))
            head["has_next"] = any(True for _ in store.query(probe, base_iri=req.get("base_iri"), **kwargs))
        writer = FrameWriter(sock, head)
        serializer = formats.results_serializer(fmt.key) if kind == "results" else formats.rdf_serializer(fmt.key)
        result.serialize(writer, serializer)
        retire = rss_limit > 0 and resident_bytes(statm_fd) > rss_limit
        writer.close(frames.RETIRE if retire else b"")
        return retire
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


_BUILD_DIR: Path | None = None  # the build folder of the store served (its search index lives there)


def build_dir_of(store_path: str) -> Path:
    """The build folder of ``<build>/oxigraph`` or of a snapshot ``<build>/snapshots/<name>``."""
    parent = Path(store_path).parent
    return parent.parent if parent.name == "snapshots" else parent


def run_dump(store: Store, req: dict[str, Any], sock: socket.socket) -> None:
    """Graph Store Protocol GET / HEAD: one graph (``graph``: an IRI, or None for the default graph) or, with
    ``dataset``, the whole store in a quad format."""
    spec = req["dump"]
    if spec.get("dataset"):
        offered = tuple(f for f in formats.RDF_FORMATS if f.key in ("nq", "trig"))
        from_graph = None
    else:
        offered = tuple(f for f in formats.RDF_FORMATS if f.key not in ("nq", "trig"))
        iri = spec.get("graph")
        if iri is None:
            from_graph = DefaultGraph()
        else:
            from_graph = NamedNode(iri)
            if not store.contains_named_graph(from_graph):
                raise QueryError(404, f"No graph <{iri}> in the store.")
    try:
        fmt = _negotiate(req.get("accept"), offered, req.get("format"))
    except formats.NotAcceptable as e:
        raise QueryError(406, str(e), offered=[f.media_type for f in e.offered]) from e
    except formats.UnknownFormat as e:
        raise QueryError(400, str(e)) from e
    writer = FrameWriter(sock, {"content_type": fmt.content_type, "kind": "graph", "format": fmt.key})
    if not spec.get("head"):
        kwargs = {} if from_graph is None else {"from_graph": from_graph}
        store.dump(writer, formats.rdf_serializer(fmt.key), **kwargs)
    writer.close()


def serve(store_path: str, socket_path: str) -> None:
    global _BUILD_DIR
    store = Store.read_only(store_path)
    opened = store_path
    _BUILD_DIR = build_dir_of(store_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path)
    try:
        statm_fd: int | None = os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        statm_fd = None
    baseline = resident_bytes(statm_fd)
    rss_limit = baseline + MAX_RSS_GROWTH if baseline else 0
    sock.sendall(frames.json_frame(frames.HELLO, {"pid": os.getpid()}))
    reader = frames.FrameReader(sock)
    while True:
        try:
            kind, payload = reader.next()
        except EOFError:
            return
        if kind != frames.REQUEST:
            continue
        req = json.loads(payload)
        try:
            target = req.get("store")
            if target and target != opened:  # a write made a newer snapshot: serve that one from now on
                try:
                    store = Store.read_only(target)
                except OSError as e:
                    raise QueryError(503, f"The newest snapshot of the store could not be opened: {e}") from e
                opened = target
            if "dump" in req:
                run_dump(store, req, sock)
                continue
            if run_query(store, req, sock, rss_limit, statm_fd):
                return  # the pool has been told (END + RETIRE) and starts a replacement
        except QueryError as e:
            sock.sendall(frames.json_frame(frames.ERROR, {"status": e.status, "message": str(e), **e.extra}))
        except BrokenPipeError:
            return


# pyoxigraph parses and evaluates recursively: a deeply nested query (10,000 groups) or a long chain of
# operators (99,000 `!`) overflows the main thread's 8 MB stack and kills the process (SIGSEGV). Queries run
# on a thread with a large stack instead (address space only: untouched pages cost no memory); with the
# default query length limit (100,000 characters) the deepest query tried needs about 200 MB.
QUERY_STACK_BYTES = 1 << 30


def main(store_path: str, socket_path: str) -> None:
    import threading

    for size in (QUERY_STACK_BYTES, QUERY_STACK_BYTES // 4, 0):  # smaller if the address space is limited
        try:
            threading.stack_size(size)
            thread = threading.Thread(target=serve, args=(store_path, socket_path), name="queries")
            thread.start()
        except (RuntimeError, ValueError, MemoryError):
            continue
        thread.join()
        return
    serve(store_path, socket_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
