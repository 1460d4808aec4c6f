"""The SPARQL 1.1 Protocol over HTTP, against the real service (``LiveServer``) and a real store."""

from __future__ import annotations

import csv
import io
import json
import threading
import time

import httpx
import pyoxigraph as ox
import pytest
from conftest import BIG_TRIPLES, G_ONTOLOGY, G_PEOPLE, G_PLACES, ID, ONT
from prometheus_client.parser import text_string_to_metric_families

PREFIXES = f"PREFIX ex: <{ID}>\nPREFIX rula: <{ONT}>\n"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
NAMES = PREFIXES + "SELECT ?p ?name WHERE { ?p rula:name ?name } ORDER BY ?name"
CONSTRUCT_CASTRO = PREFIXES + "CONSTRUCT { ex:castro ?p ?o } WHERE { ex:castro ?p ?o }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(12)) + " }"
SPARQL_JSON = "application/sparql-results+json"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def sparql(server, query: str | None = None, *, accept: str | None = None, **params) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    if query is not None:
        params["query"] = query
    response = httpx.get(server.url + "/sparql", params=params, headers=headers, timeout=30)
    assert response.status_code != 500, response.text
    return response


def post(server, **kwargs) -> httpx.Response:
    response = httpx.post(server.url + "/sparql", timeout=30, **kwargs)
    assert response.status_code != 500, response.text
    return response


