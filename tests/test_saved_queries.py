"""Saved queries: the engine (decorators, parameters, library checks, binding, pagination) and its REST API,
RDF descriptions, OpenAPI document and CLI — over a real store and the real server, through HTTP."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import ONTOLOGY_DIR
from openapi_spec_validator import validate as validate_openapi
from server import LiveServer, build_store

from rulakg.config import PROJECT_ROOT
from rulakg.queries import LibraryError, ParameterError, bind, load_library, to_wire, validate
from rulakg.queries.decorators import DecoratorError, parse_decorators
from rulakg.queries.library import derive_enumeration
from rulakg.queries.parameters import XSD, parse_variable
from rulakg.sparql_text import paginate

FIXTURES = Path(__file__).parent / "fixtures" / "queries"
EXAMPLES = PROJECT_ROOT / "queries" / "examples"
BASE = "https://w3id.org/rulakg/"
ID = BASE + "id/"
CUBA, VENEZUELA, RUSSIA, MEXICO = (f"{ID}state/{s}" for s in ("cuba", "venezuela", "russia", "mexico"))
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
SCHEMA = "https://schema.org/"


# --- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def queries_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The library served in these tests: the project's example queries and the tests' own."""
    root = tmp_path_factory.mktemp("queries")
    shutil.copytree(EXAMPLES, root / "examples")
    shutil.copytree(FIXTURES / "rq", root / "testing")
    return root


@pytest.fixture(scope="module")
def qstore(tmp_path_factory: pytest.TempPathFactory, queries_dir: Path) -> Path:
    """The states fixture built with the saved queries' graph and the VoID graph."""
    path = tmp_path_factory.mktemp("qstore")
    build_store(path, ONTOLOGY_DIR, FIXTURES / "data", describe_dataset=True, queries_dir=queries_dir)
    return path


@pytest.fixture(scope="module")
def qserver(qstore: Path, queries_dir: Path) -> Iterator[LiveServer]:
    with LiveServer(qstore, workers=2, queries_dir=queries_dir) as live:
        yield live


def api(server: LiveServer, name: str, method: str = "GET", **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.request(method, f"{server.url}/api/queries/{name}", timeout=30, **kwargs)


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def json_rows(response: httpx.Response) -> list[dict[str, dict[str, str]]]:
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def sparql_count(server: LiveServer, query: str) -> int:
    r = httpx.post(f"{server.url}/sparql", data={"query": query}, timeout=30)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# --- parameter conventions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "name", "type_", "required", "datatype", "language"),
    [
        ("_state_iri", "state", "iri", True, None, None),
        ("__year_integer", "year", "integer", False, XSD + "integer", None),
        ("_start_year_integer", "start_year", "integer", True, XSD + "integer", None),
        ("_name", "name", "string", True, XSD + "string", None),
        ("_name_literal", "name", "string", True, XSD + "string", None),
        ("_label_en", "label", "lang", True, None, "en"),
        ("__label_ru", "label", "lang", False, None, "ru"),
        ("_n_xsd_integer", "n", "integer", True, XSD + "integer", None),
        ("_y_xsd_gYear", "y", "gYear", True, XSD + "gYear", None),
        ("_code_rula_isoCode", "code", "datatype", True, BASE + "ontology#isoCode", None),
        ("_flag_boolean", "flag", "boolean", True, XSD + "boolean", None),
        ("_day_date", "day", "date", True, XSD + "date", None),
        ("_at_dateTime", "at", "dateTime", True, XSD + "dateTime", None),
        ("_x_number", "x", "number", True, None, None),
        ("_amount_decimal", "amount", "decimal", True, XSD + "decimal", None),
    ],
)
def test_parameter_conventions(variable, name, type_, required, datatype, language):
    p = parse_variable(variable)
    assert p is not None
    assert (p.name, p.type, p.required, p.datatype, p.language) == (name, type_, required, datatype, language)


def test_plain_variables_are_not_parameters():
    assert parse_variable("state") is None
    assert parse_variable("s_iri") is None


# --- decorators ------------------------------------------------------------------------------------------


