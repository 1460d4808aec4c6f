"""Fuzzing the running service: broken and hostile SPARQL, random bytes, huge and deeply nested queries, wrong
media types and charsets, huge headers (hypothesis), and every operation of the OpenAPI document
(schemathesis). The rule: never a 5xx, except 503 (a timeout, or every worker busy); and the service answers
its health check after each batch.

Deterministic (``derandomize=True``, no example database) and bounded (well under 90 s). The number of cases
tried per category is printed at the end and written to ``tests/artifacts/fuzz-cases.json``; the README's
"Limits and abuse resistance" section has the table.
"""

from __future__ import annotations

import http.client
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from server import LiveServer

ARTIFACT = Path(__file__).parent / "artifacts" / "fuzz-cases.json"
CASES: Counter[str] = Counter()

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def fuzz(n: int) -> settings:
    """The fuzzing settings with ``n`` examples."""
    return settings(FUZZ, max_examples=n)


# Keywords and punctuation of the SPARQL 1.1 grammar (and a few hostile pieces).
KEYWORDS = [
    "SELECT",
    "CONSTRUCT",
    "DESCRIBE",
    "ASK",
    "WHERE",
    "FROM",
    "NAMED",
    "PREFIX",
    "BASE",
    "DISTINCT",
    "REDUCED",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "LIMIT",
    "OFFSET",
    "GROUP",
    "HAVING",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "GRAPH",
    "SERVICE",
    "SILENT",
    "FILTER",
    "BIND",
    "AS",
    "VALUES",
    "UNDEF",
    "EXISTS",
    "NOT",
    "IN",
    "a",
    "true",
    "false",
    "COUNT",
    "SUM",
    "MIN",
    "MAX",
    "AVG",
    "SAMPLE",
    "GROUP_CONCAT",
    "SEPARATOR",
    "STR",
    "LANG",
    "LANGMATCHES",
    "DATATYPE",
    "BOUND",
    "IRI",
    "URI",
    "BNODE",
    "RAND",
    "ABS",
    "CEIL",
    "FLOOR",
    "ROUND",
    "CONCAT",
    "STRLEN",
    "UCASE",
    "LCASE",
    "ENCODE_FOR_URI",
    "CONTAINS",
    "STRSTARTS",
    "STRENDS",
    "STRBEFORE",
    "STRAFTER",
    "YEAR",
    "MONTH",
    "DAY",
    "HOURS",
    "MINUTES",
    "SECONDS",
    "TIMEZONE",
    "TZ",
    "NOW",
    "UUID",
    "STRUUID",
    "MD5",
    "SHA1",
    "SHA256",
    "SHA384",
    "SHA512",
    "COALESCE",
    "IF",
    "STRLANG",
    "STRDT",
    "sameTerm",
    "isIRI",
    "isURI",
    "isBLANK",
    "isLITERAL",
    "isNUMERIC",
    "REGEX",
    "SUBSTR",
    "REPLACE",
    "INSERT",
    "DELETE",
    "DATA",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "TO",
    "INTO",
    "WITH",
    "USING",
    "DEFAULT",
    "ALL",
]
PUNCT = [*list("{}()[]<>.,;*+-/!=|^?$&@#:'\""), "&&", "||", "<=", ">=", "!=", "^^", "_:b", "[]", "()", "\\"]
TERMS = [
    "?s",
    "?p",
    "?o",
    "$x",
    "<http://example.org/a>",
    "<>",
    "<x>",
    "rdf:type",
    "rula:State",
    ":a",
    "_:b0",
    '"text"',
    "'x'@en",
    '"1"^^<http://www.w3.org/2001/XMLSchema#integer>',
    '"""long"""',
    "42",
    "-1.5e300",
    "1e99999",
    "0.0",
    "<http://127.0.0.1/>",
    "<file:///etc/passwd>",
    "\x00",
    "\u202e",
    "\ud7ff",
    "# comment\n",
    "\n",
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>",
]
TOKENS = st.sampled_from(KEYWORDS + PUNCT + TERMS)

MEDIA_TYPES = [
    "application/sparql-query",
    "application/sparql-update",
    "application/x-www-form-urlencoded",
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/sparql-query; charset=utf-16",
    "application/sparql-query; charset=latin-1",
    "application/x-www-form-urlencoded; charset=iso-8859-1",
    "APPLICATION/SPARQL-QUERY",
    "application/sparql-query;;;",
    "",
    "*/*",
    "\x7f",
    "a" * 3000,
]
ACCEPTS = [
    "*/*",
    "application/sparql-results+json",
    "text/turtle;q=0.5, */*;q=0.1",
    "q=1",
    "application/sparql-results+json;q=abc",
    "text/csv;q=NaN",
    "text/csv;q=1e999",
    "text/csv;q=-1",
    ";;,,;",
    "text/html",
    "image/png",
    "application/*",
    "*/json",
    "x" * 5000,
]