def json_rows(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == SPARQL_JSON
    return response.json()["results"]["bindings"]


def count(response: httpx.Response) -> int:
    return int(json_rows(response)[0]["n"]["value"])


def health(server) -> dict:
    return httpx.get(server.url + "/health", timeout=10).json()


def wait_workers_ready(server, configured: int, deadline: float = 20.0) -> None:
    """Wait until every worker is alive again and answering (a killed worker is replaced)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if health(server)["workers"]["alive"] == configured:
            with httpx.Client(timeout=10) as client:
                results: list[int] = []

                def ask(client: httpx.Client = client, results: list[int] = results) -> None:
                    results.append(client.get(server.url + "/sparql", params={"query": "ASK {}"}).status_code)

                threads = [threading.Thread(target=ask) for _ in range(configured)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            if results == [200] * configured:
                return
        time.sleep(0.1)
    raise AssertionError(f"workers not ready: {health(server)}")


# --- the three query operations and the dataset ------------------------------------------------------------


def test_get_query(server, expected_counts):
    assert count(sparql(server, COUNT_ALL)) == sum(expected_counts.values())


def test_post_form(server, expected_counts):
    response = post(server, data={"query": COUNT_ALL})
    assert count(response) == sum(expected_counts.values())


def test_post_sparql_query(server, expected_counts):
    response = post(
        server,
        content=COUNT_ALL.encode(),
        headers={"Content-Type": "application/sparql-query; charset=utf-8"},
    )
    assert count(response) == sum(expected_counts.values())


def test_default_graph_uri(server, expected_counts):
    assert count(sparql(server, COUNT_ALL, **{"default-graph-uri": G_PLACES})) == expected_counts[G_PLACES]
    both = sparql(server, COUNT_ALL, **{"default-graph-uri": [G_PLACES, G_PEOPLE]})
    assert count(both) == expected_counts[G_PLACES] + expected_counts[G_PEOPLE]


def test_default_graph_uri_in_form(server, expected_counts):
    response = post(server, data={"query": COUNT_ALL, "default-graph-uri": G_ONTOLOGY})
    assert count(response) == expected_counts[G_ONTOLOGY]


def test_named_graph_uri(server, expected_counts):
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    rows = json_rows(sparql(server, query, **{"named-graph-uri": G_PEOPLE}))
    assert [(r["g"]["value"], int(r["n"]["value"])) for r in rows] == [(G_PEOPLE, expected_counts[G_PEOPLE])]


def test_protocol_dataset_overrides_from(server, expected_counts):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{G_PEOPLE}> WHERE {{ ?s ?p ?o }}"
    assert count(sparql(server, query)) == expected_counts[G_PEOPLE]
    assert count(sparql(server, query, **{"default-graph-uri": G_PLACES})) == expected_counts[G_PLACES]
    query = f"SELECT ?g FROM NAMED <{G_PEOPLE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    rows = json_rows(sparql(server, query, **{"named-graph-uri": G_PLACES}))
    assert [r["g"]["value"] for r in rows] == [G_PLACES]


def test_several_query_parameters_rejected(server):
    response = httpx.get(server.url + "/sparql", params={"query": [COUNT_ALL, "ASK {}"]}, timeout=10)
    assert response.status_code == 400
    assert "query" in response.text
    response = post(server, data={"query": [COUNT_ALL, "ASK {}"]})
    assert response.status_code == 400
    response = httpx.post(server.url + "/sparql", params={"query": COUNT_ALL}, data={"query": COUNT_ALL}, timeout=10)
    assert response.status_code == 400


def test_union_default_graph_by_default(server):
    query = PREFIXES + "ASK { ex:castro rula:citizenOf ex:cuba . ex:cuba a rula:Country }"
    assert sparql(server, query).json()["boolean"] is True


def test_standard_default_graph(std_server, expected_counts):
    query = PREFIXES + "ASK { ex:castro rula:citizenOf ex:cuba }"
    assert sparql(std_server, query).json()["boolean"] is False
    in_graph = PREFIXES + f"ASK {{ GRAPH <{G_PEOPLE}> {{ ex:castro rula:citizenOf ex:cuba }} }}"
    assert sparql(std_server, in_graph).json()["boolean"] is True
    assert count(sparql(std_server, COUNT_ALL)) == 0
    from_query = f"SELECT (COUNT(*) AS ?n) FROM <{G_PLACES}> WHERE {{ ?s ?p ?o }}"
    assert count(sparql(std_server, from_query)) == expected_counts[G_PLACES]
    sd = ox.Store()
    sd.extend(ox.parse(sparql(std_server).content, ox.RdfFormat.TURTLE))
    assert not list(sd.quads_for_pattern(None, None, ox.NamedNode(SD + "UnionDefaultGraph"), None))


def test_from_in_union_mode_sees_only_that_graph(server, expected_counts):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{G_PLACES}> WHERE {{ ?s ?p ?o }}"
    assert count(sparql(server, query)) == expected_counts[G_PLACES]
    query = PREFIXES + f"ASK FROM <{G_PLACES}> {{ ex:castro ?p ?o }}"
    assert sparql(server, query).json()["boolean"] is False


# --- result formats --------------------------------------------------------------------------------------

TSV = "text/tab-separated-values"
RESULT_TYPES = {
    "json": (SPARQL_JSON, SPARQL_JSON, ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv", "text/csv; charset=utf-8", None),
    "tsv": (TSV, TSV + "; charset=utf-8", ox.QueryResultsFormat.TSV),
}


@pytest.mark.parametrize("key", list(RESULT_TYPES))
def test_select_formats(server, key):
    accept, content_type, fmt = RESULT_TYPES[key]
    response = sparql(server, NAMES, accept=accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    if fmt is None:
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
        names = {r["name"] for r in rows}
        assert {r["p"] for r in rows} == {ID + "castro", ID + "khrushchev"}
    else:
        solutions = ox.parse_query_results(response.content, format=fmt)
        assert [v.value for v in solutions.variables] == ["p", "name"]
        rows = list(solutions)
        names = {row["name"].value for row in rows}
        langs = {(row["name"].value, row["name"].language) for row in rows}
        assert ("Фидель Кастро", "ru") in langs
        assert ("Nikita Khrushchev", "en") in langs
    assert len(rows) == 4
    assert names == {"Fidel Castro", "Фидель Кастро", "Nikita Khrushchev", "Никита Хрущёв"}


def test_select_typed_literals_and_blank_nodes(server):
    query = PREFIXES + (
        "SELECT ?born ?r ?city WHERE { ex:castro rula:born ?born ; rula:residence ?r . ?r rula:city ?city }"
    )
    rows = json_rows(sparql(server, query))
    assert len(rows) == 1
    assert rows[0]["born"] == {
        "type": "literal",
        "value": "1926-08-13",
        "datatype": "http://www.w3.org/2001/XMLSchema#date",
    }
    assert rows[0]["r"]["type"] == "bnode"
    assert rows[0]["city"]["value"] == "Birán"


@pytest.mark.parametrize("key", list(RESULT_TYPES))
@pytest.mark.parametrize("answer", [True, False])
def test_ask_formats(server, key, answer):
    accept, content_type, fmt = RESULT_TYPES[key]
    query = PREFIXES + ("ASK { ex:castro a rula:Person }" if answer else "ASK { ex:castro a rula:Country }")
    response = sparql(server, query, accept=accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    if fmt is None:
        assert response.text.strip() == ("true" if answer else "false")
    else:
        assert bool(ox.parse_query_results(response.content, format=fmt)) is answer


RDF_TYPES = {
    "ttl": ("text/turtle", "text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
    "nt": ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    "nq": ("application/n-quads", "application/n-quads", ox.RdfFormat.N_QUADS),
    "trig": ("application/trig", "application/trig", ox.RdfFormat.TRIG),
    "rdf": ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    "jsonld": ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
}


def _castro_checks(triples: list) -> None:
    assert len(triples) == 7
    castro = ox.NamedNode(ID + "castro")
    assert all(t.subject == castro for t in triples)
    objects = {t.object for t in triples}
    assert ox.Literal("Фидель Кастро", language="ru") in objects
    assert ox.Literal("1926-08-13", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")) in objects
    assert ox.Literal("braces { } and LIMIT 1 inside a string") in objects
    assert any(isinstance(o, ox.BlankNode) for o in objects)


@pytest.mark.parametrize("key", list(RDF_TYPES))
def test_construct_formats(server, key):
    accept, content_type, fmt = RDF_TYPES[key]
    response = sparql(server, CONSTRUCT_CASTRO, accept=accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    _castro_checks(list(ox.parse(response.content, fmt, base_iri="http://example.org/")))


@pytest.mark.parametrize("key", list(RDF_TYPES))
def test_describe_formats(server, key):
    accept, content_type, fmt = RDF_TYPES[key]
    response = sparql(server, PREFIXES + "DESCRIBE ex:khrushchev", accept=accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    triples = list(ox.parse(response.content, fmt, base_iri="http://example.org/"))
    khrushchev = ox.NamedNode(ID + "khrushchev")
    assert len(triples) == 6
    assert all(t.subject == khrushchev for t in triples)
    assert ox.Literal("Никита Хрущёв", language="ru") in {t.object for t in triples}


def test_construct_without_accept_is_turtle(server):
    response = httpx.get(server.url + "/sparql", params={"query": CONSTRUCT_CASTRO}, headers={"Accept": ""})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    _castro_checks(list(ox.parse(response.content, ox.RdfFormat.TURTLE)))
    response = httpx.get(server.url + "/sparql", params={"query": CONSTRUCT_CASTRO}, headers={"Accept": "*/*"})
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"


def test_format_parameter_overrides_accept(server):
    response = sparql(server, NAMES, accept=SPARQL_JSON, format="csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines()[0] == "p,name"
    response = sparql(server, CONSTRUCT_CASTRO, accept="text/turtle", format="nt")
    assert response.headers["content-type"] == "application/n-triples"
    _castro_checks(list(ox.parse(response.content, ox.RdfFormat.N_TRIPLES)))
    response = post(server, data={"query": CONSTRUCT_CASTRO, "format": "jsonld"})
    assert response.headers["content-type"] == "application/ld+json"
    response = sparql(server, NAMES, format="nope")
    assert response.status_code == 400
    assert "json" in response.text


def test_repeated_format_parameter_as_sparqlwrapper_sends_it(server):
    params = {"query": CONSTRUCT_CASTRO, "format": ["rdf+xml", "application/rdf+xml"], "output": "rdf+xml"}
    response = httpx.get(server.url + "/sparql", params=params, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/rdf+xml"
    params = {"query": NAMES, "format": ["tsv", TSV], "output": ["tsv", TSV], "results": "tsv"}
    response = httpx.get(server.url + "/sparql", params=params, timeout=10)
    assert response.headers["content-type"] == TSV + "; charset=utf-8"
    response = httpx.get(server.url + "/sparql", params={"query": NAMES, "output": "csv"}, timeout=10)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"


def test_not_acceptable_lists_offered_formats(server):
    response = sparql(server, NAMES, accept="image/png")
    assert response.status_code == 406
    for f in RESULT_TYPES.values():
        assert f[0] in response.text
    response = sparql(server, CONSTRUCT_CASTRO, accept="application/sparql-results+json")
    assert response.status_code == 406
    for f in RDF_TYPES.values():
        assert f[0] in response.text
    response = sparql(server, None, accept="image/png")  # the service description too
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_q_values(server):
    accept = "application/sparql-results+json;q=0.5, text/tab-separated-values;q=0.9, text/csv;q=0.1"
    response = sparql(server, NAMES, accept=accept)
    assert response.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    response = sparql(server, CONSTRUCT_CASTRO, accept="text/turtle;q=0.2, application/n-triples;q=0.8")
    assert response.headers["content-type"] == "application/n-triples"
    response = sparql(server, NAMES, accept="text/csv;q=0, */*;q=0.1")
    assert response.headers["content-type"] == SPARQL_JSON


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_browser_accept(server):
    for query in (NAMES, CONSTRUCT_CASTRO, "ASK {}"):
        response = sparql(server, query, accept=BROWSER_ACCEPT)
        assert response.status_code == 200, response.text
        assert response.content


# --- service description ---------------------------------------------------------------------------------


def _check_description(server, quads: list) -> None:
    dataset = ox.Store()
    dataset.extend(quads)

    def objects(s, p):
        return [q.object for q in dataset.quads_for_pattern(s, ox.NamedNode(SD + p), None, None)]

    service_class = ox.NamedNode(SD + "Service")
    services = [q.subject for q in dataset.quads_for_pattern(None, RDF_TYPE, service_class, None)]
    assert len(services) == 1
    service = services[0]
    assert objects(service, "endpoint") == [ox.NamedNode(server.url + "/sparql")]
    assert objects(service, "supportedLanguage") == [ox.NamedNode(SD + "SPARQL11Query")]
    result_formats = {o.value for o in objects(service, "resultFormat")}
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "Turtle", "JSON-LD"):
        assert f"http://www.w3.org/ns/formats/{name}" in result_formats
    assert ox.NamedNode(SD + "UnionDefaultGraph") in objects(service, "feature")


@pytest.mark.parametrize(
    ("accept", "content_type", "fmt"),
    [
        (None, "text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
        ("text/turtle", "text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
def test_service_description(server, accept, content_type, fmt):
    response = sparql(server, None, accept=accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    _check_description(server, list(ox.parse(response.content, fmt, base_iri=server.url + "/sparql")))


# --- errors ----------------------------------------------------------------------------------------------


def test_syntax_error(server):
    response = sparql(server, "SELEC * WHERE { ?s ?p ?o }")
    assert response.status_code == 400
    assert "1:" in response.text
    assert response.headers["content-type"].startswith("text/plain")
    response = post(
        server, content=b"SELECT * WHERE {\n ?s ?p \n", headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 400
    assert "syntax" in response.text.lower()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method(server, method):
    response = httpx.request(method, server.url + "/sparql", content=b"ASK {}", timeout=10)
    assert response.status_code == 405
    allow = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allow


def test_unsupported_media_type(server):
    response = post(server, content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/sparql-query" in response.text
    response = post(server, content=b"ASK {}")
    assert response.status_code == 415


def test_non_utf8_body(server):
    body = "SELECT * WHERE { ?s ?p 'é' }".encode("latin-1")
    response = post(server, content=body, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400
    assert "UTF-8" in response.text
    response = post(server, content=b"query=" + body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in (200, 400)  # percent-decoding of raw bytes is the form parser's business


def test_update_rejected(server):
    update = PREFIXES + "INSERT DATA { ex:a ex:b ex:c }"
    response = post(server, data={"update": update})
    assert response.status_code == 400
    assert "update" in response.text.lower()
    response = post(server, content=update.encode(), headers={"Content-Type": "application/sparql-update"})
    assert response.status_code == 400
    assert "update" in response.text.lower()
    for send in (
        lambda: sparql(server, update),
        lambda: post(server, data={"query": update}),
        lambda: post(server, content=update.encode(), headers={"Content-Type": "application/sparql-query"}),
    ):
        response = send()
        assert response.status_code == 400
        assert "update endpoint" in response.text
    # and the store is unchanged
    assert sparql(server, PREFIXES + "ASK { ex:a ex:b ex:c }").json()["boolean"] is False


def test_unknown_function(server):
    """A function the engine does not know is an error value (SPARQL 1.1 §17.3): never a 500."""
    nope = "<http://example.org/nope>"
    response = sparql(server, f"SELECT * WHERE {{ ?s ?p ?o FILTER({nope}(?o)) }}")
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert json_rows(response) == []  # FILTER(error) drops every row
        query = PREFIXES + f"SELECT ?o ?x WHERE {{ ex:castro rula:born ?o BIND({nope}(?o) AS ?x) }}"
        rows = json_rows(sparql(server, query))
        assert len(rows) == 1
        assert "x" not in rows[0]  # the BIND leaves ?x unbound
    else:
        assert "nope" in response.text


def test_invalid_graph_iri(server):
    response = sparql(server, COUNT_ALL, **{"default-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert "default-graph-uri" in response.text
    response = sparql(server, COUNT_ALL, **{"named-graph-uri": "http://exa mple/"})
    assert response.status_code == 400


def test_body_too_large(limited_server):
    query = "ASK {}" + " " * 5000
    response = post(limited_server, content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    assert "4000" in response.text
    response = post(limited_server, data={"query": query})
    assert response.status_code == 413


def test_bad_timeout_parameter(server):
    assert sparql(server, "ASK {}", timeout="soon").status_code == 400
    assert sparql(server, "ASK {}", timeout="-1").status_code == 400


# --- timeouts --------------------------------------------------------------------------------------------


def test_timeout_kills_query_and_service_stays_up(limited_server):
    wait_workers_ready(limited_server, 2)
    result: dict = {}

    def heavy() -> None:
        started = time.monotonic()
        result["response"] = httpx.get(limited_server.url + "/sparql", params={"query": HEAVY}, timeout=30)
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.3)
    during = sparql(limited_server, "ASK { ?s ?p ?o }")  # the other worker answers meanwhile
    assert during.status_code == 200
    assert during.json()["boolean"] is True
    thread.join(30)
    response = result["response"]
    assert response.status_code == 503
    assert "stopped after 1 s" in response.text
    assert "timeout" in response.text
    assert result["seconds"] < 4.0  # 1 s timeout + process kill, on a busy 2-core machine
    after = sparql(limited_server, "ASK { ?s ?p ?o }")
    assert after.status_code == 200
    wait_workers_ready(limited_server, 2, deadline=15)
    assert health(limited_server)["workers"] == {"alive": 2, "configured": 2}


def test_timeout_parameter_lower(limited_server):
    wait_workers_ready(limited_server, 2)
    response = sparql(limited_server, HEAVY, timeout="0.3")
    assert response.status_code == 503
    assert "stopped after 0.3 s" in response.text


def test_timeout_parameter_capped(limited_server):
    wait_workers_ready(limited_server, 2)
    response = sparql(limited_server, HEAVY, timeout="1000")
    assert response.status_code == 503
    assert "stopped after 2 s" in response.text  # RULAKG_QUERY_TIMEOUT_MAX=2
    wait_workers_ready(limited_server, 2)


# --- row cap ---------------------------------------------------------------------------------------------


def test_row_cap(limited_server, expected_counts):
    response = sparql(limited_server, "SELECT * WHERE { ?s ?p ?o }")
    assert len(json_rows(response)) == 5
    assert response.headers["x-sparql-maxrows"] == "5"
    response = sparql(limited_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 100", accept="text/csv")
    assert len(response.text.strip().splitlines()) == 1 + 5
    assert response.headers["x-sparql-maxrows"] == "5"
    # the cap goes before a trailing VALUES and leaves a subquery's LIMIT alone
    query = (
        "SELECT ?s ?p WHERE { { SELECT ?s WHERE { ?s ?p0 ?o0 } GROUP BY ?s LIMIT 50 } ?s ?p ?o } "
        f"VALUES ?p {{ <{ONT}name> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{ONT}born> }}"
    )
    response = sparql(limited_server, query)
    assert len(json_rows(response)) == 5
    assert response.headers["x-sparql-maxrows"] == "5"
    count_response = sparql(limited_server, COUNT_ALL)  # aggregates are one row: still correct
    assert count(count_response) == sum(expected_counts.values())


def test_row_cap_header_is_exposed_to_browsers(limited_server):
    response = httpx.get(
        limited_server.url + "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o }"},
        headers={"Origin": "https://example.org"},
    )
    assert response.headers["x-sparql-maxrows"] == "5"
    assert "x-sparql-maxrows" in response.headers["access-control-expose-headers"].lower()


def test_row_cap_leaves_small_limit(limited_server):
    response = sparql(limited_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    assert len(json_rows(response)) == 3
    assert "x-sparql-maxrows" not in response.headers
    response = sparql(limited_server, "ASK { ?s ?p ?o }")
    assert "x-sparql-maxrows" not in response.headers


def test_no_row_cap_by_default(server, expected_counts):
    response = sparql(server, "SELECT * WHERE { ?s ?p ?o }")
    assert len(json_rows(response)) == sum(expected_counts.values())
    assert "x-sparql-maxrows" not in response.headers


# --- streaming -------------------------------------------------------------------------------------------


def test_large_select_streams(big_server):
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    chunks = 0
    body = bytearray()
    with httpx.stream(
        "GET",
        big_server.url + "/sparql",
        params={"query": query},
        headers={"Accept": SPARQL_JSON},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == SPARQL_JSON
        assert "content-length" not in response.headers
        assert response.headers.get("transfer-encoding") == "chunked"
        for chunk in response.iter_raw():
            chunks += 1
            body += chunk
    assert len(body) > 5_000_000
    assert chunks > 1
    rows = json.loads(body)["results"]["bindings"]
    assert len(rows) == BIG_TRIPLES
    assert {r["o"]["value"] for r in rows[:10]} <= {f"value number {i}" for i in range(BIG_TRIPLES)}


def test_large_construct_streams_as_ntriples(big_server):
    query = "CONSTRUCT WHERE { ?s ?p ?o }"
    lines = 0
    with httpx.stream(
        "GET",
        big_server.url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/n-triples"},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.strip():
                lines += 1
    assert lines == BIG_TRIPLES


# --- CORS, health, metrics -------------------------------------------------------------------------------


def test_cors(server):
    response = httpx.get(server.url + "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        server.url + "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    methods = {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST"} <= methods
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://example.org")


def test_health(server, expected_counts):
    response = httpx.get(server.url + "/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["store_open"] is True
    assert body["triples"] == sum(expected_counts.values())
    assert body["graphs"] == 3
    assert body["workers"]["configured"] == 2


def _metrics(server) -> dict[tuple[str, tuple], float]:
    response = httpx.get(server.url + "/metrics")
    assert response.status_code == 200
    out = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _sum(samples: dict, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and all((k, val) in ls for k, val in labels.items()))


def test_metrics(server):
    before = _metrics(server)
    names = {n for n, _ in before}
    for name in (
        "rulakg_http_requests_total",
        "rulakg_http_request_seconds_count",
        "rulakg_http_request_seconds_bucket",
    ):
        assert name in names, name
    text = httpx.get(server.url + "/metrics").text
    for name in ("rulakg_query_errors_total", "rulakg_query_timeouts_total"):
        assert f"# TYPE {name}" in text
    sparql(server, "ASK {}")
    sparql(server, "ASK {}")
    sparql(server, "SELEC")
    after = _metrics(server)
    ok_before = _sum(before, "rulakg_http_requests_total", endpoint="sparql", status="200")
    assert _sum(after, "rulakg_http_requests_total", endpoint="sparql", status="200") == ok_before + 2
    assert _sum(after, "rulakg_http_requests_total", endpoint="sparql", status="400") == (
        _sum(before, "rulakg_http_requests_total", endpoint="sparql", status="400") + 1
    )
    assert (
        _sum(after, "rulakg_query_errors_total", status="400")
        == _sum(before, "rulakg_query_errors_total", status="400") + 1
    )
    assert (
        _sum(after, "rulakg_http_request_seconds_count", endpoint="sparql")
        == _sum(before, "rulakg_http_request_seconds_count", endpoint="sparql") + 3
    )


def test_timeout_metric(limited_server):
    wait_workers_ready(limited_server, 2)
    before = _sum(_metrics(limited_server), "rulakg_query_timeouts_total")
    assert sparql(limited_server, HEAVY, timeout="0.2").status_code == 503
    assert _sum(_metrics(limited_server), "rulakg_query_timeouts_total") == before + 1
    wait_workers_ready(limited_server, 2)


def test_no_server_errors(server, limited_server, std_server):
    """Nothing in this module got a 500 (runs last: the counters cover every earlier request)."""
    for srv in (server, limited_server, std_server):
        samples = _metrics(srv)
        assert _sum(samples, "rulakg_http_requests_total", status="500") == 0
        assert _sum(samples, "rulakg_query_errors_total", status="500") == 0
