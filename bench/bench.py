"""RuLA KG vs the Oxigraph CLI server, side by side on the same synthetic data and queries.

A benchmark script, not a test. One run:

1. writes a synthetic graph shaped like ours (states, persons, visits, agreements, UN resolutions and
   votes) as N-Triples into ``bench/work/`` (deterministic for a given ``--seed`` and ``--triples``);
2. bulk load: ``rulakg load`` (CLI, with its progress bar and final compaction), ``load_file`` in-process
   with and without the progress wrapper, vs ``oxigraph load``; ``--load-runs`` rounds, alternating;
3. servers: ``rulakg serve --no-build`` (default worker count) vs ``oxigraph serve-read-only`` over a byte
   copy of the same store (both with the union default graph):
   (a) sequential latency of a small-query mix, interleaving the two servers;
   (b) throughput at concurrency 8 (wrk if installed, else httpx threads);
   (c) time to stream a 1 M-row SELECT as JSON, and the peak RSS of each server's process tree;
4. prints a summary and writes ``bench/results/run-<UTC time>-<mode>.json``.

    .venv/bin/python bench/bench.py --triples 1000000      # full run (~5 min on 2 cores)
    .venv/bin/python bench/bench.py --quick                # ~1 min, for trying things

Only loopback traffic; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
BASE = "https://w3id.org/rulakg/"
ONT = BASE + "ontology#"
GRAPH = BASE + "graph/bench"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"
JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        sys.exit(f"{name} not found (expected next to {sys.executable})")
    return found


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------------
# 1. data
# ------------------------------------------------------------------------------------------------------
N_STATES = 200
REGIONS = ["latin-america", "caribbean", "europe", "asia", "africa", "oceania", "north-america"]
CHOICES = ["Yes", "No", "Abstain", "Absent"]
OCCUPATIONS = ["diplomat", "minister", "president", "general", "ambassador", "deputy", "scholar"]


def _iri(kind: str, i: int) -> str:
    return f"<{BASE}{kind}/{kind[0]}{i}>"


def _lit(s: str, lang: str | None = None) -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"@{lang}' if lang else f'"{s}"'


def _typed(v: str, dt: str) -> str:
    return f'"{v}"^^<{dt}>'


def plan(triples: int) -> dict[str, int]:
    """How many entities of each kind give about ``triples`` triples (never fewer)."""
    rest = max(0, triples - N_STATES * 6)
    persons = -(-rest * 20 // 100 // 5)
    visits = -(-rest * 30 // 100 // 6)
    agreements = -(-rest * 12 // 100 // 6)
    votes_budget = rest - persons * 5 - visits * 6 - agreements * 6
    resolutions = max(1, -(-votes_budget // (N_STATES * 4 + 4)))
    votes = max(0, -(-(votes_budget - resolutions * 4) // 4))
    return {
        "states": N_STATES,
        "persons": max(1, persons),
        "visits": max(1, visits),
        "agreements": max(1, agreements),
        "resolutions": resolutions,
        "votes": votes,
    }


def generate(path: Path, triples: int, seed: int) -> dict[str, Any]:
    """Write the synthetic N-Triples file; returns the plan and the triple count."""
    counts = plan(triples)
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("counts") == counts and meta.get("seed") == seed:
            return meta
    rng = random.Random(seed)
    t = lambda p: f"<{ONT}{p}>"  # noqa: E731
    a, label = f"<{RDF_TYPE}>", f"<{RDFS_LABEL}>"
    n = 0
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as f:
        w = f.write
        for i in range(counts["states"]):
            s = _iri("state", i)
            w(
                f"{s} {a} {t('State')} .\n{s} {label} {_lit(f'State {i}', 'en')} .\n"
                f"{s} {label} {_lit(f'Estado {i}', 'es')} .\n{s} {label} {_lit(f'Государство {i}', 'ru')} .\n"
                f"{s} {t('isoCode')} {_lit(f'S{i:03d}')} .\n{s} {t('region')} {t(rng.choice(REGIONS))} .\n"
            )
            n += 6
        for i in range(counts["persons"]):
            s = _iri("person", i)
            born = f"{rng.randint(1900, 1990)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            w(
                f"{s} {a} {t('Person')} .\n{s} {label} {_lit(f'Person {i} {rng.randrange(10**6)}')} .\n"
                f"{s} {t('birthDate')} {_typed(born, XSD_DATE)} .\n"
                f"{s} {t('nationality')} {_iri('state', rng.randrange(N_STATES))} .\n"
                f"{s} {t('occupation')} {_lit(rng.choice(OCCUPATIONS))} .\n"
            )
            n += 5
        for i in range(counts["visits"]):
            s = _iri("visit", i)
            day = f"{rng.randint(1960, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            w(
                f"{s} {a} {t('Visit')} .\n{s} {t('visitor')} {_iri('person', rng.randrange(counts['persons']))} .\n"
                f"{s} {t('hostState')} {_iri('state', rng.randrange(N_STATES))} .\n"
                f"{s} {t('startDate')} {_typed(day, XSD_DATE)} .\n"
                f"{s} {label} {_lit(f'Visit {i} on {day}', 'en')} .\n"
                f"{s} {t('purpose')} {_lit(rng.choice(['official', 'working', 'state', 'private']))} .\n"
            )
            n += 6
        for i in range(counts["agreements"]):
            s = _iri("agreement", i)
            p1, p2 = rng.sample(range(N_STATES), 2)
            day = f"{rng.randint(1960, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            w(
                f"{s} {a} {t('Agreement')} .\n{s} {label} {_lit(f'Agreement {i} between {p1} and {p2}', 'en')} .\n"
                f"{s} {t('signedOn')} {_typed(day, XSD_DATE)} .\n{s} {t('party')} {_iri('state', p1)} .\n"
                f"{s} {t('party')} {_iri('state', p2)} .\n"
                f"{s} {t('signedBy')} {_iri('person', rng.randrange(counts['persons']))} .\n"
            )
            n += 6
        for i in range(counts["resolutions"]):
            s = _iri("resolution", i)
            day = f"{rng.randint(1946, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            w(
                f"{s} {a} {t('Resolution')} .\n{s} {label} {_lit(f'Resolution {i}', 'en')} .\n"
                f"{s} {t('adoptedOn')} {_typed(day, XSD_DATE)} .\n"
                f"{s} {t('session')} {_typed(str(i // 50), XSD_INT)} .\n"
            )
            n += 4
        for i in range(counts["votes"]):
            s = _iri("vote", i)  # vote i: resolution i // 200 by state i % 200
            w(
                f"{s} {a} {t('VoteCast')} .\n{s} {t('onResolution')} {_iri('resolution', i // N_STATES)} .\n"
                f"{s} {t('voter')} {_iri('state', i % N_STATES)} .\n{s} {t('choice')} {t(rng.choice(CHOICES))} .\n"
            )
            n += 4
    tmp.replace(path)
    meta = {"seed": seed, "counts": counts, "triples": n, "bytes": path.stat().st_size}
    meta_path.write_text(json.dumps(meta))
    return meta


def small_queries(counts: dict[str, int], seed: int, per_kind: int) -> list[dict[str, str]]:
    """The small-query mix: point look-ups, small joins, ASK, a small CONSTRUCT (concrete IRIs)."""
    rng = random.Random(seed + 1)
    pre = f"PREFIX ont: <{ONT}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    out: list[dict[str, str]] = []
    votes_res = max(1, counts["votes"] // N_STATES)
    for _ in range(per_kind):
        person = _iri("person", rng.randrange(counts["persons"]))
        state = _iri("state", rng.randrange(N_STATES))
        res = _iri("resolution", rng.randrange(votes_res))
        agr = _iri("agreement", rng.randrange(counts["agreements"]))
        visit = _iri("visit", rng.randrange(counts["visits"]))
        out += [
            {"kind": "point", "accept": JSON_RESULTS, "query": f"SELECT ?p ?o WHERE {{ {person} ?p ?o }}"},
            {
                "kind": "join",
                "accept": JSON_RESULTS,
                "query": pre
                + (
                    f"SELECT ?visit ?date ?host ?name WHERE {{ ?visit ont:visitor {person} ; ont:startDate ?date ;"
                    f' ont:hostState ?host . ?host rdfs:label ?name FILTER(lang(?name) = "en") }} ORDER BY ?date'
                ),
            },
            {
                "kind": "join",
                "accept": JSON_RESULTS,
                "query": pre
                + (f"SELECT ?choice WHERE {{ ?v ont:onResolution {res} ; ont:voter {state} ; ont:choice ?choice }}"),
            },
            {
                "kind": "join",
                "accept": JSON_RESULTS,
                "query": pre
                + (
                    f"SELECT ?label ?party ?pl WHERE {{ {agr} rdfs:label ?label ; ont:party ?party ."
                    f' ?party rdfs:label ?pl FILTER(lang(?pl) = "es") }}'
                ),
            },
            {"kind": "ask", "accept": JSON_RESULTS, "query": pre + f"ASK {{ {agr} ont:party {state} }}"},
            {
                "kind": "construct",
                "accept": N_TRIPLES,
                "query": pre
                + (
                    f"CONSTRUCT {{ {visit} ?p ?o . ?who rdfs:label ?n }} WHERE {{ {visit} ?p ?o ."
                    f" OPTIONAL {{ {visit} ont:visitor ?who . ?who rdfs:label ?n }} }}"
                ),
            },
        ]
    return out


# ------------------------------------------------------------------------------------------------------
# 2. bulk load
# ------------------------------------------------------------------------------------------------------
def _empty_our_store(store_dir: Path) -> Path:
    """A store folder as ``rulakg build`` leaves it (build-*/oxigraph + the ``current`` link), empty."""
    shutil.rmtree(store_dir, ignore_errors=True)
    target = store_dir / "build-bench"
    (target / "oxigraph").mkdir(parents=True)
    code = "import sys; from pyoxigraph import Store; Store(sys.argv[1]).flush()"
    subprocess.run([sys.executable, "-c", code, str(target / "oxigraph")], check=True)
    (store_dir / "current").symlink_to(target.name)
    return target


def _timed(cmd: list[str], **kw: Any) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}):\n{proc.stdout.decode()[-2000:]}")
    return elapsed


def _inproc_load(store: str, file: str, progress: bool) -> None:
    """Child-process entry: time ``load_file`` alone (the wrapper or not); prints seconds."""
    from pyoxigraph import Store

    from rulakg.store.embedded import load_file

    s = Store(store)
    seen = [0]

    def cb(n: int) -> None:
        seen[0] += n

    t0 = time.perf_counter()
    load_file(s, Path(file), graph=GRAPH, progress=cb if progress else None)
    print(json.dumps({"seconds": time.perf_counter() - t0, "bytes_seen": seen[0]}))


def bench_load(data: Path, runs: int, store_root: Path) -> dict[str, Any]:
    rulakg, oxigraph = tool("rulakg"), tool("oxigraph")
    ours_dir = store_root / "ours"
    times: dict[str, list[float]] = {"rulakg load": [], "load_file": [], "load_file+progress": [], "oxigraph load": []}

    def run_rulakg() -> float:
        _empty_our_store(ours_dir)
        return _timed([rulakg, "load", str(data), "--graph", GRAPH, "--store-dir", str(ours_dir)])

    def run_inproc(progress: bool) -> float:
        d = store_root / "inproc"
        shutil.rmtree(d, ignore_errors=True)
        cmd = [sys.executable, __file__, "_inproc_load", str(d), str(data)] + (["--progress"] if progress else [])
        out = subprocess.run(cmd, check=True, capture_output=True).stdout
        shutil.rmtree(d, ignore_errors=True)
        return float(json.loads(out)["seconds"])

    def run_oxigraph() -> float:
        d = store_root / "oxiload"
        shutil.rmtree(d, ignore_errors=True)
        elapsed = _timed([oxigraph, "load", "--location", str(d), "--file", str(data), "--graph", GRAPH])
        shutil.rmtree(d, ignore_errors=True)
        return elapsed

    variants = [
        ("oxigraph load", run_oxigraph),
        ("rulakg load", run_rulakg),
        ("load_file", lambda: run_inproc(False)),
        ("load_file+progress", lambda: run_inproc(True)),
    ]
    for r in range(runs):
        order = variants[r % len(variants) :] + variants[: r % len(variants)]  # rotate: alternate who goes first
        for name, fn in order:
            times[name].append(fn())
            log(f"load round {r + 1}: {name}: {times[name][-1]:.2f} s")
    # the serving store must be the one `rulakg load` made; rebuild it if the last round did not end with it
    if order[-1][0] != "rulakg load":
        run_rulakg()
    med = {k: statistics.median(v) for k, v in times.items()}
    ox = med["oxigraph load"]
    return {
        "runs": times,
        "median_s": med,
        "speed_ratio_vs_oxigraph": {k: ox / v for k, v in med.items() if k != "oxigraph load"},
        "target": "rulakg load speed >= 0.8x oxigraph load (ratio = oxigraph median / ours median)",
        "pass": ox / med["rulakg load"] >= 0.8,
        "serving_store": str(ours_dir),
    }


# ------------------------------------------------------------------------------------------------------
# 3. servers
# ------------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


class RssSampler:
    """Samples the RSS of a process tree every ``interval`` seconds in a thread; ``peak`` since ``reset``."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval = pid, interval
        self.peak = self.overall = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            kb = tree_rss_kb(self.pid)
            self.peak, self.overall = max(self.peak, kb), max(self.overall, kb)
            self._stop.wait(self.interval)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def reset(self) -> None:
        self.peak = tree_rss_kb(self.pid)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class Server:
    def __init__(self, name: str, cmd: list[str], port: int, path: str, env: dict[str, str] | None = None):
        self.name, self.cmd, self.port = name, cmd, port
        self.base = f"http://127.0.0.1:{port}"
        self.endpoint = self.base + path
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)

    def url(self, query: str) -> str:
        return self.endpoint + "?query=" + urllib.parse.quote(query, safe="")

    def path(self, query: str) -> str:
        return self.url(query)[len(self.base) :]

    def start(self, timeout: float = 120.0) -> Server:
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log.read().decode()}")
            try:
                r = httpx.get(self.url("ASK {}"), headers={"Accept": JSON_RESULTS}, timeout=2)
                if r.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _answer_size(r: httpx.Response) -> int:
    """Rows (SELECT), 1 (ASK true) / 0, or triples (CONSTRUCT), to check both servers agree."""
    if r.headers.get("content-type", "").startswith(JSON_RESULTS):
        doc = r.json()
        return int(doc["boolean"]) if "boolean" in doc else len(doc["results"]["bindings"])
    return sum(1 for line in r.text.splitlines() if line.strip())


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def bench_latency(
    servers: list[Server], queries: list[dict[str, str]], reps: int, samplers: dict[str, RssSampler]
) -> dict[str, Any]:
    clients = {s.name: httpx.Client(timeout=60) for s in servers}
    sizes: dict[str, list[int]] = {s.name: [] for s in servers}
    for s in servers:  # warm-up, and the answers of all must agree
        for q in queries:
            r = clients[s.name].get(s.url(q["query"]), headers={"Accept": q["accept"]})
            r.raise_for_status()
            sizes[s.name].append(_answer_size(r))
    mismatches = [i for i, row in enumerate(zip(*sizes.values(), strict=True)) if len(set(row)) > 1]
    for sm in samplers.values():
        sm.reset()
    lat: dict[str, dict[str, list[float]]] = {s.name: {} for s in servers}
    for rep in range(reps):
        order = servers if rep % 2 == 0 else servers[::-1]
        for q in queries:
            for s in order:
                t0 = time.perf_counter()
                r = clients[s.name].get(s.url(q["query"]), headers={"Accept": q["accept"]})
                _ = r.content
                lat[s.name].setdefault(q["kind"], []).append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{s.name}: {r.status_code} {r.text[:300]}")
    # Floors, to split our overhead: the trivial query ``ASK {}`` on both, and our ``/health`` (HTTP and
    # the FastAPI stack, no query worker involved).
    floors: dict[str, list[float]] = {}
    probes = [(f"{s.name} ASK {{}}", s, s.url("ASK {}")) for s in servers]
    probes += [(f"{s.name} /health", s, s.base + "/health") for s in servers if s.name == "rulakg"]
    for rep in range(10 * reps):
        for name, s, url in probes if rep % 2 == 0 else probes[::-1]:
            t0 = time.perf_counter()
            r = clients[s.name].get(url, headers={"Accept": JSON_RESULTS})
            _ = r.content
            floors.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
    for c in clients.values():
        c.close()
    out: dict[str, Any] = {
        "queries": len(queries),
        "reps": reps,
        "answer_mismatches": mismatches,
        "answer_sizes": sizes[servers[0].name],
        "floor_median_ms": {k: statistics.median(v) for k, v in floors.items()},
    }
    for s in servers:
        every = [x for v in lat[s.name].values() for x in v]
        out[s.name] = {
            "median_ms": statistics.median(every),
            "p90_ms": pct(every, 0.9),
            "mean_ms": statistics.fmean(every),
            "by_kind_median_ms": {k: statistics.median(v) for k, v in lat[s.name].items()},
            "peak_rss_mb": samplers[s.name].peak / 1024,
        }
    return out


