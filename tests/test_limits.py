"""Limits and abuse resistance: rate and concurrency limits per client (429 + Retry-After), who the client is
(X-Forwarded-For from trusted proxies only), security headers, no stack traces, the structured access log.

Against the real server (``LiveServer``), except the forced internal error, which runs the app in-process over
a store backend that fails (``create_app(backend=…)``)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import LiveServer, serve

with warnings.catch_warnings():  # Starlette would rather have httpx2; httpx is what the project uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from rulakg.config import Settings
from rulakg.service.app import create_app
from rulakg.service.limits import ClientIdentity, ClientLimits, client_key, parse_networks
from rulakg.store import QueryAnswer

ASK = "ASK {}"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"


@pytest.fixture(scope="module")
def guarded(store_dir: Path) -> Iterator[LiveServer]:
    """Rate limit 60/min with bursts of 3, one request at a time per client, a proxy trusted at 127.0.0.1."""
    yield from serve(
        store_dir,
        workers=2,
        rate_limit=60,
        rate_limit_burst=3,
        max_concurrent_per_client=1,
        trusted_proxies="127.0.0.1/32, ::1",
        query_timeout=3,
    )


@pytest.fixture(scope="module")
def untrusting(store_dir: Path) -> Iterator[LiveServer]:
    """A rate limit, and no trusted proxy: X-Forwarded-For is the client's say-so, ignored."""
    yield from serve(store_dir, workers=1, rate_limit=60, rate_limit_burst=2)


def _get(server: LiveServer, path: str = "/sparql", client: str | None = None, **params: str) -> httpx.Response:
    headers = {"X-Forwarded-For": client} if client else {}
    return httpx.get(server.url + path, params=params or None, headers=headers, timeout=30)


# --- rate limit -------------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(guarded: LiveServer) -> None:
    statuses = [_get(guarded, client="203.0.113.1", query=ASK).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]  # the burst
    r = _get(guarded, client="203.0.113.1", query=ASK)  # the fast path (GET with a query)
    assert r.status_code == 429
    assert r.headers["Retry-After"].isdigit() and 1 <= int(r.headers["Retry-After"]) <= 2
    assert "60 per minute" in r.text and r.headers["content-type"].startswith("text/plain")
    post = httpx.post(guarded.url + "/sparql", data={"query": ASK}, headers={"X-Forwarded-For": "203.0.113.1"})
    assert post.status_code == 429 and "Retry-After" in post.headers  # the routed path too
    # Other clients are not affected; monitoring is exempt.
    assert _get(guarded, client="203.0.113.2", query=ASK).status_code == 200
    assert all(_get(guarded, "/health", client="203.0.113.1").status_code == 200 for _ in range(10))
    assert _get(guarded, "/metrics", client="203.0.113.1").status_code == 200
    # One token a second: after the Retry-After wait, the client may go on.
    time.sleep(int(r.headers["Retry-After"]) + 0.05)
    assert _get(guarded, client="203.0.113.1", query=ASK).status_code == 200


def test_rate_limit_covers_every_endpoint(guarded: LiveServer) -> None:
    client = "203.0.113.7"
    codes = [_get(guarded, "/api/queries", client=client).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert _get(guarded, "/", client=client).status_code == 429
    assert _get(guarded, "/id/nothing", client=client).status_code == 429
    assert _get(guarded, "/static/ui.css", client=client).status_code != 429  # static files are exempt


def test_spoofed_forwarded_for_is_ignored_from_untrusted_peers(untrusting: LiveServer) -> None:
    # Each request claims another address; the server sees one client (the connection's) and limits it.
    codes = [_get(untrusting, client=f"198.51.100.{i}", query=ASK).status_code for i in range(4)]
    assert codes[:2] == [200, 200] and codes[2:] == [429, 429]


def test_access_log_names_the_forwarded_client(guarded: LiveServer) -> None:
    _get(guarded, client="192.0.2.55, 127.0.0.1", query="ASK { ?s ?p ?o }")
    time.sleep(0.2)
    lines = [json.loads(x) for x in guarded.lines if x.startswith("{")]
    assert any(rec["client"] == "192.0.2.55" and rec["path"] == "/sparql" for rec in lines)


# --- concurrency ------------------------------------------------------------------------------------------


def test_concurrent_requests_per_client(guarded: LiveServer) -> None:
    client = "203.0.113.20"
    slow: dict[str, Any] = {}

    def run_slow() -> None:
        slow["r"] = _get(guarded, client=client, query=SLOW, timeout="2")

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.7)  # the slow query is running
    busy = _get(guarded, client=client, query=ASK)
    other = _get(guarded, client="203.0.113.21", query=ASK)
    thread.join()
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "1"
    assert "at most 1 at once" in busy.text
    assert other.status_code == 200
    assert slow["r"].status_code == 503  # stopped by its timeout
    time.sleep(1.1)  # a token back
    assert _get(guarded, client=client, query=ASK).status_code == 200  # the slot was released


