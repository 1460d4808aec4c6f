"""SPARQL 1.1 Query: evaluation and syntax tests of ``manifest-sparql11-query.ttl``, over HTTP.

Each ``mf:QueryEvaluationTest`` sends its query to ``/sparql`` with ``default-graph-uri`` = its ``qt:data``
files and ``named-graph-uri`` = its ``qt:graphData`` files (graphs named by file URL in the session's
store) and compares the answer with ``mf:result``. Syntax tests check the status: 200 for a positive test,
400 for a negative one. The entailment and federated suites of ``manifest-all.ttl`` are listed as skipped.
"""

from __future__ import annotations

import pytest

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