def _wrk(server: Server, queries: list[dict[str, str]], conc: int, seconds: float, workdir: Path) -> dict[str, Any]:
    script = workdir / f"wrk-{server.name}.lua"
    lines = ["local reqs = {"]
    for q in queries:
        lines.append(f"  {{ path = {json.dumps(server.path(q['query']))}, accept = {json.dumps(q['accept'])} }},")
    lines += [
        "}",
        "local i = 0",
        "request = function()",
        "  i = i + 1",
        "  local r = reqs[(i % #reqs) + 1]",
        '  return wrk.format("GET", r.path, { ["Accept"] = r.accept })',
        "end",
    ]
    script.write_text("\n".join(lines) + "\n")
    cmd = ["wrk", "-t2", f"-c{conc}", f"-d{seconds:g}s", "--timeout", "30s", "-s", str(script), server.base + "/"]
    return wrk_result(subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout)


def wrk_result(out: str) -> dict[str, float]:
    """wrk's report: requests per second, and errors (non-2xx/3xx answers and socket errors)."""
    rps = errors = 0.0
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Requests/sec:"):
            rps = float(line.split()[1])
        elif line.startswith("Non-2xx or 3xx responses:"):
            errors += float(line.split()[-1])
        elif line.startswith("Socket errors:"):
            errors += sum(int(p.split()[-1]) for p in line.split(":", 1)[1].split(","))
    return {"qps": rps, "errors": errors}


