"""Federated queries (SPARQL 1.1 ``SERVICE``) through an allow-list and a local proxy.

pyoxigraph evaluates ``SERVICE`` itself, with its own HTTP client: no hook for a User-Agent, a cache or
throttling. So, before a query runs, every ``SERVICE <endpoint>`` of its text is checked against the
allow-list (``RULAKG_SERVICE_ALLOWLIST``) and rewritten to this service's own proxy,
``<proxy>/federation/<token>/<n>`` (n: the endpoint's place in the list; the token, random per service,
keeps the proxy from being an open relay). The proxy forwards the request to the real endpoint (or to the
URL ``RULAKG_SERVICE_UPSTREAMS`` maps it to) with our User-Agent and timeout, caches the answers, and
honours ``Retry-After``: after a 429 no call goes out before the time it names.

* ``SERVICE <not allowed>`` → 403 before execution, naming the endpoint; ``SERVICE ?var`` → 400.
* ``SERVICE SILENT <not allowed>`` is not refused but never called: it is pointed at a proxy address that
  fails, so the standard's SILENT semantics hold (the clause yields one empty solution).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from rulakg.config import Settings
from rulakg.sparql_text import replace_spans, service_calls

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
TOKEN_ENV = "RULAKG_FEDERATION_TOKEN"
REFUSED = "refused"  # the proxy path index of SERVICE SILENT calls to endpoints not on the list


class ServiceRefused(Exception):
    """A SERVICE call the allow-list does not permit (status 403) or cannot check (400)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def allowlist(settings: Settings) -> list[str]:
    """The allowed SERVICE endpoints, in order (their index is their proxy path)."""
    return [e for e in re.split(r"[\s,]+", settings.service_allowlist.strip()) if e]


def upstreams(settings: Settings) -> dict[str, str]:
    """Allowed endpoint IRI → URL actually called (default: the IRI itself)."""
    raw = settings.service_upstreams.strip()
    if not raw:
        return {}
    try:
        mapping = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ValueError(f"RULAKG_SERVICE_UPSTREAMS is not a JSON object: {e}") from e
    if not isinstance(mapping, dict):
        raise ValueError("RULAKG_SERVICE_UPSTREAMS must be a JSON object {endpoint IRI: URL}")
    return {str(k): str(v) for k, v in mapping.items()}


def token() -> str:
    """The proxy's secret path segment: set once by the service, inherited by its query workers."""
    return os.environ.setdefault(TOKEN_ENV, secrets.token_urlsafe(18))


def proxy_base(settings: Settings) -> str:
    if settings.federation_proxy_url:
        return settings.federation_proxy_url.rstrip("/")
    host = settings.host
    if host in ("", "0.0.0.0", "localhost"):
        host = "127.0.0.1"
    elif host == "::":
        host = "[::1]"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def _describe_allowed(allowed: list[str]) -> str:
    return ", ".join(f"<{e}>" for e in allowed)


def rewrite_services(text: str, settings: Settings) -> str:
    """``text`` with each allowed SERVICE endpoint pointed at the proxy; ``ServiceRefused`` for the others."""
    calls = service_calls(text)
    if not calls:
        return text
    allowed = allowlist(settings)
    base = f"{proxy_base(settings)}/federation/{token()}"
    replacements: list[tuple[tuple[int, int], str]] = []
    for call in calls:
        if call.endpoint is None:
            if call.silent:
                replacements.append((call.span, f"<{base}/{REFUSED}>"))
                continue
            raise ServiceRefused(
                400,
                f"SERVICE {call.token}: a variable endpoint cannot be checked against the allow-list; "
                f"name the endpoint (allowed: {_describe_allowed(allowed) or 'none'}).",
            )
        if call.endpoint in allowed:
            replacements.append((call.span, f"<{base}/{allowed.index(call.endpoint)}>"))
        elif call.silent:
            replacements.append((call.span, f"<{base}/{REFUSED}>"))
        elif not allowed:
            raise ServiceRefused(
                403,
                f"SERVICE <{call.endpoint}> refused: federated queries are disabled on this service "
                "(RULAKG_SERVICE_ALLOWLIST is empty).",
            )
        else:
            raise ServiceRefused(
                403,
                f"SERVICE <{call.endpoint}> refused: this service only calls {_describe_allowed(allowed)} "
                "(setting RULAKG_SERVICE_ALLOWLIST).",
            )
    return replace_spans(text, replacements)


_PROXY_URL = re.compile(r"https?://\S+?/federation/[A-Za-z0-9_\-]+/(\d+|" + REFUSED + r")")


def public_error(message: str, settings: Settings) -> tuple[int, str]:
    """A failed SERVICE call's message for the client: proxy URLs (and their token) replaced by the real
    endpoint; 503 when the endpoint throttled us (429) or a Retry-After wait is running, else 502."""
    allowed = allowlist(settings)

    def endpoint(m: re.Match[str]) -> str:
        i = m.group(1)
        return allowed[int(i)] if i.isdigit() and int(i) < len(allowed) else "(an endpoint not on the list)"

    text = _PROXY_URL.sub(endpoint, message)
    status = 503 if re.search(r"\b(429|503)\b", text) else 502
    if status == 503:
        text += " Retry later."
    return status, text


# --- the proxy (runs in the service process) -------------------------------------------------------------