# --- the pure parts ---------------------------------------------------------------------------------------


def _scope(peer: str, forwarded: str | None = None) -> dict[str, Any]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"type": "http", "client": (peer, 4000), "headers": headers}


def test_client_identity() -> None:
    none = ClientIdentity([])
    assert none.address(_scope("10.1.1.1", "1.2.3.4")) == "10.1.1.1"
    proxies = ClientIdentity(parse_networks("10.0.0.0/8 192.168.1.1"))
    assert proxies.address(_scope("10.1.1.1", "1.2.3.4")) == "1.2.3.4"
    assert proxies.address(_scope("10.1.1.1", "6.6.6.6, 1.2.3.4, 192.168.1.1")) == "1.2.3.4"  # rightmost untrusted
    assert proxies.address(_scope("10.1.1.1", "garbage")) == "10.1.1.1"
    assert proxies.address(_scope("10.1.1.1", "10.2.2.2")) == "10.2.2.2"  # all trusted: the leftmost
    assert proxies.address(_scope("8.8.8.8", "1.2.3.4")) == "8.8.8.8"  # not from a proxy: ignored
    assert proxies.address({"type": "http", "client": None, "headers": []}) == "unknown"
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks("10.0.0.0/8 not-an-address")


def test_client_key_groups_ipv6_by_64() -> None:
    assert client_key("2001:db8:1:2:3:4:5:6") == client_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key("192.0.2.1") == "192.0.2.1"


def test_token_bucket_and_slots() -> None:
    limits = ClientLimits(rate_per_minute=6, burst=2, max_concurrent=2)
    assert limits.admit("a") is None and limits.admit("a") is None
    refusal = limits.admit("a")
    assert refusal is not None and refusal.status == 429 and refusal.retry_after == 10  # 6/min: one per 10 s
    limits.release("a")
    limits.release("a")
    assert limits.active("a") == 0
    slots = ClientLimits(rate_per_minute=0, burst=1, max_concurrent=1)
    assert slots.admit("b") is None
    refusal = slots.admit("b")
    assert refusal is not None and refusal.retry_after == 1
    slots.release("b")
    assert slots.admit("b") is None


def test_bucket_table_stays_bounded() -> None:
    limits = ClientLimits(rate_per_minute=60, burst=5, max_concurrent=0)
    limits.MAX_TRACKED = 100
    for i in range(1000):
        limits.admit(f"10.0.{i // 256}.{i % 256}")
    assert len(limits._buckets) <= 100


# --- headers ----------------------------------------------------------------------------------------------

HTML_PAGES = ["/", "/queries", "/search?q=Moscow", "/views/timeline", "/docs", "/redoc", "/id/nothing"]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_security_headers_on_html_pages(server: LiveServer, path: str) -> None:
    r = httpx.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert r.headers["content-type"].startswith("text/html"), (path, r.status_code)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/sparql", {"params": {"query": ASK}}),  # the fast path
        ("GET", "/sparql", {"params": {"query": ASK}, "headers": {"Origin": "https://example.org"}}),
        ("POST", "/sparql", {"data": {"query": ASK}}),
        ("GET", "/sparql", {"params": {"query": "SELECT"}}),  # 400
        ("GET", "/sparql", {}),  # the service description
        ("GET", "/health", {}),
        ("GET", "/metrics", {}),
        ("GET", "/openapi.json", {}),
        ("GET", "/api/queries", {}),
        ("GET", "/no/such/page", {}),
        ("GET", "/static/ui.css", {}),
        ("DELETE", "/sparql", {}),
    ],
)
def test_nosniff_on_every_response(server: LiveServer, method: str, path: str, kwargs: dict[str, Any]) -> None:
    r = httpx.request(method, server.url + path, timeout=30, **kwargs)
    assert r.headers.get("X-Content-Type-Options") == "nosniff", (method, path, r.status_code)


