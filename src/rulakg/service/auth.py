"""API tokens for the write side (``/update``, ``/store``, ``/admin``): bearer tokens stored as SHA-256 hashes.

A token is 32 random bytes (URL-safe base64, prefixed ``rulakg_``); the service keeps only
``ROLE:SHA256HEX`` entries (``rw``: read-write, ``ro``: read-only), from ``RULAKG_API_TOKENS`` and the file
``RULAKG_API_TOKEN_FILE``. A request's token is hashed and compared with every entry by
``hmac.compare_digest`` (constant time; every entry is compared, so the time does not tell which one matched).
Without any entry the write endpoints are off (404), so a public read-only deployment exposes nothing new.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from starlette.requests import Request

from rulakg.config import Settings

ROLES = {"rw": "read-write", "ro": "read-only"}
_ENTRY = re.compile(r"^(rw|ro):([0-9a-f]{64})$")


class TokenConfigError(ValueError):
    """A malformed entry in the token settings (the message says which)."""


@dataclass(frozen=True)
class TokenEntry:
    role: str  # "rw" or "ro"
    digest: bytes  # SHA-256 of the token


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mint(read_only: bool = False) -> tuple[str, str]:
    """A new token and the ``ROLE:SHA256HEX`` line to store for it."""
    token = "rulakg_" + secrets.token_urlsafe(32)
    return token, f"{'ro' if read_only else 'rw'}:{hash_token(token)}"


def _parse(text: str, where: str) -> list[TokenEntry]:
    out = []
    for raw in re.split(r"[\s,]+", text):
        item = raw.strip()
        if not item:
            continue
        m = _ENTRY.match(item.lower())
        if m is None:
            raise TokenConfigError(
                f"{where}: {item[:12]}… is not a ROLE:SHA256HEX entry (ROLE rw or ro, then 64 hex digits); "
                "store the hash printed by `rulakg token create`, never the token itself."
            )
        out.append(TokenEntry(m.group(1), bytes.fromhex(m.group(2))))
    return out


def load_tokens(settings: Settings) -> list[TokenEntry]:
    entries = _parse(settings.api_tokens, "RULAKG_API_TOKENS")
    if settings.api_token_file is not None:
        lines = settings.api_token_file.read_text(encoding="utf-8").splitlines()
        text = "\n".join(line.split("#", 1)[0] for line in lines)
        entries += _parse(text, str(settings.api_token_file))
    return entries


class AuthError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def role_of(entries: list[TokenEntry], token: str) -> str | None:
    digest = hashlib.sha256(token.encode("utf-8")).digest()
    role = None
    for entry in entries:  # no early exit: the same work whatever matches
        if hmac.compare_digest(entry.digest, digest):
            role = entry.role
    return role


def authorize(request: Request, entries: list[TokenEntry], need_write: bool) -> str:
    """The role of the request's bearer token; ``AuthError`` (401 / 403) when it may not do this."""
    challenge = {"WWW-Authenticate": 'Bearer realm="rulakg"'}
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(401, "This endpoint needs an API token: send `Authorization: Bearer <token>`.", challenge)
    role = role_of(entries, token.strip())
    if role is None:
        raise AuthError(
            401, "The API token is not valid.", {"WWW-Authenticate": 'Bearer realm="rulakg", error="invalid_token"'}
        )
    if need_write and role != "rw":
        raise AuthError(403, "This API token is read-only; writing needs a read-write token.")
    return role