def test_decorators_are_read():
    dec = parse_decorators(
        "#+ summary: Visits\n#+ description: |\n#+   Line one.\n#+   Line two.\n#+ tags:\n#+   - a\n#+   - b\n"
        "#+ defaults:\n#+   - year: 2014\n#+ enumerate:\n#+   - state\n#+   - kind: [x, y]\n"
        "#+ pagination: 25\n#+ method: post\n#+ endpoint_in_url: False\nSELECT * {}\n"
    )
    assert dec.summary == "Visits"
    assert dec.description == "Line one.\nLine two."
    assert dec.tags == ["a", "b"]
    assert dec.defaults == {"year": "2014"}
    assert dec.enumerate == {"state": None, "kind": ["x", "y"]}
    assert (dec.pagination, dec.method, dec.endpoint_in_url) == (25, "POST", False)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("#+ summary: x\n#+ sumary: y\nSELECT * {}", 2, "unknown decorator `#+ sumary`"),
        ("#+ summary: x\n#+ pagination: many\nSELECT * {}", 2, "pagination"),
        ("#+ method: PUT\nSELECT * {}", 1, "GET or POST"),
        ("# a comment\n#+ summary: x\n#+ tags: [a\nSELECT * {}", 3, "not valid YAML"),
        ("#+ endpoint: http://example.org/sparql\nSELECT * {}", 1, "own store"),
    ],
)
def test_decorator_errors_name_the_line(text, line, words):
    with pytest.raises(DecoratorError) as info:
        parse_decorators(text)
    assert info.value.line == line
    assert words in str(info.value)


# --- the library -----------------------------------------------------------------------------------------


def test_project_library_loads():
    """`rulakg queries check` on the project's own queries: every file passes."""
    library = load_library(PROJECT_ROOT / "queries")
    assert {"list-states", "state-visits", "visits-in-year", "describe-state"} <= set(library.queries)
    visits = library.get("state-visits")
    assert visits is not None and "examples" in visits.tags and "visits" in visits.tags
    assert [(p.name, p.type, p.required) for p in visits.parameters] == [
        ("state", "iri", True),
        ("year", "integer", False),
    ]
    assert library.get("describe-state").form == "CONSTRUCT"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("#+ summary: x\nSELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(\n}\n", 4, "syntax error"),
        ("SELECT ?s WHERE {\n  ?s ?p ?o ?x .\n}\n", 2, "syntax error"),
        ("SELECT ?s WHERE {\n  ?s rula:name ?o\n}\n", 2, "undefined prefix"),
        ("SELECT ?s WHERE {\n  ?s ?p ?_state_iri\n}\n", 2, "not in the SELECT projection"),
        ("#+ defaults:\n#+   - yeer: 2014\nSELECT ?_year_integer {}\n", 1, "'yeer', which is not a parameter"),
        ("#+ defaults:\n#+   - year: soon\nSELECT ?_year_integer {}\n", 1, "must be an integer"),
        ("SELECT ?_page_integer {}\n", 1, "reserved"),
        ("SELECT ?_x_iri ?_x_integer {}\n", 1, "declared twice"),
        ("SELECT ?s ?__x_iri {\n  ?s ?p ?o\n  FILTER(!BOUND(?__x_iri) || ?o = ?__x_iri)\n}", 3, "COALESCE"),
    ],
)
def test_broken_query_reports_file_and_line(tmp_path: Path, text, line, words):
    (tmp_path / "section").mkdir()
    (tmp_path / "good.rq").write_text("SELECT * { ?s ?p ?o }\n")
    broken = tmp_path / "section" / "broken.rq"
    broken.write_text(text)
    with pytest.raises(LibraryError) as info:
        load_library(tmp_path)
    [problem] = info.value.problems
    assert problem.startswith(f"{broken}:{line}: "), problem
    assert words in problem


def test_updates_and_duplicate_names_are_refused(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "same.rq").write_text("SELECT * {}")
    (tmp_path / "b" / "same.rq").write_text("ASK {}")
    (tmp_path / "drop.rq").write_text("DROP ALL")
    with pytest.raises(LibraryError) as info:
        load_library(tmp_path)
    text = str(info.value)
    assert "already taken" in text and "SPARQL Update" in text


