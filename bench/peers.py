"""Run 5: RuLA KG against the Oxigraph server, Virtuoso 7 and rdflib-endpoint, at several data sizes.

    .venv/bin/python bench/peers.py                        # 100k, 1m and 10m triples (~30-40 min on 2 cores)
    .venv/bin/python bench/peers.py --sizes 100k,1m        # a subset; --peers rulakg,oxigraph to leave some out

For each size, on the same synthetic data (``bench/synthetic.py``, seeded, in the project's model): load it into
each system (timed), start the four servers side by side, then measure, one system after the other:

* the answers: every query of the research mix on every system, results normalised (terms, numbers by value,
  rows as a multiset) and compared with ours; differences are listed in the results;
* latency per query kind: *cold* is the first run of each query on a freshly started server (ours: an empty
  result cache), *warm* the runs after it (ours: answered by the result cache); median and p99;
* the saved analytic queries through our REST API (``/api/queries/NAME``, parameters bound as the service does);
* throughput at concurrency 1, 8 and 32 (wrk, 2 threads) over a sequence in which half the requests repeat
  a popular set (the saved queries, label look-ups, vote-agreement aggregates) and half are unique (point
  look-ups and joins with IRIs drawn without repetition);
* at concurrency 8: 7 wrk connections run that mix while one client times point look-ups (p50, p99);
* the 1 M-row result (``SELECT * { ?s ?p ?o } LIMIT 1000000`` as JSON), cold, at sizes of at least 1 M triples.

rdflib-endpoint holds its graph in memory and parses it at start; it is run up to ``--rdflib-max`` triples
(default 1 M: 10 M does not fit this machine's time and memory budget). Results go to
``bench/results/peers-<UTC>.json`` and a plot of latency against size to ``bench/results/peers-<UTC>.png``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]

import synthetic  # noqa: E402
from test_aggregates import RAW  # noqa: E402  (the saved analytic queries as raw-fact GROUP BYs)
from virtuoso import VirtuosoServer  # noqa: E402

from bench import RESULTS, WORK, Server, free_port, pct, tool, tree_rss_kb, wrk_result  # noqa: E402

JSON = "application/sparql-results+json"
GRAPH = "https://w3id.org/rulakg/graph/bench"
AGGREGATES = "https://w3id.org/rulakg/graph/aggregates"
R, ID = synthetic.R, synthetic.ID
PRE = f"PREFIX rula: <{R}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
SAVED = {  # saved query → (its file, the parameter variable, values to try: None = not given)
    "visits-per-year": ("visits/visits-per-year.rq", "__state_iri", [None, "s7"]),
    "agreements-per-area": ("agreements/agreements-per-area.rq", "__state_iri", [None, "s7"]),
    "state-contact-counts": ("states/state-contact-counts.rq", "_grouping_iri", ["latin-america-and-the-caribbean"]),
}
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
SMALL_KINDS = ("point", "label", "join-visits-votes")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------------
# the research mix
# ------------------------------------------------------------------------------------------------------
def _param_term(var: str, value: str | None) -> str | None:
    if value is None:
        return None
    return f"<{ID}grouping/{value}>" if "grouping" in var else f"<{ID}state/{value}>"


def inline(text: str, var: str, term: str | None) -> str:
    """A saved query's text with its parameter written in, as the service's substitution binds it: the term in
    place of the variable (``(term AS ?var)`` in projections, left out of GROUP BY); unchanged when not given."""
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    if term is None:
        return text
    pattern = re.compile(rf"\?{re.escape(var)}\b")
    out, selects = [], 0
    for line in text.splitlines():
        if "GROUP BY" in line:
            line = pattern.sub("", line).replace("GROUP BY  ", "GROUP BY ")
        elif "SELECT" in line:  # the outer projection names it; a sub-select's must not (it would clash)
            line = pattern.sub(f"({term} AS ?{var})" if selects == 0 else "", line)
            selects += 1
        else:
            line = pattern.sub(term, line)
        out.append(line)
    return "\n".join(out)


def saved_queries(raw: bool) -> list[dict[str, Any]]:
    out = []
    for name, (file, var, values) in SAVED.items():
        text = RAW[name] if raw else (ROOT / "queries" / file).read_text()
        for value in values:
            out.append(
                {
                    "kind": "saved-raw" if raw else "saved",
                    "name": f"{'raw ' if raw else ''}{name}({value or ''})",
                    "saved": name,
                    "params": {} if value is None else {var.strip("_").split("_")[0]: _param_term(var, value)[1:-1]},
                    "query": inline(text, var, _param_term(var, value)),
                    "heavy": raw,
                }
            )
    return out


def research_queries(counts: dict[str, int], seed: int, instances: int = 10) -> list[dict[str, Any]]:
    """The fixed mix: ``instances`` of each light kind, two of each heavy one, and the saved queries."""
    rng = random.Random(seed + 5)
    n_res = counts["resolutions"]
    out: list[dict[str, Any]] = []
    for i in range(instances):
        p = synthetic.person(rng.randrange(counts["persons"]))
        s = rng.randrange(synthetic.N_STATES)
        out += [
            {"kind": "point", "query": f"SELECT ?p ?o WHERE {{ {p} ?p ?o }}"},
            {"kind": "label", "query": PRE + f'SELECT ?s WHERE {{ ?s rdfs:label "State {s}"@en }}'},
            {
                "kind": "join-visits-votes",
                "query": PRE
                + "SELECT ?visit ?host ?option WHERE {\n"
                f"  ?visit rula:visitor {p} ; rula:hostState ?host .\n"
                f"  ?cast rula:voter ?host ; rula:onResolution {synthetic.resolution(rng.randrange(n_res))} ;\n"
                "        rula:voteOption ?option }",
            },
        ]
        if i < 2:
            a, b = rng.sample(range(synthetic.N_STATES), 2)
            out += [
                {
                    "kind": "label-search",
                    "query": PRE + "SELECT ?s ?l WHERE { ?s rdfs:label ?l "
                    f'FILTER(STRSTARTS(STR(?l), "Person {rng.randrange(counts["persons"])} ")) }}',
                    "heavy": True,
                },
                {
                    "kind": "vote-agreement-pair",
                    "query": PRE
                    + "SELECT (COUNT(*) AS ?votes) (SUM(IF(?o1 = ?o2, 1, 0)) AS ?same) WHERE {\n"
                    f"  ?c1 rula:voter {synthetic.state(a)} ; rula:onResolution ?r ; rula:voteOption ?o1 .\n"
                    f"  ?c2 rula:voter {synthetic.state(b)} ; rula:onResolution ?r ; rula:voteOption ?o2 }}",
                    "heavy": True,
                },
                {
                    "kind": "vote-agreement-all",
                    "query": PRE
                    + "SELECT ?state (COUNT(*) AS ?votes) (SUM(IF(?o1 = ?o2, 1, 0)) AS ?same) WHERE {\n"
                    f"  ?c1 rula:voter {synthetic.state(a)} ; rula:onResolution ?r ; rula:voteOption ?o1 .\n"
                    "  ?c2 rula:onResolution ?r ; rula:voter ?state ; rula:voteOption ?o2 }\nGROUP BY ?state",
                    "heavy": True,
                },
            ]
    out += saved_queries(raw=False) + saved_queries(raw=True)
    for q in out:
        q.setdefault("name", q["kind"])
        q.setdefault("heavy", False)
    return out


def request_sequence(queries: list[dict[str, Any]], seed: int, length: int) -> tuple[list[str], dict[str, Any]]:
    """The throughput mix's popular half: ``length`` draws from the popular set (the unique half is made by wrk)."""
    rng = random.Random(seed + 9)
    popular = [q["query"] for q in queries if q["kind"] in ("saved", "label", "vote-agreement-pair")]
    popular += [q["query"] for q in queries if q["kind"] == "vote-agreement-all"][:1]
    info = {
        "popular_distinct": len(set(popular)),
        "repeated_share": 0.5,
        "unique_share": 0.5,
        "popular": "the saved analytic queries (aggregate-backed), exact label look-ups, vote-agreement rates "
        "of a pair of states, one vote-agreement aggregate over every state: drawn at random, so repeated",
        "unique": "point look-ups and visit joins on persons (in turn), each with its own LIMIT (100000 + its "
        "number in the run, so no two are the same text): never repeated within or across runs",
    }
    return [popular[rng.randrange(len(popular))] for _ in range(length)], info


