"""The service's own CPU per request: its ASGI app called directly, in this process, with unique look-ups.

No socket, no client, no other process: what is left is the time the service's code (the edge, the fast path,
the result cache, the in-process look-up and its serializer) takes per request, the part of a request's latency
that this repository controls. Warm (after 200 requests), median of 2,800 requests, each a query text never
sent before (so the result cache misses). Over the synthetic store of ``bench/peers.py`` (an earlier run).

    .venv/bin/python bench/request_cpu.py [--size 100k] [--kind point|label] [--baseline CHECKOUT]

``--baseline`` runs the same measure with the package of another checkout (in a child process each, taking
turns, 3 times) for an A/B of a change.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic

from bench import WORK

WARM, MEASURED = 200, 2800


def _scope(text: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/sparql",
        "raw_path": b"/sparql",
        "query_string": ("query=" + urllib.parse.quote(text, safe="")).encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"application/sparql-results+json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _measure(size: str, kind: str) -> float:
    """Median µs per request of this process's ``rulakg`` over the store of ``size``."""
    from rulakg.config import get_settings
    from rulakg.service.app import create_app

    counts = json.loads((WORK / f"peers-{size}-s42.json").read_text())["counts"]
    app = create_app(get_settings())
    rng = random.Random(1)
    prefix = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

    def text(i: int) -> str:
        limit = f" LIMIT {i + 1}000"  # a new text each time, the same answer
        if kind == "point":
            return f"SELECT ?p ?o WHERE {{ {synthetic.person(rng.randrange(counts['persons']))} ?p ?o }}" + limit
        state = rng.randrange(synthetic.N_STATES)
        return prefix + f'SELECT ?s WHERE {{ ?s rdfs:label "State {state}"@en }}' + limit

    scopes = [_scope(text(i)) for i in range(WARM + MEASURED)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    startup: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    started: list[dict[str, Any]] = []

    async def lifespan_send(message: dict[str, Any]) -> None:
        started.append(message)

    await startup.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, startup.get, lifespan_send))
    while not started:
        await asyncio.sleep(0.05)
    assert started[0]["type"] == "lifespan.startup.complete", started
    times: list[float] = []
    for i, scope in enumerate(scopes):
        t0 = time.perf_counter_ns()
        await app(scope, receive, send)
        if i >= WARM:
            times.append((time.perf_counter_ns() - t0) / 1000)
        await asyncio.sleep(0)  # what the event loop runs after each request (the result cache's put)
    assert sent[-2]["status"] == 200, sent[-2]
    await startup.put({"type": "lifespan.shutdown"})
    await lifespan
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100k", choices=["100k", "1m", "10m"])
    ap.add_argument("--kind", default="point", choices=["point", "label"])
    ap.add_argument("--baseline", type=Path, help="a checkout of another commit, measured in turn (A/B)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    store_dir = WORK / "peers" / args.size / "ours"
    if not (store_dir / "current").exists():
        sys.exit(f"no store at {store_dir}: run bench/peers.py --sizes {args.size} first")
    # as it ships: the access log on (to stderr, captured here)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RULAKG_")}, "RULAKG_STORE_DIR": str(store_dir)}
    if args.child:
        print(asyncio.run(_measure(args.size, args.kind)))
        return
    runs: dict[str, list[float]] = {}
    systems = {"this checkout": env}
    if args.baseline:
        systems["baseline"] = {**env, "PYTHONPATH": str(args.baseline.resolve() / "src")}
    cmd = [sys.executable, __file__, "--child", "--size", args.size, "--kind", args.kind]
    for _ in range(3):
        for name, child_env in systems.items():
            out = subprocess.run(cmd, env=child_env, capture_output=True, text=True, check=True)
            runs.setdefault(name, []).append(float(out.stdout.strip().splitlines()[-1]))
    for name, values in runs.items():
        each = ", ".join(f"{v:.1f}" for v in values)
        print(f"{name}: {statistics.median(values):.1f} µs per {args.kind} look-up (runs: {each})")


if __name__ == "__main__":
    main()