def _httpx_load(server: Server, queries: list[dict[str, str]], conc: int, seconds: float) -> dict[str, Any]:
    deadline = time.perf_counter() + seconds
    counts, errors = [0] * conc, [0] * conc

    def worker(k: int) -> None:
        with httpx.Client(timeout=30) as c:
            i = k
            while time.perf_counter() < deadline:
                q = queries[i % len(queries)]
                i += 1
                r = c.get(server.url(q["query"]), headers={"Accept": q["accept"]})
                counts[k] += 1
                errors[k] += r.status_code != 200

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"qps": sum(counts) / (time.perf_counter() - t0), "errors": sum(errors)}


def bench_throughput(
    servers: list[Server],
    queries: list[dict[str, str]],
    conc: int,
    seconds: float,
    rounds: int,
    client: str,
    samplers: dict[str, RssSampler],
) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {s.name: [] for s in servers}
    peaks = {s.name: 0 for s in servers}
    for r in range(rounds):
        for s in servers if r % 2 == 0 else servers[::-1]:
            samplers[s.name].reset()
            res = _wrk(s, queries, conc, seconds, WORK) if client == "wrk" else _httpx_load(s, queries, conc, seconds)
            peaks[s.name] = max(peaks[s.name], samplers[s.name].peak)
            runs[s.name].append(res)
            log(f"throughput round {r + 1}: {s.name}: {res['qps']:.0f} q/s ({res['errors']:.0f} errors)")
    out: dict[str, Any] = {"client": client, "concurrency": conc, "seconds_per_run": seconds}
    for s in servers:
        out[s.name] = {
            "qps_runs": [x["qps"] for x in runs[s.name]],
            "errors": sum(x["errors"] for x in runs[s.name]),
            "median_qps": statistics.median(x["qps"] for x in runs[s.name]),
            "peak_rss_mb": peaks[s.name] / 1024,
        }
    return out