def test_enumeration_is_derived_from_the_where_clause():
    text = "PREFIX r: <http://r/>\nCONSTRUCT { ?x r:p ?_g_iri } WHERE { ?x r:in ?_g_iri . { ?x r:q 1 } } LIMIT 5"
    derived = derive_enumeration(text, "_g_iri")
    assert derived is not None
    assert derived.startswith("PREFIX r: <http://r/>\nSELECT DISTINCT ?_g_iri WHERE { ?x r:in ?_g_iri . { ?x r:q 1 } }")
    ox.Store().query(derived)  # it parses


# --- binding ---------------------------------------------------------------------------------------------


def _echo():  # type: ignore[no-untyped-def]
    return load_library(FIXTURES / "rq").get("echo")


def test_values_become_typed_terms():
    terms = bind(
        _echo(),
        {
            "text": ["hi"],
            "number": ["-12"],
            "day": ["2014-02-28"],
            "label": ["Cuba"],
            "year": ["1962"],
            "amount": ["1.5"],
            "thing": ["rid:state/cuba"],
            "at": ["2014-02-28T10:00:00Z"],
        },
    )
    assert terms["_text"] == ox.Literal("hi")
    assert terms["__number_integer"] == ox.Literal("-12", datatype=ox.NamedNode(XSD + "integer"))
    assert terms["__day_date"] == ox.Literal("2014-02-28", datatype=ox.NamedNode(XSD + "date"))
    assert terms["__flag_boolean"] == ox.Literal("false", datatype=ox.NamedNode(XSD + "boolean"))  # the default
    assert terms["__label_en"] == ox.Literal("Cuba", language="en")
    assert terms["__year_xsd_gYear"] == ox.Literal("1962", datatype=ox.NamedNode(XSD + "gYear"))
    assert terms["__thing_iri"] == ox.NamedNode(CUBA)  # the project's prefixes are expanded
    assert to_wire(terms)["__thing_iri"] == {"type": "iri", "value": CUBA}
    assert to_wire(terms)["__label_en"] == {"type": "literal", "value": "Cuba", "language": "en"}


@pytest.mark.parametrize(
    ("values", "name", "words"),
    [
        ({}, "text", "required parameter 'text'"),
        ({"text": ["a"], "number": ["12.5"]}, "number", "must be an integer"),
        ({"text": ["a"], "day": ["2014-02-30"]}, "day", "must be a date"),
        ({"text": ["a"], "flag": ["maybe"]}, "flag", "true or false"),
        ({"text": ["a"], "thing": ["not an iri"]}, "thing", "absolute IRI"),
        ({"text": ["a"], "thing": ["http://x/a>b"]}, "thing", "absolute IRI"),
        ({"text": ["a"], "colour": ["red"]}, "colour", "unknown parameter 'colour'"),
        ({"text": ["a", "b"]}, "text", "given 2 times"),
    ],
)
def test_bad_values_name_the_parameter(values, name, words):
    with pytest.raises(ParameterError) as info:
        bind(_echo(), values)
    assert info.value.name == name
    assert words in str(info.value)


def test_enumerated_values_are_enforced():
    query = _echo()
    param = query.parameter("number")
    param.enum = ["1", "2"]
    assert validate(param, "2") == ox.Literal("2", datatype=ox.NamedNode(XSD + "integer"))
    with pytest.raises(ParameterError, match="not an allowed value of the parameter 'number'"):
        validate(param, "3")


# --- pagination of the text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "offset", "rows"),
    [
        ("SELECT ?n { VALUES ?n { 1 2 3 4 5 6 7 } } ORDER BY ?n", 3, 3, [4, 5, 6]),
        ("SELECT ?n { VALUES ?n { 1 2 3 4 5 6 7 } } ORDER BY ?n LIMIT 5", 3, 3, [4, 5]),
        ("SELECT ?n { VALUES ?n { 1 2 3 4 5 6 7 } } ORDER BY ?n OFFSET 2 LIMIT 4", 3, 3, [6]),
        ("SELECT ?n { { SELECT ?n { VALUES ?n { 1 2 3 4 } } LIMIT 3 } } ORDER BY ?n # LIMIT 1", 2, 0, [1, 2]),
        ("SELECT ?n { VALUES ?n { 1 2 3 } } ORDER BY ?n LIMIT 10 VALUES ?m { 1 }", 2, 2, [3]),
    ],
)
def test_paginate_sets_the_outermost_window(text, limit, offset, rows):
    paged = paginate(text, limit, offset)
    assert [int(r[0].value) for r in ox.Store().query(paged)] == rows


