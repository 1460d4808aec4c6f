"""A pool of query worker processes, driven from the service's event loop.

Each worker opens the store read-only and takes one query at a time. The pool hands a query to an idle
worker, relays its framed answer as an async stream, and kills (then replaces) a worker whose query runs
past its deadline or whose client went away, which is the only way to stop a pyoxigraph query.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rulakg.store import frames
from rulakg.store.admission import Admission

if TYPE_CHECKING:
    from rulakg.store.inline import InlineLookups

# An answer that ends within this many bytes is sent whole (with a Content-Length) and may be kept by the result
# cache; a longer one is streamed.
PREFIX_LIMIT = 256 * 1024


class QueryTimeout(Exception):
    """The query ran past its deadline and its worker was stopped."""


class QueryFailed(Exception):
    """The worker reported an error for the client (status, message)."""

    def __init__(self, status: int, message: str, details: dict[str, Any]):
        super().__init__(message)
        self.status = status
        self.details = details


@dataclass
class _Worker:
    proc: subprocess.Popen[bytes]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    store: Path | None = None  # the store (or snapshot) this worker has open
    lane: str | None = None  # the lane of the query it is running ("light" / "heavy"); None when idle
    slot: bool = False  # it holds one of the heavy lane's slots

    async def read_frame(self) -> tuple[bytes, bytes]:
        kind, length = frames.parse_header(await self.reader.readexactly(frames.HEADER_SIZE))
        return kind, (await self.reader.readexactly(length)) if length else b""


@dataclass
class QueryAnswer:
    """A query's answer: the head (media type, flags) and the body, whole or still streaming."""

    head: dict[str, Any]
    prefix: bytes
    complete: bool
    _rest: AsyncIterator[bytes] | None = field(default=None, repr=False)
    cache: str | None = None  # "hit" (from the result cache) or "miss"; None: the cache is off
    lane: str | None = None  # "light" or "heavy" (service/lanes.py), for the X-Query-Lane header
    etag: str | None = None  # a complete answer's validator (service/http_cache.py); None: streamed or not set
    cache_control: str | None = None  # its Cache-Control header

    async def body(self) -> AsyncIterator[bytes]:
        if self.prefix:
            yield self.prefix
        if self._rest is not None:
            async for chunk in self._rest:
                yield chunk


