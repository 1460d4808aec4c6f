"""What the service adds over the remote server it sits on: small queries (GET), Virtuoso direct vs the service with
``RULAKG_BACKEND=remote`` on that same Virtuoso, side by side in one run (requests interleaved, one keep-alive
client each, result cache off so every request reaches the server).

    .venv/bin/python bench/remote_overhead.py [--rounds 300] [--server virtuoso|oxigraph]

Prints a Markdown table (median and p90 per query, in ms) for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from oxigraph_server import OxigraphServer  # noqa: E402
from server import LiveServer, build_store  # noqa: E402
from virtuoso import VirtuosoServer  # noqa: E402

CUBA = "https://w3id.org/rulakg/id/state/cuba"
QUERIES = {
    "point look-up (entity's triples)": f"SELECT ?p ?o WHERE {{ <{CUBA}> ?p ?o }}",
    "ASK": f"ASK {{ <{CUBA}> ?p ?o }}",
    "label search (FILTER)": "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    'SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(STRSTARTS(?l, "Cu")) }',
    "join (visits to a state)": "PREFIX rula: <https://w3id.org/rulakg/ontology#> "
    f"SELECT ?v ?d WHERE {{ ?v rula:hostState <{CUBA}> ; rula:earliestDate ?d }}",
    "CONSTRUCT (entity)": f"CONSTRUCT {{ <{CUBA}> ?p ?o }} WHERE {{ <{CUBA}> ?p ?o }}",
}
JSON = "application/sparql-results+json"


def _ms(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values) * 1000, values[int(len(values) * 0.9)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--server", choices=("virtuoso", "oxigraph"), default="virtuoso")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rulakg-remote-bench-"))
    try:
        queries_dir = work / "queries"
        shutil.copytree(ROOT / "queries" / "examples", queries_dir / "examples")
        fixtures = ROOT / "tests" / "fixtures"
        store_dir = work / "store"
        build_store(
            store_dir,
            fixtures / "ontology",
            fixtures / "queries" / "data",
            describe_dataset=True,
            queries_dir=queries_dir,
        )
        if args.server == "virtuoso":
            server: VirtuosoServer | OxigraphServer = VirtuosoServer(work / "virtuoso", memory_mb=1000)
            server.start()
            server.enable_update()
            query_url, target = server.sparql_url, server.graph_crud_url
        else:
            server = OxigraphServer(work / "oxigraph")
            server.start()
            query_url, target = server.query_url, server.store_url
        env = {
            **os.environ,
            "RULAKG_STORE_DIR": str(store_dir),
            "RULAKG_ONTOLOGY_DIR": str(fixtures / "ontology"),
            "RULAKG_DATA_DIR": str(fixtures / "queries" / "data"),
            "RULAKG_QUERIES_DIR": str(queries_dir),
            "RULAKG_DESCRIBE_DATASET": "true",
            "RULAKG_SKIP_SOURCES": "unvotes",  # as tests/server.py build_store
        }
        cmd = [sys.executable, "-m", "rulakg.cli", "build", "--target", target, "--target-query", query_url]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        graphs = sorted(json.loads((store_dir / "current" / "build.json").read_text())["graphs"])
        dataset = [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
        live = LiveServer(
            store_dir,
            backend="remote",
            remote_query_url=query_url,
            result_cache_mb=0,
            queries_dir=queries_dir,
            access_log="false",
        )
        with live, httpx.Client() as direct, httpx.Client() as via:
            rows = []
            for name, query in QUERIES.items():
                accept = "application/n-triples" if query.startswith("CONSTRUCT") else JSON
                timings: dict[str, list[float]] = {"plain": [], "dataset": [], "service": []}
                for i in range(args.rounds + 20):  # the first 20: warm-up, not counted
                    for kind in ("plain", "dataset", "service"):
                        started = time.perf_counter()
                        if kind == "service":
                            r = via.get(live.url + "/sparql", params={"query": query}, headers={"Accept": accept})
                        else:
                            form = [("query", query), *(dataset if kind == "dataset" else [])]
                            r = direct.get(query_url, params=form, headers={"Accept": accept})
                        elapsed = time.perf_counter() - started
                        assert r.status_code == 200, (kind, r.status_code, r.text[:300])
                        if i >= 20:
                            timings[kind].append(elapsed)
                plain, same, svc = (_ms(timings[k]) for k in ("plain", "dataset", "service"))
                rows.append((name, plain, same, svc))
        print(
            f"Server: {args.server}; {args.rounds} rounds; {platform.node()} {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
        )
        print(
            "| query | direct, plain (median / p90 ms) | direct, same dataset as the service | service on remote "
            "| added (median) |"
        )
        print("|---|---|---|---|---|")
        for name, plain, same, svc in rows:
            print(
                f"| {name} | {plain[0]:.2f} / {plain[1]:.2f} | {same[0]:.2f} / {same[1]:.2f} | "
                f"{svc[0]:.2f} / {svc[1]:.2f} | {svc[0] - same[0]:+.2f} |"
            )
        server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