# --- the REST API: browse --------------------------------------------------------------------------------


def test_list_every_query(qserver: LiveServer):
    r = httpx.get(f"{qserver.url}/api/queries", timeout=30)
    assert r.status_code == 200
    queries = {q["name"]: q for q in r.json()["queries"]}
    assert set(queries) == {
        "list-states",
        "state-visits",
        "visits-in-year",
        "states-in-grouping",
        "state-by-name",
        "describe-state",
        "echo",
        "count-triples",
    }
    visits = queries["state-visits"]
    assert visits["summary"] == "Visits to or from a state"
    assert visits["tags"] == ["examples", "visits"]
    assert visits["method"] == "GET"
    assert "SELECT DISTINCT ?_state_iri" in visits["sparql"] and visits["sparql"].startswith("#+ summary:")
    state, year = visits["parameters"]
    assert (state["name"], state["type"], state["required"]) == ("state", "iri", True)
    assert state["allowed_values"] == [CUBA, MEXICO, RUSSIA, VENEZUELA]  # computed at start-up on the store
    assert (year["name"], year["type"], year["required"], year["allowed_values"]) == ("year", "integer", False, None)
    derived = queries["states-in-grouping"]["parameters"][0]["allowed_values"]
    assert derived == [f"{ID}grouping/latin-america", f"{ID}grouping/socialist-countries"]
    assert queries["visits-in-year"]["parameters"][0]["default"] == "2014"
    assert queries["visits-in-year"]["method"] == "POST"
    assert queries["list-states"]["pagination"] == 50


# --- the REST API: run -----------------------------------------------------------------------------------


def test_run_with_iri_and_integer(qserver: LiveServer):
    rows = csv_rows(api(qserver, "state-visits", params={"state": CUBA, "year": "2014", "format": "csv"}))
    assert [r["visit"] for r in rows] == [f"{ID}visit/lavrov-havana-2014", f"{ID}visit/putin-havana-2014"]
    assert {r["_state_iri"] for r in rows} == {CUBA}


def test_optional_parameter(qserver: LiveServer):
    everything = json_rows(api(qserver, "state-visits", params={"state": VENEZUELA}))
    assert len(everything) == 2
    assert all("__year_integer" not in row for row in everything)  # unbound when not given
    in_2008 = json_rows(api(qserver, "state-visits", params={"state": VENEZUELA, "year": 2008}))
    assert len(in_2008) == 2
    none = json_rows(api(qserver, "state-visits", params={"state": VENEZUELA, "year": 2014}))
    assert none == []


def test_default_value(qserver: LiveServer):
    rows = csv_rows(api(qserver, "visits-in-year", headers={"Accept": "text/csv"}))
    assert {r["_year_integer"] for r in rows} == {"2014"}
    assert len(rows) == 2


def test_post_form_and_json(qserver: LiveServer):
    form = csv_rows(api(qserver, "visits-in-year", "POST", data={"year": "2008", "format": "csv"}))
    body = csv_rows(api(qserver, "visits-in-year", "POST", json={"year": 2008}, headers={"Accept": "text/csv"}))
    assert form == body
    assert {r["visit"] for r in form} == {f"{ID}visit/chavez-moscow-2008", f"{ID}visit/medvedev-caracas-2008"}
    bad = api(qserver, "visits-in-year", "POST", content=b"year: 2008", headers={"Content-Type": "text/plain"})
    assert bad.status_code == 415


