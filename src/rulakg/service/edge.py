"""The service's outermost layer, one pure ASGI middleware around everything (the fast GET path included):

* per-client limits (``limits.py``): rate (token bucket) and requests in progress, 429 + ``Retry-After``;
  headers larger than ``RULAKG_MAX_HEADER_BYTES`` (431), URLs longer than the query length allows (414);
* headers: ``X-Content-Type-Options: nosniff`` on every response; on HTML pages the security headers of the
  web interface (``Content-Security-Policy``, ``X-Frame-Options``, ``Referrer-Policy``, …) when the page did
  not set its own;
* no stack traces out: an exception gives a plain-text 500 naming a request id (also in ``X-Request-ID``);
  the traceback goes to the log (``rulakg.error``) with that id;
* the access log: one JSON line per request on the ``rulakg.access`` logger (``RULAKG_ACCESS_LOG``).

Pure ASGI rather than Starlette's ``BaseHTTPMiddleware``: no task, no stream copies, one ``send`` wrapper.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rulakg.config import Settings
from rulakg.service.limits import ClientIdentity, ClientLimits, client_key, exempt, parse_networks
from rulakg.ui.web import SECURITY_HEADERS

access_logger = logging.getLogger("rulakg.access")
error_logger = logging.getLogger("rulakg.error")

# FastAPI's /docs (Swagger UI) and /redoc load their scripts from jsDelivr and start them inline.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; font-src 'self' data: "
    "https://fonts.gstatic.com; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})

_HTML_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
_DOCS_HTML_HEADERS = [
    (k, DOCS_CSP.encode("latin-1") if k == b"content-security-policy" else v) for k, v in _HTML_HEADERS
]
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_HASHED_BODIES = ("/sparql", "/update")  # POST bodies whose query text the access log hashes
_QUERY_PARAMS = ("query", "update")
QUERY_TEXT = "rulakg.query"  # the scope key where a handler leaves the query text it parsed, for the log


def query_hash(text: str) -> str:
    """The access log's name of a query text: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _query_from_qs(raw: bytes) -> str | None:
    """The query (or update) text of a query string or form: UTF-8, as the endpoint reads it, so a text has one
    hash whether it came by GET or POST (a byte that is not UTF-8 is kept as an escape, never an error)."""
    if b"query=" not in raw and b"update=" not in raw:
        return None
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="surrogateescape")
    for k, v in pairs:
        if k in _QUERY_PARAMS:
            return v
    return None


def _query_from_body(body: bytes, content_type: str) -> str | None:
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/sparql-query", "application/sparql-update"):
        return body.decode("utf-8", "replace")
    if media == "application/x-www-form-urlencoded":
        return _query_from_qs(body)
    return None


def setup_access_log() -> None:
    """Send ``rulakg.access`` lines to stderr, one JSON object a line, unless a handler is configured."""
    if not access_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_logger.addHandler(handler)
        access_logger.propagate = False
    if access_logger.level == logging.NOTSET or access_logger.level > logging.INFO:
        access_logger.setLevel(logging.INFO)