# --- no stack traces --------------------------------------------------------------------------------------


class BrokenBackend:
    """A store backend that answers the start-up's queries (no rows), then fails with an unexpected exception
    (as a bug would)."""

    alive = 1
    broken = False

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def run(self, request: dict[str, Any], timeout: float, queue_wait: float, lane: str = "light") -> Any:
        await asyncio.sleep(0)
        if not self.broken:
            empty = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
            return QueryAnswer({"content_type": "application/sparql-results+json"}, empty, complete=True)
        raise RuntimeError("SECRET internal detail /etc/shadow line 42")


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/sparql", {"params": {"query": ASK}}),  # the fast path
        ("POST", "/sparql", {"data": {"query": ASK}}),  # FastAPI
        ("GET", "/sparql", {"params": {"query": ASK}, "headers": {"Origin": "https://example.org"}}),
        ("GET", "/id/person/nobody", {"headers": {"Accept": "text/html"}}),  # an entity page (HTML)
        ("GET", "/api/views/timeline", {}),
    ],
)
def test_internal_error_gives_a_request_id_not_a_traceback(
    store_dir: Path, method: str, path: str, kwargs: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(store_dir=store_dir, result_cache_mb=0, access_log=False)
    backend = BrokenBackend()
    app = create_app(settings, backend=backend)
    with caplog.at_level(logging.ERROR, logger="rulakg.error"), TestClient(app, raise_server_exceptions=False) as c:
        backend.broken = True
        r = c.request(method, path, **kwargs)
    assert r.status_code == 500, r.text
    assert "Traceback" not in r.text and "SECRET" not in r.text and "RuntimeError" not in r.text
    rid = r.headers["X-Request-ID"]
    assert f"request {rid}" in r.text
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    logged = [rec for rec in caplog.records if rec.name == "rulakg.error" and rid in rec.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback is in the log, with the id


# --- the access log ---------------------------------------------------------------------------------------


def test_access_log_lines(server: LiveServer) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    marker = f"# access-log test {time.time()}\n"
    text = marker + query
    httpx.get(server.url + "/sparql", params={"query": text}, timeout=30)
    httpx.get(server.url + "/sparql", params={"query": text}, timeout=30)  # a cache hit
    posted = marker + "ASK {}"
    httpx.post(server.url + "/sparql", content=posted, headers={"Content-Type": "application/sparql-query"})
    httpx.get(server.url + "/health", timeout=30)
    time.sleep(0.3)
    records = [json.loads(x) for x in server.lines if x.startswith("{")]
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    mine = [r for r in records if r.get("query") == digest]
    assert [r["cache"] for r in mine] == ["miss", "hit"]
    first = mine[0]
    assert set(first) >= {"time", "id", "client", "method", "path", "status", "bytes", "ms", "query", "cache"}
    assert first["method"] == "GET" and first["path"] == "/sparql" and first["status"] == 200
    assert first["client"] == "127.0.0.1" and first["bytes"] > 0 and first["ms"] >= 0
    assert first["time"].endswith("+00:00")
    post_digest = hashlib.sha256(posted.encode()).hexdigest()[:16]
    assert any(r["method"] == "POST" and r.get("query") == post_digest for r in records)
    assert any(r["path"] == "/health" and "query" not in r for r in records)
    # A text outside ASCII has one name, by GET (the fast path) and by a POSTed form: the hash of its UTF-8
    unicode = marker + 'ASK { ?s ?p "Martí, Хосе" }'
    httpx.get(server.url + "/sparql", params={"query": unicode}, timeout=30)
    httpx.post(server.url + "/sparql", data={"query": unicode}, timeout=30)
    time.sleep(0.3)
    records = [json.loads(x) for x in server.lines if x.startswith("{")]
    unicode_digest = hashlib.sha256(unicode.encode()).hexdigest()[:16]
    assert sorted(r["method"] for r in records if r.get("query") == unicode_digest) == ["GET", "POST"]
    assert not any("INFO:" in x and '"GET /' in x for x in server.lines)  # no uvicorn access log besides ours


def test_access_log_can_be_turned_off(store_dir: Path) -> None:
    with LiveServer(store_dir, workers=1, access_log="false") as live:
        httpx.get(live.url + "/sparql", params={"query": ASK}, timeout=30)
        time.sleep(0.2)
        assert not any(x.startswith("{") and '"path"' in x for x in live.lines)
