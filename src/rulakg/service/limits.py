"""Per-client limits: who the client is, how fast it may ask (token bucket) and how much at once.

* A client is its address. ``X-Forwarded-For`` is believed only when the connection comes from one of
  ``RULAKG_TRUSTED_PROXIES``: the header is read from the right, skipping trusted proxies, and the first
  address that is not one is the client. IPv6 clients are grouped by their /64 network (one host usually
  has the whole /64, so per-address buckets would be free to multiply).
* ``RULAKG_RATE_LIMIT`` requests per minute with bursts of ``RULAKG_RATE_LIMIT_BURST`` (a token bucket per
  client); beyond it 429 with ``Retry-After`` (seconds until the next token), as the Wikidata Query Service
  does. Off by default.
* ``RULAKG_MAX_CONCURRENT_PER_CLIENT`` requests in progress per client; beyond it 429 with ``Retry-After: 1``.

The middleware that applies these is ``rulakg.service.edge`` (it also covers the fast GET path).
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
from dataclasses import dataclass

from starlette.types import Scope

from rulakg.config import Settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Paths no limit applies to: monitoring, the federation proxy (called by our own query workers, behind a
# secret) and static files.
EXEMPT_PATHS = frozenset({"/health", "/metrics", "/favicon.ico"})
EXEMPT_PREFIXES = ("/federation/", "/static/", "/vendor/")


def exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


def parse_networks(text: str) -> list[IPNetwork]:
    """``RULAKG_TRUSTED_PROXIES``: addresses or CIDR networks, space- or comma-separated."""
    out: list[IPNetwork] = []
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError as e:
            raise ValueError(f"RULAKG_TRUSTED_PROXIES: {item!r} is not an address or network ({e})") from e
    return out


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_key(address: str) -> str:
    """The rate-limiting key of an address: itself (IPv4), or its /64 network (IPv6)."""
    if ":" not in address:
        return address
    try:
        ip = ipaddress.IPv6Address(address)
    except ValueError:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


class ClientIdentity:
    """The client's address for a request: the peer, or what a trusted proxy says in X-Forwarded-For."""

    def __init__(self, trusted: list[IPNetwork]):
        self.trusted = trusted

    def _is_trusted(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(ip in net for net in self.trusted if net.version == ip.version)

    def address(self, scope: Scope) -> str:
        client = scope.get("client")
        peer = client[0] if client else "unknown"
        if not self.trusted:
            return peer
        peer_ip = _ip(peer)
        if peer_ip is None or not self._is_trusted(peer_ip):
            return peer
        forwarded = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"]
        if not forwarded:
            return peer
        hops = [h for h in ",".join(forwarded).split(",") if h.strip()]
        last = str(peer_ip)
        for hop in reversed(hops):
            ip = _ip(hop)
            if ip is None:  # garbage in the header: the last proxy we trust is all we know
                return last
            if not self._is_trusted(ip):
                return str(ip)
            last = str(ip)
        return last  # every hop is a trusted proxy: the leftmost


@dataclass
class Refusal:
    status: int
    message: str
    retry_after: int


class ClientLimits:
    """The rate limit (token bucket) and the concurrency limit, per client key."""

    MAX_TRACKED = 20_000  # buckets kept before idle ones are dropped

    def __init__(self, rate_per_minute: float, burst: int, max_concurrent: int):
        self.rate = rate_per_minute / 60.0  # tokens per second
        self.burst = float(max(1, burst))
        self.max_concurrent = max_concurrent
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time)
        self._active: dict[str, int] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientLimits:
        return cls(settings.rate_limit, settings.rate_limit_burst, settings.max_concurrent_per_client)

    @property
    def enabled(self) -> bool:
        return self.rate > 0 or self.max_concurrent > 0

    def _take_token(self, key: str, now: float) -> float:
        """0 when the request may go; else the seconds until the bucket has a token again."""
        bucket = self._buckets.get(key)
        if bucket is None:
            tokens = self.burst
            if len(self._buckets) >= self.MAX_TRACKED:
                self._prune(now)
        else:
            tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        full = self.burst / self.rate  # seconds for an empty bucket to fill up
        idle = [k for k, (_tokens, t) in self._buckets.items() if now - t >= full]
        for k in idle:
            del self._buckets[k]
        if len(self._buckets) >= self.MAX_TRACKED:  # many clients at once: forget the oldest half
            for k, _ in sorted(self._buckets.items(), key=lambda kv: kv[1][1])[: len(self._buckets) // 2]:
                del self._buckets[k]

    def admit(self, key: str) -> Refusal | None:
        """Count the request in (``release`` it when done), or say why not."""
        if self.rate > 0:
            wait = self._take_token(key, time.monotonic())
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                return Refusal(
                    429,
                    f"Too many requests from your address: the limit is {self.rate * 60:g} per minute "
                    f"(bursts of {self.burst:g}). Retry after {seconds} s.",
                    seconds,
                )
        if self.max_concurrent > 0:
            n = self._active.get(key, 0)
            if n >= self.max_concurrent:
                return Refusal(
                    429,
                    f"Too many requests in progress from your address: at most {self.max_concurrent} at once. "
                    "Wait for one to finish.",
                    1,
                )
            self._active[key] = n + 1
        return None

    def release(self, key: str) -> None:
        if self.max_concurrent > 0:
            n = self._active.get(key, 0) - 1
            if n > 0:
                self._active[key] = n
            else:
                self._active.pop(key, None)

    def active(self, key: str) -> int:
        return self._active.get(key, 0)
