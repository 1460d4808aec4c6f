"""The writer: the one process that opens the served build's store read-write and applies writes.

Run as ``python -m rulakg.store.writer LIVE SNAPSHOTS STORE_DIR BUILD_DIR [--clean]`` by ``writes.StoreWriter``;
it reads framed requests on stdin and answers on stdout (``frames``).

Why a process of its own: pyoxigraph cannot cancel an update, so a runaway one is stopped by killing this
process (its transaction is never committed: nothing of it is written). Why snapshots: Oxigraph says that
opening a store read-only while another process writes it is undefined behaviour, so the query workers never
open the live store. After each successful write the writer makes a RocksDB checkpoint of it
(``Store.backup``: hard links, a few ms) in ``SNAPSHOTS/`` and answers with its path; the workers reopen the
newest snapshot before their next query. A snapshot is immutable, so a reader sees every write before it
and nothing of any write after it (never half of one).

Each write is one pyoxigraph transaction (``Store.update``: all or nothing). It is acknowledged only after
the commit (the write-ahead log survives ``kill -9``) and the checkpoint (which also flushes the memtable to
synced table files). Writes hold ``STORE_DIR/.writes.lock`` (``flock``), which ``rulakg build``, ``backup``
and ``restore`` also take; a write after ``current`` was switched to another build is refused (503) rather than
made to a store no longer served, so a rebuild never loses an acknowledged write.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, parse

from rulakg.store import frames

LOCK_FILE = ".writes.lock"

MEDIA_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "text/n3": RdfFormat.N3,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/n-quads": RdfFormat.N_QUADS,
    "text/x-nquads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}
QUAD_FORMATS = {RdfFormat.N_QUADS, RdfFormat.TRIG, RdfFormat.JSON_LD}


@contextlib.contextmanager
def writes_lock(store_dir: Path) -> Iterator[None]:
    """The lock every writer of ``store_dir``'s stores holds while it writes (and a build while it swaps)."""
    store_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(store_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class WriteError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _insert_data(quads: list[Any], target: Any) -> str:
    """An ``INSERT DATA`` of ``quads`` (into ``target``: a NamedNode, DefaultGraph, or None to keep their graphs)."""
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        graph = q.graph_name if target is None else target
        key = "" if isinstance(graph, DefaultGraph) else str(graph)
        by_graph.setdefault(key, []).append(f"{q.subject} {q.predicate} {q.object} .")
    parts = []
    for key, lines in by_graph.items():
        body = "\n".join(lines)
        parts.append(body if key == "" else f"GRAPH {key} {{\n{body}\n}}")
    return "INSERT DATA {\n" + "\n".join(parts) + "\n}" if parts else ""


class Writer:
    def __init__(self, live: Path, snapshots: Path, store_dir: Path, build_dir: Path):
        self.store = Store(str(live))
        self.snapshots = snapshots
        self.store_dir = store_dir
        self.build_dir = build_dir.resolve()
        self.counter = 0
        self.stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"

    def snapshot(self) -> str:
        self.counter += 1
        target = self.snapshots / f"s-{self.stamp}-{self.counter:07d}"
        self.snapshots.mkdir(parents=True, exist_ok=True)
        self.store.backup(str(target))
        return str(target)

    def _check_current(self) -> None:
        current = (self.store_dir / "current").resolve()
        if current != self.build_dir:
            raise WriteError(
                503,
                f"The store was rebuilt or restored ({self.store_dir / 'current'} now points to {current.name}) since "
                "this service started; writes to the old build are refused. Restart the service.",
            )

    def handle(self, req: dict[str, Any], parts: list[bytes]) -> dict[str, Any]:
        op = req["op"]
        if op == "ping":
            return {}
        with writes_lock(self.store_dir):
            self._check_current()
            if op == "backup":
                return self.backup(Path(req["target"]))
            if op == "update":
                self._update(req["text"], req.get("base_iri"))
                return {"status": 204, "snapshot": self.snapshot()}
            if op == "gsp":
                status = self.gsp(req, parts)
                if status == 404:
                    return {"status": 404}
                return {"status": status, "snapshot": self.snapshot()}
        raise WriteError(400, f"unknown writer operation {op!r}")

    def _update(self, text: str, base_iri: str | None) -> None:
        try:
            self.store.update(text, base_iri=base_iri)
        except SyntaxError as e:
            raise WriteError(400, f"SPARQL Update syntax error: {e}") from e
        except OSError as e:
            raise WriteError(400, f"The update failed (nothing was changed): {e}") from e
        except (RuntimeError, ValueError, TypeError) as e:
            raise WriteError(400, f"The update failed (nothing was changed): {e}") from e

    def gsp(self, req: dict[str, Any], parts: list[bytes]) -> int:
        method, kind, iri = req["method"], req["target"], req.get("graph")
        graph: Any = NamedNode(iri) if kind == "graph" else DefaultGraph()
        existed = kind != "graph" or self.store.contains_named_graph(graph)
        if method == "DELETE":
            if kind == "graph":
                if not existed:
                    return 404
                self._update(f"DROP GRAPH <{iri}>", None)
            elif kind == "default":
                self._update("CLEAR DEFAULT", None)
            else:
                self._update("DROP ALL", None)
            return 204
        quads: list[Any] = []
        for media, body in zip(req["media"], parts, strict=True):
            fmt = MEDIA_FORMATS.get(media)
            if fmt is None:
                raise WriteError(415, f"Unsupported RDF media type {media!r}.")
            if kind != "dataset" and fmt in (RdfFormat.N_QUADS, RdfFormat.TRIG):
                raise WriteError(415, f"{media} holds a dataset; send a graph format (Turtle, N-Triples, …) here.")
            try:
                parsed = list(parse(body, format=fmt, base_iri=req.get("base_iri") or iri))
            except SyntaxError as e:
                raise WriteError(400, f"The RDF payload ({media}) is not valid: {e}") from e
            if kind != "dataset" and any(not isinstance(q.graph_name, DefaultGraph) for q in parsed):
                raise WriteError(400, "The payload has named graphs; send it to the whole store (no graph parameter).")
            quads += parsed
        target = None if kind == "dataset" else graph
        insert = _insert_data(quads, target)
        ops = []
        if kind == "graph":
            ops.append(f"CREATE SILENT GRAPH <{iri}>")
        if method == "PUT":
            ops.append({"graph": f"CLEAR GRAPH <{iri}>", "default": "CLEAR DEFAULT", "dataset": "DROP ALL"}[kind])
        if insert:
            ops.append(insert)
        if ops:
            self._update(" ;\n".join(ops), None)
        return 204 if existed else 201

    def backup(self, target: Path) -> dict[str, Any]:
        if target.exists():
            raise WriteError(409, f"The backup folder {target} already exists.")
        target.mkdir(parents=True)
        self.store.backup(str(target / "oxigraph"))
        copy_build_files(self.build_dir, target)
        (target / "backup.json").write_text(
            json.dumps({"created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "build": self.build_dir.name})
        )
        return {"status": 200, "target": str(target)}


def copy_build_files(build_dir: Path, target: Path) -> None:
    """The build's files besides its store (build.json, documentation, search index) into ``target``."""
    for item in build_dir.iterdir():
        if item.name in ("oxigraph", "snapshots"):
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name)
        else:
            shutil.copy2(item, target / item.name)


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = stream.read(n - len(out))
        if not chunk:
            raise EOFError
        out += chunk
    return bytes(out)


def _read_frame(stream: BinaryIO) -> tuple[bytes, bytes]:
    kind, length = frames.parse_header(_read_exact(stream, frames.HEADER_SIZE))
    return kind, _read_exact(stream, length) if length else b""


def remove_snapshots(snapshots: Path) -> None:
    if snapshots.is_dir():
        for old in snapshots.iterdir():
            shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str]) -> None:
    live, snapshots, store_dir, build_dir = (Path(a) for a in argv[:4])
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        with writes_lock(store_dir):  # opening recovers the write-ahead log: a write like any other
            writer = Writer(live, snapshots, store_dir, build_dir)
            if "--clean" in argv:  # the first start (we hold the store): no query worker has a snapshot open yet
                remove_snapshots(snapshots)
            hello = {"pid": os.getpid(), "snapshot": writer.snapshot()}
    except OSError as e:
        stdout.write(frames.json_frame(frames.ERROR, {"status": 500, "message": f"Cannot open {live} to write: {e}"}))
        stdout.flush()
        return
    stdout.write(frames.json_frame(frames.HELLO, hello))
    stdout.flush()
    while True:
        try:
            _kind, payload = _read_frame(stdin)
            req = json.loads(payload)
            parts = [_read_frame(stdin)[1] for _ in range(int(req.get("parts", 0)))]
        except EOFError:
            return
        try:
            out = frames.json_frame(frames.HEAD, writer.handle(req, parts))
        except WriteError as e:
            out = frames.json_frame(frames.ERROR, {"status": e.status, "message": str(e)})
        except OSError as e:
            out = frames.json_frame(frames.ERROR, {"status": 500, "message": f"Store error: {e}"})
        stdout.write(out)
        stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
