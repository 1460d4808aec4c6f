"""The SPARQL 1.1 Protocol's request side: from an HTTP request to a query request, or a precise 4xx.

Implements the three query operations of the Protocol (§2.1): GET with ``query=``, POST of a form, and
POST of ``application/sparql-query``, with ``default-graph-uri`` / ``named-graph-uri``, plus the service's
own ``timeout`` and ``format`` parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from rulakg.config import Settings
from rulakg.formats import RDF_FORMATS, RESULT_FORMATS

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


class ProtocolError(Exception):
    """A client error with its HTTP status and a message that says how to fix it."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


@dataclass
class QueryRequest:
    query: str | None
    default_graph_uri: list[str] = field(default_factory=list)
    named_graph_uri: list[str] = field(default_factory=list)
    timeout: float | None = None
    format: str | None = None
    accept: str | None = None


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProtocolError(400, f"The {what} is not valid UTF-8 (byte {e.start}): send it UTF-8 encoded.") from e


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request, settings: Settings) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
        raise ProtocolError(413, f"The request body is larger than the limit of {settings.max_body_bytes} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > settings.max_body_bytes:
            raise ProtocolError(413, f"The request body is larger than the limit of {settings.max_body_bytes} bytes.")
    return bytes(body)


def params_of(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Decoded name/value pairs grouped by name, in order (a parameter may be given several times)."""
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def single(params: dict[str, list[Any]], name: str) -> str | None:
    """The one value of ``name`` (as text), None if absent; a parameter given twice is a client error."""
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ProtocolError(400, f"The parameter {name!r} was given {len(values)} times; give it once.")
    return str(values[0])


def _format_param(params: dict[str, list[str]]) -> str | None:
    """The ``format=`` (or ``output=``) override. SPARQLWrapper sends it repeated (e.g. ``format=rdf+xml&format=
    application/rdf+xml``, and ``output=`` alike): take the first value that names a format, else the first."""
    values = params.get("format", []) + params.get("output", [])
    if not values:
        return None
    return next((v for v in values if v.strip().lower() in _FORMAT_NAMES), values[0])


_FORMAT_NAMES = frozenset(n for f in RESULT_FORMATS + RDF_FORMATS for n in (f.key, f.media_type, *f.names, *f.aliases))


def parse_get(raw_qs: bytes, accept: str | None, settings: Settings) -> QueryRequest:
    """A GET (or HEAD) query request from its raw query string and Accept header."""
    url_params = params_of(parse_qsl(_decode(raw_qs, "query string"), keep_blank_values=True))
    query_text = single(url_params, "query")
    if "update" in url_params:
        raise ProtocolError(400, "SPARQL Update is not accepted on the query endpoint; send updates to /update.")
    return _finish(query_text, url_params, accept, settings)


async def parse_query_request(request: Request, settings: Settings) -> QueryRequest:
    """Read a Protocol query request; ``query`` is None for a GET with no query (service description)."""
    raw_qs = request.scope.get("query_string", b"")
    if request.method in ("GET", "HEAD"):
        return parse_get(raw_qs, request.headers.get("accept"), settings)
    url_params = params_of(parse_qsl(_decode(raw_qs, "query string"), keep_blank_values=True))
    body_params: dict[str, list[str]] = {}
    query_text: str | None
    # POST
    media = _media_type(request)
    body = await read_body(request, settings)
    if media == FORM:
        body_params = params_of(parse_qsl(_decode(body, "form body"), keep_blank_values=True))
        if "update" in body_params:
            raise ProtocolError(400, "SPARQL Update is not accepted on the query endpoint; send updates to /update.")
        if "query" in url_params:
            raise ProtocolError(400, "Give the query once: in the form body, not also in the URL.")
        query_text = single(body_params, "query")
        if query_text is None:
            raise ProtocolError(400, "The form has no 'query' parameter.")
    elif media == SPARQL_QUERY:
        if "query" in url_params:
            raise ProtocolError(400, "Give the query once: in the body, not also in the URL.")
        query_text = _decode(body, "query body")
    elif media == SPARQL_UPDATE:
        raise ProtocolError(400, "SPARQL Update is not accepted on the query endpoint; send updates to /update.")
    else:
        raise ProtocolError(
            415,
            f"Unsupported Content-Type {media or '(none)'!r} for a query: use {FORM} (a form with a "
            f"'query' field) or {SPARQL_QUERY} (the query as the body).",
        )
    params = {**url_params}
    for k, v in body_params.items():
        params.setdefault(k, []).extend(v)
    return _finish(query_text, params, request.headers.get("accept"), settings)


def timeout_param(params: dict[str, list[str]]) -> float | None:
    """The ``timeout=`` a request asks for, in seconds (None: not given); the caller caps it."""
    raw = single(params, "timeout")
    if not raw:
        return None
    try:
        timeout = float(raw)
    except ValueError:
        raise ProtocolError(400, f"The timeout {raw!r} is not a number of seconds.") from None
    if not timeout > 0:
        raise ProtocolError(400, "The timeout must be a positive number of seconds.")
    return timeout


def _finish(
    query_text: str | None, params: dict[str, list[str]], accept: str | None, settings: Settings
) -> QueryRequest:
    if query_text is not None and len(query_text) > settings.max_query_length:
        raise ProtocolError(
            413, f"The query is {len(query_text)} characters long; the limit is {settings.max_query_length}."
        )
    return QueryRequest(
        query=query_text,
        default_graph_uri=params.get("default-graph-uri", []),
        named_graph_uri=params.get("named-graph-uri", []),
        timeout=timeout_param(params),
        format=_format_param(params),
        accept=accept,
    )
