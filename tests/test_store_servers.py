"""The launchers of throwaway SPARQL servers (tests/virtuoso.py, tests/oxigraph_server.py) that the remote
backend's tests and ``bench/`` start: they start, load what they are given, report bad input, and stop."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest
from oxigraph_server import OxigraphServer
from virtuoso import VirtuosoError, VirtuosoServer

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { ?s ?p ?o } }"
JSON = {"Accept": "application/sparql-results+json"}


def _count(url: str, graph: str) -> int:
    r = httpx.post(url, data={"query": COUNT % graph}, headers=JSON, timeout=30)
    r.raise_for_status()
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.skipif(
    not VirtuosoServer.available(), reason="Virtuoso is not installed (apt-get install virtuoso-opensource)"
)
def test_virtuoso_server(tmp_path: Path) -> None:
    data = tmp_path / "data" / "things.nt.gz"
    data.parent.mkdir()
    with gzip.open(data, "wt") as f:
        for i in range(500):
            f.write(f'<https://example.org/{i}> <https://example.org/n> "{i}" .\n')
    bad = tmp_path / "data" / "bad.nt"
    bad.write_text("<https://example.org/a> <https://example.org/b> .\n")
    v = VirtuosoServer(tmp_path / "v", memory_mb=500)
    with v:
        assert v.proc is not None and v.proc.poll() is None
        v.load_file(data, "https://example.org/g")  # gzip, from a folder outside the server's work folder
        assert _count(v.sparql_url, "https://example.org/g") == 500
        with pytest.raises(VirtuosoError, match="Missing object"):
            v.load_file(bad, "https://example.org/bad")
        with pytest.raises(VirtuosoError, match="isql failed"):
            v.isql("SELECT * FROM no_such_table")
        triple = "<https://example.org/a> <https://example.org/b> 1"
        update = {"update": f"INSERT DATA {{ GRAPH <https://example.org/u> {{ {triple} }} }}"}
        assert httpx.post(v.sparql_url, data=update, timeout=30).status_code != 200  # read-only until enabled
        v.enable_update()
        assert httpx.post(v.sparql_url, data=update, timeout=30).status_code == 200
        assert _count(v.sparql_url, "https://example.org/u") == 1
        proc = v.proc
    assert proc.poll() is not None  # stopped
    assert v.proc is None
    assert (tmp_path / "v" / "db" / "virtuoso.db").exists()  # everything in the work folder


def test_oxigraph_server(tmp_path: Path) -> None:
    data = tmp_path / "things.nt"
    data.write_text("".join(f'<https://example.org/{i}> <https://example.org/n> "{i}" .\n' for i in range(50)))
    server = OxigraphServer(tmp_path / "ox")
    server.load_file(data, "https://example.org/g")
    with server:
        assert _count(server.query_url, "https://example.org/g") == 50
        r = httpx.post(server.update_url, data={"update": "CLEAR GRAPH <https://example.org/g>"}, timeout=30)
        assert r.status_code == 204
        assert _count(server.query_url, "https://example.org/g") == 0
        with pytest.raises(RuntimeError, match="stopped"):
            server.load_file(data)
    assert server.proc is None
