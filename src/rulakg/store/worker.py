"""A query worker: a process that opens the store read-only and answers queries over a Unix socket.

Queries run in separate processes because pyoxigraph cannot cancel a running query: a query past its
timeout is stopped by killing its worker. Results are serialized here by pyoxigraph itself (``evaluate.py``) and
streamed in frames, so neither this process nor the service holds a large result in memory: ``sendall`` blocks
while the service (and behind it the HTTP client) is not reading, which is the back-pressure.

Run as ``python -m rulakg.store.worker STORE_PATH SOCKET_PATH MEMORY_ALLOWANCE_BYTES`` (0: no allowance).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, Store

from rulakg import formats
from rulakg.store import frames
from rulakg.store.evaluate import QueryError, evaluate, negotiate

CHUNK = 64 * 1024

# Memory: each worker has its own RocksDB block cache and table readers, which its queries fill, and the allocator
# keeps what a large query used. Measured over the synthetic stores of bench/peers.py, the anonymous memory of a
# process grows by ~25 MiB in its first ten joins, levels off near +55 MiB at 1 M triples, and stands at +165 MiB
# at 10 M after a 1 M-row scan. A worker whose anonymous memory has grown by more than its allowance
# (``RULAKG_WORKER_MEMORY_MB``, passed by the pool) since it opened the store ends its answer with
# ``frames.RETIRE`` and exits; the pool starts a fresh one. File-backed pages (the mapped store, the libraries)
# are left out: the kernel reclaims them, and they are shared.
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def anonymous_bytes(statm_fd: int | None = None) -> int:
    """This process's anonymous resident memory (resident minus shared, file-backed pages; 0 if unknown);
    ``statm_fd``: an open ``/proc/self/statm`` (cheaper)."""
    try:
        if statm_fd is not None:
            fields = os.pread(statm_fd, 128, 0).split()
        else:
            with open("/proc/self/statm", "rb") as f:
                fields = f.read().split()
        return (int(fields[1]) - int(fields[2])) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


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


def run_query(
    store: Store,
    req: dict[str, Any],
    sock: socket.socket,
    memory_limit: int = 0,
    statm_fd: int | None = None,
) -> bool:
    """Evaluate one request and stream its answer; raise ``QueryError`` for a client-visible error.

    Returns True when the worker's anonymous memory is over ``memory_limit`` (bytes; 0: no limit) and it has told the
    pool it retires.
    """
    writer = evaluate(store, req, lambda head: FrameWriter(sock, head), _BUILD_DIR)
    assert isinstance(writer, FrameWriter)
    retire = memory_limit > 0 and anonymous_bytes(statm_fd) > memory_limit
    writer.close(frames.RETIRE if retire else b"")
    return retire


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
        fmt = negotiate(req.get("accept"), offered, req.get("format"))
    except formats.NotAcceptable as e:
        raise QueryError(406, str(e), offered=[f.media_type for f in e.offered]) from e
    except formats.UnknownFormat as e:
        raise QueryError(400, str(e)) from e
    writer = FrameWriter(sock, {"content_type": fmt.content_type, "kind": "graph", "format": fmt.key})
    if not spec.get("head"):
        kwargs = {} if from_graph is None else {"from_graph": from_graph}
        store.dump(writer, formats.rdf_serializer(fmt.key), **kwargs)
    writer.close()


def serve(store_path: str, socket_path: str, allowance: int) -> None:
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
    baseline = anonymous_bytes(statm_fd)
    memory_limit = baseline + allowance if baseline and allowance > 0 else 0
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
            if run_query(store, req, sock, memory_limit, statm_fd):
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


def main(store_path: str, socket_path: str, allowance: int) -> None:
    import threading

    for size in (QUERY_STACK_BYTES, QUERY_STACK_BYTES // 4, 0):  # smaller if the address space is limited
        try:
            threading.stack_size(size)
            thread = threading.Thread(target=serve, args=(store_path, socket_path, allowance), name="queries")
            thread.start()
        except (RuntimeError, ValueError, MemoryError):
            continue
        thread.join()
        return
    serve(store_path, socket_path, allowance)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
