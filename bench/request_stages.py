"""Where the time of a cold request goes, stage by stage, in the live service and in the minimal endpoint.

``bench/inline_ab.py`` says how far this service is from the Oxigraph server; this says where the difference is
spent. Each server runs under uvicorn in a child process of this script, with timers around its stages; a real
client (httpx, one request at a time) sends texts never sent before (``inline_ab.queries``: point look-ups or
joins), over the synthetic store of ``bench/peers.py``. Medians, in µs:

* ``client``: the latency the client measures;
* ``to the body``: from the request entering the application to its body handed to uvicorn (the part of the
  latency spent in this repository's code and in pyoxigraph);
* ``after the body``: what the request still costs the process once sent (access log, counters, the cache's put);
* ``in process``: ``WorkerPool.answer_here`` (a look-up answered in the service process);
* ``worker round trip``: ``WorkerPool.run`` (the request to a worker process, its evaluation, the answer back);
* ``in the worker``: the worker's own ``evaluate`` (pyoxigraph's query and serialization, and their Python).

    .venv/bin/python bench/request_stages.py [--size 100k] [--requests 1500]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from inline_ab import JSON, queries  # noqa: E402

from bench import WORK, Server, free_port  # noqa: E402

WARM = 200  # requests left out of the medians (the first of a fresh process)

# Loaded by every Python process started with the temporary folder on PYTHONPATH; acts in query workers only.
_WORKER_TIMER = '''
import os, sys, time, json
if "rulakg.store.worker" in sys.orig_argv and os.environ.get("RULAKG_BENCH_STAGES"):
    import rulakg.store.evaluate as _ev
    _spent, _inner = [], _ev.evaluate
    def _evaluate(*args, **kwargs):
        t0 = time.perf_counter_ns()
        try:
            return _inner(*args, **kwargs)
        finally:
            _spent.append(time.perf_counter_ns() - t0)
            if len(_spent) % 100 == 0:  # the pool kills its workers: no exit hook would run
                with open(os.environ["RULAKG_BENCH_STAGES"] + f".worker-{os.getpid()}", "w") as f:
                    json.dump(_spent, f)
    _ev.evaluate = _evaluate
'''


def _timed_app(app: Any, spent: dict[str, list[int]]) -> Any:
    """``app`` with the time to its body and after it recorded per request."""

    async def timed(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        t0 = time.perf_counter_ns()
        body_at = 0

        async def timed_send(message: dict[str, Any]) -> None:
            nonlocal body_at
            if message["type"] == "http.response.body" and not body_at:
                body_at = time.perf_counter_ns()
            await send(message)

        await app(scope, receive, timed_send)
        end = time.perf_counter_ns()
        spent["to the body"].append(body_at - t0)
        spent["after the body"].append(end - body_at)

    return timed


def _timed_method(cls: type, name: str, label: str, spent: dict[str, list[int]]) -> None:
    inner: Callable[..., Any] = getattr(cls, name)
    if inspect.iscoroutinefunction(inner):

        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter_ns()
            try:
                return await inner(*args, **kwargs)
            finally:
                spent[label].append(time.perf_counter_ns() - t0)

        setattr(cls, name, timed_async)
    else:

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter_ns()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label].append(time.perf_counter_ns() - t0)

        setattr(cls, name, timed)


def child(system: str, port: int, out: Path) -> None:
    """Serve with timers; write them to ``out`` when stopped (SIGTERM)."""
    import uvicorn

    spent: dict[str, list[int]] = defaultdict(list)
    if system == "service":
        from rulakg.config import get_settings
        from rulakg.service.app import create_app
        from rulakg.store.pool import WorkerPool

        _timed_method(WorkerPool, "answer_here", "in process", spent)
        _timed_method(WorkerPool, "run", "worker round trip", spent)
        app = create_app(get_settings())
        app.edge = _timed_app(app.edge, spent)  # type: ignore[attr-defined]
    else:
        import minimal_endpoint

        app = _timed_app(minimal_endpoint.app, spent)
    signal.signal(signal.SIGUSR1, lambda *_: out.write_text(json.dumps(spent)))
    # uvicorn's access log off, as `rulakg serve` runs it (the service has its own, RULAKG_ACCESS_LOG)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False, access_log=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100k", choices=["100k", "1m", "10m"])
    ap.add_argument("--requests", type=int, default=1500)
    ap.add_argument("--child", choices=["service", "minimal"], help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.port, args.out)
        return
    store_dir = WORK / "peers" / args.size / "ours"
    if not (store_dir / "current").exists():
        sys.exit(f"no store at {store_dir}: run bench/peers.py --sizes {args.size} first")
    counts = json.loads((WORK / f"peers-{args.size}-s42.json").read_text())["counts"]
    results: dict[tuple[str, str], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="rulakg-stages-") as tmp:
        (Path(tmp) / "sitecustomize.py").write_text(_WORKER_TIMER)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RULAKG_")}
        env["PYTHONPATH"] = os.pathsep.join([tmp, *filter(None, [os.environ.get("PYTHONPATH")])])
        env["RULAKG_STORE_DIR"] = str(store_dir)
        env["MINIMAL_STORE"] = str((store_dir / "current").resolve() / "oxigraph")
        for kind in ("point", "join"):
            for system in ("service", "minimal"):
                out = Path(tmp) / f"{system}-{kind}.json"
                port = free_port()
                cmd = [sys.executable, __file__, "--child", system, "--port", str(port), "--out", str(out)]
                server = Server(system, cmd, port, "/sparql", {**env, "RULAKG_BENCH_STAGES": str(out)}).start()
                try:
                    client_us = _load(server, kind, counts, args.requests)
                    assert server.proc is not None
                    server.proc.send_signal(signal.SIGUSR1)
                    time.sleep(1.0)
                    spent = json.loads(out.read_text())
                finally:
                    server.stop()
                for worker_file in Path(tmp).glob(out.name + ".worker-*"):
                    spent.setdefault("in the worker", []).extend(json.loads(worker_file.read_text()))
                row = {"client": client_us}
                for stage, values in spent.items():
                    values = values[WARM:] if len(values) > 2 * WARM else values
                    row[stage] = statistics.median(values) / 1000
                results[(kind, system)] = row
    _print(args, results)


def _load(server: Server, kind: str, counts: dict[str, int], n: int) -> float:
    """Send ``n`` unique queries of ``kind``, one at a time; the client's median latency (µs) after ``WARM``."""
    rng = random.Random(11)
    spent = []
    with httpx.Client(timeout=60) as client:
        for i in range(n):
            text = queries(counts, rng, i)[kind]
            t0 = time.perf_counter_ns()
            r = client.get(server.url(text), headers={"Accept": JSON})
            _ = r.content
            spent.append(time.perf_counter_ns() - t0)
            assert r.status_code == 200, r.text[:200]
    return statistics.median(spent[WARM:]) / 1000


def _print(args: argparse.Namespace, results: dict[tuple[str, str], dict[str, float]]) -> None:
    print(f"{args.size}, {args.requests} unique requests of each kind, one at a time; median µs")
    columns = [(k, s) for k in ("point", "join") for s in ("service", "minimal")]
    print("| stage | " + " | ".join(f"{k}: {s}" for k, s in columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    stages = ["client", "to the body", "after the body", "in process", "worker round trip", "in the worker"]
    for stage in stages:
        cells = [f"{results[c][stage]:.0f}" if stage in results[c] else "" for c in columns]
        print(f"| {stage} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
