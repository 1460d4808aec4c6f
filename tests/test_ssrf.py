"""Server-side request forgery: a query must not make the service fetch what it names.

``SERVICE`` goes only to the allow-list (default: the Wikidata Query Service), checked before the query runs
(``rulakg.wikidata.federation``): loopback, link-local (cloud metadata), ``file:`` and any other endpoint are
refused with a 403 that names the endpoint, by GET, by POST (form and ``application/sparql-query``), however
the IRI is written. A listener on loopback checks that nothing is ever sent. Saved queries are fixed text:
their parameters are bound as values, never spliced, so they cannot add a ``SERVICE``. The federation proxy
does not follow an allowed endpoint's redirect (it could point anywhere)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server import LiveServer

WIKIDATA = "https://query.wikidata.org/sparql"


class Listener:
    """An HTTP server on loopback that records every request (the target an attacker would aim at)."""

    def __init__(self, redirect_to: str | None = None):
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                outer.hits.append(f"{self.command} {self.path}")
                if redirect_to:
                    self.send_response(307)
                    self.send_header("Location", redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"ami-id\nsecret-credentials\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    target = Listener()
    yield target
    target.close()


def _targets(server: LiveServer, listener: Listener) -> list[str]:
    return [
        f"{listener.url}/latest/meta-data/",
        f"{server.url}/sparql",  # the service itself
        "http://127.0.0.1:22/",
        "http://localhost:8000/sparql",
        "http://[::1]:8000/sparql",
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://0x7f000001/",
        "http://10.0.0.1/admin",
        "file:///etc/passwd",
        "https://query.wikidata.org.evil.example/sparql",  # the allowed one as a prefix
        "https://query.wikidata.org/sparql/../../x",
    ]


def _send(server: LiveServer, how: str, query: str) -> httpx.Response:
    url = server.url + "/sparql"
    if how == "get":
        return httpx.get(url, params={"query": query}, timeout=30)
    if how == "form":
        return httpx.post(url, data={"query": query}, timeout=30)
    return httpx.post(url, content=query, headers={"Content-Type": "application/sparql-query"}, timeout=30)


@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_service_to_internal_addresses_is_refused(server: LiveServer, listener: Listener, how: str) -> None:
    for target in _targets(server, listener):
        r = _send(server, how, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
        assert r.status_code == 403, (target, r.status_code, r.text)
        assert f"SERVICE <{target}> refused" in r.text and WIKIDATA in r.text
        assert "Traceback" not in r.text
    assert listener.hits == []


@pytest.mark.parametrize(
    "query",
    [
        # however the endpoint is written: a prefixed name, lower case, a comment between, nested, a base IRI
        "PREFIX meta: <{t}/> SELECT * {{ SERVICE meta:latest {{ ?s ?p ?o }} }}",
        "select * {{ service <{t}/x> {{ ?s ?p ?o }} }}",
        "SELECT * {{ SERVICE # comment\n <{t}/x> {{ ?s ?p ?o }} }}",
        "SELECT * {{ {{ OPTIONAL {{ SERVICE <{t}/x> {{ ?s ?p ?o }} }} }} }}",
        "BASE <{t}/> SELECT * {{ SERVICE <latest/meta-data/> {{ ?s ?p ?o }} }}",
        "ASK {{ SERVICE <{t}/x> {{ }} }}",
        "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{t}/x> {{ ?s ?p ?o }} }}",
    ],
)
def test_service_refusal_however_written(server: LiveServer, listener: Listener, query: str) -> None:
    r = _send(server, "body", query.format(t=listener.url))
    assert r.status_code == 403, r.text
    assert "refused" in r.text
    assert listener.hits == []


def test_variable_endpoint_is_refused(server: LiveServer) -> None:
    r = _send(server, "get", "SELECT * { BIND(<http://169.254.169.254/> AS ?e) SERVICE ?e { ?s ?p ?o } }")
    assert r.status_code == 400 and "cannot be checked against the allow-list" in r.text


def test_service_silent_is_never_called(server: LiveServer, listener: Listener) -> None:
    r = _send(server, "get", f"SELECT * {{ SERVICE SILENT <{listener.url}/x> {{ ?s ?p ?o }} }}")
    assert r.status_code == 200  # SILENT: an empty solution, as the standard says
    assert listener.hits == []


def test_saved_query_parameters_cannot_add_a_service(server: LiveServer, listener: Listener) -> None:
    value = f'x" }} SERVICE <{listener.url}/x> {{ ?s ?p ?o }} # '
    r = httpx.get(server.url + "/api/queries/state-by-name", params={"name": value}, timeout=30)
    assert r.status_code < 500
    r = httpx.get(server.url + "/api/queries/state-by-name", params={"name": f"<{listener.url}/>"}, timeout=30)
    assert r.status_code < 500
    assert listener.hits == []


def test_federation_proxy_is_not_an_open_relay(server: LiveServer, listener: Listener) -> None:
    r = httpx.post(server.url + "/federation/guess/0", data={"query": "ASK {}"}, timeout=30)
    assert r.status_code == 403
    assert listener.hits == []


def test_redirect_from_an_allowed_endpoint_is_not_followed(store_dir: Path) -> None:
    """An allowed endpoint that answers with a redirect to an internal address: the proxy does not follow it."""
    metadata = Listener()
    redirector = Listener(redirect_to=f"{metadata.url}/latest/meta-data/iam/security-credentials/")
    try:
        upstreams = f'{{"{WIKIDATA}": "{redirector.url}/sparql"}}'
        with LiveServer(store_dir, workers=1, service_upstreams=upstreams, federation_cache_seconds=0) as live:
            r = _send(live, "get", f"SELECT * {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }}")
        assert redirector.hits, "the allowed endpoint was called"
        assert metadata.hits == []  # ... but its redirect was not followed
        assert r.status_code == 502, r.text
        assert "redirect" in r.text and "Traceback" not in r.text
    finally:
        metadata.close()
        redirector.close()
