"""Benchmark of the UN General Assembly voting record (data/unvotes): the build and the agreement queries.

A benchmark script, not a test. One run:

1. builds the project (article + the record) into a fresh store under ``bench/work/unvotes-<time>/``: a cold build
   (the record mapped to its cached N-Triples file, then bulk-loaded), a forced rebuild with the cache warm (the
   record only loaded), and a no-op build (inputs unchanged: skipped); ``--build-runs`` rounds of the last two;
2. runs the saved query ``unga-agreement-with-russia`` in-process on the built store (as the service's workers do,
   pyoxigraph with the parameters as substitutions): the 33 Latin American and Caribbean states for one session,
   and for every session 1946–2019; and, for comparison, the same figures computed from the raw votes (the direct
   ``rula:voted*`` links) with a GROUP BY, for one session and for all; ``--reps`` runs each, median reported;
3. prints a summary and writes ``bench/results/unvotes-<UTC time>.json``.

    .venv/bin/python bench/unvotes.py                 # ~5-10 min on 2 cores
    .venv/bin/python bench/unvotes.py --store DIR     # skip the builds, query an existing store root
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rulakg.build.builder import build  # noqa: E402
from rulakg.config import Settings  # noqa: E402
from rulakg.queries import load_library  # noqa: E402
from rulakg.queries.binding import bind  # noqa: E402

RAW_GROUP_BY = """
PREFIX rula: <https://w3id.org/rulakg/ontology#>
SELECT ?state (AVG(?score) AS ?agreement) (COUNT(*) AS ?votes) WHERE {
  ?rc rula:session 68 .
  ?state rula:inGrouping <https://w3id.org/rulakg/id/grouping/latin-america-and-the-caribbean> .
  { ?state rula:votedYes ?rc BIND(1 AS ?a) } UNION { ?state rula:votedAbstain ?rc BIND(2 AS ?a) }
  UNION { ?state rula:votedNo ?rc BIND(3 AS ?a) }
  { <https://w3id.org/rulakg/id/state/russia> rula:votedYes ?rc BIND(1 AS ?b) }
  UNION { <https://w3id.org/rulakg/id/state/russia> rula:votedAbstain ?rc BIND(2 AS ?b) }
  UNION { <https://w3id.org/rulakg/id/state/russia> rula:votedNo ?rc BIND(3 AS ?b) }
  BIND(IF(?a = ?b, 1.0, IF(?a = 2 || ?b = 2, 0.5, 0.0)) AS ?score)
} GROUP BY ?state
"""

# the same for every session: what the stored agreement observations replace
RAW_ALL = RAW_GROUP_BY.replace("?rc rula:session 68 .", "?rc rula:session ?session .").replace(
    "SELECT ?state", "SELECT ?state ?session").replace("GROUP BY ?state", "GROUP BY ?state ?session")


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def builds(root: Path, runs: int) -> dict[str, list[float]]:
    settings = Settings(store_dir=root, describe_dataset=True)
    out: dict[str, list[float]] = {"cold": [], "warm_cache": [], "unchanged": []}
    seconds, result = timed(lambda: build(settings, force=True))
    out["cold"].append(seconds)
    print(f"cold build (record mapped + loaded): {seconds:.1f} s, {result.triples:,} triples", flush=True)  # type: ignore[attr-defined]
    for _ in range(runs):
        seconds, _r = timed(lambda: build(settings, force=True))
        out["warm_cache"].append(seconds)
        print(f"rebuild, record from the cache: {seconds:.1f} s", flush=True)
        seconds, r = timed(lambda: build(settings))
        # not skipped only if an input changed meanwhile (someone editing the checkout): then it is not counted
        print(f"build with unchanged inputs (skipped: {r.skipped}): {seconds:.2f} s", flush=True)  # type: ignore[attr-defined]
        if r.skipped:  # type: ignore[attr-defined]
            out["unchanged"].append(seconds)
    return out


def queries(root: Path, reps: int) -> dict[str, list[float]]:
    store = ox.Store.read_only(str(root / "current" / "oxigraph"))
    saved = load_library(ROOT / "queries").get("unga-agreement-with-russia")
    assert saved is not None

    def run(values: dict[str, str]) -> int:
        subs = {ox.Variable(k): v for k, v in bind(saved, values).items()}
        return len(list(store.query(saved.body, substitutions=subs, use_default_graph_as_union=True)))

    cases = {
        "one_session_33_states": lambda: run({"session": "68"}),
        "all_sessions_33_states": lambda: run({}),
        "one_session_raw_group_by": lambda: len(list(store.query(RAW_GROUP_BY, use_default_graph_as_union=True))),
        "all_sessions_raw_group_by": lambda: len(list(store.query(RAW_ALL, use_default_graph_as_union=True))),
    }
    out: dict[str, list[float]] = {}
    for name, fn in cases.items():
        rows = fn()  # warm-up
        out[name] = [timed(fn)[0] for _ in range(reps)]
        print(f"{name}: {rows} rows, median {statistics.median(out[name]) * 1000:.0f} ms over {reps}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="query this existing store root instead of building one")
    parser.add_argument("--build-runs", type=int, default=2)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    result: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load": os.getloadavg()},
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    root = args.store or ROOT / "bench" / "work" / f"unvotes-{stamp}"
    if args.store is None:
        result["builds"] = builds(root, args.build_runs)
    result["queries"] = queries(root, args.reps)
    result["load_after"] = os.getloadavg()
    out = ROOT / "bench" / "results" / f"unvotes-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