@pytest.mark.parametrize(
    ("accept", "fmt", "media"),
    [
        ("application/sparql-results+json", None, "application/sparql-results+json"),
        ("application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("text/csv", None, "text/csv"),
        (None, "tsv", "text/tab-separated-values"),
        ("text/csv", "xml", "application/sparql-results+xml"),
    ],
)
def test_result_formats(qserver: LiveServer, accept, fmt, media):
    params = {"state": CUBA, **({"format": fmt} if fmt else {})}
    r = api(qserver, "state-visits", params=params, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media)
    assert "putin-havana-2014" in r.text


def test_construct_answers_rdf(qserver: LiveServer):
    r = api(qserver, "describe-state", params={"state": RUSSIA})
    assert r.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(r.content, ox.RdfFormat.TURTLE))
    assert {t.subject for t in triples} == {ox.NamedNode(RUSSIA)}
    assert len(triples) == 7
    nt = api(qserver, "describe-state", params={"state": RUSSIA}, headers={"Accept": "application/n-triples"})
    assert nt.headers["content-type"].startswith("application/n-triples")
    assert len(nt.text.strip().splitlines()) == 7
    assert api(qserver, "describe-state", params={"state": RUSSIA, "format": "csv"}).status_code == 400
    assert api(qserver, "describe-state", params={"state": RUSSIA}, headers={"Accept": "text/csv"}).status_code == 406


def test_language_tagged_parameter(qserver: LiveServer):
    rows = json_rows(api(qserver, "state-by-name", params={"name": "México"}))
    assert [r["state"]["value"] for r in rows] == [MEXICO]
    assert rows[0]["_name_es"] == {"type": "literal", "value": "México", "xml:lang": "es"}
    assert json_rows(api(qserver, "state-by-name", params={"name": "Mexico"})) == []  # the English label


def test_every_type_round_trips(qserver: LiveServer):
    r = api(
        qserver,
        "echo",
        "POST",
        json={
            "text": "día",
            "number": 7,
            "day": "2014-02-28",
            "flag": True,
            "label": "hello",
            "year": "1962",
            "amount": "2.50",
            "thing": "wd:Q241",
            "at": "2014-02-28T10:00:00",
        },
    )
    [row] = json_rows(r)
    assert row["_text"] == {"type": "literal", "value": "día"}
    assert row["length"]["value"] == "3"
    assert row["__number_integer"] == {"type": "literal", "value": "7", "datatype": XSD + "integer"}
    assert row["__flag_boolean"]["value"] == "true"
    assert row["__label_en"] == {"type": "literal", "value": "hello", "xml:lang": "en"}
    assert row["year_type"]["value"] == XSD + "gYear"
    assert row["__thing_iri"] == {"type": "uri", "value": "http://www.wikidata.org/entity/Q241"}
    assert row["__at_datetime"]["datatype"] == XSD + "dateTime"


# --- pagination over HTTP --------------------------------------------------------------------------------


def _links(response: httpx.Response) -> dict[str, str]:
    return {rel: str(link["url"]) for rel, link in response.links.items()}


def test_pages_and_link_headers(qserver: LiveServer):
    everything = [r["state"]["value"] for r in json_rows(api(qserver, "list-states"))]
    assert len(everything) == 4
    first = api(qserver, "list-states", params={"per_page": 3})
    links = _links(first)
    assert set(links) == {"next", "first"}
    assert [r["state"]["value"] for r in json_rows(first)] == everything[:3]
    second = httpx.get(links["next"], timeout=30)
    assert set(_links(second)) == {"prev", "first"}  # no next: this is the last page
    assert [r["state"]["value"] for r in json_rows(second)] == everything[3:]
    assert httpx.get(_links(second)["prev"], timeout=30).text == first.text
    empty = api(qserver, "list-states", params={"page": 3, "per_page": 3})
    assert json_rows(empty) == []
    assert "next" not in _links(empty)


def test_pagination_keeps_parameters_and_format(qserver: LiveServer):
    r = api(qserver, "state-visits", params={"state": CUBA, "per_page": 1, "format": "csv"})
    assert len(csv_rows(r)) == 1
    nxt = _links(r)["next"]
    assert "state=" in nxt and "format=csv" in nxt and "page=2" in nxt
    assert csv_rows(httpx.get(nxt, timeout=30))[0]["visit"] == f"{ID}visit/putin-havana-2014"