UNIQUE_TEMPLATES = (  # the unique half; PIDNUM and LIMITNUM are filled in by wrk's script
    "SELECT ?p ?o WHERE { <" + ID + "person/pPIDNUM> ?p ?o } LIMIT LIMITNUM",
    PRE + "SELECT ?visit ?host ?date WHERE { ?visit rula:visitor <" + ID + "person/pPIDNUM> ; rula:hostState ?host ;"
    " rula:earliestDate ?date } LIMIT LIMITNUM",
)


# ------------------------------------------------------------------------------------------------------
# answers
# ------------------------------------------------------------------------------------------------------
NUMERIC = {
    f"http://www.w3.org/2001/XMLSchema#{t}"
    for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger", "short")
}


def _term(t: dict[str, str] | None) -> tuple[str, ...]:
    if t is None:
        return ("unbound",)
    kind = t.get("type")
    if kind == "uri":
        return ("uri", t["value"])
    if kind == "bnode":
        return ("bnode",)
    dt = t.get("datatype", "")
    if dt in NUMERIC:
        return ("number", f"{float(t['value']):.6g}")
    if dt == "http://www.w3.org/2001/XMLSchema#string":
        dt = ""
    return ("literal", t["value"], t.get("xml:lang", "").lower(), dt)


def normalise(doc: dict[str, Any]) -> Any:
    """A SELECT answer as a comparable value: the multiset of its rows (variables in sorted order)."""
    if "boolean" in doc:
        return doc["boolean"]
    vars_ = sorted(doc["head"]["vars"])
    rows = collections.Counter(tuple(_term(b.get(v)) for v in vars_) for b in doc["results"]["bindings"])
    return sorted(rows.items())