@pytest.fixture(scope="module")
def fuzz_server(store_dir: Path) -> Iterator[LiveServer]:
    """A short timeout (so hostile queries end as 503s quickly) and no SERVICE (no calls out)."""
    server = LiveServer(
        store_dir,
        workers=2,
        query_timeout=1,
        query_timeout_max=1,
        worker_queue_wait=5,
        service_allowlist="",
        result_cache_mb=8,
    ).start()
    try:
        yield server
    finally:
        server.stop()
        ARTIFACT.parent.mkdir(exist_ok=True)
        ARTIFACT.write_text(json.dumps(dict(sorted(CASES.items())), indent=1) + "\n")
        print("\nfuzz cases tried:", dict(sorted(CASES.items())), "total", sum(CASES.values()))


@pytest.fixture(scope="module")
def client(fuzz_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fuzz_server.url, timeout=60) as c:
        yield c


def _check(r: httpx.Response, what: object) -> None:
    assert r.status_code < 500 or r.status_code == 503, (r.status_code, r.text[:500], repr(what)[:500])
    if r.status_code == 503:
        assert "timeout" in r.text or "busy" in r.text, r.text[:300]
    assert "Traceback" not in r.text


def _healthy(server: LiveServer) -> None:
    assert server.proc is not None and server.proc.poll() is None, "the server died"
    deadline = time.monotonic() + 20
    while True:
        r = httpx.get(server.url + "/health", timeout=10)
        if r.status_code == 200 or time.monotonic() > deadline:  # workers replaced after a timeout come back
            break
        time.sleep(0.2)
    assert r.status_code == 200, r.text


def _query_everywhere(client: httpx.Client, text: str, category: str) -> None:
    """The text as a query: by GET, by POST form, by POST body (the three operations of the Protocol)."""
    CASES[category] += 1
    _check(client.get("/sparql", params={"query": text}), text)
    _check(client.post("/sparql", data={"query": text}), text)
    _check(client.post("/sparql", content=text.encode("utf-8", "surrogatepass"), headers=_body_type()), text)


def _raw_get(client: httpx.Client, target: str) -> httpx.Response:
    conn = http.client.HTTPConnection(client.base_url.host, client.base_url.port, timeout=60)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        raw = conn.getresponse()
        return httpx.Response(raw.status, headers=raw.getheaders(), content=raw.read())
    finally:
        conn.close()


def _body_type() -> dict[str, str]:
    return {"Content-Type": "application/sparql-query"}


# --- 1. random tokens of the grammar -----------------------------------------------------------------------


@fuzz(250)
@given(st.lists(TOKENS, max_size=40).map(" ".join))
def test_grammar_tokens(client: httpx.Client, text: str) -> None:
    _query_everywhere(client, text, "grammar tokens")


@fuzz(250)
@given(st.lists(TOKENS, max_size=30).map(" ".join))
def test_grammar_tokens_in_a_query(client: httpx.Client, text: str) -> None:
    _query_everywhere(client, "SELECT * WHERE { " + text + " } LIMIT 3", "tokens inside a SELECT")


# --- 2. unbalanced brackets and broken lexemes --------------------------------------------------------------


@fuzz(150)
@given(st.text(alphabet="{}()[]<>\"'#?.;,\\ \n\tSELECT*WHERE", max_size=300))
def test_unbalanced(client: httpx.Client, text: str) -> None:
    _query_everywhere(client, "SELECT * WHERE " + text, "unbalanced brackets, quotes")


@fuzz(100)
@given(st.text(max_size=400))
def test_unicode_text(client: httpx.Client, text: str) -> None:
    _query_everywhere(client, text, "random Unicode text")


# --- 3. huge and deeply nested ------------------------------------------------------------------------------