@dataclass
class Upstream:
    """What the proxy answers: the upstream's status, media type, body and headers worth passing on."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]
    cached: bool = False


class FederationProxy:
    """Forwards SERVICE requests to the allowed endpoints; caches answers, honours Retry-After, counts calls."""

    MAX_CACHED_BODY = 16 * 2**20  # a larger answer is not cached
    MAX_CACHE_BYTES = 128 * 2**20  # all cached answers together

    def __init__(self, settings: Settings):
        self.settings = settings
        self.allowed = allowlist(settings)
        self.mapping = upstreams(settings)
        self._cache: OrderedDict[str, tuple[float, Upstream]] = OrderedDict()
        self._blocked_until: dict[str, float] = {}
        self._client = None  # httpx.AsyncClient, created on first use (inside the event loop)
        self._locks: dict[str, asyncio.Lock] = {}
        self.upstream_calls = 0
        self._cached_bytes = 0

    def check_token(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), token().encode())

    def endpoint(self, index: str) -> str | None:
        return self.allowed[int(index)] if index.isdigit() and int(index) < len(self.allowed) else None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def _key(self, endpoint: str, query: str, accept: str) -> str:
        return hashlib.sha256("\x00".join((endpoint, query, accept)).encode()).hexdigest()

    async def forward(self, endpoint: str, query: str, accept: str) -> Upstream:
        key = self._key(endpoint, query, accept)
        try:
            return await self._forward(key, endpoint, query, accept)
        finally:
            lock = self._locks.get(key)
            if lock is not None and not lock.locked() and key not in self._cache:
                del self._locks[key]

    def _store(self, key: str, ttl: float, answer: Upstream) -> None:
        size = len(answer.body)
        if ttl <= 0 or self.settings.federation_cache_entries <= 0 or size > self.MAX_CACHED_BODY:
            return
        old = self._cache.pop(key, None)
        if old is not None:
            self._cached_bytes -= len(old[1].body)
        self._cache[key] = (time.monotonic() + ttl, answer)
        self._cached_bytes += size
        while self._cache and (
            len(self._cache) > self.settings.federation_cache_entries or self._cached_bytes > self.MAX_CACHE_BYTES
        ):
            dropped, (_, gone) = self._cache.popitem(last=False)
            self._cached_bytes -= len(gone.body)
            if dropped != key:
                self._locks.pop(dropped, None)

    async def _forward(self, key: str, endpoint: str, query: str, accept: str) -> Upstream:
        import httpx

        ttl = self.settings.federation_cache_seconds
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # the same query asked twice at once: one upstream call
            hit = self._cache.get(key)
            now = time.monotonic()
            if hit is not None and hit[0] > now:
                self._cache.move_to_end(key)
                return Upstream(hit[1].status, hit[1].content_type, hit[1].body, hit[1].headers, cached=True)
            blocked = self._blocked_until.get(endpoint, 0.0)
            if blocked > now:
                wait = int(blocked - now) + 1
                return Upstream(
                    429,
                    "text/plain; charset=utf-8",
                    f"<{endpoint}> asked us to wait (429 Too Many Requests): no call before {wait} s.\n".encode(),
                    {"Retry-After": str(wait)},
                )
            if self._client is None:
                # Redirects are not followed: an allowed endpoint could otherwise send us anywhere (a loopback
                # or cloud metadata address: server-side request forgery past the allow-list).
                self._client = httpx.AsyncClient(follow_redirects=False)
            url = self.mapping.get(endpoint, endpoint)
            headers = {"User-Agent": self.settings.user_agent, "Accept": accept or "application/sparql-results+json"}
            self.upstream_calls += 1
            try:
                r = await self._client.post(
                    url, data={"query": query}, headers=headers, timeout=self.settings.federation_timeout
                )
            except httpx.TimeoutException:
                return _error(504, f"<{endpoint}> did not answer within {self.settings.federation_timeout:g} s.")
            except httpx.HTTPError as e:
                return _error(502, f"<{endpoint}> could not be reached: {e}.")
            if r.status_code == 429 or (r.status_code == 503 and "retry-after" in r.headers):
                wait = _retry_after(r.headers.get("retry-after"))
                self._blocked_until[endpoint] = time.monotonic() + wait
                return Upstream(
                    429,
                    "text/plain; charset=utf-8",
                    f"<{endpoint}> throttled this service ({r.status_code}); no call before {wait:g} s.\n".encode(),
                    {"Retry-After": str(int(wait))},
                )
            if r.is_redirect:
                return _error(
                    502,
                    f"<{endpoint}> answered {r.status_code} (a redirect to {r.headers.get('location', '?')}); "
                    "redirects are not followed: put the endpoint's final URL on the allow-list.",
                )
            if r.status_code >= 400:
                detail = r.text[:300].strip()
                status = 502 if r.status_code >= 500 else r.status_code
                return _error(status, f"<{endpoint}> answered {r.status_code}: {detail}")
            answer = Upstream(200, r.headers.get("content-type", "application/sparql-results+json"), r.content, {})
            self._store(key, ttl, answer)
            return answer


def _error(status: int, message: str) -> Upstream:
    return Upstream(status, "text/plain; charset=utf-8", (message + "\n").encode(), {})


def _retry_after(value: str | None, default: float = 60.0) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default
