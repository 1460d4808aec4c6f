"""Writes through the real server: tokens (401 / 403 / off), SPARQL Update and the Graph Store Protocol, atomicity,
no stale cached answer after a write, visibility to the query workers, LOAD refused (SSRF), a runaway update
stopped, durability across ``kill -9``, rebuilds that keep user graphs, and backup / restore round trips."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import DATA_DIR, G_PEOPLE, ONTOLOGY_DIR
from server import LiveServer, build_store, free_port

from rulakg.build import build
from rulakg.service.auth import TokenConfigError, load_tokens, mint, role_of
from rulakg.service.update_text import UpdateRefused, apply_using, check_load_source, load_iris

RW, RW_LINE = mint()
RO, RO_LINE = mint(read_only=True)
TOKENS = f"{RW_LINE} {RO_LINE}"
AUTH = {"Authorization": f"Bearer {RW}"}
RO_AUTH = {"Authorization": f"Bearer {RO}"}
SPARQL_UPDATE = {"Content-Type": "application/sparql-update"}
EX = "http://example.org/"


def update(client: httpx.Client, text: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post(
        "/update", content=text.encode(), headers={**SPARQL_UPDATE, **(AUTH if headers is None else headers)}
    )


def ask(client: httpx.Client, query: str) -> bool:
    r = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def count(client: httpx.Client, graph: str) -> int:
    q = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    r = client.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def write_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("write-store")
    build_store(path, ONTOLOGY_DIR, DATA_DIR)
    return path


@pytest.fixture(scope="module")
def wserver(write_store: Path) -> Iterator[LiveServer]:
    with LiveServer(write_store, workers=2, api_tokens=TOKENS, update_timeout=1.5) as server:
        yield server


@pytest.fixture
def client(wserver: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=wserver.url, timeout=30) as c:
        yield c


# --- tokens ----------------------------------------------------------------------------------------------------------


def test_tokens_are_hashed_and_compared_by_role() -> None:
    token, line = mint()
    role, digest = line.split(":")
    assert role == "rw" and digest == hashlib.sha256(token.encode()).hexdigest() and token not in line
    from rulakg.config import Settings

    entries = load_tokens(Settings(api_tokens=f"{line}, {RO_LINE}"))
    assert role_of(entries, token) == "rw" and role_of(entries, RO) == "ro" and role_of(entries, "nope") is None
    with pytest.raises(TokenConfigError):  # a token pasted where its hash belongs
        load_tokens(Settings(api_tokens=f"rw:{token}"))


def test_token_file(tmp_path: Path) -> None:
    from rulakg.config import Settings

    f = tmp_path / "tokens"
    f.write_text(f"# writers\n{RW_LINE}  # the editor\n\n{RO_LINE}\n")
    entries = load_tokens(Settings(api_token_file=f))
    assert [e.role for e in entries] == ["rw", "ro"]


def test_cli_token_create() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rulakg.cli", "token", "create", "--read-only"],
        capture_output=True,
        text=True,
        check=True,
    )
    token = out.stdout.strip()
    assert f"ro:{hashlib.sha256(token.encode()).hexdigest()}" in out.stderr


def test_writes_need_a_token(client: httpx.Client) -> None:
    r = update(client, f"INSERT DATA {{ <{EX}a> <{EX}p> 1 }}", headers={})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = update(client, f"INSERT DATA {{ <{EX}a> <{EX}p> 1 }}", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = update(client, f"INSERT DATA {{ <{EX}a> <{EX}p> 1 }}", headers=RO_AUTH)
    assert r.status_code == 403
    assert (
        client.put(
            "/store", params={"graph": EX + "ro"}, content=b"", headers={**RO_AUTH, "Content-Type": "text/turtle"}
        ).status_code
        == 403
    )
    assert client.get("/store", params={"graph": G_PEOPLE}, headers=RO_AUTH).status_code == 200  # reading is allowed
    assert client.get("/store", params={"graph": G_PEOPLE}).status_code == 401
    assert client.post("/admin/backup", headers=RO_AUTH).status_code == 403


def test_writes_are_off_without_tokens(server: LiveServer) -> None:
    r = httpx.post(server.url + "/update", content=b"CLEAR ALL", headers={**SPARQL_UPDATE, **AUTH})
    assert r.status_code == 404 and "off" in r.text
    assert httpx.get(server.url + "/store", params={"default": ""}, headers=AUTH).status_code == 404


# --- update, graph store, atomicity, cache, visibility ---------------------------------------------------------------


def test_update_then_query_sees_it_and_cache_is_not_stale(client: httpx.Client) -> None:
    q = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{EX}cache> {{ ?s ?p ?o }} }}"
    first = client.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    again = client.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert again.headers.get("x-cache") == "hit" and first.json() == again.json()
    seen = []
    for i in range(5):
        r = update(client, f"INSERT DATA {{ GRAPH <{EX}cache> {{ <{EX}s{i}> <{EX}p> {i} }} }}")
        assert r.status_code == 204, r.text
        t = time.perf_counter()
        after = client.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
        seen.append((time.perf_counter() - t) * 1000)
        assert after.headers.get("x-cache") == "miss"  # never an answer from before the write
        assert int(after.json()["results"]["bindings"][0]["n"]["value"]) == i + 1  # the very next query sees it
    print(
        f"\nfirst query after a write (worker reopens the new snapshot): {sorted(seen)[len(seen) // 2]:.1f} ms median"
    )


def test_failing_update_changes_nothing(client: httpx.Client) -> None:
    assert update(client, f"CREATE GRAPH <{EX}exists>").status_code == 204
    r = update(client, f"INSERT DATA {{ <{EX}half> <{EX}p> 1 }} ; CREATE GRAPH <{EX}exists>")
    assert r.status_code == 400
    assert not ask(client, f"ASK {{ <{EX}half> ?p ?o }}")
    r = update(client, "INSERT DATA { <http://e/x> <http://e/p> }")  # syntax error
    assert r.status_code == 400 and "syntax" in r.text.lower()


def test_update_form_and_using_graph_uri(client: httpx.Client) -> None:
    assert update(client, f"INSERT DATA {{ GRAPH <{EX}src> {{ <{EX}d> a <{EX}Doc> }} }}").status_code == 204
    r = client.post(
        "/update",
        data={
            "update": f"INSERT {{ GRAPH <{EX}dst> {{ ?s a <{EX}Copied> }} }} WHERE {{ ?s a <{EX}Doc> }}",
            "using-graph-uri": EX + "src",
        },
        headers=AUTH,
    )
    assert r.status_code == 204, r.text
    assert ask(client, f"ASK {{ GRAPH <{EX}dst> {{ <{EX}d> a <{EX}Copied> }} }}")
    r = client.post("/update", data={"update": "CLEAR ALL", "query": "ASK {}"}, headers=AUTH)
    assert r.status_code == 400


def test_apply_using_inserts_clauses() -> None:
    text = "PREFIX x: <http://x/> INSERT DATA { <a> <b> <c> } ; DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"
    out = apply_using(text, ["http://g"], ["http://h"])
    assert "USING <http://g> USING NAMED <http://h> WHERE" in out and out.count("USING <") == 1
    with pytest.raises(UpdateRefused):
        apply_using("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://g"], [])


def test_graph_store_round_trip_and_dataset(client: httpx.Client) -> None:
    g = EX + "gsp"
    ttl = b"@prefix ex: <http://example.org/> . ex:a ex:p ex:b . ex:a ex:q [ ex:r 1 ] ."
    r = client.put("/store", params={"graph": g}, content=ttl, headers={**AUTH, "Content-Type": "text/turtle"})
    assert r.status_code == 201
    r = client.put("/store", params={"graph": g}, content=ttl, headers={**AUTH, "Content-Type": "text/turtle"})
    assert r.status_code == 204
    r = client.get("/store", params={"graph": g}, headers={**AUTH, "Accept": "application/n-triples"})
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 3
    r = client.post(
        "/store",
        params={"graph": g},
        content=b'<http://example.org/c> <http://example.org/p> "2" .',
        headers={**AUTH, "Content-Type": "application/n-triples"},
    )
    assert r.status_code == 204 and count(client, g) == 4
    r = client.get("/store", headers={**AUTH, "Accept": "application/n-quads"})
    assert r.status_code == 200 and f"<{g}>" in r.text and f"<{G_PEOPLE}>" in r.text
    assert client.head("/store", params={"graph": g}, headers=AUTH).status_code == 200
    assert client.delete("/store", params={"graph": g}, headers=AUTH).status_code == 204
    assert client.get("/store", params={"graph": g}, headers=AUTH).status_code == 404
    assert client.delete("/store", params={"graph": g}, headers=AUTH).status_code == 404
    r = client.put(
        "/store", params={"graph": g}, content=b"not turtle <", headers={**AUTH, "Content-Type": "text/turtle"}
    )
    assert r.status_code == 400
    r = client.put("/store", params={"graph": g}, content=b"x", headers={**AUTH, "Content-Type": "image/png"})
    assert r.status_code == 415


# --- LOAD (server-side request forgery) -------------------------------------------------------------------------------

FORBIDDEN = [
    "file:///etc/passwd",
    "http://127.0.0.1:8000/sparql",
    "http://localhost/x",
    "http://[::1]/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://10.1.2.3/x",
    "http://192.168.0.1/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://0.0.0.0/x",
    "gopher://93.184.215.14/x",
]


@pytest.mark.parametrize("iri", FORBIDDEN)
def test_load_refused_even_when_listed(iri: str) -> None:
    with pytest.raises(UpdateRefused) as e:
        check_load_source(iri, [iri])
    assert e.value.status == 403


def test_load_allowlist() -> None:
    with pytest.raises(UpdateRefused):
        check_load_source("http://93.184.215.14/data.ttl", [])  # not listed
    check_load_source("http://93.184.215.14/data.ttl", ["http://93.184.215.14/"])  # listed, public: allowed
    with pytest.raises(UpdateRefused):
        check_load_source("http://93.184.215.14.evil/x", ["http://93.184.215.14"])  # an exact entry is not a prefix
    assert load_iris("BASE <http://a/b/> LOAD SILENT <c> INTO GRAPH <g>", None) == ["http://a/b/c"]
    with pytest.raises(UpdateRefused):
        load_iris("PREFIX x: <http://127.0.0.1/> LOAD x:secret", None)


def test_load_refused_over_http(client: httpx.Client) -> None:
    for text in ("LOAD <http://127.0.0.1:1/x>", "LOAD SILENT <file:///etc/passwd>", "LOAD <relative>"):
        r = update(client, text)
        assert r.status_code == 403, (text, r.status_code, r.text)


# --- a runaway update -------------------------------------------------------------------------------------------------


def test_runaway_update_is_stopped_and_changes_nothing(client: httpx.Client) -> None:
    slow = (
        f"INSERT {{ GRAPH <{EX}slow> {{ ?a <{EX}p> ?f }} }} "
        "WHERE { GRAPH ?w { ?a ?b ?c } GRAPH ?x { ?d ?e ?f } GRAPH ?y { ?g ?h ?i } GRAPH ?z { ?j ?k ?l } }"
    )
    t = time.perf_counter()
    r = update(client, slow)
    assert r.status_code == 503 and "stopped" in r.text, r.text
    assert time.perf_counter() - t < 10
    assert count(client, EX + "slow") == 0
    assert update(client, f"INSERT DATA {{ <{EX}after> <{EX}p> 1 }}").status_code == 204  # a new writer took over
    assert ask(client, f"ASK {{ <{EX}after> ?p ?o }}")


# --- durability: kill -9 mid-stream ----------------------------------------------------------------------


def _spawn(store_dir: Path, **env: object) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    full = {
        **os.environ,
        "RULAKG_STORE_DIR": str(store_dir),
        "RULAKG_PORT": str(port),
        "RULAKG_HOST": "127.0.0.1",
        **{f"RULAKG_{k.upper()}": str(v) for k, v in env.items()},
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "rulakg.cli", "serve", "--no-build"],
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def test_acknowledged_updates_survive_kill_9(tmp_path: Path) -> None:
    build_store(tmp_path, ONTOLOGY_DIR, DATA_DIR)
    proc, url = _spawn(tmp_path, api_tokens=TOKENS, workers=1)
    acked: list[int] = []
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(base_url=url, timeout=10) as c:
            i = 0
            while not stop.is_set():
                try:
                    r = update(c, f"INSERT DATA {{ GRAPH <{EX}stream> {{ <{EX}n{i}> <{EX}seq> {i} }} }}")
                except httpx.HTTPError:
                    return
                if r.status_code == 204:
                    acked.append(i)
                i += 1

    t = threading.Thread(target=stream)
    started = time.perf_counter()
    t.start()
    while len(acked) < 60 and time.perf_counter() - started < 30:
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    os.killpg(proc.pid, signal.SIGKILL)  # the server, its query workers and its writer, mid-stream
    proc.wait()
    stop.set()
    t.join()
    n_acked = len(acked)
    assert n_acked >= 60
    proc, url = _spawn(tmp_path, api_tokens=TOKENS, workers=1)
    try:
        q = f"SELECT ?n {{ GRAPH <{EX}stream> {{ ?s <{EX}seq> ?n }} }}"
        r = httpx.get(url + "/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
        present = {int(b["n"]["value"]) for b in r.json()["results"]["bindings"]}
        lost = sorted(set(acked) - present)
        print(
            f"\nkill -9 test: {n_acked} updates acknowledged, {len(lost)} lost, "
            f"{len(present) - n_acked} unacknowledged but applied; {n_acked / elapsed:.0f} acknowledged updates/s"
        )
        assert not lost, f"acknowledged but lost: {lost}"
        assert update(httpx.Client(base_url=url), f"INSERT DATA {{ <{EX}alive> <{EX}p> 1 }}").status_code == 204
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


# --- rebuilds keep user graphs; backup / restore ------------------------------------------------------------


def test_rebuild_keeps_user_graphs_and_backup_restore(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    cfg = build_store(store_dir, ONTOLOGY_DIR, DATA_DIR)
    backups = tmp_path / "backups"
    ttl = b"<http://example.org/mine> <http://example.org/p> 'kept' ."
    with (
        LiveServer(store_dir, workers=1, api_tokens=TOKENS, backup_dir=backups) as s,
        httpx.Client(base_url=s.url, timeout=30) as c,
    ):
        r = c.put("/store", params={"graph": EX + "user"}, content=ttl, headers={**AUTH, "Content-Type": "text/turtle"})
        assert r.status_code == 201
        assert update(c, f"INSERT DATA {{ <{EX}dflt> <{EX}p> 1 }}").status_code == 204  # the default graph too
        people = count(c, G_PEOPLE)
        # an online backup through the API and one with the CLI, while the service runs
        r = c.post("/admin/backup", headers=AUTH)
        assert r.status_code == 201, r.text
        api_backup = Path(r.json()["backup"])
        cli_backup = tmp_path / "cli-backup"
        subprocess.run(
            [sys.executable, "-m", "rulakg.cli", "backup", str(cli_backup), "--store-dir", str(store_dir)],
            check=True,
            capture_output=True,
        )
        # the CLI reads a store a service is writing through a private copy of its newest snapshot
        ask_cli = [sys.executable, "-m", "rulakg.cli", "query", f"ASK {{ GRAPH <{EX}user> {{ ?s ?p ?o }} }}"]
        out = subprocess.run([*ask_cli, "--store-dir", str(store_dir)], capture_output=True, text=True)
        assert out.stdout.strip() == "true", out.stderr
        assert not list(store_dir.glob("current/.cli-read-*"))
        # after the backups: a graph the restore must not have
        r = c.put(
            "/store", params={"graph": EX + "later"}, content=ttl, headers={**AUTH, "Content-Type": "text/turtle"}
        )
        assert r.status_code == 201
        # a rebuild while the service runs: it carries every acknowledged write, then the old build refuses writes
        build(cfg, force=True)
        r = update(c, f"INSERT DATA {{ <{EX}toolate> <{EX}p> 1 }}")
        assert r.status_code == 503 and "Restart" in r.text
    with LiveServer(store_dir, workers=1, api_tokens=TOKENS) as s, httpx.Client(base_url=s.url, timeout=30) as c:
        assert count(c, EX + "user") == 1 and count(c, EX + "later") == 1 and count(c, G_PEOPLE) == people
        assert ask(c, f"ASK {{ <{EX}dflt> <{EX}p> 1 }}")
    for backup_dir in (api_backup, cli_backup):
        out = subprocess.run(
            [sys.executable, "-m", "rulakg.cli", "restore", str(backup_dir), "--store-dir", str(store_dir)],
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        with LiveServer(store_dir, workers=1) as s, httpx.Client(base_url=s.url, timeout=30) as c:
            assert count(c, EX + "user") == 1 and count(c, G_PEOPLE) == people
            assert count(c, EX + "later") == 0  # written after the backup