@pytest.mark.parametrize("params", [{"page": "0"}, {"per_page": "x"}, {"page": "-1"}])
def test_bad_pagination(qserver: LiveServer, params):
    r = api(qserver, "list-states", params=params)
    assert r.status_code == 400
    assert next(iter(params)) in r.text


# --- errors ----------------------------------------------------------------------------------------------


def test_unknown_query_lists_the_known_ones(qserver: LiveServer):
    r = api(qserver, "list-sates")
    assert r.status_code == 404
    assert "list-sates" in r.text and "list-states" in r.text and "state-visits" in r.text


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"state": "not an iri"}, "state", "absolute IRI"),
        ({"state": CUBA, "year": "2014.5"}, "year", "must be an integer"),
        ({"state": CUBA, "year": "twenty"}, "year", "must be an integer"),
        ({"state": ID + "state/atlantis"}, "state", "not an allowed value"),
        ({}, "state", "required parameter 'state'"),
        ({"year": "2014"}, "state", "is missing"),
        ({"state": CUBA, "country": "x"}, "country", "unknown parameter"),
    ],
)
def test_bad_parameters_get_a_400_naming_them(qserver: LiveServer, params, name, words):
    r = api(qserver, "state-visits", params=params)
    assert r.status_code == 400
    assert f"'{name}'" in r.text and words in r.text
    assert r.headers["content-type"].startswith("text/plain")


def test_timeout_parameter_is_checked(qserver: LiveServer):
    r = api(qserver, "count-triples", params={"timeout": "soon"})
    assert r.status_code == 400 and "'soon' is not a number of seconds" in r.text
    r = api(qserver, "count-triples", params={"timeout": "0"})
    assert r.status_code == 400 and "positive" in r.text
    assert api(qserver, "count-triples", params={"timeout": "5"}).status_code == 200