class Edge:
    """The middleware; ``app`` is the rest of the service (the fast path, then FastAPI)."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.identity = ClientIdentity(parse_networks(settings.trusted_proxies))
        self.limits = ClientLimits.from_settings(settings)
        self.access_log = settings.access_log
        self.cors = settings.cors
        self.max_hashed_body = settings.max_body_bytes
        self.max_header_bytes = settings.max_header_bytes
        self.max_url_bytes = 3 * settings.max_query_length + 8192  # percent-encoding triples a character
        self._ids = itertools.count(1)
        self._id_prefix = secrets.token_hex(3)
        if self.access_log:
            setup_access_log()

    def request_id(self) -> str:
        return f"{self._id_prefix}-{next(self._ids):x}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = self.request_id()
        scope["rulakg.request_id"] = rid
        path: str = scope["path"]
        address = self.identity.address(scope)
        key = client_key(address)
        limited = self.limits.enabled and not exempt(path)
        # What the response was, for the log and the error handling.
        status = 0
        sent = 0
        cache: str | None = None
        complete = False
        docs = path in DOCS_PATHS

        async def send_with_headers(message: Message) -> None:
            nonlocal status, sent, cache, complete
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers") or ())
                names = set()
                html = False
                for k, v in headers:
                    k = k.lower()
                    names.add(k)
                    if k == b"content-type":
                        html = v[:9].lower() == b"text/html"
                    elif k == b"x-cache":
                        cache = v.decode("latin-1")
                if b"x-content-type-options" not in names:
                    headers.append(_NOSNIFF)
                    names.add(b"x-content-type-options")
                if html:
                    for k, v in _DOCS_HTML_HEADERS if docs else _HTML_HEADERS:
                        if k not in names:
                            headers.append((k, v))
                if status >= 500 and b"x-request-id" not in names:
                    headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
                if not message.get("more_body", False):
                    complete = True
            await send(message)

        body_parts: list[bytes] | None = None
        inner_receive = receive
        if self.access_log and scope["method"] == "POST" and path in _HASHED_BODIES:
            body_parts = []
            limit = self.max_hashed_body

            async def receive_tee() -> Message:
                message = await receive()
                if message["type"] == "http.request" and body_parts is not None:
                    chunk = message.get("body", b"")
                    if sum(map(len, body_parts)) + len(chunk) <= limit:
                        body_parts.append(chunk)
                return message

            inner_receive = receive_tee

        admitted = False
        try:
            oversized = self._oversized(scope)
            if oversized is not None:
                await self._refuse(scope, send_with_headers, *oversized)
                return
            if limited:
                refusal = self.limits.admit(key)
                if refusal is not None:
                    await self._refuse(scope, send_with_headers, refusal.status, refusal.message, refusal.retry_after)
                    return
                admitted = True
            await self.app(scope, inner_receive, send_with_headers)
        except Exception as exc:
            if status == 0:  # nothing sent yet: a plain 500
                error_logger.error("request %s: %s %s failed", rid, scope["method"], path, exc_info=exc)
                try:
                    await send_with_headers(internal_error_start(rid))
                    await send_with_headers(internal_error_body(rid))
                except Exception:  # the client is gone
                    pass
            elif complete:  # the framework answered 500 already (errors.install); the traceback is ours to log
                error_logger.error("request %s: %s %s failed", rid, scope["method"], path, exc_info=exc)
            else:  # failed in the middle of a streamed answer: abort the connection (a truncated body)
                raise
        finally:
            if admitted:
                self.limits.release(key)
            if self.access_log:
                self._log(scope, rid, address, status, sent, cache, complete, started, body_parts)

    def _oversized(self, scope: Scope) -> tuple[int, str, int | None] | None:
        """431 for too much header, 414 for too long a URL (before anything parses them)."""
        size = 0
        for k, v in scope["headers"]:
            size += len(k) + len(v) + 4
        if size > self.max_header_bytes:
            return 431, f"The request's headers take {size} bytes; the limit is {self.max_header_bytes}.", None
        if len(scope.get("query_string", b"")) > self.max_url_bytes:
            return (
                414,
                (
                    f"The URL is longer than {self.max_url_bytes} bytes: POST the query instead "
                    "(application/sparql-query, or a form)."
                ),
                None,
            )
        return None

    async def _refuse(self, scope: Scope, send: Send, status: int, message: str, retry_after: int | None) -> None:
        body = (message + "\n").encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        if retry_after is not None:
            headers.append((b"retry-after", str(retry_after).encode()))
        if self.cors and any(k == b"origin" for k, _ in scope.get("headers", ())):
            headers.append((b"access-control-allow-origin", b"*"))
            headers.append((b"access-control-expose-headers", b"Retry-After"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _log(
        self,
        scope: Scope,
        rid: str,
        client: str,
        status: int,
        sent: int,
        cache: str | None,
        complete: bool,
        started: float,
        body_parts: list[bytes] | None,
    ) -> None:
        try:
            record: dict[str, Any] = {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "id": rid,
                "client": client,
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "bytes": sent,
                "ms": round((time.perf_counter() - started) * 1000, 2),
            }
            # The text the fast path parsed, left in the scope under ``QUERY_TEXT``: no second parse of the URL.
            text = scope.get(QUERY_TEXT) or _query_from_qs(scope.get("query_string", b""))
            if text is None and body_parts:
                content_type = next(
                    (v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"content-type"), ""
                )
                text = _query_from_body(b"".join(body_parts), content_type)
            if text is not None:
                record["query"] = query_hash(text)
            if cache is not None:
                record["cache"] = cache
            if status and not complete:
                record["aborted"] = True
            access_logger.info(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        except Exception:  # the log never breaks a request
            error_logger.exception("request %s: access log failed", rid)


def internal_error_text(rid: str) -> str:
    return (
        f"Internal server error (request {rid}). The details are in the service's log; please report the request id.\n"
    )


def internal_error_start(rid: str) -> Message:
    body = internal_error_text(rid).encode()
    return {
        "type": "http.response.start",
        "status": 500,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", rid.encode()),
        ],
    }


def internal_error_body(rid: str) -> Message:
    return {"type": "http.response.body", "body": internal_error_text(rid).encode()}


def install(app: Any, settings: Settings) -> None:
    """Put the edge around the whole service (``fast.ServiceApp``: the fast path and FastAPI)."""
    app.edge = Edge(app.dispatch, settings)