# ------------------------------------------------------------------------------------------------------
# systems
# ------------------------------------------------------------------------------------------------------
class Peer:
    """A SPARQL endpoint under test: its name, its query URL, how to stop it, its process id (RSS)."""

    def __init__(self, name: str, endpoint: str, stop: Any, pid: int | None):
        self.name, self.endpoint, self._stop, self.pid = name, endpoint, stop, pid
        self.base = endpoint.split("/", 3)[0] + "//" + endpoint.split("/", 3)[2]

    def url(self, query: str) -> str:
        return self.endpoint + "?query=" + urllib.parse.quote(query, safe="")

    def stop(self) -> None:
        self._stop()


def _timed(cmd: list[str], **kw: Any) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}):\n{proc.stdout.decode()[-2000:]}")
    return time.perf_counter() - t0


def load_ours(data: Path, store_dir: Path) -> dict[str, float]:
    shutil.rmtree(store_dir, ignore_errors=True)
    target = store_dir / "build-bench"
    (target / "oxigraph").mkdir(parents=True)
    (store_dir / "current").symlink_to(target.name)
    rulakg = tool("rulakg")
    load = _timed([rulakg, "load", str(data), "--graph", GRAPH, "--store-dir", str(store_dir)])
    agg = _timed([rulakg, "aggregates", "--store-dir", str(store_dir)])
    return {"load_s": load, "aggregates_s": agg}


def dump_aggregates(store_dir: Path, out: Path) -> None:
    code = (
        "import sys; from pyoxigraph import Store, NamedNode, RdfFormat\n"
        "s = Store.read_only(sys.argv[1])\n"
        f"s.dump(sys.argv[2], RdfFormat.N_TRIPLES, from_graph=NamedNode('{AGGREGATES}'))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str((store_dir / "current").resolve() / "oxigraph"), str(out)], check=True
    )