def bench_big(servers: list[Server], rows: int, rounds: int, samplers: dict[str, RssSampler]) -> dict[str, Any]:
    query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {rows}"
    res: dict[str, dict[str, list[float]]] = {
        s.name: {"seconds": [], "ttfb": [], "bytes": [], "peak": []} for s in servers
    }
    with httpx.Client(timeout=300) as c:
        for r in range(rounds):
            for s in servers if r % 2 == 0 else servers[::-1]:
                samplers[s.name].reset()
                t0 = time.perf_counter()
                ttfb, n = None, 0
                with c.stream("GET", s.url(query), headers={"Accept": JSON_RESULTS}) as resp:
                    if resp.status_code != 200:
                        raise RuntimeError(f"{s.name}: {resp.status_code} {resp.read()[:300]!r}")
                    for chunk in resp.iter_raw(1 << 16):
                        if ttfb is None:
                            ttfb = time.perf_counter() - t0
                        n += len(chunk)
                elapsed = time.perf_counter() - t0
                time.sleep(0.2)  # one more RSS sample after the end
                res[s.name]["seconds"].append(elapsed)
                res[s.name]["ttfb"].append(ttfb or elapsed)
                res[s.name]["bytes"].append(n)
                res[s.name]["peak"].append(samplers[s.name].peak / 1024)
                log(
                    f"1M-row JSON round {r + 1}: {s.name}: {elapsed:.2f} s, {n / 1e6:.0f} MB, "
                    f"peak RSS {samplers[s.name].peak / 1024:.0f} MB"
                )
    out: dict[str, Any] = {"rows": rows, "query": query}
    for s in servers:
        d = res[s.name]
        out[s.name] = {
            "median_s": statistics.median(d["seconds"]),
            "runs_s": d["seconds"],
            "median_ttfb_s": statistics.median(d["ttfb"]),
            "bytes": d["bytes"][0],
            "peak_rss_mb": max(d["peak"]),
            "peak_rss_runs_mb": d["peak"],
        }
    return out


