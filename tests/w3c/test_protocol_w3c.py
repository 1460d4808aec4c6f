"""SPARQL 1.1 Protocol tests (``protocol/manifest.ttl``), sent to the live server as the manifest writes them.

Each test is a sequence of ``ht:Request``s (method, path, headers, body) with the expected response: a
status class (``mf:expectedStatus``), and for queries the kind of answer (``mf:expectedFormat``: boolean,
tabular or RDF) and the boolean (``mf:expectedBoolean``). Paths start with ``/sparql/``, replaced by the
endpoint's path as the manifest says. The data the tests name (``ut:graphData``) is in the session's store,
in the graphs the tests use. The update tests (``update`` in their name) run against a second server over an
empty store with an API token: their update requests go to ``/update`` (the service's update endpoint), their
queries to ``/sparql``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, parse

from . import manifest as m

HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

RESULT_MEDIA = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
BOOLEAN_MEDIA = ("application/sparql-results+json", "application/sparql-results+xml")
RDF_MEDIA = {
    "application/rdf+xml": RdfFormat.RDF_XML,
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
}


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    statuses: set[str] = field(default_factory=set)  # "2xx", "3xx", "4xx", "5xx"
    expected_format: str | None = None
    expected_boolean: bool | None = None


def requests_of(case: m.TestCase) -> list[HttpRequest]:
    g = case.graph
    out = []
    for req, method, p in m.http_requests(case):
        headers = m.http_headers(g, req)
        body = None
        body_node = g.value(req, m.HT + "body")
        if body_node is not None:
            chars = g.value(body_node, m.CNT + "chars").value  # type: ignore[union-attr]
            # The manifest stores the text; the request sends it in the charset its Content-Type declares
            # (UTF-16 for the non-UTF-8 tests).
            charset = "utf-8"
            for param in headers.get("content-type", "").split(";")[1:]:
                name, _, value = param.partition("=")
                if name.strip().lower() == "charset":
                    charset = value.strip().strip('"')
            body = chars.encode(charset)
        resp = g.value(req, m.HT + "resp")
        statuses = {
            o.value.removeprefix(HTS).lower()
            for o in g.objects(resp, m.MF + "expectedStatus")
            if isinstance(o, NamedNode)
        }
        fmt = g.value(resp, m.MF + "expectedFormat")
        boolean = g.value(resp, m.MF + "expectedBoolean")
        out.append(
            HttpRequest(
                method=method,
                path="/sparql" + p[len("/sparql/") :] if p.startswith("/sparql/") else p,
                headers=headers,
                body=body,
                statuses=statuses,
                expected_format=fmt.value if fmt is not None else None,
                expected_boolean=(boolean.value == "true") if boolean is not None else None,
            )
        )
    return out


def _cases() -> list[object]:
    if not m.available():
        return m.missing_param()
    return m.params(m.read_manifest(m.W3C_DIR / "protocol" / "manifest.ttl"))


def is_update_case(case: m.TestCase) -> bool:
    return "update" in case.id.split("/")[-1]


def update_path(req: HttpRequest) -> str:
    """Where an update test's request goes: queries to the query endpoint, everything else to /update."""
    media = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if req.method == "GET" or media == "application/sparql-query":
        return req.path
    if media == "application/x-www-form-urlencoded" and (req.body or b"").startswith(b"query="):
        return req.path
    return "/update" + req.path[len("/sparql") :]


def check_response(req: HttpRequest, resp) -> None:  # type: ignore[no-untyped-def]
    status_class = f"{resp.status_code // 100}xx"
    assert status_class in req.statuses, (
        f"{req.method} {req.path}: expected status {sorted(req.statuses)}, got {resp.status_code}: {resp.text[:500]}"
    )
    if req.expected_format is None:
        return
    media = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if req.expected_format == "boolean":
        assert media in BOOLEAN_MEDIA, f"a boolean answer needs XML or JSON results, got {media!r}"
        result = m.parse_results(resp.content, RESULT_MEDIA[media])
        assert isinstance(result, bool), f"expected a boolean result, got {result!r}"
        if req.expected_boolean is not None:
            assert result is req.expected_boolean, f"expected {req.expected_boolean}, got {result}"
    elif req.expected_format == "tabular":
        assert media in RESULT_MEDIA, f"expected XML, JSON, CSV or TSV results, got {media!r}"
        if media != "text/csv":  # pyoxigraph reads CSV too loosely to be a check
            result = m.parse_results(resp.content, RESULT_MEDIA[media])
            assert isinstance(result, m.Solutions), f"expected solutions, got {result!r}"
    elif req.expected_format == "RDF":
        assert media in RDF_MEDIA, f"expected RDF/XML, Turtle or N-Triples, got {media!r}"
        list(parse(resp.content, format=RDF_MEDIA[media]))  # raises on a malformed answer
    else:
        raise AssertionError(f"unknown mf:expectedFormat {req.expected_format!r}")


@pytest.mark.w3c
@pytest.mark.parametrize("case", _cases())
def test_protocol(case: m.TestCase, request) -> None:  # type: ignore[no-untyped-def]
    requests = requests_of(case)
    assert requests, f"{case.id}: no ht:requests in the manifest"
    update = is_update_case(case)
    client = request.getfixturevalue("w3c_write_client" if update else "w3c_client")
    for req in requests:
        path = update_path(req) if update else req.path
        resp = client.request(req.method, path, headers=req.headers, content=req.body)
        check_response(req, resp)