NESTINGS = {
    "groups": ("SELECT * WHERE ", "{", "?s ?p ?o", "}"),
    "optional": ("SELECT * WHERE { ?s ?p ?o ", "OPTIONAL { ?s ?p ?o ", "", "}"),
    "parentheses": ("SELECT * WHERE { FILTER(", "(", "1", ")"),
    "subselects": ("SELECT * WHERE ", "{ SELECT * WHERE ", "{ ?s ?p ?o }", "}"),
    "unions": ("SELECT * WHERE { ", "{ ?s ?p ?o } UNION ", "{ ?s ?p ?o }", ""),
    "negations": ("SELECT * WHERE { BIND(", "!", "true", ""),
    "blank nodes": ("SELECT * WHERE { ?s ?p ", "[ ?p ", "?o", "]"),
    "collections": ("SELECT * WHERE { ?s ?p ", "( ", "1", ")"),
    "exists": ("SELECT * WHERE { ?s ?p ?o ", "FILTER EXISTS { ", "?s ?p ?o", "}"),
    "unclosed groups": ("SELECT * WHERE ", "{", "?s ?p ?o", ""),
}


@fuzz(60)
@given(st.sampled_from(sorted(NESTINGS)), st.sampled_from([10, 100, 1000, 3000, 10_000, 30_000, 200_000]))
def test_deeply_nested(client: httpx.Client, kind: str, depth: int) -> None:
    head, open_, middle, close = NESTINGS[kind]
    tail = " AS ?x) }" if kind == "negations" else (" }" if kind != "groups" and close != "}" else "")
    if kind in ("parentheses",):
        tail = ") }"
    text = head + open_ * depth + middle + close * depth + tail
    CASES[f"deeply nested ({kind})"] += 1
    r = client.post("/sparql", content=text.encode(), headers=_body_type())
    _check(r, (kind, depth))
    if len(text) > 100_000:
        assert r.status_code == 413


@fuzz(15)
@given(st.integers(min_value=90_000, max_value=2_000_000), st.sampled_from(["get", "form", "body"]))
def test_huge_queries(client: httpx.Client, size: int, how: str) -> None:
    text = "SELECT * WHERE { ?s ?p ?o } # " + "x" * size
    CASES["huge queries"] += 1
    if how == "get":  # longer than httpx lets a URL be: by hand
        r = _raw_get(client, "/sparql?query=" + quote(text))
    elif how == "form":
        r = client.post("/sparql", data={"query": text})
    else:
        r = client.post("/sparql", content=text.encode(), headers=_body_type())
    _check(r, size)
    if size > 1_000_000:  # (uvicorn itself answers 400 to a URL it finds too long)
        assert r.status_code in ((400, 413, 414) if how == "get" else (413,))


# --- 4. random bytes, invalid UTF-8 -------------------------------------------------------------------------


@fuzz(150)
@given(st.binary(max_size=600))
def test_random_bytes(client: httpx.Client, data: bytes) -> None:
    CASES["random bytes (body, form, URL)"] += 1
    _check(client.post("/sparql", content=data, headers=_body_type()), data)
    _check(client.post("/sparql", content=data, headers={"Content-Type": "application/x-www-form-urlencoded"}), data)
    _check(
        client.post("/sparql", content=b"query=" + data, headers={"Content-Type": "application/x-www-form-urlencoded"}),
        data,
    )
    _check(client.get("/sparql?query=" + quote_from_bytes(data)), data)
    _check(client.get("/sparql?" + quote_from_bytes(data, safe="=&")), data)


