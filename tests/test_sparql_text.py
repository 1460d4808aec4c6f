"""The light look at a request's text (``rulakg.sparql_text``): form, update, dataset, outermost LIMIT."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from rulakg.sparql_text import cap_rows, inspect, is_single_pattern

_STORE = ox.Store()


def parses(query: str) -> bool:
    """The rewritten query must still be valid SPARQL (pyoxigraph is the judge)."""
    _STORE.query(query)
    return True


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("select * { }", "SELECT"),
        ("ASK { ?s ?p ?o }", "ASK"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://e/x>", "DESCRIBE"),
        ("PREFIX ex: <http://e/> BASE <http://b/> SELECT * { ?s ex:p ?o }", "SELECT"),
        ("# SELECT in a comment\nASK {}", "ASK"),
        ("PREFIX : <http://e/>\nPREFIX select: <http://s/>\nCONSTRUCT { :a :b :c } WHERE {}", "CONSTRUCT"),
    ],
)
def test_form(query, form):
    shape = inspect(query)
    assert shape.form == form
    assert shape.is_update is False


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
        "PREFIX ex: <http://e/> DELETE DATA { ex:a ex:b ex:c }",
        "BASE <http://e/> PREFIX x: <y> DELETE WHERE { ?s ?p ?o }",
        "WITH <http://e/g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
        "LOAD <http://e/data.ttl>",
        "CLEAR ALL",
        "clear graph <http://e/g>",
        "CREATE GRAPH <http://e/g>",
        "DROP SILENT DEFAULT",
        "COPY <http://e/a> TO <http://e/b>",
        "MOVE DEFAULT TO <http://e/b>",
        "ADD <http://e/a> TO <http://e/b>",
        "# a comment first\ninsert data { <http://e/a> <http://e/b> 'SELECT' }",
    ],
)
def test_update_detection(update):
    shape = inspect(update)
    assert shape.is_update is True
    assert shape.form is None
    assert cap_rows(update, 5, shape) == (update, False)


def test_prefix_named_like_a_keyword_is_not_an_update():
    query = "PREFIX insert: <http://e/> PREFIX delete: <http://d/> SELECT * { ?s insert:x delete:y }"
    assert inspect(query).is_update is False
    assert inspect(query).form == "SELECT"


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "FROM <http://e/g>" }',
        "SELECT * WHERE { ?s ?p 'from' }",
        "SELECT * WHERE { ?s ?p ?o } # FROM <http://e/g>",
        "SELECT ?from WHERE { ?from ?p ?o }",
        "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:FROM ?o }",
        "SELECT * WHERE { GRAPH <http://e/FROM> { ?s ?p ?o } }",
    ],
)
def test_no_dataset(query):
    assert inspect(query).has_dataset is False


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }",
        "select * from named <http://e/g> { graph ?g { ?s ?p ?o } }",
        "CONSTRUCT { ?s ?p ?o } FROM <http://e/g> WHERE { ?s ?p ?o }",
        "ASK FROM <http://e/g> { ?s ?p ?o }",
        "PREFIX ex: <http://e/> DESCRIBE ex:x FROM ex:g",
    ],
)
def test_dataset(query):
    assert inspect(query).has_dataset is True


def test_service_detection():
    assert inspect("SELECT * { SERVICE <http://e/sparql> { ?s ?p ?o } }").has_service is True
    assert inspect("SELECT * { ?s ?p 'SERVICE' }").has_service is False


def test_outermost_limit():
    assert inspect("SELECT * { ?s ?p ?o } LIMIT 10").limit == 10
    assert inspect("SELECT * { ?s ?p ?o } limit 10 offset 3").limit == 10
    assert inspect("SELECT * { ?s ?p ?o } OFFSET 3 LIMIT 4").limit == 4
    assert inspect("SELECT * { ?s ?p ?o }").limit is None
    # a subquery's LIMIT is not the outermost one
    assert inspect("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 2 } }").limit is None
    assert inspect("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 2 } } LIMIT 8").limit == 8


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "} LIMIT 3" }',
        "SELECT * WHERE { ?s ?p '{' }",
        "SELECT * WHERE { ?s ?p '''multi\nline } LIMIT 3''' }",
        'SELECT * WHERE { ?s ?p """a "quoted" } LIMIT 3""" }',
        'SELECT ?x WHERE { ?x ?p "a\\"} LIMIT 5" }',
        "SELECT * WHERE { ?s ?p ?o } # LIMIT 3",
        "SELECT * WHERE { ?s ?p ?o # } LIMIT 3\n }",
        "SELECT * WHERE { ?s <http://e/a#b> ?o }",
        "PREFIX ex: <http://e/#> # a comment with a { brace\nSELECT * WHERE { ?s ex:p ?o }",
    ],
)
def test_strings_comments_iris_do_not_confuse(query):
    shape = inspect(query)
    assert shape.limit is None
    assert shape.form == "SELECT"
    capped, applied = cap_rows(query, 5, shape)
    assert applied
    assert inspect(capped).limit == 5
    assert parses(capped)


def test_cap_adds_limit():
    query = "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s"
    capped, applied = cap_rows(query, 5)
    assert applied
    assert capped.startswith(query)
    assert inspect(capped).limit == 5
    assert parses(capped)


def test_cap_lowers_a_larger_limit_and_keeps_offset():
    capped, applied = cap_rows("SELECT * { ?s ?p ?o } LIMIT 100 OFFSET 7", 5)
    assert applied
    assert capped == "SELECT * { ?s ?p ?o } LIMIT 5 OFFSET 7"
    capped, applied = cap_rows("SELECT * { ?s ?p ?o } OFFSET 7", 5)
    assert applied
    assert parses(capped)
    assert inspect(capped).limit == 5


def test_cap_leaves_a_smaller_limit():
    query = "SELECT * { ?s ?p ?o } LIMIT 3"
    assert cap_rows(query, 5) == (query, False)
    query = "SELECT * { ?s ?p ?o } LIMIT 5"
    assert cap_rows(query, 5) == (query, False)


def test_cap_with_subquery_limit():
    query = "SELECT * { { SELECT ?s { ?s ?p ?o } LIMIT 50 } ?s ?p ?o }"
    capped, applied = cap_rows(query, 5)
    assert applied
    assert "LIMIT 50" in capped  # the subquery keeps its own
    assert inspect(capped).limit == 5
    assert parses(capped)


def test_cap_goes_before_trailing_values():
    query = "SELECT * { ?s ?p ?o } VALUES ?s { <http://e/a> <http://e/b> }"
    capped, applied = cap_rows(query, 5)
    assert applied
    assert capped.index("LIMIT 5") < capped.index("VALUES")
    assert parses(capped)
    query = "SELECT * { ?s ?p ?o } LIMIT 10 VALUES ?s { <http://e/a> }"
    capped, applied = cap_rows(query, 5)
    assert capped == "SELECT * { ?s ?p ?o } LIMIT 5 VALUES ?s { <http://e/a> }"
    # VALUES inside the pattern is not the trailing clause
    query = "SELECT * { VALUES ?s { <http://e/a> } ?s ?p ?o }"
    capped, _ = cap_rows(query, 5)
    assert capped.startswith(query)
    assert parses(capped)


def test_cap_only_for_select():
    for query in ("ASK { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE <http://e/x>"):
        assert cap_rows(query, 5) == (query, False)


def test_cap_zero_means_no_cap():
    query = "SELECT * { ?s ?p ?o }"
    assert cap_rows(query, 0) == (query, False)


def test_capped_query_really_returns_cap_rows():
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"), ox.Literal(i)) for i in range(20)
    )
    for query in (
        "SELECT * { ?s ?p ?o } # trailing comment",
        "SELECT * { ?s ?p ?o } ORDER BY ?o",
        "SELECT * { ?s ?p ?o } LIMIT 15",
        "SELECT * { { SELECT * { ?s ?p ?o } LIMIT 12 } } VALUES ?p { <http://e/p> }",
    ):
        capped, applied = cap_rows(query, 5)
        assert applied
        assert len(list(store.query(capped))) == 5, capped


# --- single-pattern look-ups (answered in the service process: store/inline.py) -------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?p ?o WHERE { <http://x/1> ?p ?o }",
        "SELECT ?p ?o WHERE { <http://x/1> ?p ?o . } LIMIT 10",
        'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?s WHERE { ?s rdfs:label "State 5"@en }',
        'SELECT * { ?s <http://p> "5"^^<http://www.w3.org/2001/XMLSchema#integer> }',
        "SELECT * { ?s <http://p> -5 }",
        "ASK { <http://x/1> a ?c }",
        "ASK {}",
        "select ?s where { ?s a ex:State. } # a comment { ?x ?y ?z }",
    ],
)
def test_single_pattern(query):
    assert is_single_pattern(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?x WHERE { <http://x/1> ?p ?o }",  # ?x is never bound: empty rows, unbounded by the answer's size
        "SELECT DISTINCT ?p WHERE { ?s ?p ?o }",
        "SELECT ?p WHERE { ?s ?p ?o } ORDER BY ?p",
        "SELECT ?p WHERE { ?s ?p ?o } LIMIT 5 OFFSET 1000000",
        "SELECT ?o WHERE { ?s ex:a/ex:b ?o }",
        "SELECT ?o WHERE { ?s ex:a* ?o }",
        "SELECT ?o WHERE { ?s ^ex:a ?o }",
        "SELECT ?o WHERE { ?s ex:p|ex:q ?o }",
        "SELECT ?o WHERE { ?s <p> ?o FILTER(?o > 1) }",
        "SELECT ?o WHERE { ?s <p> ?o . ?o <q> ?z }",
        "SELECT ?o WHERE { ?s <p> ?o ; <q> ?z }",
        "SELECT ?o WHERE { ?s <p> ?o, ?z }",
        "SELECT ?o FROM <http://g> WHERE { ?s <p> ?o }",
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DESCRIBE <http://x/1>",
        "SELECT ?o WHERE { GRAPH ?g { ?s <p> ?o } }",
        "SELECT ?o WHERE { ?s <p> ?o } VALUES ?o { 1 }",
        "SELECT ?o WHERE { ?s <p> [] }",
        "SELECT ?o WHERE { { ?s <p> ?o } }",
        "SELECT ?o WHERE { << ?a ?b ?c >> ?p ?o }",
        "DELETE WHERE { ?s ?p ?o }",
    ],
)
def test_not_single_pattern(query):
    assert not is_single_pattern(query)
