"""The text side of writes: the Protocol's ``using-graph-uri`` / ``using-named-graph-uri``, the ``LOAD`` allow-list
(server-side request forgery), and Graph Store uploads turned into one SPARQL update (one transaction).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from rulakg.sparql_text import _tokens


class UpdateRefused(Exception):
    """A client error with its HTTP status (400: malformed; 403: not allowed)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _operations(text: str) -> list[list[tuple[str, str, int, int]]]:
    """The tokens of each operation of an update request (split at the top-level ``;``)."""
    ops: list[list[tuple[str, str, int, int]]] = [[]]
    depth = 0
    for tok in _tokens(text):
        _kind, value = tok[0], tok[1]
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
        if depth == 0 and value == ";":
            ops.append([])
            continue
        ops[-1].append(tok)
    return [op for op in ops if op]


def _body(op: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]]:
    """The operation without its prologue (PREFIX / BASE declarations)."""
    i = 0
    while i < len(op):
        upper = op[i][1].upper() if op[i][0] == "word" else ""
        if upper == "PREFIX":
            i += 3
        elif upper == "BASE":
            i += 2
        else:
            break
    return op[i:]


def apply_using(text: str, using: list[str], using_named: list[str]) -> str:
    """The update with the Protocol's dataset as ``USING`` / ``USING NAMED`` clauses on each operation that has a
    ``WHERE`` (SPARQL 1.1 Protocol 2.2.3); 400 if an operation names its own dataset (``USING`` or ``WITH``)."""
    if not using and not using_named:
        return text
    for iri in (*using, *using_named):
        if not iri or any(c in iri for c in '<>"{}|^`\\ \n\t'):
            raise UpdateRefused(400, f"Invalid graph IRI in using-graph-uri / using-named-graph-uri: {iri!r}")
    clause = " ".join([*(f"USING <{g}>" for g in using), *(f"USING NAMED <{g}>" for g in using_named)])
    inserts: list[int] = []
    for op in _operations(text):
        body = _body(op)
        words = [(t[1].upper(), t[2]) for t in body if t[0] == "word"]
        if not body or not words:
            continue
        first = words[0][0]
        if first == "WITH" or any(w == "USING" for w, _ in words):
            raise UpdateRefused(
                400,
                "The update names its own dataset (USING or WITH) and the request also gives using-graph-uri / "
                "using-named-graph-uri: give one or the other (SPARQL 1.1 Protocol 2.2.3).",
            )
        after = body[1][1].upper() if len(body) > 1 and body[1][0] == "word" else ""
        if first not in ("DELETE", "INSERT") or after in ("DATA", "WHERE"):  # INSERT/DELETE DATA, DELETE WHERE
            continue
        depth = 0
        for kind, value, start, _end in body:
            if value == "{":
                depth += 1
            elif value == "}":
                depth -= 1
            elif depth == 0 and kind == "word" and value.upper() == "WHERE":
                inserts.append(start)
                break
    for at in sorted(inserts, reverse=True):
        text = f"{text[:at]}{clause} {text[at:]}"
    return text


# --- LOAD: only from the allow-list, never from this machine or its network ----------------------------------


def allowlist(setting: str) -> list[str]:
    return [x for x in setting.replace(",", " ").split() if x]


def load_iris(text: str, base_iri: str | None) -> list[str]:
    """The IRIs the update's ``LOAD`` operations would fetch (resolved against the base); 403 for a LOAD whose
    source is not written as a full ``<IRI>`` (a prefixed name is not checked, so it is refused)."""
    toks = list(_tokens(text))
    base = base_iri
    out = []
    for i, (kind, value, _s, _e) in enumerate(toks):
        if kind != "word":
            continue
        upper = value.upper()
        if upper == "BASE" and i + 1 < len(toks) and toks[i + 1][0] == "iri":
            base = urljoin(base or "", toks[i + 1][1][1:-1])
        if upper != "LOAD":
            continue
        j = i + 1
        if j < len(toks) and toks[j][0] == "word" and toks[j][1].upper() == "SILENT":
            j += 1
        if j >= len(toks) or toks[j][0] != "iri":
            raise UpdateRefused(403, "LOAD is only accepted with its source written as a full IRI: LOAD <https://…>.")
        iri = toks[j][1][1:-1]
        out.append(urljoin(base, iri) if base else iri)
    return out


def _address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def check_load_source(iri: str, allowed: Iterable[str]) -> None:
    """Raise ``UpdateRefused(403)`` unless ``iri`` is on the allow-list, is http(s), and every address its host
    resolves to is a public one (no loopback, private, link-local (cloud metadata), reserved or multicast)."""
    entries = list(allowed)
    listed = any(iri == e or (e.endswith("/") and iri.startswith(e)) for e in entries)
    if not listed:
        hint = "it is empty: LOAD is off" if not entries else "it lists " + ", ".join(entries[:5])
        raise UpdateRefused(403, f"LOAD <{iri}> refused: the source is not on RULAKG_LOAD_ALLOWLIST ({hint}).")
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UpdateRefused(403, f"LOAD <{iri}> refused: only http and https sources are fetched.")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as e:
        raise UpdateRefused(403, f"LOAD <{iri}> refused: its host {host!r} does not resolve ({e}).") from None
    addresses = {info[4][0].split("%")[0] for info in infos}
    for addr in sorted(addresses):
        if not _address_allowed(ipaddress.ip_address(addr)):
            raise UpdateRefused(
                403,
                f"LOAD <{iri}> refused: its host resolves to {addr}, a loopback, private, link-local or otherwise "
                "non-public address (server-side request forgery).",
            )
    if not addresses:
        raise UpdateRefused(403, f"LOAD <{iri}> refused: its host {host!r} has no address.")


def check_loads(text: str, base_iri: str | None, allowlist_setting: str) -> None:
    entries = allowlist(allowlist_setting)
    for iri in load_iris(text, base_iri):
        check_load_source(iri, entries)
