"""A remote SPARQL server as the service's store: the same ``QueryBackend`` as the embedded worker pool.

Researchers who outgrow one machine load the graph into a larger or clustered store (``rulakg build --target``)
and point the service at it (``RULAKG_BACKEND=remote``, ``RULAKG_REMOTE_QUERY_URL``). The service then sends the
worker requests it builds today — saved queries, entity pages, the SPARQL endpoint — over the SPARQL 1.1
Protocol, with the same limits, lanes, result cache and errors on top.

How a request becomes a remote one (the worker's job in the embedded store, ``store/worker.py``):

* the text gets the row cap and page (``sparql_text``), a ``BASE`` line and a saved query's parameters as a
  ``VALUES`` block (``store/remote_text.py``); SERVICE calls are checked against the allow-list (the server then
  calls the endpoint itself, not through our federation proxy); an update sent as a query is refused;
* the dataset: the protocol's default-graph-uri / named-graph-uri go through; in union-default-graph mode with
  ``remote_default_graphs=build`` the union of the build's graphs (and those written through this service) is
  sent as both, so the answer does not depend on the server's idea of a default graph (Virtuoso's holds its
  system graphs);
* the answer: the server is asked for SPARQL JSON results or N-Triples (which every server writes) and
  pyoxigraph re-serializes it in the format our client negotiated, streaming, on a thread: clients get the
  same bytes whichever server answers (no ``typed-literal`` from Virtuoso, the same CSV, Turtle, JSON-LD…);
* a timeout stops the request (its read times out at the deadline and the connection is closed, which is all
  the protocol offers to cancel a query); the server's 4xx become ours (a syntax error is a 400), its 429/503
  our 503 with ``Retry-After``, other failures a 502 naming the server's message.

Limitations: ``rulaf:search`` (the full-text search function) needs the embedded store: on a remote server it
is an unknown function; ``?default`` of the Graph Store Protocol is the server's default graph.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from rulakg import formats
from rulakg.config import Settings
from rulakg.sparql_text import cap_rows, inspect, paginate
from rulakg.store.admission import Admission, PoolBusy
from rulakg.store.pool import PREFIX_LIMIT, QueryAnswer, QueryFailed, QueryTimeout
from rulakg.store.remote_text import TermError, bind_values, with_base

CHUNK = 64 * 1024
RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


def remote_auth(settings: Settings) -> httpx.Auth | None:
    if not settings.remote_user:
        return None
    password = settings.remote_password or ""
    if settings.remote_auth == "digest":
        return httpx.DigestAuth(settings.remote_user, password)
    return httpx.BasicAuth(settings.remote_user, password)


def remote_failure(status: int, body: str, what: str = "query") -> Exception:
    """The exception our clients' answer is made from, for a server's error response."""
    message = " ".join(body.split())[:2000] or f"HTTP {status}"
    if status in (400, 404, 406, 413, 414, 415):
        return QueryFailed(status, f"The store refused the {what}: {message}", {})
    if status in (429, 503):
        return PoolBusy(f"The store is busy (HTTP {status}): {message}.")
    if status == 504:
        return QueryTimeout(f"The store timed out (HTTP 504): {message}")
    if status in (401, 403):
        return QueryFailed(502, f"The store refused this service's credentials (HTTP {status}): {message}", {})
    return QueryFailed(502, f"The store failed (HTTP {status}): {message}", {})


@dataclass
class _Job:
    """One request to the server and how to turn its answer into ours."""

    params: list[tuple[str, str]]  # the form: query, default-graph-uri, named-graph-uri
    accept: str
    kind: str  # "results" | "graph" | "quads" (a dataset dump: SELECT ?s ?p ?o ?g, written as quads)
    fmt: formats.Format
    head: dict[str, Any]
    probe: _Job | None = None  # a saved query's page: is there a row after it? (one more row, asked first)


@dataclass
class _Channel:
    """Between the thread that reads the server's answer and the event loop that relays it."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)
    credits: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(8))  # back-pressure
    cancelled: bool = False
    response: httpx.Response | None = None
    deadline: float = float("inf")  # time.monotonic() of the query's deadline: a reader that stopped reading

    def send(self, kind: str, payload: Any = None) -> None:
        while not self.credits.acquire(timeout=0.5):  # the reader is slow: wait, unless it gave up
            if self.cancelled or time.monotonic() > self.deadline:  # (an answer nobody reads ends at the deadline)
                raise _Cancelled
        if self.cancelled:
            raise _Cancelled
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (kind, payload))

    def cancel(self) -> None:
        """Stop reading: shut the connection down (which interrupts a blocked read on the thread)."""
        self.cancelled = True
        response = self.response
        if response is not None:
            stream = response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Cancelled(Exception):
    pass