# --- injection -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "evil",
    [
        '"} ; DROP ALL ; SELECT * {',
        "<http://x> } UNION { ?s ?p ?o",
        '" . ?s ?p ?o } #',
        "' ) } UNION { ?s ?p ?o } #",
    ],
)
def test_values_cannot_change_the_query(qserver: LiveServer, evil: str):
    before = sparql_count(qserver, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    # A string parameter: the value comes back as one literal, the query keeps its one row and its columns.
    r = api(qserver, "echo", "POST", json={"text": evil})
    [row] = json_rows(r)
    assert r.json()["head"]["vars"][0] == "_text"
    assert row["_text"] == {"type": "literal", "value": evil}
    assert row["length"]["value"] == str(len(evil))
    # A language-tagged parameter in a triple pattern: no state has that name, so no rows (not every triple).
    assert json_rows(api(qserver, "state-by-name", params={"name": evil})) == []
    # An IRI parameter: spaces, braces, quotes or angle brackets are refused before anything runs.
    r = api(qserver, "describe-state", params={"state": evil})
    assert r.status_code == 400 and "'state'" in r.text
    assert sparql_count(qserver, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }") == before


# --- OpenAPI ---------------------------------------------------------------------------------------------


def test_openapi_has_one_typed_operation_per_query(qserver: LiveServer):
    doc = httpx.get(f"{qserver.url}/openapi.json", timeout=30).json()
    validate_openapi(doc)
    ops = {
        op["operationId"]: (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if path.startswith("/api/queries/")
    }
    assert set(ops) == {
        "list-states",
        "state-visits",
        "visits-in-year",
        "states-in-grouping",
        "state-by-name",
        "describe-state",
        "echo",
        "count-triples",
    }
    path, method, op = ops["state-visits"]
    assert (path, method) == ("/api/queries/state-visits", "get")
    params = {p["name"]: p for p in op["parameters"]}
    assert params["state"]["required"] is True
    assert params["state"]["schema"]["enum"] == [CUBA, MEXICO, RUSSIA, VENEZUELA]
    assert params["state"]["example"] == CUBA
    assert params["year"]["schema"]["type"] == "integer" and params["year"]["required"] is False
    assert params["year"]["example"] == 2014
    assert {"page", "per_page", "format", "timeout"} <= set(params)
    assert set(op["responses"]["200"]["content"]) == {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    }
    _, _, describe = ops["describe-state"]
    assert {p["name"]: p for p in describe["parameters"]}["state"]["schema"] == {"type": "string", "format": "uri"}
    assert "text/turtle" in describe["responses"]["200"]["content"]
    path, method, echo = ops["echo"]
    assert method == "post"
    body = echo["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["text"]
    assert body["properties"]["flag"] == {
        "type": "boolean",
        "default": False,
        "description": body["properties"]["flag"]["description"],
    }
    assert body["properties"]["day"]["format"] == "date"


# --- RDF: sparql-examples, the queries graph, VoID -------------------------------------------------------


def test_sparql_examples(qserver: LiveServer):
    r = httpx.get(f"{qserver.url}/.well-known/sparql-examples", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(r.content, ox.RdfFormat.TURTLE)
    rows = store.query(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX schema: <https://schema.org/> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?q ?text ?target ?comment { ?q a sh:SPARQLExecutable, sh:SPARQLSelectExecutable ; sh:select ?text ; "
        "schema:target ?target ; rdfs:comment ?comment }"
    )
    found = {r["q"].value: r for r in rows}
    assert len(found) == 7  # every SELECT query
    visits = found[BASE + "query/state-visits"]
    assert visits["target"].value == f"{qserver.url}/sparql"
    assert visits["text"].value.startswith("PREFIX rula:")  # the SPARQL, without the decorators
    assert "SELECT DISTINCT ?_state_iri" in visits["text"].value
    assert visits["comment"].language == "en"
    keywords = {
        t.object.value
        for t in store.quads_for_pattern(
            ox.NamedNode(BASE + "query/state-visits"), ox.NamedNode(SCHEMA + "keywords"), None
        )
    }
    assert keywords == {"examples", "visits"}
    construct = list(
        store.quads_for_pattern(ox.NamedNode(BASE + "query/describe-state"), ox.NamedNode(SH + "construct"), None)
    )
    assert len(construct) == 1
    jsonld = httpx.get(f"{qserver.url}/.well-known/sparql-examples", params={"format": "jsonld"}, timeout=30)
    assert jsonld.headers["content-type"].startswith("application/ld+json")


def test_queries_graph_in_the_store(qserver: LiveServer):
    n = sparql_count(
        qserver,
        f"SELECT (COUNT(?q) AS ?n) {{ GRAPH <{BASE}graph/queries> {{ ?q a <{SH}SPARQLExecutable> }} }}",
    )
    assert n == 8


def test_void_description(qserver: LiveServer):
    r = httpx.get(f"{qserver.url}/.well-known/void", headers={"Accept": "application/n-triples"}, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    store = ox.Store()
    store.load(r.content, ox.RdfFormat.N_TRIPLES)

    def one(query: str) -> ox.QuerySolution:
        [row] = list(
            store.query(f"PREFIX void: <{VOID}> PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> {query}")
        )
        return row

    ds = one(
        "SELECT ?d ?t ?c ?p ?s ?o ?e { ?d a void:Dataset ; void:triples ?t ; void:classes ?c ; void:properties ?p ; "
        "void:distinctSubjects ?s ; void:distinctObjects ?o ; void:sparqlEndpoint ?e }"
    )
    described = f"FILTER(?g != <{BASE}graph/void>)"
    assert int(ds["t"].value) == sparql_count(
        qserver, f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }} {described} }}"
    )
    assert int(ds["p"].value) == sparql_count(
        qserver, f"SELECT (COUNT(DISTINCT ?p) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }} {described} }}"
    )
    assert int(ds["s"].value) == sparql_count(
        qserver, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }} {described} }}"
    )
    assert int(ds["c"].value) == sparql_count(
        qserver, f"SELECT (COUNT(DISTINCT ?c) AS ?n) {{ GRAPH ?g {{ ?s a ?c }} {described} }}"
    )
    assert ds["e"].value == BASE + "sparql"
    # one subset per named graph, with its triple count (the manifest's)
    manifest = json.loads(
        (Path(os.path.realpath(qserver.env["RULAKG_STORE_DIR"])) / "current" / "build.json").read_text()
    )
    subsets = {
        r["g"].value: int(r["n"].value)
        for r in store.query(
            f"PREFIX void: <{VOID}> PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> "
            "SELECT ?g ?n { ?d void:subset ?x . ?x sd:name ?g ; void:triples ?n }"
        )
    }
    assert subsets == {g: n for g, n in manifest["graphs"].items() if not g.endswith("/void")}
    # partitions
    states = one(
        f"SELECT ?n {{ ?d void:classPartition ?x . ?x void:class <{BASE}ontology#SovereignState> ; void:entities ?n }}"
    )
    assert int(states["n"].value) == 4
    host = one(
        f"SELECT ?n {{ ?d void:propertyPartition ?x . ?x void:property <{BASE}ontology#hostState> ; void:triples ?n }}"
    )
    assert int(host["n"].value) == 4
    # the Wikidata linkset counts owl:sameAs to wd: entities only (not the GeoNames link)
    links = one("SELECT ?n ?pred { ?l a void:Linkset ; void:triples ?n ; void:linkPredicate ?pred }")
    assert int(links["n"].value) == 4
    assert links["pred"].value == "http://www.w3.org/2002/07/owl#sameAs"


