"""HTTP caching of complete query answers, as the Wikidata Query Service offers it: a validator, a lifetime, and
a way for a client to skip the server's result cache.

``ETag``: a strong validator of a complete (non-streamed) answer, ``"<identity>-<body>"``: a hash of the result
cache's identity (the build served and the snapshot version, ``store/cache.py``: it changes with every write)
and a hash of the representation (media type, row-cap and pagination flags, the body bytes). The body is
always at hand here (a complete answer is held whole in memory), so the tag names the exact bytes; the hash is
computed once per worker run and kept with the cached answer. A streamed answer has no tag (its bytes are not
known before they are sent). ``If-None-Match`` that names the tag (weak comparison, ``*`` too) gets ``304 Not
Modified`` with the tag and no body.

``Cache-Control``: ``public, max-age=N`` with ``RULAKG_HTTP_MAX_AGE=N``; by default (0) ``no-cache``: a
client or proxy may keep the answer but must revalidate it (a write changes the tag). A query the result cache
never keeps (``SERVICE``, ``RAND``, ``NOW``, …) always gets ``no-cache``.

A request with ``Cache-Control: no-cache`` or ``no-store`` (or ``Pragma: no-cache``) skips the result cache:
the query runs on a worker (``X-Cache: bypass``) and its fresh answer replaces the kept one.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from starlette.responses import Response

from rulakg.store.cache import cacheable_query

_HEAD_FIELDS = ("content_type", "max_rows", "has_next")


@functools.lru_cache(maxsize=16)
def _identity_hash(identity: str) -> str:
    return hashlib.blake2b(identity.encode("utf-8", "replace"), digest_size=6).hexdigest()


def answer_etag(identity: str, head: dict[str, Any], body: bytes) -> str:
    """The strong validator of a complete answer served under ``identity`` (quoted, as the header wants)."""
    h = hashlib.blake2b(digest_size=12)
    for name in _HEAD_FIELDS:
        h.update(f"{name}={head.get(name)!r}\0".encode())
    h.update(body)
    return f'"{_identity_hash(identity)}-{h.hexdigest()}"'


def cache_control(max_age: int, payload: dict[str, Any]) -> str:
    """The ``Cache-Control`` of a complete answer to ``payload``."""
    if max_age > 0:
        query = payload.get("query")
        if isinstance(query, str) and cacheable_query(query):
            return f"public, max-age={max_age}"
    return "no-cache"


def wants_fresh(cache_control_header: str | None, pragma: str | None = None) -> bool:
    """True when the request asks not to be answered from a cache (``no-cache`` / ``no-store``)."""
    if cache_control_header:
        for directive in cache_control_header.split(","):
            name = directive.split("=", 1)[0].strip().lower()
            if name in ("no-cache", "no-store"):
                return True
    return bool(pragma) and "no-cache" in pragma.lower()


def etag_matches(if_none_match: str | None, etag: str | None) -> bool:
    """``If-None-Match`` against the answer's tag (the weak comparison RFC 9110 asks for; ``*`` matches)."""
    if not if_none_match or etag is None:
        return False
    target = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == target:
            return True
    return False


def not_modified(headers: dict[str, str]) -> Response:
    """The 304: the validator, lifetime and ``Vary`` the 200 would carry, no body."""
    return Response(status_code=304, headers=headers)