class _BodyReader:
    """The response body as the binary file pyoxigraph's parsers read (in small reads: no copying of the rest)."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.buf = b""
        self.pos = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            out = self.buf[self.pos :] + b"".join(self.chunks)
            self.buf, self.pos = b"", 0
            return out
        if self.pos >= len(self.buf):
            self.buf, self.pos = next(self.chunks, b""), 0
        out = self.buf[self.pos : self.pos + n]
        self.pos += len(out)
        return out


class _Sink:
    """The binary file pyoxigraph's serializers write: chunks of 64 KiB to the channel, the head first."""

    def __init__(self, channel: _Channel, head: dict[str, Any]):
        self.channel = channel
        self.head = head
        self.buf = bytearray()
        self.started = False

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= CHUNK:
            self._flush()
        return len(data)

    def flush(self) -> None:
        pass

    def _flush(self) -> None:
        if not self.started:
            self.channel.send("head", self.head)
            self.started = True
        if self.buf:
            self.channel.send("data", bytes(self.buf))
            self.buf.clear()

    def close(self) -> None:
        self._flush()
        self.channel.send("end")


class RemoteBackend:
    """Queries over the SPARQL 1.1 Protocol to ``settings.remote_query_url``, at most ``remote_concurrency`` at once."""

    def __init__(self, settings: Settings, graphs: Iterable[str] = (), *, heavy_cap: int = 0):
        if not settings.remote_query_url:
            raise RuntimeError("RULAKG_BACKEND=remote needs RULAKG_REMOTE_QUERY_URL (the server's SPARQL endpoint).")
        self.settings = settings
        self.query_url = settings.remote_query_url
        self.size = settings.remote_concurrency
        self.graphs: set[str] = set(graphs)  # the union default graph (remote_default_graphs=build)
        # Lanes (service/lanes.py) over the requests in flight to the server, as over the embedded store's workers.
        cap = heavy_cap if 0 < heavy_cap < self.size else 0
        self.admission: Admission[None] = Admission(self.size, cap, "query slots of the remote store")
        self.reachable = False
        self.kills = 0  # requests stopped before their answer was complete (timeout, client gone)
        self._slots: asyncio.Queue[None] = asyncio.Queue()  # a token per request that may be in flight
        for _ in range(self.size):
            self._slots.put_nowait(None)
        self._client = httpx.Client(
            auth=remote_auth(settings),
            headers={"User-Agent": settings.user_agent},
            limits=httpx.Limits(max_connections=self.size + 2, max_keepalive_connections=self.size + 2),
        )
        self._expiry: asyncio.Task[None] | None = None
        self._threads = ThreadPoolExecutor(self.size + 2, thread_name_prefix="rulakg-remote")

    # life cycle ---------------------------------------------------------------------------------------
    async def start(self, wait: float = 30.0) -> None:
        """Check that the server answers (retrying for ``wait`` seconds: it may still be starting)."""
        deadline = time.monotonic() + wait
        while True:
            error = await asyncio.to_thread(self.probe)
            if error is None:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"The remote store at {self.query_url} does not answer: {error}")
            await asyncio.sleep(0.5)

    def probe(self) -> str | None:
        """Ask the server ``ASK {}``: None if it answered, else what went wrong (and ``reachable`` follows)."""
        try:
            r = self._client.post(
                self.query_url, data={"query": "ASK {}"}, headers={"Accept": RESULTS_ACCEPT}, timeout=5
            )
            error = None if r.status_code == 200 else f"HTTP {r.status_code}: {r.text[:300]}"
        except httpx.HTTPError as e:
            error = f"{type(e).__name__}: {e}"
        self.reachable = error is None
        return error

    async def stop(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def expire_cache(self, cache: Any, seconds: float) -> None:
        """Empty the result cache every ``seconds`` (others may write to the server); 0: never. While at it, check
        that the server still answers (``/health``)."""

        async def expire() -> None:
            while True:
                await asyncio.sleep(seconds)
                cache.invalidate(f"t{time.monotonic():.0f}")
                await asyncio.to_thread(self.probe)

        if seconds > 0:
            self._expiry = asyncio.create_task(expire())

    @property
    def alive(self) -> int:
        """Slots for queries if the server answered the last request, else 0 (``/health`` says unavailable)."""
        return self.size if self.reachable else 0

    def add_graph(self, iri: str) -> None:
        """A graph written through this service joins the union default graph."""
        self.graphs.add(iri)

    # admission ----------------------------------------------------------------------------------------
    async def _acquire(self, lane: str, wait: float) -> bool:
        """A slot (and a heavy slot for a heavy query) within ``wait``; says whether a heavy slot is held."""
        slots = self._slots
        _, heavy = await self.admission.admit(lane, wait, lambda: not slots.empty(), slots.get_nowait, slots.get)
        return heavy

    def _release(self, lane: str, heavy: bool) -> None:
        self.admission.leave(lane)
        self._slots.put_nowait(None)
        self.admission.release_heavy(heavy)

    # requests -----------------------------------------------------------------------------------------
    def _dataset(self, req: dict[str, Any], has_dataset: bool) -> list[tuple[str, str]]:
        default_graphs = req.get("default_graph_uri") or []
        named_graphs = req.get("named_graph_uri") or []
        if default_graphs or named_graphs:
            return [("default-graph-uri", g) for g in default_graphs] + [("named-graph-uri", g) for g in named_graphs]
        if req.get("union_default_graph") and not has_dataset and self.settings.remote_default_graphs == "build":
            graphs = sorted(self.graphs)
            return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
        return []

    def prepare(self, req: dict[str, Any]) -> _Job:
        """The remote request for a worker request (the same fields, ``store/worker.py``), or ``QueryFailed``."""
        if "dump" in req:
            return self._prepare_dump(req)
        text: str = req["query"]
        shape = inspect(text)
        if shape.is_update:
            raise QueryFailed(
                400,
                "This is a SPARQL Update request; the query endpoint only runs queries "
                "(SELECT, ASK, CONSTRUCT, DESCRIBE). Send updates to the update endpoint.",
                {},
            )
        if shape.has_service:
            from rulakg.wikidata.federation import ServiceRefused, rewrite_services

            try:
                rewrite_services(text, self.settings)  # the allow-list check only; the server calls the endpoint
            except ServiceRefused as e:
                raise QueryFailed(e.status, str(e), {}) from e
        page = req.get("page")
        original = text
        if page:
            text = paginate(text, int(page["limit"]), int(page["offset"]))
        text, capped = cap_rows(text, int(req.get("max_rows") or 0), None if page else shape)
        try:
            substitutions = req.get("substitutions") or {}
            text = with_base(bind_values(text, substitutions), req.get("base_iri"))
        except TermError as e:
            raise QueryFailed(400, f"The query could not be evaluated: {e}", {}) from e
        kind = "graph" if shape.form in ("CONSTRUCT", "DESCRIBE") else "results"
        offered = formats.RDF_FORMATS if kind == "graph" else formats.RESULT_FORMATS
        try:
            fmt = formats.negotiate(req.get("accept"), offered, req.get("format"))
        except formats.NotAcceptable as e:
            raise QueryFailed(406, str(e), {"offered": [f.media_type for f in e.offered]}) from e
        except formats.UnknownFormat as e:
            raise QueryFailed(400, str(e), {}) from e
        head: dict[str, Any] = {"content_type": fmt.content_type, "kind": kind, "format": fmt.key}
        if capped:
            head["max_rows"] = int(req["max_rows"])
        dataset = self._dataset(req, shape.has_dataset)
        job = _Job([("query", text), *dataset], GRAPH_ACCEPT if kind == "graph" else RESULTS_ACCEPT, kind, fmt, head)
        if page and kind == "results" and shape.form == "SELECT":
            probe = paginate(original, 1, int(page["offset"]) + int(page["limit"]))
            probe = with_base(bind_values(probe, substitutions), req.get("base_iri"))
            job.probe = _Job([("query", probe), *dataset], RESULTS_ACCEPT, "results", fmt, {})
        return job

    def _prepare_dump(self, req: dict[str, Any]) -> _Job:
        """Graph Store Protocol reads: a graph by CONSTRUCT, the store (our graphs) as quads."""
        spec = req["dump"]
        dataset = bool(spec.get("dataset"))
        offered = tuple(f for f in formats.RDF_FORMATS if (f.key in ("nq", "trig")) == dataset)
        try:
            fmt = formats.negotiate(req.get("accept"), offered, req.get("format"))
        except formats.NotAcceptable as e:
            raise QueryFailed(406, str(e), {"offered": [f.media_type for f in e.offered]}) from e
        except formats.UnknownFormat as e:
            raise QueryFailed(400, str(e), {}) from e
        head = {"content_type": fmt.content_type, "kind": "graph", "format": fmt.key}
        if dataset:
            params = [("query", "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")]
            if self.settings.remote_default_graphs == "build":  # our graphs, not the server's own (system) ones
                params += [("named-graph-uri", g) for g in sorted(self.graphs)]
            return _Job(params, RESULTS_ACCEPT, "quads", fmt, head)
        iri = spec.get("graph")
        where = "{ ?s ?p ?o }" if iri is None else f"{{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        return _Job([("query", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {where}")], GRAPH_ACCEPT, "graph", fmt, head)

    def answer_here(self, request: dict[str, Any]) -> QueryAnswer | None:
        """Nothing is answered in this process: the server answers every query."""
        return None

    async def run(self, request: dict[str, Any], timeout: float, queue_wait: float, lane: str = "light") -> QueryAnswer:
        """Send a request to the server; return once its head is known (the body may still stream)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        job = self.prepare(request)
        spec = request.get("dump") or {}
        if spec.get("graph") is not None:  # a graph the store does not have is a 404, as in the embedded store
            exists = _Job(
                [("query", f"ASK {{ GRAPH <{spec['graph']}> {{ ?s ?p ?o }} }}")],
                RESULTS_ACCEPT,
                "results",
                formats.RESULT_FORMATS[0],
                {},
            )
            if not await self._ask(exists, deadline, lane, queue_wait):
                raise QueryFailed(404, f"No graph <{spec['graph']}> in the store.", {})
            if spec.get("head"):
                return QueryAnswer(job.head, b"", complete=True)
        if job.probe is not None:
            job.head["has_next"] = await self._ask(job.probe, deadline, lane, queue_wait, rows=True)
        return await self._run(job, deadline, lane, queue_wait, timeout)

    async def _ask(self, job: _Job, deadline: float, lane: str, queue_wait: float, rows: bool = False) -> bool:
        """The boolean of an ASK (or, with ``rows``, whether a SELECT has a row), as SPARQL JSON."""
        import json

        job.fmt, job.head = formats.RESULT_FORMATS[0], {"content_type": "", "kind": "results", "format": "json"}
        loop = asyncio.get_running_loop()
        answer = await self._run(job, deadline, lane, queue_wait, max(0.0, deadline - loop.time()))
        data = json.loads(b"".join([c async for c in answer.body()]))
        return bool(data["results"]["bindings"]) if rows else bool(data.get("boolean"))

    async def _run(self, job: _Job, deadline: float, lane: str, queue_wait: float, timeout: float) -> QueryAnswer:
        loop = asyncio.get_running_loop()
        heavy = await self._acquire(lane, max(0.0, min(queue_wait, deadline - loop.time())))
        channel = _Channel(loop)

        def done(_: object) -> None:  # the thread is over: its slot is free again
            loop.call_soon_threadsafe(self._release, lane, heavy)

        try:
            future = self._threads.submit(self._fetch, job, channel, deadline - loop.time())
        except RuntimeError:  # shutting down
            self._release(lane, heavy)
            raise QueryFailed(503, "The service is stopping.", {}) from None
        future.add_done_callback(done)
        finished = False
        try:
            async with asyncio.timeout_at(deadline):
                kind, payload = await self._next(channel)
                if kind == "error":
                    finished = True
                    raise payload
                head = payload
                prefix = bytearray()
                while len(prefix) < PREFIX_LIMIT:
                    kind, payload = await self._next(channel)
                    if kind == "data":
                        prefix += payload
                    elif kind == "end":
                        finished = True
                        return QueryAnswer(head, bytes(prefix), complete=True)
                    else:
                        finished = True
                        raise payload
            finished = True  # the stream owns the channel from here
            return QueryAnswer(head, bytes(prefix), complete=False, _rest=self._stream(channel, deadline))
        except TimeoutError:
            raise QueryTimeout(f"The query was stopped after {timeout:g} s (its timeout).") from None
        finally:
            if not finished:
                self.kills += 1
                channel.cancel()

    async def _next(self, channel: _Channel) -> tuple[str, Any]:
        item = await channel.queue.get()
        channel.credits.release()
        return item

    async def _stream(self, channel: _Channel, deadline: float) -> AsyncIterator[bytes]:
        done = False
        try:
            while True:
                async with asyncio.timeout_at(deadline):  # around the read only, never across a yield
                    kind, payload = await self._next(channel)
                if kind == "data":
                    yield payload
                elif kind == "end":
                    done = True
                    return
                else:
                    done = True
                    raise payload if isinstance(payload, QueryFailed) else QueryFailed(502, str(payload), {})
        except TimeoutError:
            raise QueryTimeout("The query was stopped at its timeout while its answer was being sent.") from None
        finally:
            if not done:  # timed out or client gone: stop reading the server's answer
                self.kills += 1
                channel.cancel()

    # the thread ---------------------------------------------------------------------------------------
    def _fetch(self, job: _Job, channel: _Channel, remaining: float) -> None:
        """Send ``job`` and relay the re-serialized answer (or an error) to the channel; on a pool thread."""
        channel.deadline = time.monotonic() + remaining
        try:
            timeout = httpx.Timeout(max(0.05, remaining) + 0.5, connect=min(5.0, max(0.05, remaining)))
            with self._client.stream(
                "POST",
                self.query_url,
                content=urlencode(job.params),
                headers={"Accept": job.accept, **FORM},
                timeout=timeout,
            ) as response:
                channel.response = response
                if channel.cancelled:
                    return
                if response.status_code != 200:
                    body = response.read()[:8000].decode("utf-8", "replace")
                    channel.send("error", remote_failure(response.status_code, body))
                    return
                self.reachable = True
                media = response.headers.get("content-type", "")
                reader = _BodyReader(response.iter_bytes(CHUNK))
                sink = _Sink(channel, job.head)
                self._transcode(job, media, reader, sink)
                sink.close()
        except _Cancelled:
            return
        except httpx.TimeoutException:
            if not channel.cancelled:
                channel.send("error", QueryTimeout("The query was stopped at its timeout."))
        except httpx.TransportError as e:
            if not channel.cancelled:
                self.reachable = False
                channel.send("error", QueryFailed(503, f"The remote store at {self.query_url} is unreachable: {e}", {}))
        except Exception as e:  # an answer pyoxigraph cannot read (or a broken connection): the reader must hear
            if not channel.cancelled:
                with contextlib.suppress(_Cancelled):
                    channel.send("error", QueryFailed(502, f"The store's answer could not be read: {e}", {}))

    @staticmethod
    def _transcode(job: _Job, media: str, reader: _BodyReader, sink: _Sink) -> None:
        if job.kind == "graph":
            source = ox.RdfFormat.from_media_type(media)
            if source is None:
                raise ValueError(f"the store answered a graph as {media or 'no media type'}")
            ox.serialize(ox.parse(reader, source), sink, formats.rdf_serializer(job.fmt.key))
            return
        source_results = ox.QueryResultsFormat.from_media_type(media)
        if source_results is None:
            raise ValueError(f"the store answered results as {media or 'no media type'}")
        results = ox.parse_query_results(reader, source_results)
        if job.kind == "quads":
            quads = (ox.Quad(s["s"], s["p"], s["o"], s["g"]) for s in results)  # type: ignore[union-attr]
            ox.serialize(quads, sink, formats.rdf_serializer(job.fmt.key))
            return
        results.serialize(sink, formats.results_serializer(job.fmt.key))