# --- start-up and CLI ------------------------------------------------------------------------------------


def test_a_broken_query_stops_the_start_up(qstore: Path, tmp_path: Path):
    (tmp_path / "ok.rq").write_text("SELECT * { ?s ?p ?o }\n")
    (tmp_path / "bad.rq").write_text("#+ summary: broken\nSELECT * WHERE {\n  ?s ?p\n}\n")
    server = LiveServer(qstore, workers=1, queries_dir=tmp_path)
    with pytest.raises(RuntimeError) as info:
        server.start(timeout=30)
    assert f"{tmp_path / 'bad.rq'}:3:" in str(info.value)


def _cli(*args: str, queries_dir: Path, store_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RULAKG_QUERIES_DIR": str(queries_dir), "COLUMNS": "500"}
    if store_dir is not None:
        env["RULAKG_STORE_DIR"] = str(store_dir)
    return subprocess.run(
        [sys.executable, "-m", "rulakg.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_cli_runs_a_saved_query(qstore: Path, queries_dir: Path):
    r = _cli(
        "query",
        "--saved",
        "state-visits",
        "--param",
        f"state={CUBA}",
        "--param",
        "year=2014",
        "--format",
        "csv",
        queries_dir=queries_dir,
        store_dir=qstore,
    )
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["visit"] for row in rows] == [f"{ID}visit/lavrov-havana-2014", f"{ID}visit/putin-havana-2014"]
    bad = _cli(
        "query",
        "--saved",
        "state-visits",
        "--param",
        "state=rid:state/atlantis",
        queries_dir=queries_dir,
        store_dir=qstore,
    )
    assert bad.returncode == 2 and "'state'" in bad.stderr and "not an allowed value" in bad.stderr


def test_cli_check_and_list(queries_dir: Path, tmp_path: Path):
    listing = _cli("queries", "list", queries_dir=queries_dir)
    assert listing.returncode == 0, listing.stderr
    assert "state-visits" in listing.stdout and "year?:integer" in listing.stdout
    assert _cli("queries", "check", queries_dir=queries_dir).returncode == 0
    (tmp_path / "oops.rq").write_text("PREFIX r: <http://r/>\nSELECT ?x {\n  ?x r:p ?_v_iri\n}\n")
    broken = _cli("queries", "check", queries_dir=tmp_path)
    assert broken.returncode == 1
    assert f"{tmp_path / 'oops.rq'}:3:" in broken.stderr.replace("\n", "") and "projection" in broken.stderr


def test_links_of_a_posted_query_can_be_followed(qserver: LiveServer):
    r = api(qserver, "echo", "POST", json={"text": "a b", "flag": True, "per_page": 1})
    [row] = json_rows(r)
    links = _links(r)
    assert set(links) == {"first"}  # one row: no next page
    again = httpx.get(links["first"], timeout=30)
    assert json_rows(again) == [row]