@fuzz(50)
@given(st.text(max_size=100), st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1251", "utf-8-sig"]))
def test_wrong_encodings(client: httpx.Client, text: str, encoding: str) -> None:
    CASES["wrong encodings"] += 1
    query = "SELECT * WHERE { ?s ?p " + json.dumps(text) + " }"
    try:
        body = query.encode(encoding)
    except UnicodeEncodeError:
        body = query.encode(encoding, "replace") if encoding != "utf-8-sig" else query.encode("utf-8", "surrogatepass")
    _check(client.post("/sparql", content=body, headers=_body_type()), body)
    # invalid UTF-8 inside a percent-encoded query string
    _check(client.get("/sparql?query=" + quote_from_bytes(body)), body)


# --- 5. wrong media types and parameters --------------------------------------------------------------------


@fuzz(120)
@given(
    st.sampled_from(MEDIA_TYPES),
    st.sampled_from(ACCEPTS),
    st.sampled_from(["POST", "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    st.sampled_from(["ASK {}", "SELECT * {?s ?p ?o} LIMIT 2", "CONSTRUCT WHERE {?s ?p ?o} LIMIT 2", "query=ASK {}"]),
)
def test_media_types_and_methods(client: httpx.Client, content_type: str, accept: str, method: str, text: str) -> None:
    CASES["media types, Accept, methods"] += 1
    headers = {"Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    body = text.encode() if method not in ("GET", "HEAD") else None
    params = {"query": text} if method in ("GET", "HEAD") else None
    for path in ("/sparql", "/api/queries/list-states", "/api/search", "/"):
        _check(client.request(method, path, content=body, params=params, headers=headers), (method, path, headers))


PARAMS = st.dictionaries(
    st.sampled_from(
        [
            "query",
            "timeout",
            "format",
            "output",
            "default-graph-uri",
            "named-graph-uri",
            "update",
            "limit",
            "offset",
            "q",
            "page",
            "name",
            "state",
            "callback",
        ]
    ),
    st.one_of(
        st.sampled_from(
            [
                "nan",
                "inf",
                "-inf",
                "-1",
                "0",
                "1e309",
                "1e-309",
                "json",
                "xml",
                "csv",
                "tsv",
                "ttl",
                "html",
                "",
                "%",
                "\x00",
                "ASK {}",
                "http://x/",
                "not an iri",
                "99999999999999999999",
            ]
        ),
        st.text(max_size=30),
    ),
    max_size=5,
)


@fuzz(150)
@given(
    PARAMS,
    st.sampled_from(
        [
            "/sparql",
            "/api/queries/list-states",
            "/api/queries/state-by-name",
            "/api/search",
            "/search",
            "/api/views/timeline",
            "/id/state/cuba",
            "/queries/list-states",
        ]
    ),
)
def test_parameters(client: httpx.Client, params: dict[str, str], path: str) -> None:
    CASES["random parameters"] += 1
    if path == "/sparql" and "query" not in params:
        params = {**params, "query": "ASK {}"}
    _check(client.get(path, params=params), (path, params))
    if path in ("/sparql", "/api/queries/state-by-name"):
        _check(client.post(path, data=params), (path, params))


# --- 6. huge headers ----------------------------------------------------------------------------------------


@fuzz(30)
@given(
    st.sampled_from(["Accept", "X-Forwarded-For", "Cookie", "User-Agent", "Origin", "X-Junk", "Content-Type"]),
    st.sampled_from([1_000, 30_000, 70_000, 500_000, 4_000_000]),
    st.integers(min_value=0, max_value=3000),
)
def test_huge_headers(fuzz_server: LiveServer, name: str, size: int, count: int) -> None:
    CASES["huge headers"] += 1
    headers = [(name, ("a/b;q=0.1," * (size // 10 + 1))[:size])] + [(f"X-H{i}", "v") for i in range(count)]
    try:
        r = httpx.get(fuzz_server.url + "/sparql", params={"query": "ASK {}"}, headers=headers, timeout=30)
    except httpx.RemoteProtocolError:  # the HTTP server may drop such a request: not a 5xx, and it stays up
        return
    _check(r, (name, size, count))
    if size + count * 8 > 70_000:
        assert r.status_code == 431
    assert len(r.content) < 100_000  # the header is not echoed back at length


# --- health after each batch --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _health_after(request: pytest.FixtureRequest, fuzz_server: LiveServer) -> Iterator[None]:
    yield
    _healthy(fuzz_server)
    CASES["health checks"] += 1


# --- 7. schemathesis: every operation of the OpenAPI document -----------------------------------------------


def not_a_server_error_but_timeouts(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """schemathesis's ``not_a_server_error``, except a 503 that says timeout or busy (a query given
    ``timeout=1e-300`` is stopped, rightly)."""
    if response.status_code == 503:
        assert "timeout" in response.text or "busy" in response.text, response.text[:300]
        return None
    return not_a_server_error(ctx, response, case)


def test_openapi(fuzz_server: LiveServer) -> None:
    """Every operation of /openapi.json (one per saved query, plus the endpoint's and the API's), with inputs
    schemathesis derives from the schema (valid and not); check ``not_a_server_error``.

    (Driven by hand with ``as_strategy``: schemathesis's pytest loader does not run on pytest 9.)"""
    schema = schemathesis.openapi.from_url(fuzz_server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    failures: list[str] = []
    for op in operations:

        @fuzz(8)
        @given(case=op.as_strategy())
        def run(case: schemathesis.Case) -> None:
            CASES["schemathesis (OpenAPI operations)"] += 1
            case.call_and_validate(base_url=fuzz_server.url, checks=[not_a_server_error_but_timeouts], timeout=60)

        try:
            run()
        except (Exception, BaseExceptionGroup) as e:  # collect, so that one run names every failing operation
            failures.append(f"{op.method.upper()} {op.path}: {str(e)[:800]}")
    CASES["schemathesis operations"] = len(operations)
    assert not failures, "\n\n".join(failures)
