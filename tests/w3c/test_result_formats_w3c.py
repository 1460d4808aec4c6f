"""SPARQL 1.1 result formats (``manifest-sparql11-results.ttl``: csv-tsv-res, json-res), over HTTP.

Each test asks the server for the format of its expected file and compares:

* CSV (``mf:CSVResultFormatTest``): textually, record by record, as the CSV/TSV Recommendation allows:
  line ends normalised (CRLF is what the format sends, the files use LF), blank-node labels renamed in
  order of appearance, rows in order (every query of the suite orders all its variables);
* TSV: the header line textually, the rows as terms (pyoxigraph's TSV parser) like any other result;
* JSON: the ``head.vars`` list as it is, the well-formedness of each binding object, and the solutions
  as terms.

When the only difference is the order of the columns (``SELECT *``), ``ColumnOrderMismatch`` is raised
after everything else was compared, so an expected failure for the column order still catches any other
regression.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from pyoxigraph import QueryResultsFormat

from . import manifest as m

MEDIA = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".srj": "application/sparql-results+json",
    ".srx": "application/sparql-results+xml",
}


def _cases() -> list[object]:
    if not m.available():
        return m.missing_param()
    return m.params(m.all_cases("manifest-sparql11-results.ttl"))


def csv_rows(text: str) -> list[list[str]]:
    """The records of a CSV document (CRLF or LF line ends)."""
    return list(csv.reader(io.StringIO(text.replace("\r\n", "\n"), newline="")))


def relabel_bnodes(rows: list[list[str]]) -> list[list[str]]:
    """Blank-node labels renamed by order of first appearance (labels are not significant)."""
    labels: dict[str, str] = {}
    return [[labels.setdefault(c, f"_:b{len(labels)}") if c.startswith("_:") else c for c in row] for row in rows]


def _same_number(a: str, b: str) -> bool:
    try:
        return a != b and float(a) == float(b)
    except ValueError:
        return False


def check_csv(case: m.TestCase, body: bytes) -> None:
    assert case.result is not None
    expected = csv_rows(case.result.read_text(encoding="utf-8"))
    actual = csv_rows(body.decode("utf-8"))
    assert actual and expected, "empty CSV"
    reordered = expected[0] != actual[0]
    if reordered:
        assert sorted(actual[0]) == sorted(expected[0]), f"CSV header {actual[0]} differs from {expected[0]}"
        index = [actual[0].index(h) for h in expected[0]]
        actual = [[row[i] if i < len(row) else "" for i in index] for row in actual]
    expected, actual = relabel_bnodes(expected), relabel_bnodes(actual)
    if actual != expected:
        show = lambda rows: "\n  ".join(",".join(r) for r in rows)  # noqa: E731
        message = f"CSV differs from {case.result.name}:\nexpected:\n  {show(expected)}\nactual:\n  {show(actual)}"
        cells = [
            (a, e) for ra, re_ in zip(actual, expected, strict=False) for a, e in zip(ra, re_, strict=False) if a != e
        ]
        if len(actual) == len(expected) and cells and all(_same_number(a, e) for a, e in cells):
            raise m.LexicalFormMismatch("only lexical forms of numbers differ: " + message)
        raise m.ResultMismatch(message)
    if reordered:
        raise m.ColumnOrderMismatch(f"CSV columns {csv_rows(body.decode())[0]}, expected {expected[0]}")


def check_tsv(case: m.TestCase, body: bytes) -> None:
    assert case.result is not None and case.query is not None
    text = body.decode("utf-8")
    expected_header = case.result.read_text(encoding="utf-8").split("\n", 1)[0].rstrip("\r")
    header = text.split("\n", 1)[0].rstrip("\r")
    assert sorted(header.split("\t")) == sorted(expected_header.split("\t")), f"TSV header {header!r}"
    actual = m.parse_results(body, QueryResultsFormat.TSV)
    m.check(m.expected_result(case.result), actual, case.query.read_text(encoding="utf-8"), f"{case.name}: ")
    if header != expected_header:
        raise m.ColumnOrderMismatch(f"TSV header {header!r}, expected {expected_header!r}")


BINDING_KEYS = {"type", "value", "datatype", "xml:lang", "its:dir"}


def check_json(case: m.TestCase, body: bytes) -> None:
    assert case.result is not None and case.query is not None
    doc = json.loads(body)
    expected_doc = json.loads(case.result.read_text(encoding="utf-8"))
    assert "head" in doc, "no head in the JSON results"
    variables, expected_variables = doc["head"].get("vars", []), expected_doc["head"].get("vars", [])
    assert sorted(variables) == sorted(expected_variables), f"head.vars {variables}, expected {expected_variables}"
    if "boolean" in expected_doc:
        assert doc.get("boolean") is expected_doc["boolean"], f"boolean {doc.get('boolean')!r}"
        assert "results" not in doc
    else:
        assert isinstance(doc.get("results", {}).get("bindings"), list), "no results.bindings list"
        for binding in doc["results"]["bindings"]:
            for var, value in binding.items():
                assert var in doc["head"]["vars"], f"binding of ?{var}, not in head.vars"
                assert set(value) <= BINDING_KEYS, f"unexpected keys in {value}"
                assert value["type"] in ("uri", "literal", "bnode", "triple"), f"unexpected type in {value}"
                assert not ("datatype" in value and "xml:lang" in value), f"both datatype and language: {value}"
    actual = m.parse_results(body, QueryResultsFormat.JSON)
    m.check(m.expected_result(case.result), actual, case.query.read_text(encoding="utf-8"), f"{case.name}: ")
    if variables != expected_variables:
        raise m.ColumnOrderMismatch(f"head.vars {variables}, expected {expected_variables}")


@pytest.mark.w3c
@pytest.mark.parametrize("case", _cases())
def test_result_format(case: m.TestCase, w3c_client) -> None:  # type: ignore[no-untyped-def]
    assert case.result is not None
    media = MEDIA[case.result.suffix]
    resp = m.send(w3c_client, case, accept=media)
    assert resp.status_code == 200, f"HTTP {resp.status_code}: {resp.text}"
    assert resp.headers["content-type"].split(";")[0].strip() == media
    {".csv": check_csv, ".tsv": check_tsv, ".srj": check_json}[case.result.suffix](case, resp.content)
