"""Tests of the RuLA KG ontology (ontology/rulakg.ttl) and its SHACL shapes (ontology/shapes.ttl).

They prove what issue 3 asks: the ontology parses in rdflib, owlready2 and pyoxigraph; HermiT finds it (alone,
with a small example graph, and with the full project data compiled as ``rulakg build`` compiles it) consistent
with no unsatisfiable class; every term of our namespace has an rdfs:label and a skos:definition in English and
Spanish, and every class and property the project data uses is such a declared term; every SHACL shape rejects a
small invalid example (one file per shape in tests/shapes_fixtures/) while the valid example passes; the
materialised inferences are the ones users need; and rendering the docs leaves the root logger alone.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from rulakg.ontology import (
    NAMESPACE,
    RULA,
    VERSION_IRI,
    check_consistency,
    load_ontology,
    load_shapes,
    materialise,
    ontology_path,
    shapes_path,
    validate,
)
from rulakg.ontology.validate import CompiledProject, compile_project

FIXTURES = Path(__file__).parent / "shapes_fixtures"
VALID = FIXTURES / "valid.ttl"
ID = "https://w3id.org/rulakg/id/"
ROOT = Path(__file__).resolve().parents[1]
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs java")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return load_ontology()


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def project() -> CompiledProject:
    """The repository's ontology, shapes and data, compiled by the build's own sources and mappers."""
    from rulakg.config import Settings

    return compile_project(Settings(
        ontology_dir=ROOT / "ontology", data_dir=ROOT / "data", queries_dir=ROOT / "queries"))


def our_terms(g: rdflib.Graph) -> list[rdflib.URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return sorted({s for k in kinds for s in g.subjects(RDF.type, k)
                   if isinstance(s, rdflib.URIRef) and str(s).startswith(NAMESPACE)})


# ---------------------------------------------------------------- parsing


def test_parses_in_rdflib(ontology: rdflib.Graph, shapes: rdflib.Graph) -> None:
    assert len(ontology) > 1000
    assert (rdflib.URIRef("https://w3id.org/rulakg/ontology"), OWL.versionIRI, rdflib.URIRef(VERSION_IRI)) in ontology
    assert ontology.value(rdflib.URIRef("https://w3id.org/rulakg/ontology"), OWL.versionInfo) == rdflib.Literal("0.1.0")
    assert len(shapes) > 500


def test_parses_in_pyoxigraph() -> None:
    store = pyoxigraph.Store()
    store.load(path=str(ontology_path()), format=pyoxigraph.RdfFormat.TURTLE)
    store.load(path=str(shapes_path()), format=pyoxigraph.RdfFormat.TURTLE)
    rows = list(store.query(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT (COUNT(?c) AS ?n) WHERE { ?c a owl:Class }"))
    assert int(rows[0]["n"].value) >= 60


def test_parses_in_owlready2(tmp_path: Path) -> None:
    import owlready2

    path = tmp_path / "rulakg.nt"
    load_ontology().serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(f"file://{path}").load()
    names = {c.name for c in onto.classes()}
    assert {"Polity", "OfficeHolding", "VoteCast", "StatisticalObservation"} <= names
    assert world["https://w3id.org/rulakg/ontology#holder"] is not None
    world.close()


# ---------------------------------------------------------------- reasoning


@needs_java
def test_hermit_ontology_consistent_and_satisfiable() -> None:
    result = check_consistency()
    assert result.consistent, result.message
    assert result.unsatisfiable == []


@needs_java
def test_hermit_consistent_with_example_data() -> None:
    result = check_consistency(VALID)
    assert result.ok, result.message + " " + ", ".join(result.unsatisfiable)


@needs_java
@pytest.mark.slow
def test_hermit_consistent_with_full_project_data(project: CompiledProject) -> None:
    assert len(project.data) > 5000
    result = check_consistency(project.data, ontology=project.ontology)
    assert result.consistent, result.message
    assert result.unsatisfiable == []


@needs_java
def test_hermit_detects_a_person_who_is_official_and_scholar(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(VALID.read_text() + "\nperson:sergey-lavrov a rula:Scholar .\n")
    assert not check_consistency(bad).consistent


def test_materialise(ontology: rdflib.Graph) -> None:
    inferred = materialise(VALID, ontology=ontology)
    lavrov = rdflib.URIRef(ID + "person/sergey-lavrov")
    holding = rdflib.URIRef(ID + "holding/lavrov-fm")
    office = rdflib.URIRef(ID + "office/foreign-minister-russia")
    venezuela = rdflib.URIRef(ID + "state/venezuela")
    la_guaira = rdflib.URIRef(ID + "place/la-guaira")
    org = rdflib.Namespace("http://www.w3.org/ns/org#")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    # inverse property
    assert (lavrov, RULA.hasHolding, holding) in inferred
    # property chain
    assert (lavrov, RULA.holdsOffice, office) in inferred
    assert (rdflib.URIRef(ID + "state/russia"), org.memberOf, rdflib.URIRef(ID + "organisation/brics")) in inferred
    # super-classes
    assert (rdflib.URIRef(ID + "visit/port-call-2008"), RDF.type, RULA.Fact) in inferred
    assert (rdflib.URIRef(ID + "visit/port-call-2008"), RDF.type, prov.Entity) in inferred
    assert (lavrov, RDF.type, RULA.Person) in inferred
    # super-properties
    assert (rdflib.URIRef(ID + "visit/lavrov-caracas"), RULA.participant, lavrov) in inferred
    # transitive part-of (port -> Caracas -> Venezuela)
    assert (la_guaira, RULA.partOf, venezuela) in inferred
    assert (venezuela, RULA.hasPart, la_guaira) in inferred
    # nothing already asserted is repeated
    data = rdflib.Graph().parse(VALID)
    assert not any(t in data for t in inferred)


# ---------------------------------------------------------------- labels and definitions


def test_every_term_has_labels_and_definitions_en_es(ontology: rdflib.Graph) -> None:
    terms = our_terms(ontology)
    assert len(terms) > 150
    missing = []
    for t in terms:
        for prop in (RDFS.label, SKOS.definition):
            langs = {o.language for o in ontology.objects(t, prop) if isinstance(o, rdflib.Literal)}
            for lang in ("en", "es"):
                if lang not in langs:
                    missing.append(f"{t} {prop} @{lang}")
        if (t, RDFS.isDefinedBy, rdflib.URIRef("https://w3id.org/rulakg/ontology")) not in ontology:
            missing.append(f"{t} rdfs:isDefinedBy")
    assert missing == []


def test_schemes_and_structures_have_labels_and_definitions(ontology: rdflib.Graph) -> None:
    """Named individuals that are not concepts (concept schemes, Data Cube structures) are documented too."""
    individuals = [i for i in ontology.subjects(RDF.type, OWL.NamedIndividual) if str(i).startswith(NAMESPACE)]
    assert len(individuals) > 100
    missing = []
    for i in individuals:
        labels = {o.language for p in (RDFS.label, SKOS.prefLabel) for o in ontology.objects(i, p)}
        definitions = {o.language for o in ontology.objects(i, SKOS.definition)}
        missing += [f"{i} label @{lang}" for lang in ("en", "es") if lang not in labels]
        missing += [f"{i} definition @{lang}" for lang in ("en", "es") if lang not in definitions]
    assert missing == []


def test_terms_used_in_project_data_are_declared(project: CompiledProject) -> None:
    """Every rula: predicate and rdf:type of the compiled data is a declared, bilingual term of the ontology."""
    ont, data = project.ontology, project.data
    ours = lambda t: isinstance(t, rdflib.URIRef) and str(t).startswith(NAMESPACE)  # noqa: E731
    classes = {o for o in data.objects(None, RDF.type) if ours(o)}
    properties = {p for p in data.predicates() if ours(p)}
    assert len(classes) > 20 and len(properties) > 50
    problems = []
    for c in sorted(classes):
        if (c, RDF.type, OWL.Class) not in ont:
            problems.append(f"{c} is used as a class but not declared owl:Class")
    for p in sorted(properties):
        if not any((p, RDF.type, k) in ont for k in (OWL.ObjectProperty, OWL.DatatypeProperty,
                                                     OWL.AnnotationProperty)):
            problems.append(f"{p} is used as a property but not declared")
    for t in sorted(classes | properties):
        for prop in (RDFS.label, SKOS.definition):
            langs = {o.language for o in ont.objects(t, prop) if isinstance(o, rdflib.Literal)}
            problems += [f"{t} has no {prop} @{lang}" for lang in ("en", "es") if lang not in langs]
    # controlled values (rula:vote-no, precisions, roles …) used as objects are declared and labelled
    for o in sorted({o for o in data.objects() if ours(o)} - classes - properties):
        if not {x.language for p in (SKOS.prefLabel, RDFS.label) for x in ont.objects(o, p)} >= {"en", "es"}:
            problems.append(f"{o} is used as a value but has no label in en and es")
    assert problems == []


def test_concepts_have_labels_and_definitions(ontology: rdflib.Graph) -> None:
    concepts = [c for c in ontology.subjects(RDF.type, SKOS.Concept) if str(c).startswith(NAMESPACE)]
    assert len(concepts) > 80
    for c in concepts:
        assert {o.language for o in ontology.objects(c, SKOS.prefLabel)} >= {"en", "es"}, c
        assert {o.language for o in ontology.objects(c, SKOS.definition)} >= {"en", "es"}, c
        assert ontology.value(c, SKOS.inScheme) is not None, c


def test_wikidata_alignments_are_annotations_or_declared(ontology: rdflib.Graph) -> None:
    """Keep OWL 2 DL: skos:*Match are annotation properties; wdt: properties used in axioms are declared."""
    for p in (SKOS.exactMatch, SKOS.closeMatch):
        assert (p, RDF.type, OWL.AnnotationProperty) in ontology
    for _s, o in ontology.subject_objects(OWL.equivalentProperty):
        assert (o, RDF.type, OWL.ObjectProperty) in ontology or (o, RDF.type, OWL.DatatypeProperty) in ontology


# ---------------------------------------------------------------- SHACL


def test_every_class_has_a_shape(ontology: rdflib.Graph, shapes: rdflib.Graph) -> None:
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(NAMESPACE)}
    targeted = set(shapes.objects(None, SH.targetClass))
    assert classes - targeted == set()


def test_valid_example_conforms(ontology: rdflib.Graph, shapes: rdflib.Graph) -> None:
    report = validate(VALID, ontology=ontology, shapes=shapes)
    assert report.conforms, str(report)


def shape_names(shapes: rdflib.Graph) -> list[str]:
    return sorted(str(s).split("#")[-1] for s in shapes.subjects(SH.targetClass, None))


def test_every_shape_has_a_failing_fixture() -> None:
    fixtures = {p.stem for p in FIXTURES.glob("*Shape.ttl")}
    assert set(shape_names(load_shapes())) == fixtures


@pytest.mark.parametrize("shape", shape_names(load_shapes()))
def test_shape_rejects_its_fixture(shape: str, ontology: rdflib.Graph, shapes: rdflib.Graph) -> None:
    report = validate([VALID, FIXTURES / f"{shape}.ttl"], ontology=ontology, shapes=shapes)
    hits = [v for v in report.violations if v.focus_node == "id:test/bad" and v.shape == f"rulash:{shape}"]
    assert hits, f"{shape} fixture gave no result of that shape:\n{report}"
    assert all(v.message for v in hits)
    if any(v.severity == "Violation" for v in hits):
        assert not report.conforms


def test_report_is_readable(ontology: rdflib.Graph, shapes: rdflib.Graph) -> None:
    report = validate([VALID, FIXTURES / "FactShape.ttl"], ontology=ontology, shapes=shapes)
    text = str(report)
    assert "id:test/bad" in text and "rulash:FactShape" in text
    assert text.startswith("Does not conform: ")


def test_validate_accepts_graphs_and_datasets(ontology: rdflib.Graph, shapes: rdflib.Graph) -> None:
    ds = rdflib.Dataset()
    ds.graph(rdflib.URIRef("https://w3id.org/rulakg/graph/article")).parse(VALID)
    assert validate(ds, ontology=ontology, shapes=shapes).conforms
    assert validate(rdflib.Graph().parse(VALID), ontology=ontology, shapes=shapes).conforms


# ---------------------------------------------------------------- logging


def test_docs_leave_the_root_logger_alone(tmp_path: Path) -> None:
    """pyLODE calls logging.basicConfig(level=DEBUG) on import; write_docs undoes it (no asyncio/INFO noise)."""
    from rulakg.ontology.docs import write_docs

    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    write_docs(ontology_path().parent, tmp_path)
    assert (tmp_path / "ontology.html").stat().st_size > 10_000
    assert (root.level, list(root.handlers)) == before