def bench_servers(
    store_root: Path, queries: list[dict[str, str]], args: argparse.Namespace, rows: int
) -> dict[str, Any]:
    ours_dir = store_root / "ours"
    oxi_dir = store_root / "oxiserve"
    shutil.rmtree(oxi_dir, ignore_errors=True)
    shutil.copytree((ours_dir / "current").resolve() / "oxigraph", oxi_dir)  # a byte copy: identical store
    port_ours, port_oxi = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RULAKG_")}  # default settings
    if args.workers:
        env["RULAKG_WORKERS"] = str(args.workers)
    ours = Server(
        "rulakg",
        [
            tool("rulakg"),
            "serve",
            "--no-build",
            "--store-dir",
            str(ours_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port_ours),
        ],
        port_ours,
        "/sparql",
        env,
    )
    servers = [ours]
    if args.cache == "off":
        env["RULAKG_RESULT_CACHE_MB"] = "0"
    elif args.cache == "both":  # a second instance of ours, without the result cache, side by side
        port_nc = free_port()
        cmd = [*ours.cmd[:-1], str(port_nc)]
        servers.append(Server("rulakg-nocache", cmd, port_nc, "/sparql", {**env, "RULAKG_RESULT_CACHE_MB": "0"}))
    oxi = Server(
        "oxigraph",
        [
            tool("oxigraph"),
            "serve-read-only",
            "--location",
            str(oxi_dir),
            "--bind",
            f"127.0.0.1:{port_oxi}",
            "--union-default-graph",
        ],
        port_oxi,
        "/query",
    )
    servers.append(oxi)
    samplers: dict[str, RssSampler] = {}
    try:
        for s in servers:
            s.start()
            samplers[s.name] = RssSampler(s.proc.pid).start()  # type: ignore[union-attr]
        time.sleep(0.5)
        idle = {s.name: tree_rss_kb(s.proc.pid) / 1024 for s in servers}  # type: ignore[union-attr]
        log(f"servers up; idle RSS {idle}")
        latency = bench_latency(servers, queries, args.reps, samplers)
        log(
            f"latency: ours median {latency['rulakg']['median_ms']:.2f} ms, "
            f"oxigraph {latency['oxigraph']['median_ms']:.2f} ms"
        )
        client = "wrk" if shutil.which("wrk") and args.client != "httpx" else "httpx"
        tput = bench_throughput(servers, queries, 8, args.tput_seconds, args.tput_rounds, client, samplers)
        big = bench_big(servers, rows, args.big_rounds, samplers)
        overall = {name: sm.overall / 1024 for name, sm in samplers.items()}
    finally:
        for sm in samplers.values():
            sm.stop()
        for s in servers:
            s.stop()
    return {
        "idle_rss_mb": idle,
        "peak_rss_mb_whole_run": overall,
        "latency": latency,
        "throughput": tput,
        "big_json": big,
        "ours_workers": args.workers or "default (RULAKG_WORKERS unset)",
        "result_cache": {"on": "rulakg: on (default)", "off": "rulakg: RULAKG_RESULT_CACHE_MB=0"}.get(
            args.cache, "rulakg: on (default); rulakg-nocache: RULAKG_RESULT_CACHE_MB=0"
        ),
    }


