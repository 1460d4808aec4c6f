"""Build-time aggregates (graph aggregates, ``rulakg.build.aggregate``) and the saved queries that read them.

Each aggregate-backed saved query must give exactly the rows of the raw-fact GROUP BY it replaced (kept below,
verbatim), for every value its parameters can take, over the project's store (ontology and article data); after
a write the two differ until ``rulakg aggregates`` recomputes them. The observations conform to their SHACL shape.
"""

from __future__ import annotations

import gc
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Variable
from server import build_store

from rulakg.build.aggregate import compute
from rulakg.config import PROJECT_ROOT, Settings
from rulakg.ontology.validate import short, validate
from rulakg.queries import bind, load_library

R = "https://w3id.org/rulakg/ontology#"
ID = "https://w3id.org/rulakg/id/"
BASE = "https://w3id.org/rulakg/"
AGGREGATES = BASE + "graph/aggregates"

# The saved queries as they were before they read the aggregates: the GROUP BY over the raw facts.
RAW = {
    "visits-per-year": """
PREFIX rula: <https://w3id.org/rulakg/ontology#>
SELECT ?__state_iri ?year (COUNT(DISTINCT ?visit) AS ?visits) (COUNT(DISTINCT ?military) AS ?militaryVisits) WHERE {
  ?visit a rula:Visit ;
         rula:status rula:status-took-place ;
         rula:earliestDate ?start .
  FILTER(COALESCE(EXISTS { ?visit rula:hostState|rula:sendingState ?__state_iri }, true))
  OPTIONAL { ?visit a rula:MilitaryVisit BIND(?visit AS ?military) }
  BIND(YEAR(?start) AS ?year)
}
GROUP BY ?__state_iri ?year
ORDER BY ?year
""",
    "agreements-per-area": """
PREFIX rula: <https://w3id.org/rulakg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?__state_iri ?area ?name (COUNT(DISTINCT ?agreement) AS ?agreements) WHERE {
  ?agreement a rula:Agreement ;
             rula:subjectArea ?area .
  FILTER(COALESCE(EXISTS { ?agreement rula:party ?__state_iri }, true))
  OPTIONAL { ?area skos:prefLabel ?name FILTER(LANGMATCHES(LANG(?name), "en")) }
}
GROUP BY ?__state_iri ?area ?name
ORDER BY DESC(?agreements) ?area
""",
    "state-contact-counts": """
PREFIX rula: <https://w3id.org/rulakg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?_grouping_iri ?state ?name ?visits ?agreements WHERE {
  {
    SELECT ?_grouping_iri ?state (COUNT(DISTINCT ?visit) AS ?visits) WHERE {
      ?_grouping_iri rula:hasMember ?state .
      OPTIONAL {
        ?visit rula:hostState|rula:sendingState ?state ;
               a rula:Visit ;
               rula:status rula:status-took-place .
      }
    }
    GROUP BY ?_grouping_iri ?state
  }
  {
    SELECT ?_grouping_iri ?state (COUNT(DISTINCT ?agreement) AS ?agreements) WHERE {
      ?_grouping_iri rula:hasMember ?state .
      OPTIONAL { ?agreement a rula:Agreement ; rula:party ?state . }
    }
    GROUP BY ?_grouping_iri ?state
  }
  OPTIONAL { ?state rdfs:label ?name FILTER(LANGMATCHES(LANG(?name), "en")) }
}
ORDER BY DESC(?visits) DESC(?agreements) ?name ?state
""",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The ontology and the article's data (visits, agreements, groupings), built as `rulakg build` does; the large
    UN roll-call import (data/unvotes) is left out: it has no visit or agreement and would triple the build time."""
    root = tmp_path_factory.mktemp("aggregates")
    (root / "data").mkdir()
    (root / "data" / "article").symlink_to(PROJECT_ROOT / "data" / "article", target_is_directory=True)
    return build_store(root / "store", PROJECT_ROOT / "ontology", root / "data")


def _store_path(settings: Settings) -> str:
    return str((settings.store_path() / "oxigraph").resolve())


def _rows(store: Store, text: str, bound: dict[str, NamedNode | Literal]) -> list[tuple[str | None, ...]]:
    solutions = store.query(
        text, use_default_graph_as_union=True, substitutions={Variable(k): v for k, v in bound.items()}
    )
    return [tuple(None if term is None else str(term) for term in row) for row in solutions]


def _differences(store: Store, name: str) -> list[str]:
    """Run the saved query and its raw GROUP BY with every value of its parameter (and none, when optional)."""
    query = load_library(PROJECT_ROOT / "queries").get(name)
    assert query is not None and len(query.parameters) == 1
    param = query.parameters[0]
    assert param.enum_query
    values = [row[0].value for row in store.query(param.enum_query, use_default_graph_as_union=True)]
    assert values, f"{name}: no value of {param.name} to try"
    problems = []
    for value in ([] if param.required else [None]) + values:
        bound = bind(query, {param.name: value} if value else {})
        saved, raw = _rows(store, query.body, bound), _rows(store, RAW[name], bound)
        assert raw or value, f"{name}: the raw query has no rows at all"
        if saved != raw:
            problems.append(f"{name} {param.name}={value}: {len(saved)} rows, {len(raw)} raw: {saved[:2]} / {raw[:2]}")
    return problems


@pytest.mark.parametrize("name", sorted(RAW))
def test_saved_query_equals_raw_group_by(project: Settings, name: str) -> None:
    store = Store.read_only(_store_path(project))
    assert _differences(store, name) == []


def test_a_write_shows_until_recomputed(project: Settings, tmp_path: Path) -> None:
    """A visit added after the build: the saved queries disagree with the raw facts until `rulakg aggregates`."""
    copy = tmp_path / "store"
    shutil.copytree(project.store_dir, copy, symlinks=True)
    settings = Settings(store_dir=copy)
    store = Store(_store_path(settings))
    visit, graph = NamedNode(ID + "visit/test-visit"), NamedNode(BASE + "graph/test-writes")
    r = lambda p: NamedNode(R + p)  # noqa: E731
    store.extend(
        Quad(visit, p, o, graph)
        for p, o in [
            (NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), r("MilitaryVisit")),
            (NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), r("Visit")),
            (r("status"), r("status-took-place")),
            (r("earliestDate"), Literal("1999-05-01", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date"))),
            (r("hostState"), NamedNode(ID + "state/cuba")),
            (r("sendingState"), NamedNode(ID + "state/russia")),
        ]
    )
    stale = _differences(store, "visits-per-year")
    assert any("state=None" in p or "cuba" in p for p in stale), stale
    assert _differences(store, "state-contact-counts")
    store.flush()
    del store

    gc.collect()
    done = subprocess.run(
        [sys.executable, "-m", "rulakg.cli", "aggregates", "--store-dir", str(copy)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "triples of aggregates" in done.stderr
    store = Store.read_only(_store_path(settings))
    for name in RAW:
        assert _differences(store, name) == []
    # 1999 now has one (military) visit, to Cuba
    rows = _rows(store, RAW["visits-per-year"], {"__state_iri": NamedNode(ID + "state/cuba")})
    assert any(row[1] == '"1999"^^<http://www.w3.org/2001/XMLSchema#integer>' for row in rows)


def test_aggregates_are_deterministic_and_described(project: Settings) -> None:
    store = Store.read_only(_store_path(project))
    first, second = compute(store, project.base_iri), compute(store, project.base_iri)
    assert first == second
    quads = store.quads_for_pattern(None, None, None, NamedNode(AGGREGATES))
    stored = sorted((Quad(q.subject, q.predicate, q.object) for q in quads), key=str)
    assert sorted((Quad(t.subject, t.predicate, t.object) for t in first), key=str) == stored
    datasets = {
        row[0].value
        for row in store.query(
            "SELECT DISTINCT ?d { ?o <http://purl.org/linked-data/cube#dataSet> ?d . "
            "?d <http://purl.org/linked-data/cube#structure>/<http://purl.org/linked-data/cube#component> ?c }",
            default_graph=NamedNode(AGGREGATES),
        )
    }
    assert datasets == {
        ID + f"dataset/{d}"
        for d in (
            "visits-per-year",
            "visits-per-year-by-actor",
            "contacts-per-state",
            "agreements-per-area",
            "agreements-per-area-by-actor",
        )
    }


def test_observations_conform_to_their_shape(project: Settings) -> None:
    """The aggregates graph conforms to the shapes as it is: its observations are rula:ComputedObservation (not
    rula:Fact, so no citation is asked of them), each generated by the prov:Activity of its query."""
    store = Store.read_only(_store_path(project))
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_TRIPLES, from_graph=NamedNode(AGGREGATES))
    own = {short(s) for s in rdflib.Graph().parse(data=buffer.getvalue(), format="nt").subjects()}
    # the aggregates, and the types of the actors they count (for sh:class)
    for triple in store.query(
        f"CONSTRUCT {{ ?a a ?t }} WHERE {{ GRAPH <{AGGREGATES}> {{ ?o <{R}refActor> ?a }} ?a a ?t }}",
        use_default_graph_as_union=True,
    ):
        buffer.write(f"{triple} .\n".encode())
    data = rdflib.Graph().parse(data=buffer.getvalue(), format="nt")
    computed = set(data.subjects(rdflib.RDF.type, rdflib.URIRef(R + "ComputedObservation")))
    assert len(computed) > 100
    assert not set(data.subjects(rdflib.RDF.type, rdflib.URIRef(R + "StatisticalObservation")))
    activities = {data.value(o, rdflib.URIRef("http://www.w3.org/ns/prov#wasGeneratedBy")) for o in computed}
    assert {str(a).removeprefix(ID) for a in activities} == {
        "aggregation/visits-per-year",
        "aggregation/contacts-per-state",
        "aggregation/agreements-per-area",
    }
    report = validate(data)  # the actors are there as their types only: their own shapes are not asked here
    assert [v for v in report.violations if v.focus_node in own] == [], report
    # and the shape does check: two counted classes, an actor that is not one, no generating activity, and a
    # computed figure that claims to be a fact (a rula:Visit)
    bad = rdflib.Graph().parse(
        data=f"""
        @prefix rula: <{R}> . @prefix qb: <http://purl.org/linked-data/cube#> .
        <{ID}dataset/x/1> a rula:ComputedObservation ; qb:dataSet <{ID}dataset/contacts-per-state> ;
            rula:countedClass rula:Visit , rula:Agreement ; rula:refActor rula:area-nuclear ;
            rula:indicator rula:indicator-count ; rula:obsValue 3 ; rula:unit "count" .
        <{ID}dataset/x/2> a rula:ComputedObservation , rula:Visit ; qb:dataSet <{ID}dataset/contacts-per-state> ;
            <http://www.w3.org/ns/prov#wasGeneratedBy> <{ID}aggregation/contacts-per-state> ;
            rula:indicator rula:indicator-count ; rula:obsValue 3 ; rula:unit "count" .
        <{ID}aggregation/contacts-per-state> a <http://www.w3.org/ns/prov#Activity> .
        <{ID}dataset/contacts-per-state> a qb:DataSet ; qb:structure <{ID}structure/per-actor> .
        <{ID}structure/per-actor> a qb:DataStructureDefinition .
        """,
        format="turtle",
    )
    report = validate(bad)
    shape = "rulash:ComputedObservationShape"
    caught = {(v.focus_node, v.path) for v in report.errors if v.shape == shape}
    first, second = short(rdflib.URIRef(f"{ID}dataset/x/1")), short(rdflib.URIRef(f"{ID}dataset/x/2"))
    assert caught == {
        (first, "rula:countedClass"),
        (first, "rula:refActor"),
        (first, "prov:wasGeneratedBy"),
        (second, ""),
    }, report


def test_the_build_checks_the_aggregates_against_the_shapes(project: Settings, tmp_path: Path) -> None:
    """A broken observation in graph/aggregates (as an edited aggregate query would make) is a build problem."""
    from rulakg.build.derive import shacl_problems
    from rulakg.build.sources import discover

    copy = tmp_path / "store"
    shutil.copytree(project.store_dir, copy, symlinks=True)
    settings = Settings(store_dir=copy, ontology_dir=project.ontology_dir, data_dir=project.data_dir)
    store = Store(_store_path(settings))
    sources = discover(settings)
    assert shacl_problems(store, sources, settings) == []
    bad = NamedNode(ID + "dataset/visits-per-year/broken")
    store.add(
        Quad(
            bad,
            NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            NamedNode(R + "ComputedObservation"),
            NamedNode(AGGREGATES),
        )
    )
    problems = shacl_problems(store, sources, settings)
    assert problems and all("ComputedObservationShape" in p and "broken" in p for p in problems), problems