class WorkerPool:
    """Worker processes over one on-disk store."""

    def __init__(
        self,
        store_path: Path,
        size: int,
        *,
        startup_timeout: float = 60.0,
        heavy_cap: int = 0,
        inline_bytes: int = 0,
        worker_memory: int = 0,
    ):
        self.store_path = Path(store_path)
        self.size = size
        # A worker whose anonymous memory grew by more than this many bytes is replaced after its answer (see
        # worker.py); 0: never.
        self.worker_memory = worker_memory
        # Single-pattern look-ups with an answer of at most ``inline_bytes`` are answered in this process
        # (store/inline.py), without a worker; 0: every query goes to a worker.
        self.inline_bytes = inline_bytes
        self.inline: InlineLookups | None = None
        # Lanes (service/lanes.py): heavy queries hold at most ``heavy_cap`` workers at once (0: no cap), so the
        # others stay free for light queries; a light query takes any free worker.
        self.admission: Admission[_Worker] = Admission(size, heavy_cap, "query workers")
        self.startup_timeout = startup_timeout
        # Last in, first out: a query goes to the worker that finished most recently, whose CPU caches (and
        # RocksDB block cache) are the warmest; a FIFO sent each query to the coldest one. Under a sequential
        # load one worker answers everything; the others take over only under concurrency.
        self._idle: asyncio.Queue[_Worker] = asyncio.LifoQueue()
        self._pending: dict[int, asyncio.Future[_Worker]] = {}
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="rulakg-")
        self._socket_path = os.path.join(self._tmp.name, "workers.sock")
        self._server: asyncio.base_events.Server | None = None
        self._closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self.kills = 0
        self.retired = 0  # workers replaced because they outgrew their memory allowance
        # Writes (store/writes.py): the store the workers open is the newest snapshot; ``snapshots`` is the
        # folder of snapshots, where those no worker has open any more are removed.
        self.snapshots: Path | None = None
        self._opened: dict[int, set[Path]] = {}  # worker pid -> the stores it has (or may still have) open

    # life cycle ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._on_connect, path=self._socket_path)
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        if self.inline_bytes > 0:
            from rulakg.store.inline import InlineLookups

            self.inline = InlineLookups(self.store_path, self.inline_bytes)

    async def stop(self) -> None:
        self._closing = True
        if self.inline is not None:
            self.inline.close()
        for proc in list(self._procs.values()):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        for proc in list(self._procs.values()):
            await asyncio.to_thread(proc.wait)
        if self._server is not None:
            self._server.close()
        self._tmp.cleanup()

    @property
    def alive(self) -> int:
        return sum(1 for p in self._procs.values() if p.poll() is None)

    def set_store(self, path: Path) -> None:
        """Serve ``path`` (a new snapshot) from now on: each worker reopens it before its next query."""
        self.store_path = Path(path)
        if self.inline is not None:
            self.inline.open(self.store_path)
        self.collect_snapshots()

    def collect_snapshots(self) -> None:
        """Remove the snapshots that are neither the newest nor open in a worker."""
        if self.snapshots is None or not self.snapshots.is_dir():
            return
        live = {p for pid, paths in self._opened.items() if pid in self._procs for p in paths}
        live.add(self.store_path)
        for d in self.snapshots.iterdir():
            if d not in live:
                shutil.rmtree(d, ignore_errors=True)

    async def _spawn(self) -> None:
        store = self.store_path
        proc = subprocess.Popen(
            [sys.executable, "-m", "rulakg.store.worker", str(store), self._socket_path, str(self.worker_memory)],
            stdin=subprocess.DEVNULL,
        )
        fut: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._pending[proc.pid] = fut
        self._procs[proc.pid] = proc
        self._opened[proc.pid] = {store}
        try:
            worker = await asyncio.wait_for(fut, self.startup_timeout)
        except TimeoutError:
            proc.kill()
            self._procs.pop(proc.pid, None)
            code = proc.poll()
            raise RuntimeError(
                f"A query worker did not start within {self.startup_timeout:.0f} s (exit code {code}); "
                f"is {self.store_path} a built store? Run `rulakg build`."
            ) from None
        finally:
            self._pending.pop(proc.pid, None)
        self._idle.put_nowait(worker)

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        kind, length = frames.parse_header(await reader.readexactly(frames.HEADER_SIZE))
        hello = json.loads(await reader.readexactly(length))
        fut = self._pending.get(hello["pid"])
        proc = self._procs.get(hello["pid"])
        if kind != frames.HELLO or fut is None or proc is None:
            writer.close()
            return
        paths = self._opened.get(proc.pid) or {self.store_path}
        fut.set_result(_Worker(proc, reader, writer, next(iter(paths))))

    def _free(self, worker: _Worker) -> bool:
        """The worker's query is over (whatever the outcome): give back its lane's count; say whether it held a
        heavy slot (the caller gives that back: at once, or once a replacement worker is up)."""
        if worker.lane is not None:
            self.admission.leave(worker.lane)
            worker.lane = None
        slot, worker.slot = worker.slot, False
        return slot

    def _back(self, worker: _Worker) -> None:
        """The worker answered and is idle again."""
        slot = self._free(worker)
        self._idle.put_nowait(worker)
        self.admission.release_heavy(slot)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker whose query must stop, and start its replacement in the background."""
        self.kills += 1
        with contextlib.suppress(ProcessLookupError):
            worker.proc.kill()
        self._replace(worker, grace=None)

    def _release(self, worker: _Worker, end_payload: bytes) -> None:
        """A worker finished its answer: back to the idle queue, or replaced if it asked to retire."""
        if end_payload != frames.RETIRE:
            self._settle(worker)
            self._back(worker)
            return
        # The worker grew past its memory allowance (see worker.py) and is exiting on its own.
        self.retired += 1
        self._replace(worker, grace=10.0)

    def _replace(self, worker: _Worker, grace: float | None) -> None:
        """Forget a worker that is exiting (killed, or retiring: killed if not gone after ``grace`` seconds) and
        start its replacement in the background."""
        # A heavy slot is given back once the replacement is up: else, while it starts, the next heavy query
        # would take the worker left for light ones.
        slot = self._free(worker)
        worker.writer.close()
        self._procs.pop(worker.proc.pid, None)
        self._opened.pop(worker.proc.pid, None)

        async def reap_and_replace() -> None:
            try:
                try:
                    await asyncio.to_thread(worker.proc.wait, grace)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        worker.proc.kill()
                    await asyncio.to_thread(worker.proc.wait)
                if not self._closing:
                    await self._spawn()
            finally:
                self.admission.release_heavy(slot)

        task = asyncio.create_task(reap_and_replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # queries ------------------------------------------------------------------------------------------
    async def _acquire(self, lane: str, wait: float) -> _Worker:
        """A free worker for a query of ``lane`` (and a heavy slot for a heavy one), waiting at most ``wait``."""
        idle = self._idle
        worker, worker.slot = await self.admission.admit(
            lane, wait, lambda: not idle.empty(), idle.get_nowait, idle.get
        )
        worker.lane = lane
        return worker

    def answer_here(self, request: dict[str, Any]) -> QueryAnswer | None:
        """A single-pattern look-up with a small answer, answered in this process (``store/inline.py``)."""
        return self.inline.answer(request) if self.inline is not None else None

    async def run(
        self, request: dict[str, Any], timeout: float, queue_wait: float, lane: str = "light"
    ) -> QueryAnswer:
        """Run a query on a free worker; return once its head is known (the body may still stream).

        A ``heavy`` query also waits for one of the heavy lane's slots (see ``heavy_cap``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        worker = await self._acquire(lane, min(queue_wait, timeout))
        if worker.store != self.store_path:  # a write made a new snapshot: the worker reopens it first
            request = {**request, "store": str(self.store_path)}
            worker.store = self.store_path
            self._opened.setdefault(worker.proc.pid, set()).add(self.store_path)
        worker.writer.write(frames.json_frame(frames.REQUEST, request))
        finished = False
        try:
            async with asyncio.timeout_at(deadline):
                kind, payload = await worker.read_frame()
                if kind == frames.ERROR:
                    finished = True
                    self._settle(worker)
                    self._back(worker)
                    err = json.loads(payload)
                    raise QueryFailed(err.pop("status"), err.pop("message"), err)
                head = json.loads(payload)
                # Gather what is already there: a small answer goes out whole, with a Content-Length.
                prefix = bytearray()
                while len(prefix) < PREFIX_LIMIT:
                    kind, payload = await worker.read_frame()
                    if kind == frames.DATA:
                        prefix += payload
                        continue
                    if kind == frames.END:
                        finished = True
                        self._release(worker, payload)
                        return QueryAnswer(head, bytes(prefix), complete=True)
                    err = json.loads(payload)  # an error after the head: nothing valid was sent yet
                    finished = True
                    self._back(worker)
                    raise QueryFailed(err.pop("status"), err.pop("message"), err)
            finished = True  # the stream below owns the worker from here
            return QueryAnswer(head, bytes(prefix), complete=False, _rest=self._stream(worker, deadline))
        except TimeoutError:
            raise QueryTimeout(f"The query was stopped after {timeout:g} s (its timeout).") from None
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            raise QueryFailed(500, f"The query worker died while answering ({e}); it has been replaced.", {}) from e
        finally:
            if not finished:
                self._discard(worker)

    def _settle(self, worker: _Worker) -> None:
        """The worker answered, so it has closed any older snapshot: forget those (and remove them)."""
        paths = self._opened.get(worker.proc.pid)
        if paths is not None and worker.store is not None and paths != {worker.store}:
            self._opened[worker.proc.pid] = {worker.store}
            self.collect_snapshots()

    async def _stream(self, worker: _Worker, deadline: float) -> AsyncIterator[bytes]:
        done = False
        try:
            while True:
                async with asyncio.timeout_at(deadline):  # around the read only, never across a yield
                    kind, payload = await worker.read_frame()
                if kind == frames.DATA:
                    yield payload
                elif kind == frames.END:
                    done = True
                    self._release(worker, payload)
                    return
                else:
                    done = True
                    self._back(worker)
                    raise QueryFailed(500, json.loads(payload).get("message", "error"), {})
        finally:
            if not done:  # timed out, client gone, or worker died: stop the query
                self._discard(worker)


def wait_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000