def wait_up(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({proc.returncode})")
        try:
            if httpx.get(url + "?query=" + urllib.parse.quote("ASK {}"), timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s")


def start_systems(
    names: list[str],
    data: Path,
    agg_nt: Path,
    union_nt: Path,
    store_dir: Path,
    work: Path,
    loads: dict[str, Any],
    peers: list[Peer],
) -> None:
    """Start the systems (and load Virtuoso and rdflib-endpoint), appending each to ``peers`` once it answers."""
    if "rulakg" in names:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("RULAKG_")}
        cmd = [tool("rulakg"), "serve", "--no-build", "--store-dir", str(store_dir), "--host", "127.0.0.1"]
        # The saved queries' enumerations (service/enumerations.py) run after start-up at first, 2 minutes at
        # 10 M triples, some over the default 30-s timeout: raised to 120 s as in earlier runs. They are awaited
        # (/health) so that they do not run beside the measurements; a second start reads them from the build.
        env["RULAKG_QUERY_TIMEOUT"] = "120"
        t0 = time.perf_counter()
        s = Server("rulakg", [*cmd, "--port", str(port)], port, "/sparql", env).start(timeout=1800)
        loads["rulakg_startup_s"] = time.perf_counter() - t0
        health = f"http://127.0.0.1:{port}/health"
        while httpx.get(health, timeout=30).json()["enumerations"]["pending"] and time.perf_counter() - t0 < 1800:
            time.sleep(0.5)
        loads["rulakg_enumerations_s"] = time.perf_counter() - t0
        peers.append(Peer("rulakg", s.endpoint, s.stop, s.proc.pid))  # type: ignore[union-attr]
    if "oxigraph" in names:
        copy = work / "oxiserve"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree((store_dir / "current").resolve() / "oxigraph", copy)  # the same bytes as ours
        port = free_port()
        cmd = [tool("oxigraph"), "serve-read-only", "--location", str(copy), "--bind", f"127.0.0.1:{port}"]
        s = Server("oxigraph", [*cmd, "--union-default-graph"], port, "/query").start()
        peers.append(Peer("oxigraph", s.endpoint, s.stop, s.proc.pid))  # type: ignore[union-attr]
    if "virtuoso" in names and VirtuosoServer.available():
        v = VirtuosoServer(work / "virtuoso", memory_mb=4000)
        shutil.rmtree(v.workdir, ignore_errors=True)
        v.start()
        peers.append(Peer("virtuoso", v.sparql_url, v.stop, v.proc.pid))  # type: ignore[union-attr]
        t0 = time.perf_counter()
        v.load_file(data, GRAPH)
        v.load_file(agg_nt, AGGREGATES)
        loads["virtuoso"] = {"load_s": time.perf_counter() - t0}
    if "rdflib" in names:
        port = free_port()
        logf = (work / "rdflib.log").open("wb")
        proc = subprocess.Popen(
            [tool("rdflib-endpoint"), "serve", str(union_nt), "--host", "127.0.0.1", "--port", str(port)],
            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

        def stop(proc: subprocess.Popen[bytes] = proc) -> None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()

        peer = Peer("rdflib", f"http://127.0.0.1:{port}/", stop, proc.pid)  # rdflib-endpoint 0.6 serves at /
        peers.append(peer)
        t0 = time.perf_counter()
        wait_up(peer.endpoint, 1800, proc)
        loads["rdflib"] = {"load_s": time.perf_counter() - t0, "note": "parse at start-up, in memory"}
        peers.remove(peer)
        peers.append(peer)


# ------------------------------------------------------------------------------------------------------
# measures
# ------------------------------------------------------------------------------------------------------
def _get(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    r = client.get(url, headers={"Accept": JSON, **(headers or {})})
    _ = r.content
    return (time.perf_counter() - t0) * 1000, r


def latency(peers: list[Peer], queries: list[dict[str, Any]], reps: int, timeout: float) -> dict[str, Any]:
    """Cold (first run of each query on each system) and warm (``reps`` more) latency; answers compared.

    A system that fails a kind of query or takes over ``timeout / 4`` on it cold is not asked the other
    instances of that kind (``skipped``): rdflib-endpoint would otherwise take hours at 1 M triples."""
    cold: dict[str, dict[str, list[float]]] = {p.name: collections.defaultdict(list) for p in peers}
    warm: dict[str, dict[str, list[float]]] = {p.name: collections.defaultdict(list) for p in peers}
    bypass: dict[str, list[float]] = collections.defaultdict(list)  # ours with Cache-Control: no-cache
    answers: dict[str, list[Any]] = {p.name: [] for p in peers}
    failures: list[str] = []
    given_up: dict[str, set[str]] = {p.name: set() for p in peers}
    clients = {p.name: httpx.Client(timeout=timeout) for p in peers}
    for i, q in enumerate(queries):
        key = q["name"] if q["kind"].startswith("saved") else q["kind"]
        for p in peers if i % 2 == 0 else peers[::-1]:
            if key in given_up[p.name]:
                answers[p.name].append("skipped")
                continue
            try:
                ms, r = _get(clients[p.name], p.url(q["query"]))
            except httpx.HTTPError as e:
                failures.append(f"{p.name} {q['name']}: {type(e).__name__} (timeout {timeout:g} s)")
                answers[p.name].append(type(e).__name__)
                given_up[p.name].add(key)
                continue
            if r.status_code != 200:
                failures.append(f"{p.name} {q['name']}: HTTP {r.status_code} {r.text[:200]}")
                answers[p.name].append(f"HTTP {r.status_code}")
                given_up[p.name].add(key)
                continue
            cold[p.name][key].append(ms)
            answers[p.name].append(normalise(r.json()))
            if ms > timeout * 1000 / 4:
                given_up[p.name].add(key)
            n = reps if ms < 1000 else (max(1, min(reps, int(3000 // ms))) if ms < 20_000 else 0)
            for _ in range(n):
                ms, r = _get(clients[p.name], p.url(q["query"]))
                warm[p.name][key].append(ms)
                if p.name == "rulakg":
                    ms, r = _get(clients[p.name], p.url(q["query"]), {"Cache-Control": "no-cache"})
                    bypass[key].append(ms)
    for c in clients.values():
        c.close()
    ref = answers.get("rulakg") or next(iter(answers.values()))
    differences = []
    for name, got in answers.items():
        for i, (a, b) in enumerate(zip(ref, got, strict=True)):
            if a != b and "skipped" not in (a, b):
                size = lambda x: len(x) if isinstance(x, list) else x  # noqa: E731
                detail = b if isinstance(b, str) else f"{size(b)} distinct rows vs {size(a)}"
                differences.append(f"{name}: {queries[i]['name']} differs from rulakg ({detail})")
    skipped = {name: sorted(keys) for name, keys in given_up.items() if keys}

    def stats(d: dict[str, list[float]]) -> dict[str, Any]:
        return {k: {"median_ms": statistics.median(v), "p99_ms": pct(v, 0.99), "n": len(v)} for k, v in d.items()}

    return {
        "cold": {p: stats(d) for p, d in cold.items()},
        "warm": {p: stats(d) for p, d in warm.items()},
        "rulakg_cache_bypass": stats(bypass),
        "answer_differences": differences,
        "failures": failures,
        "given_up_kinds": skipped,
        "answers_compared": len(queries),
    }


def saved_api(peer: Peer, queries: list[dict[str, Any]], reps: int) -> dict[str, Any]:
    """Our saved analytic queries through ``/api/queries/NAME`` (cold, then warm and with the cache bypassed)."""
    out: dict[str, Any] = {}
    with httpx.Client(timeout=120) as c:
        for q in (q for q in queries if q["kind"] == "saved"):
            url = f"{peer.base}/api/queries/{q['saved']}?" + urllib.parse.urlencode(q["params"])
            first, r = _get(c, url)
            r.raise_for_status()
            warm = [_get(c, url)[0] for _ in range(reps)]
            nocache = [_get(c, url, {"Cache-Control": "no-cache"})[0] for _ in range(reps)]
            out[q["name"]] = {
                "cold_ms": first,
                "warm_median_ms": statistics.median(warm),
                "nocache_median_ms": statistics.median(nocache),
                "nocache_p99_ms": pct(nocache, 0.99),
                "rows": len(r.json()["results"]["bindings"]),
            }
    return out


def _wrk_script(peer: Peer, popular: list[str], persons: int, path: Path) -> None:
    """A wrk script: requests alternate in pairs between the popular sequence and unique queries made on the fly;
    THREADS and OFFSET are filled in per run (each thread takes every THREADS-th request number from OFFSET)."""
    prefix = peer.endpoint.split("/", 3)[3]
    enc = lambda q: urllib.parse.quote(q, safe="")  # noqa: E731
    lines = ["local popular = {"]
    lines += [json.dumps(f"/{prefix}?query=" + enc(q)) + "," for q in popular]
    lines.append("}")
    lines.append("local unique = {")
    for tpl in UNIQUE_TEMPLATES:
        a, rest = enc(tpl).split("PIDNUM")
        b, c = rest.split("LIMITNUM")
        lines.append(f"  {{ {json.dumps(f'/{prefix}?query=' + a)}, {json.dumps(b)}, {json.dumps(c)} }},")
    lines += [
        "}",
        "local made = 0",
        "function setup(thread) thread:set('tid', made); made = made + 1 end",
        "local i = 0",
        "local threads = THREADS",
        "request = function()",
        "  local n = OFFSET + i * threads + (tid or 0)",
        "  i = i + 1",
        "  local path",
        "  if math.floor(n / 2) % 2 == 0 then",
        "    path = popular[math.floor(n / 4) % #popular + 1]",
        "  else",
        "    local u = unique[math.floor(n / 4) % #unique + 1]",
        f"    path = u[1] .. tostring(n % {persons}) .. u[2] .. tostring(100000 + n) .. u[3]",
        "  end",
        f"  return wrk.format('GET', path, {{ ['Accept'] = '{JSON}' }})",
        "end",
    ]
    path.write_text("\n".join(lines) + "\n")


def _wrk(peer: Peer, script: Path, conc: int, seconds: float) -> dict[str, Any]:
    """wrk with 2 threads (1 at c=1), each taking every other request of the sequence: together, all of it."""
    threads = min(2, conc)
    run = script.with_name(f"{script.stem}-c{conc}.lua")
    offset = conc * 10_000_000  # each run its own request numbers: its unique queries are new
    run.write_text(script.read_text().replace("THREADS", str(threads)).replace("OFFSET", str(offset)))
    cmd = ["wrk", f"-t{threads}", f"-c{conc}", f"-d{seconds:g}s", "--timeout", "30s", "-s", str(run), peer.base]
    return wrk_result(subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 90).stdout)


def _probe(peer: Peer, persons: list[int], stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(timeout=60) as c:
        i = 0
        while not stop.is_set():
            q = f"SELECT ?p ?o WHERE {{ {synthetic.person(persons[i % len(persons)])} ?p ?o }}"
            i += 1
            try:
                ms, r = _get(c, peer.url(q))
            except httpx.HTTPError:
                continue
            if r.status_code == 200:
                out.append(ms)


def throughput(
    peers: list[Peer], seq: list[str], concs: list[int], seconds: float, counts: dict[str, int], work: Path
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rng = random.Random(7)
    for p in peers:
        script = work / f"mix-{p.name}.lua"
        _wrk_script(p, seq, counts["persons"], script)
        out[p.name] = {}
        for conc in concs:
            if conc == 8:  # 7 connections of the mix, one client timing point look-ups
                lat: list[float] = []
                stop = threading.Event()
                persons = rng.sample(range(counts["persons"]), min(5000, counts["persons"]))
                t = threading.Thread(target=_probe, args=(p, persons, stop, lat))
                t.start()
                res = _wrk(p, script, 7, seconds)
                stop.set()
                t.join()
                res["qps"] += len(lat) / seconds
                res["point_lookup_under_mix"] = {
                    "n": len(lat),
                    "p50_ms": statistics.median(lat) if lat else None,
                    "p99_ms": pct(lat, 0.99) if lat else None,
                }
            else:
                res = _wrk(p, script, conc, seconds)
            res["rss_mb_after"] = tree_rss_kb(p.pid) / 1024 if p.pid else None
            out[p.name][f"c{conc}"] = res
            log(f"  throughput {p.name} c={conc}: {res['qps']:.0f} q/s, {res['errors']:.0f} errors")
    return out


def big_result(peers: list[Peer], rows: int, timeout: float) -> dict[str, Any]:
    query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {rows}"
    out: dict[str, Any] = {}
    with httpx.Client(timeout=timeout) as c:
        for p in peers:
            t0, n = time.perf_counter(), 0
            try:
                with c.stream("GET", p.url(query), headers={"Accept": JSON}) as r:
                    for chunk in r.iter_raw(1 << 16):
                        n += len(chunk)
                out[p.name] = {"seconds": time.perf_counter() - t0, "bytes": n, "status": r.status_code}
            except httpx.HTTPError as e:
                out[p.name] = {"error": type(e).__name__, "seconds": time.perf_counter() - t0}
            log(f"  {rows}-row JSON {p.name}: {out[p.name]}")
    return out


# ------------------------------------------------------------------------------------------------------
# one size, the whole run, the plot
# ------------------------------------------------------------------------------------------------------
def run_size(label: str, triples: int, args: argparse.Namespace) -> dict[str, Any]:
    work = WORK / "peers" / label
    work.mkdir(parents=True, exist_ok=True)
    data = WORK / f"peers-{label}-s{args.seed}.nt"
    t0 = time.perf_counter()
    meta = synthetic.generate(data, triples, args.seed)
    log(f"{label}: {meta['triples']} triples ({time.perf_counter() - t0:.0f} s)")
    res: dict[str, Any] = {"data": meta, "loadavg_start": os.getloadavg()}
    store_dir = work / "ours"
    if args.skip_load and (store_dir / "current").exists():  # an earlier attempt's stores (its load times: its log)
        loads: dict[str, Any] = {"rulakg": {"reused": str(store_dir)}}
    else:
        loads = {"rulakg": load_ours(data, store_dir)}
    log(f"  rulakg load {loads['rulakg']}")
    if "oxigraph" in args.peers and not args.skip_load:
        d = work / "oxiload"
        shutil.rmtree(d, ignore_errors=True)
        loads["oxigraph"] = {"load_s": _timed([tool("oxigraph"), "load", "--location", str(d), "--file", str(data)])}
        shutil.rmtree(d, ignore_errors=True)
        log(f"  oxigraph load {loads['oxigraph']}")
    agg_nt, union_nt = work / "aggregates.nt", work / "union.nt"
    dump_aggregates(store_dir, agg_nt)
    names = [n for n in args.peers if n != "rdflib" or triples <= args.rdflib_max]
    if "rdflib" in names:
        with union_nt.open("wb") as f:
            for part in (data, agg_nt):
                with part.open("rb") as src:
                    shutil.copyfileobj(src, f)
    queries = research_queries(meta["counts"], args.seed)
    if args.only_saved:  # the saved queries and their raw GROUP BYs only: latency and answers
        queries = [q for q in queries if q["kind"].startswith("saved")]
    seq, seq_info = request_sequence(queries, args.seed, args.sequence)
    peers: list[Peer] = []
    try:
        start_systems(names, data, agg_nt, union_nt, store_dir, work, loads, peers)
        log(f"  up: {[p.name for p in peers]}; loads {loads}")
        res["rss_mb_idle"] = {p.name: tree_rss_kb(p.pid) / 1024 for p in peers if p.pid}
        res["latency"] = latency(peers, queries, args.reps, args.timeout)
        log(f"  latency done; differences: {res['latency']['answer_differences'][:5]}")
        ours = next((p for p in peers if p.name == "rulakg"), None)
        if args.only_saved:
            res["load"], res["loadavg_end"] = loads, os.getloadavg()
            return res
        if ours:
            res["saved_api"] = saved_api(ours, queries, args.reps)
        res["throughput"] = throughput(peers, seq, args.conc, args.tput_seconds, meta["counts"], work)
        res["throughput_mix"] = seq_info
        if triples >= 1_000_000:
            res["big_result"] = big_result([p for p in peers if p.name != "rdflib"], 1_000_000, args.timeout * 4)
    finally:
        for p in peers:
            p.stop()
    res["load"] = loads
    res["loadavg_end"] = os.getloadavg()
    for f in (union_nt, agg_nt):
        f.unlink(missing_ok=True)
    return res


def plot(results: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = ["point", "join-visits-votes", "vote-agreement-all", "visits-per-year()"]
    fig, axes = plt.subplots(1, len(kinds), figsize=(4.2 * len(kinds), 3.8), sharey=False)
    sizes = [(label, r["data"]["triples"]) for label, r in results["sizes"].items()]
    for ax, kind in zip(axes, kinds, strict=True):
        for system in ("rulakg", "oxigraph", "virtuoso", "rdflib"):
            for mode, style in (("cold", "--"), ("warm", "-")):
                xs, ys = [], []
                for label, n in sizes:
                    v = results["sizes"][label]["latency"][mode].get(system, {}).get(kind)
                    if v:
                        xs.append(n)
                        ys.append(v["median_ms"])
                if xs:
                    ax.plot(xs, ys, style, marker="o", label=f"{system} {mode}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(kind)
        ax.set_xlabel("triples")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("median latency (ms)")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "–"
    if b == 0:
        return "∞" if a else "–"
    return f"{a / b:.2f}×"


def _ms(v: float | None) -> str:
    return "–" if v is None else (f"{v:.1f}" if v < 100 else f"{v:.0f}")


def report(results: dict[str, Any]) -> str:
    """Markdown: per size, latency cold and warm per kind with ratios (ours / peer), throughput, targets."""
    out: list[str] = []
    systems = ["rulakg", "oxigraph", "virtuoso", "rdflib"]
    for label, r in results["sizes"].items():
        lat = r["latency"]
        present = [s for s in systems if s in lat["cold"]]
        peers = [s for s in present if s != "rulakg"]
        out.append(f"#### {label}: {r['data']['triples']:,} triples (load average {r['loadavg_start'][0]:.1f} → "
                   f"{r['loadavg_end'][0]:.1f})\n")
        loads = r["load"]
        out.append("Load (s): " + ", ".join(
            f"{s} {v['load_s']:.1f}" + (f" + aggregates {v['aggregates_s']:.1f}" if "aggregates_s" in v else "")
            for s, v in loads.items() if isinstance(v, dict) and "load_s" in v)
            + (f"; rulakg start-up (saved queries' enumerations) {loads['rulakg_startup_s']:.1f}"
               if "rulakg_startup_s" in loads else "") + "\n")
        for mode in ("cold", "warm"):
            kinds = list(dict.fromkeys(k for s in present for k in lat[mode][s]))
            head = ["query", *[f"{s} ms" for s in present], *[f"ours/{s}" for s in peers]]
            out.append(f"{mode.capitalize()} latency, median (ms) and ratio ours / peer (< 1: we are faster):\n")
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + " --- |" * len(head))
            for k in kinds:
                vals = {s: lat[mode][s].get(k, {}).get("median_ms") for s in present}
                row = [k, *[_ms(vals[s]) for s in present], *[_ratio(vals["rulakg"], vals[s]) for s in peers]]
                out.append("| " + " | ".join(row) + " |")
            out.append("")
        tp = r["throughput"]
        out.append("Throughput of the mix (q/s; half repeated), and point look-ups under it at c=8:\n")
        out.append("| system | c=1 | c=8 | c=32 | look-up p50 / p99 at c=8 (ms) |")
        out.append("| --- | --- | --- | --- | --- |")
        for s in present:
            c = tp[s]
            pl = c["c8"].get("point_lookup_under_mix", {})
            out.append(f"| {s} | {c['c1']['qps']:.0f} | {c['c8']['qps']:.0f} | {c['c32']['qps']:.0f} | "
                       f"{_ms(pl.get('p50_ms'))} / {_ms(pl.get('p99_ms'))} |")
        out.append("")
        if "saved_api" in r:
            out.append("Saved analytic queries through `/api/queries` (ms): cold, warm (result cache), "
                       "no cache (median / p99):\n")
            out.append("| saved query | cold | warm | no cache | rows |")
            out.append("| --- | --- | --- | --- | --- |")
            for k, v in r["saved_api"].items():
                out.append(f"| {k} | {_ms(v['cold_ms'])} | {_ms(v['warm_median_ms'])} | "
                           f"{_ms(v['nocache_median_ms'])} / {_ms(v['nocache_p99_ms'])} | {v['rows']} |")
            out.append("")
        if "big_result" in r:
            out.append("1 M-row JSON result (s): " + ", ".join(
                f"{s} {v.get('seconds', 0):.1f}" + (f" ({v['error']})" if "error" in v else "")
                for s, v in r["big_result"].items()) + "\n")
        diffs = lat["answer_differences"]
        out.append(f"Answers: {lat['answers_compared']} queries compared on every system; "
                   f"{len(diffs)} difference(s)" + (": " + "; ".join(diffs) if diffs else "") + ".")
        if lat.get("given_up_kinds"):
            out.append(f"Given up (a failure or over a quarter of the timeout, cold): {lat['given_up_kinds']}.")
        out.append("")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k,1m,10m", help="comma-separated: 100k, 1m, 10m")
    ap.add_argument("--peers", default="rulakg,oxigraph,virtuoso,rdflib")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--reps", type=int, default=10, help="warm repetitions of each query")
    ap.add_argument("--tput-seconds", type=float, default=8.0)
    ap.add_argument("--conc", default="1,8,32")
    ap.add_argument("--sequence", type=int, default=1000, help="draws from the popular set (throughput mix)")
    ap.add_argument("--timeout", type=float, default=60.0, help="per-request timeout (s)")
    ap.add_argument("--rdflib-max", type=int, default=1_000_000)
    ap.add_argument("--only-saved", action="store_true", help="latency and answers of the saved queries only")
    ap.add_argument("--include", type=Path, help="an earlier results file whose sizes this run adds to")
    ap.add_argument("--skip-load", action="store_true", help="reuse our store of an earlier attempt at each size")
    ap.add_argument("--label", default="")
    ap.add_argument("--report", type=Path, help="print the Markdown tables of an earlier results file and exit")
    args = ap.parse_args()
    if args.report:
        print(report(json.loads(args.report.read_text())))
        return
    args.peers = args.peers.split(",")
    args.conc = [int(c) for c in args.conc.split(",")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    from bench import machine

    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    results: dict[str, Any] = {
        "started_utc": stamp,
        "label": args.label,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine(),
        "command": " ".join([".venv/bin/python", "bench/peers.py", *sys.argv[1:]]),
        "sizes": {},
    }
    if args.include:  # sizes measured by an earlier run (same code, same machine): one report, one plot
        earlier = json.loads(args.include.read_text())
        results["sizes"].update(earlier["sizes"])
        results["included"] = {"file": args.include.name, "started_utc": earlier["started_utc"]}
    out = RESULTS / f"peers-{stamp}.json"
    started = time.perf_counter()
    for label in args.sizes.split(","):
        results["sizes"][label] = run_size(label, SIZES[label], args)
        results["wall_seconds"] = time.perf_counter() - started
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")  # after each size
    plot(results, out.with_suffix(".png"))
    out.with_suffix(".md").write_text(report(results) + "\n")
    log(f"wrote {out.relative_to(ROOT)} and {out.with_suffix('.png').name} in {results['wall_seconds']:.0f} s")


if __name__ == "__main__":
    main()
