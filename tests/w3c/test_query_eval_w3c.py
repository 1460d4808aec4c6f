"""SPARQL 1.1 Query: evaluation and syntax tests of ``manifest-sparql11-query.ttl``, over HTTP.

Each ``mf:QueryEvaluationTest`` sends its query to ``/sparql`` with ``default-graph-uri`` = its ``qt:data``
files and ``named-graph-uri`` = its ``qt:graphData`` files (graphs named by file URL in the session's
store) and compares the answer with ``mf:result``. Syntax tests check the status: 200 for a positive test,
400 for a negative one. The entailment and federated suites of ``manifest-all.ttl`` are listed as skipped.
"""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode, Dataset, Literal, NamedNode, Quad

from . import manifest as m

EVALUATION = {"QueryEvaluationTest"}
POSITIVE = {"PositiveSyntaxTest11", "PositiveSyntaxTest"}
NEGATIVE = {"NegativeSyntaxTest11", "NegativeSyntaxTest"}


def _cases() -> list[object]:
    if not m.available():
        return m.missing_param()
    cases = m.all_cases("manifest-sparql11-query.ttl")
    for suite in m.SKIPPED_SUITES:
        cases += m.read_manifest(m.W3C_DIR / suite / "manifest.ttl")
    return m.params(cases)


@pytest.mark.w3c
@pytest.mark.parametrize("case", _cases())
def test_query(case: m.TestCase, w3c_client) -> None:  # type: ignore[no-untyped-def]
    resp = m.send(w3c_client, case)
    if case.type in POSITIVE:
        assert resp.status_code == 200, f"{case.query}: positive syntax test answered {resp.status_code}: {resp.text}"
        return
    if case.type in NEGATIVE:
        assert resp.status_code == 400, f"{case.query}: negative syntax test answered {resp.status_code}: {resp.text}"
        return
    assert case.type in EVALUATION, f"unknown test type {case.type}"
    assert case.result is not None
    assert resp.status_code == 200, f"{case.query}: HTTP {resp.status_code}: {resp.text}"
    expected = m.expected_result(case.result)
    actual = m.response_result(resp)
    m.check(expected, actual, case.query.read_text(encoding="utf-8"), f"{case.name} ({case.query}): ")  # type: ignore[union-attr]


# The harness's own comparisons: a conformance run is only as good as its checks.

EX = "http://example.org/"


def _lit(value: str, dt: str | None = None) -> Literal:
    return Literal(value, datatype=NamedNode(m.XSD + dt)) if dt else Literal(value)


@pytest.mark.w3c
def test_harness_rows_match_up_to_blank_node_renaming() -> None:
    a, b, c = BlankNode("a"), BlankNode("b"), BlankNode("c")
    x, y = BlankNode("x"), BlankNode("y")
    expected = [{"s": a, "o": b}, {"s": b, "o": a}, {"s": NamedNode(EX), "o": _lit("1")}]
    assert m.match_rows(expected, [{"s": NamedNode(EX), "o": _lit("1")}, {"s": y, "o": x}, {"s": x, "o": y}])
    # a blank node used twice must map to one blank node: a→x, b→x is no bijection
    assert not m.match_rows([{"s": a}, {"s": b}], [{"s": x}, {"s": x}])
    assert not m.match_rows([{"s": a, "o": a}], [{"s": x, "o": y}])
    assert not m.match_rows(expected, [*expected[:2], {"s": NamedNode(EX), "o": _lit("2")}])
    assert not m.match_rows([{"s": c}], [{"s": c}, {"s": c}])  # multisets: counts matter


@pytest.mark.w3c
def test_harness_order_and_lexical_forms() -> None:
    assert m.order_keys("SELECT * { ?s ?p ?o } ORDER BY ?s DESC(?o) LIMIT 2") == ["s", "o"]
    assert m.order_keys("SELECT * { ?s ?p ?o } ORDER BY STR(?o)") == []
    assert m.order_keys("SELECT * { { SELECT * { ?s ?p ?o } ORDER BY ?s } }") is None
    rows = [{"s": _lit("1", "integer"), "o": _lit("b")}, {"s": _lit("1", "integer"), "o": _lit("a")}]
    two = [*rows, {"s": _lit("2", "integer")}]
    query = "SELECT * { ?s ?p ?o } ORDER BY ?s"
    m.check(m.Solutions(["s", "o"], two), m.Solutions(["s", "o"], [rows[1], rows[0], two[2]]), query)  # tie on ?s
    with pytest.raises(m.ResultMismatch, match="order differs"):
        m.check(m.Solutions(["s", "o"], two), m.Solutions(["s", "o"], [two[2], *rows]), query)
    with pytest.raises(m.LexicalFormMismatch):
        m.check(
            m.Solutions(["v"], [{"v": _lit("1.0", "decimal")}]), m.Solutions(["v"], [{"v": _lit("1", "decimal")}]), ""
        )
    with pytest.raises(m.ResultMismatch) as info:
        m.check(
            m.Solutions(["v"], [{"v": _lit("1", "decimal")}]), m.Solutions(["v"], [{"v": _lit("1", "integer")}]), ""
        )
    assert not isinstance(info.value, m.LexicalFormMismatch)
    with pytest.raises(m.ResultMismatch):
        m.check(True, False, "ASK {}")


@pytest.mark.w3c
def test_harness_graphs_compare_by_isomorphism() -> None:
    p = NamedNode(EX + "p")
    g1 = Dataset([Quad(BlankNode("a"), p, BlankNode("b")), Quad(BlankNode("b"), p, _lit("x"))])
    g2 = Dataset([Quad(BlankNode("q"), p, BlankNode("r")), Quad(BlankNode("r"), p, _lit("x"))])
    g3 = Dataset([Quad(BlankNode("q"), p, BlankNode("r")), Quad(BlankNode("q"), p, _lit("x"))])
    m.check(g1, g2, "CONSTRUCT")
    with pytest.raises(m.ResultMismatch):
        m.check(g1, g3, "CONSTRUCT")
