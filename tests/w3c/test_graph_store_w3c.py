"""SPARQL 1.1 Graph Store HTTP Protocol tests (``graph-store-protocol/manifest-{direct,indirect}.ttl``), over HTTP.

Each test is a sequence of ``ht:Request``s sent to the live server's ``/store`` (the manifest's ``/gsp``), with a
read-write API token, on a store emptied before the test (``DROP ALL`` through ``/update``). Checked: the
status (a code such as ``hts:Created``, or a class), the media type of the response when the manifest gives
one, and the body, parsed and compared as a graph (isomorphism, blank nodes included). ``$LOCATION$`` is
replaced by the ``Location`` of the response that announced it (POST to the graph store).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pyoxigraph import Dataset, RdfFormat, parse

from . import manifest as m

GSP_DIR = m.W3C_DIR / "graph-store-protocol"
HTS = "http://www.w3.org/2011/http-statusCodes#"
CODES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
RDF_MEDIA = {"text/turtle": RdfFormat.TURTLE, "application/n-triples": RdfFormat.N_TRIPLES}


@dataclass
class GspRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    statuses: set[str] = field(default_factory=set)  # "201", "2xx", …
    location_var: str | None = None
    response_media: str | None = None
    response_body: str | None = None


def _headers(g: m.Graph, node: object) -> dict[str, str]:
    return {k.lower(): v for k, v in m.http_headers(g, node).items()}


def requests_of(case: m.TestCase) -> list[GspRequest]:
    g = case.graph
    out = []
    for req, method, path in m.http_requests(case):
        body_node = g.value(req, m.HT + "body")
        body = g.value(body_node, m.CNT + "chars").value.encode() if body_node is not None else None  # type: ignore[union-attr]
        resp = g.value(req, m.HT + "resp")
        statuses = set()
        for o in g.objects(resp, m.MF + "expectedStatus"):
            name = o.value.removeprefix(HTS)  # type: ignore[union-attr]
            statuses.add(str(CODES[name]) if name in CODES else name.removeprefix("StatusCode").lower())
        location = g.value(resp, m.MF + "expectedLocation")
        resp_body = g.value(resp, m.HT + "body")
        out.append(
            GspRequest(
                method=method,
                path="/store" + path[len("/gsp") :],
                headers=_headers(g, req),
                body=body,
                statuses=statuses,
                location_var=location.value if location is not None else None,
                response_media=_headers(g, resp).get("content-type"),
                response_body=g.value(resp_body, m.CNT + "chars").value if resp_body is not None else None,  # type: ignore[union-attr]
            )
        )
    return out


def _cases() -> list[object]:
    if not m.available():
        return m.missing_param()
    cases = [
        c
        for name in ("manifest-indirect.ttl", "manifest-direct.ttl")
        for c in m.read_manifest(GSP_DIR / name)
        if c.type == "GraphStoreProtocolTest"
    ]
    return m.params(cases)


def _status_ok(code: int, statuses: set[str]) -> bool:
    return str(code) in statuses or f"{code // 100}xx" in statuses


@pytest.mark.w3c
@pytest.mark.parametrize("case", _cases())
def test_graph_store(case: m.TestCase, w3c_write_client) -> None:  # type: ignore[no-untyped-def]
    client = w3c_write_client
    reset = client.post("/update", content="DROP ALL", headers={"Content-Type": "application/sparql-update"})
    assert reset.status_code == 204, reset.text
    variables: dict[str, str] = {}
    requests = requests_of(case)
    assert requests, f"{case.id}: no ht:requests in the manifest"
    for req in requests:
        path, body = req.path, req.body
        for var, value in variables.items():
            path = path.replace(var, value)
            body = body.replace(var.encode(), value.encode()) if body is not None else None
        resp = client.request(req.method, path, headers=req.headers, content=body)
        where = f"{req.method} {path}"
        assert _status_ok(resp.status_code, req.statuses), (
            f"{where}: expected {sorted(req.statuses)}, got {resp.status_code}: {resp.text[:300]}"
        )
        if req.location_var:
            assert "location" in resp.headers, f"{where}: no Location header"
            variables[req.location_var] = resp.headers["location"]
        if req.response_media:
            expected_media = req.response_media.split(";")[0].strip()
            media = resp.headers.get("content-type", "").split(";")[0].strip()
            assert media == expected_media, f"{where}: Content-Type {media!r}, expected {expected_media!r}"
        if req.response_body is not None and req.method != "HEAD":
            url = str(resp.request.url)
            expected = Dataset(parse(req.response_body, format=RdfFormat.TURTLE, base_iri=url))
            actual = Dataset(parse(resp.content, format=RDF_MEDIA[expected_media], base_iri=url))
            assert m.isomorphic(expected, actual), (
                f"{where}: graphs differ\nexpected:\n{sorted(map(str, expected))}\nactual:\n{sorted(map(str, actual))}"
            )


@pytest.mark.w3c
def test_graph_store_needs_token(w3c_write_server) -> None:  # type: ignore[no-untyped-def]
    import httpx

    resp = httpx.get(w3c_write_server.url + "/store", params={"default": ""})
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].startswith("Bearer")
