"""SPARQL 1.1 Update evaluation tests (``manifest-sparql11-update.ttl``: ``mf:UpdateEvaluationTest``), over HTTP.

For each test, on the write server (an empty store, a read-write API token): the test's initial dataset
(``ut:data`` in the default graph, each ``ut:graphData`` in the graph its ``rdfs:label`` names) is sent as one
N-Quads ``PUT /store`` (which replaces the whole store), the update (with a ``BASE`` of its file's URL) is
sent to ``/update``, and the whole store, read back with ``GET /store`` as N-Quads, is compared with the
expected dataset (isomorphism; blank nodes of each file kept distinct). The syntax tests of the update
suites are parser tests of the engine and are not run here. Expected failures: ``EXPECTED_FAILURES`` below,
strict xfails with their reasons (see EXPECTED_FAILURES.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Dataset, DefaultGraph, NamedNode, Quad, RdfFormat, parse, serialize

from . import manifest as m

UPDATE_TOP = "manifest-sparql11-update.ttl"

#: test id -> (reason, exception): deviations of the service or the engine (none at present; pyoxigraph 0.5.13).
EXPECTED_FAILURES: dict[str, tuple[str, type[BaseException]]] = {}
LOAD_REFUSED = (
    "LOAD: the service refuses LOAD from sources not on RULAKG_LOAD_ALLOWLIST with a 403, SILENT or not "
    "(server-side request forgery; see tests/test_writes.py)"
)
SKIPS = {f"update-silent/{t}": LOAD_REFUSED for t in ("load-silent", "load-into-silent")}


def _graph_data(g: m.Graph, node: object) -> list[tuple[Path, str | None]]:
    out: list[tuple[Path, str | None]] = []
    for data in g.objects(node, m.UT + "data"):
        if isinstance(data, NamedNode):
            out.append((m.url_path(data.value), None))
    for gd in g.objects(node, m.UT + "graphData"):
        file = g.value(gd, m.UT + "graph")
        label = g.value(gd, m.RDFS + "label")
        if file is not None and label is not None:
            out.append((m.url_path(file.value), label.value))  # type: ignore[union-attr]
    return out


def dataset_of(files: list[tuple[Path, str | None]]) -> list[Quad]:
    """The quads of the files, each in its graph, blank nodes distinct per file."""
    quads = []
    for i, (path, graph) in enumerate(files):
        target = NamedNode(graph) if graph else DefaultGraph()
        prefix = f"f{i}x"

        def fresh(t: object, prefix: str = prefix) -> object:
            return BlankNode(prefix + t.value) if isinstance(t, BlankNode) else t  # type: ignore[attr-defined]

        for t in parse(path=path, format=m.rdf_format(path), base_iri=m.file_url(path)):
            quads.append(Quad(fresh(t.subject), t.predicate, fresh(t.object), target))  # type: ignore[arg-type]
    return quads


def _cases() -> list[object]:
    if not m.available():
        return m.missing_param()
    params = []
    for case in m.all_cases(UPDATE_TOP):
        if case.type != "UpdateEvaluationTest":
            continue
        marks = [pytest.mark.w3c]
        if case.id in SKIPS:
            marks.append(pytest.mark.skip(reason=SKIPS[case.id]))
        elif case.id in EXPECTED_FAILURES:
            why, raises = EXPECTED_FAILURES[case.id]
            marks.append(pytest.mark.xfail(reason=why, raises=raises, strict=True))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


@pytest.mark.w3c
@pytest.mark.parametrize("case", _cases())
def test_update_evaluation(case: m.TestCase, w3c_write_client) -> None:  # type: ignore[no-untyped-def]
    client = w3c_write_client
    g = case.graph
    action = g.value(case.node, m.MF + "action")
    result = g.value(case.node, m.MF + "result")
    request = g.value(action, m.UT + "request")
    assert isinstance(request, NamedNode), f"{case.id}: no ut:request"
    initial = dataset_of(_graph_data(g, action))
    body = serialize(initial, format=RdfFormat.N_QUADS) if initial else b""
    put = client.put("/store", content=body, headers={"Content-Type": "application/n-quads"})
    assert put.status_code in (200, 201, 204), f"loading the test data: {put.status_code} {put.text}"
    update_file = m.url_path(request.value)
    text = f"BASE <{m.file_url(update_file)}>\n" + update_file.read_text(encoding="utf-8")
    resp = client.post("/update", content=text.encode(), headers={"Content-Type": "application/sparql-update"})
    outcome = g.value(result, m.UT + "result")
    if outcome is not None and outcome.value.endswith("failure"):  # type: ignore[union-attr]
        assert 400 <= resp.status_code < 500, f"expected the update to fail, got {resp.status_code}"
        return
    assert resp.status_code == 204, f"update refused: {resp.status_code} {resp.text[:500]}"
    got = client.get("/store", headers={"Accept": "application/n-quads"})
    assert got.status_code == 200, got.text
    actual = Dataset(parse(got.content, format=RdfFormat.N_QUADS))
    expected = Dataset(dataset_of(_graph_data(g, result)))
    m.check(expected, actual, "", context=f"{case.id}: ")