# ------------------------------------------------------------------------------------------------------
# 4. report
# ------------------------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    import pyoxigraph

    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    sha = version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = version(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"]) != "?"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gb": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "oxigraph_cli": version([tool("oxigraph"), "--version"]),
        "wrk": version(["wrk", "--version"]) if shutil.which("wrk") else None,
        "git": sha + ("+dirty(src)" if dirty else ""),
    }


def summarize(res: dict[str, Any]) -> dict[str, Any]:
    s: dict[str, Any] = {}
    if "load" in res:
        ld = res["load"]
        s["load_speed_ratio"] = {
            "value": ld["speed_ratio_vs_oxigraph"]["rulakg load"],
            "target": ">= 0.8",
            "pass": ld["pass"],
        }
    if "servers" in res:
        sv = res["servers"]
        lat, tp, big = sv["latency"], sv["throughput"], sv["big_json"]
        r = lat["rulakg"]["median_ms"] / lat["oxigraph"]["median_ms"]
        s["latency_median_ratio"] = {"value": r, "target": "<= 1.5", "pass": r <= 1.5}
        r = tp["rulakg"]["median_qps"] / tp["oxigraph"]["median_qps"]
        s["throughput_c8_ratio"] = {"value": r, "target": ">= 0.6", "pass": r >= 0.6}
        r = big["rulakg"]["median_s"] / big["oxigraph"]["median_s"]
        s["big_json_time_ratio"] = {"value": r, "target": "<= 1.5", "pass": r <= 1.5}
        peak = big["rulakg"]["peak_rss_mb"]
        s["ours_peak_rss_mb_big_json"] = {"value": peak, "target": "< 300", "pass": peak < 300}
        s["ours_peak_rss_mb_whole_run"] = sv["peak_rss_mb_whole_run"]["rulakg"]
        if "rulakg-nocache" in lat:  # the same, for our server without the result cache
            nc = "rulakg-nocache"
            s["nocache_latency_median_ratio"] = lat[nc]["median_ms"] / lat["oxigraph"]["median_ms"]
            s["nocache_throughput_c8_ratio"] = tp[nc]["median_qps"] / tp["oxigraph"]["median_qps"]
            s["nocache_big_json_time_ratio"] = big[nc]["median_s"] / big["oxigraph"]["median_s"]
            s["nocache_peak_rss_mb_big_json"] = big[nc]["peak_rss_mb"]
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--quick", action="store_true", help="200 k triples, fewer rounds (~1 min)")
    ap.add_argument("--load-runs", type=int, default=3)
    ap.add_argument("--reps", type=int, default=20, help="repetitions of the small-query mix (latency)")
    ap.add_argument("--tput-seconds", type=float, default=8.0)
    ap.add_argument("--tput-rounds", type=int, default=3)
    ap.add_argument("--big-rounds", type=int, default=3)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the big SELECT (at most the triples)")
    ap.add_argument("--client", choices=["wrk", "httpx"], default="wrk", help="throughput client (wrk if installed)")
    ap.add_argument("--skip-load", action="store_true", help="reuse bench/work/stores/ours from an earlier run")
    ap.add_argument("--skip-servers", action="store_true")
    ap.add_argument("--workers", type=int, help="RULAKG_WORKERS for our server (default: unset, the default)")
    ap.add_argument(
        "--cache",
        choices=["both", "on", "off"],
        default="both",
        help="our result cache: both = two instances of ours side by side (rulakg: on, the default setting; "
        "rulakg-nocache: RULAKG_RESULT_CACHE_MB=0); on; off",
    )
    ap.add_argument("--label", default="", help="a note stored with the results (e.g. 'before fix X')")
    ap.add_argument(
        "--src",
        type=Path,
        help="run our code (load, serve) from this source tree, e.g. a snapshot "
        "of src/ for an A/B comparison (put first on PYTHONPATH); default: the installed package",
    )
    args = ap.parse_args()
    if args.src:
        if not (args.src / "rulakg" / "__init__.py").is_file():
            sys.exit(f"--src {args.src}: no rulakg package there")
        os.environ["PYTHONPATH"] = str(args.src.resolve())  # every child process: rulakg load/serve, load_file
    if args.quick:
        args.triples = min(args.triples, 200_000)
        args.load_runs, args.reps, args.tput_seconds, args.tput_rounds, args.big_rounds = 3, 5, 3.0, 1, 1
    mode = "quick" if args.quick else "full"
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    res: dict[str, Any] = {
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "mode": mode,
        "label": args.label,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine(),
        "loadavg_start": os.getloadavg(),
        "command": " ".join([".venv/bin/python", "bench/bench.py", *sys.argv[1:]]),
    }
    data = WORK / f"synthetic-{args.triples}-s{args.seed}.nt"
    t0 = time.perf_counter()
    res["data"] = generate(data, args.triples, args.seed) | {"file": str(data.relative_to(ROOT))}
    mb = res["data"]["bytes"] / 1e6
    log(f"data: {res['data']['triples']} triples, {mb:.0f} MB ({time.perf_counter() - t0:.1f} s)")
    store_root = WORK / "stores"
    store_root.mkdir(exist_ok=True)
    if not args.skip_load:
        res["load"] = bench_load(data, args.load_runs, store_root)
    elif not (store_root / "ours" / "current").exists():
        sys.exit("--skip-load needs a store from an earlier run in bench/work/stores/ours")
    if not args.skip_servers:
        queries = small_queries(res["data"]["counts"], args.seed, per_kind=5)
        rows = min(args.rows, res["data"]["triples"])
        res["servers"] = bench_servers(store_root, queries, args, rows)
    res["loadavg_end"] = os.getloadavg()
    res["summary"] = summarize(res)
    res["wall_seconds"] = time.perf_counter() - started
    out = RESULTS / f"run-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{mode}.json"
    out.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(res["summary"], indent=2))
    if "load" in res:
        print("load medians (s):", {k: round(v, 2) for k, v in res["load"]["median_s"].items()})
    if "servers" in res:
        sv = res["servers"]
        for name in [n for n in ("rulakg", "rulakg-nocache", "oxigraph") if n in sv["latency"]]:
            print(
                f"{name}: latency median {sv['latency'][name]['median_ms']:.2f} ms p90 "
                f"{sv['latency'][name]['p90_ms']:.2f} ms; c=8 {sv['throughput'][name]['median_qps']:.0f} q/s; "
                f"{sv['big_json']['rows']} rows JSON {sv['big_json'][name]['median_s']:.2f} s; "
                f"peak RSS {sv['big_json'][name]['peak_rss_mb']:.0f} MB"
            )
        if sv["latency"]["answer_mismatches"]:
            print("WARNING: the servers' answers differ for queries", sv["latency"]["answer_mismatches"])
    print(f"wrote {out.relative_to(ROOT)} in {res['wall_seconds']:.0f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_inproc_load":
        _inproc_load(sys.argv[2], sys.argv[3], "--progress" in sys.argv[4:])
    else:
        main()
