"""Cold small queries side by side in one run: this service, its in-process look-ups switched off, the least a
Python endpoint can do, and the Oxigraph server.

Four systems over the same synthetic store of ``bench/peers.py`` (built by an earlier ``peers.py`` run): this
service as it ships (single-pattern look-ups answered in its own process, ``store/inline.py``), the same with
``RULAKG_INLINE_LOOKUP_BYTES=0`` (every query through a worker), ``bench/minimal_endpoint.py`` (uvicorn and
pyoxigraph and nothing else: the floor under any Python service of this kind) and the Oxigraph server. Every
request is a text not sent before (a cold query: no result cache can answer it), the systems take turns in a
rotating order, and each request follows a pause (``--gap``; 0 for none), as the first query of a user who has
been reading does.

    .venv/bin/python bench/inline_ab.py [--size 100k] [--rounds 200] [--gap 0.005] [--baseline CHECKOUT]

Prints medians and ratios for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic

from bench import WORK, Server, free_port, tool

R = "https://w3id.org/rulakg/ontology#"
PRE = f"PREFIX rula: <{R}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
JSON = "application/sparql-results+json"


def queries(counts: dict[str, int], rng: random.Random, i: int) -> dict[str, str]:
    """One of each kind, made unique by a LIMIT that changes nothing (the answers are smaller)."""
    p = synthetic.person(rng.randrange(counts["persons"]))
    s = rng.randrange(synthetic.N_STATES)
    r = synthetic.resolution(rng.randrange(counts["resolutions"]))
    limit = f" LIMIT {100_000 + i}"
    return {
        "point": f"SELECT ?p ?o WHERE {{ {p} ?p ?o }}" + limit,
        "label": PRE + f'SELECT ?s WHERE {{ ?s rdfs:label "State {s}"@en }}' + limit,
        "join": PRE + "SELECT ?visit ?host ?option WHERE {\n"
        f"  ?visit rula:visitor {p} ; rula:hostState ?host .\n"
        f"  ?cast rula:voter ?host ; rula:onResolution {r} ; rula:voteOption ?option }}" + limit,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100k", choices=["100k", "1m", "10m"])
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--gap", type=float, default=0.005, help="pause before each request (s)")
    ap.add_argument("--baseline", type=Path, help="a checkout of another commit, run as a fifth system (A/B)")
    args = ap.parse_args()
    store_dir = WORK / "peers" / args.size / "ours"
    if not (store_dir / "current").exists():
        sys.exit(f"no store at {store_dir}: run bench/peers.py --sizes {args.size} first")
    counts = json.loads((WORK / f"peers-{args.size}-s42.json").read_text())["counts"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RULAKG_")}
    serve = [tool("rulakg"), "serve", "--no-build", "--store-dir", str(store_dir), "--host", "127.0.0.1"]
    systems: list[Server] = []
    try:
        variants: list[tuple[str, dict[str, str]]] = [("inline", {}), ("workers", {"RULAKG_INLINE_LOOKUP_BYTES": "0"})]
        if args.baseline:  # the same command, its package taken from the other checkout
            variants.append(("baseline", {"PYTHONPATH": str(args.baseline.resolve() / "src")}))
        for name, extra in variants:
            port = free_port()
            systems.append(Server(name, [*serve, "--port", str(port)], port, "/sparql", {**env, **extra}).start())
        copy = WORK / "oxiserve-ab"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree((store_dir / "current").resolve() / "oxigraph", copy)
        port = free_port()
        minimal = [tool("uvicorn"), "--app-dir", str(Path(__file__).parent), "minimal_endpoint:app"]
        minimal += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
        minimal_env = {**env, "MINIMAL_STORE": str((store_dir / "current").resolve() / "oxigraph")}
        systems.append(Server("minimal", minimal, port, "/sparql", minimal_env).start())
        port = free_port()
        cmd = [tool("oxigraph"), "serve-read-only", "--location", str(copy), "--bind", f"127.0.0.1:{port}"]
        systems.append(Server("oxigraph", [*cmd, "--union-default-graph"], port, "/query").start())
        clients = {s.name: httpx.Client(timeout=60) for s in systems}
        ms: dict[tuple[str, str], list[float]] = {}
        rng = random.Random(7)
        for i in range(args.rounds):
            order = systems[i % len(systems) :] + systems[: i % len(systems)]
            for kind, text in queries(counts, rng, i).items():
                for s in order:
                    if args.gap:
                        time.sleep(args.gap)
                    t0 = time.perf_counter()
                    r = clients[s.name].get(s.url(text), headers={"Accept": JSON})
                    _ = r.content
                    ms.setdefault((s.name, kind), []).append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, (s.name, r.text[:200])
    finally:
        for s in systems:
            s.stop()
    print(f"{args.size}, {args.rounds} rounds, pause {args.gap * 1000:g} ms; median ms (ratio to the Oxigraph server)")
    names = [s.name for s in systems if s.name != "oxigraph"]
    titles = {"inline": "in process (default)", "workers": "through a worker", "minimal": "minimal endpoint"}
    print(f"| query | {' | '.join(titles.get(n, n) for n in names)} | Oxigraph server |")
    print("| --- |" + " --- |" * (len(names) + 1))
    for kind in ("point", "label", "join"):
        ox = statistics.median(ms[("oxigraph", kind)])
        cells = [
            f"{statistics.median(ms[(n, kind)]):.2f} ({statistics.median(ms[(n, kind)]) / ox:.2f}×)" for n in names
        ]
        print(f"| {kind} | {' | '.join(cells)} | {ox:.2f} |")


if __name__ == "__main__":
    main()
