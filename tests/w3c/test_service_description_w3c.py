"""SPARQL 1.1 Service Description tests (``service-description/manifest.ttl``) on ``GET /sparql``.

The manifest names three checks without machine-readable details; each is implemented from the Service
Description Recommendation: the endpoint returns RDF on a GET without a query (in each RDF syntax it offers),
the description has an ``sd:endpoint`` triple naming the URL that was dereferenced, and it conforms to the
vocabulary's schema (classes, domains and ranges, the defined feature and language instances).
"""

from __future__ import annotations

import re

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse

from . import manifest as m

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = m.RDF + "type"
ACCEPTS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/n-triples": RdfFormat.N_TRIPLES,
}

CLASSES = {
    "Service",
    "Feature",
    "Language",
    "Function",
    "Aggregate",
    "EntailmentRegime",
    "EntailmentProfile",
    "GraphCollection",
    "Dataset",
    "Graph",
    "NamedGraph",
}
INSTANCES = {
    "SPARQL10Query": "Language",
    "SPARQL11Query": "Language",
    "SPARQL11Update": "Language",
    "DereferencesURIs": "Feature",
    "UnionDefaultGraph": "Feature",
    "RequiresDataset": "Feature",
    "EmptyGraphs": "Feature",
    "BasicFederatedQuery": "Feature",
}
# property: (domain class, range: a class name, "iri", "literal", or None for any resource)
PROPERTIES = {
    "endpoint": ("Service", "iri"),
    "feature": ("Service", "Feature"),
    "defaultEntailmentRegime": ("Service", "EntailmentRegime"),
    "supportedEntailmentProfile": ("Service", "EntailmentProfile"),
    "extensionFunction": ("Service", "Function"),
    "extensionAggregate": ("Service", "Aggregate"),
    "languageExtension": ("Service", "Feature"),
    "supportedLanguage": ("Service", "Language"),
    "propertyFeature": ("Service", "Feature"),
    "defaultDataset": ("Service", "Dataset"),
    "availableGraphs": ("Service", "GraphCollection"),
    "resultFormat": ("Service", "iri"),
    "inputFormat": ("Service", "iri"),
    "defaultGraph": ("Dataset", "Graph"),
    "namedGraph": ("GraphCollection", "NamedGraph"),
    "name": ("NamedGraph", "iri"),
    "graph": ("NamedGraph", "Graph"),
    "entailmentRegime": (None, "EntailmentRegime"),
}
SUBCLASS = {"Dataset": "GraphCollection"}  # sd:Dataset rdfs:subClassOf sd:GraphCollection


def _cases() -> list[object]:
    if not m.available():
        return m.missing_param()
    return m.params(m.read_manifest(m.W3C_DIR / "service-description" / "manifest.ttl"))


def description(client, accept: str | None = None) -> tuple[list[Triple], str]:  # type: ignore[no-untyped-def]
    headers = {"Accept": accept} if accept else {}
    resp = client.get("/sparql", headers=headers)
    assert resp.status_code == 200, f"GET /sparql ({accept}): {resp.status_code} {resp.text[:300]}"
    media = resp.headers.get("content-type", "").split(";")[0].strip()
    assert media in ACCEPTS, f"GET /sparql ({accept}) answered {media!r}, not an RDF syntax"
    triples = list(parse(resp.content, format=ACCEPTS[media], base_iri=str(resp.url)))
    assert triples, "the service description is empty"
    return triples, media


def returns_rdf(client) -> None:  # type: ignore[no-untyped-def]
    description(client)  # no Accept header: whatever RDF the service prefers
    for accept in ACCEPTS:
        _, media = description(client, accept)
        assert media == accept, f"asked for {accept}, got {media}"


def has_endpoint_triple(client) -> None:  # type: ignore[no-untyped-def]
    triples, _ = description(client)
    url = str(client.base_url).rstrip("/") + "/sparql"
    endpoints = [t.object for t in triples if t.predicate == NamedNode(SD + "endpoint")]
    assert NamedNode(url) in endpoints, f"no sd:endpoint <{url}>; found {endpoints}"


def conforms_to_schema(client) -> None:  # type: ignore[no-untyped-def]
    triples, _ = description(client)
    types: dict[object, set[str]] = {}
    for t in triples:
        if t.predicate.value == RDF_TYPE and isinstance(t.object, NamedNode) and t.object.value.startswith(SD):
            types.setdefault(t.subject, set()).add(t.object.value.removeprefix(SD))
    for node, cls in INSTANCES.items():
        types.setdefault(NamedNode(SD + node), set()).add(cls)
    for classes in types.values():
        classes |= {SUBCLASS[c] for c in list(classes) if c in SUBCLASS}

    problems = []
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, NamedNode) and term.value.startswith(SD):
                local = term.value.removeprefix(SD)
                if local not in CLASSES | set(INSTANCES) | set(PROPERTIES):
                    problems.append(f"sd:{local} is not a term of the Service Description vocabulary")
        if (
            t.predicate.value == RDF_TYPE
            and isinstance(t.object, NamedNode)
            and t.object.value.startswith(SD)
            and t.object.value.removeprefix(SD) not in CLASSES
        ):
            problems.append(f"{t.subject} is typed with sd:{t.object.value.removeprefix(SD)}, not an sd: class")
        if not t.predicate.value.startswith(SD):
            continue
        prop = t.predicate.value.removeprefix(SD)
        if prop not in PROPERTIES:
            continue
        domain, rng = PROPERTIES[prop]
        if domain and domain not in types.get(t.subject, {domain}):
            problems.append(f"subject of sd:{prop} {t.subject} is typed {types[t.subject]}, not sd:{domain}")
        if rng == "iri" and not isinstance(t.object, NamedNode):
            problems.append(f"sd:{prop} of {t.subject} must be an IRI, not {t.object}")
        elif rng not in ("iri", "literal", None):
            if isinstance(t.object, Literal):
                problems.append(f"sd:{prop} of {t.subject} must be an sd:{rng} resource, not a literal")
            elif rng not in types.get(t.object, {rng}):
                problems.append(f"sd:{prop} value {t.object} is typed {types[t.object]}, not sd:{rng}")
    services = [s for s, c in types.items() if "Service" in c]
    subjects_with = lambda p: {t.subject for t in triples if t.predicate == NamedNode(SD + p)}  # noqa: E731
    if not services:
        services = list(subjects_with("endpoint"))
    assert services, "no sd:Service in the description"
    for service in services:
        if service not in subjects_with("endpoint"):
            problems.append(f"the service {service} has no sd:endpoint")
        languages = {
            t.object for t in triples if t.subject == service and t.predicate == NamedNode(SD + "supportedLanguage")
        }
        if not languages:
            problems.append(f"the service {service} has no sd:supportedLanguage")
        elif not languages <= {NamedNode(SD + x) for x in ("SPARQL10Query", "SPARQL11Query", "SPARQL11Update")}:
            problems.append(f"unknown sd:supportedLanguage values {languages}")
    for graph in (s for s, c in types.items() if "NamedGraph" in c):
        names = [t.object for t in triples if t.subject == graph and t.predicate == NamedNode(SD + "name")]
        if len(names) != 1:
            problems.append(f"the named graph {graph} has {len(names)} sd:name values (needs exactly one)")
    assert not problems, "the service description does not conform:\n  " + "\n  ".join(sorted(set(problems)))


CHECKS = {
    "returns-rdf": returns_rdf,
    "has-endpoint-triple": has_endpoint_triple,
    "conforms-to-schema": conforms_to_schema,
}


@pytest.mark.w3c
@pytest.mark.parametrize("case", _cases())
def test_service_description(case: m.TestCase, w3c_client) -> None:  # type: ignore[no-untyped-def]
    local = case.id.split("/")[-1]
    assert local in CHECKS, f"no implementation of the service description test {case.id}"
    CHECKS[local](w3c_client)


class _FakeClient:
    """Answers ``GET /sparql`` with a fixed Turtle description (for the harness's own test)."""

    base_url = "http://example.org"

    def __init__(self, turtle: str):
        self.turtle = turtle

    def get(self, path: str, headers: dict[str, str]) -> object:
        class Resp:
            status_code = 200
            content = self.turtle.encode()
            url = self.base_url + path
            text = self.turtle

        Resp.headers = {"content-type": "text/turtle"}  # type: ignore[attr-defined]
        return Resp()


GOOD_SD = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
[] a sd:Service ; sd:endpoint <http://example.org/sparql> ; sd:supportedLanguage sd:SPARQL11Query ;
   sd:feature sd:BasicFederatedQuery ;
   sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ;
                       sd:namedGraph [ a sd:NamedGraph ; sd:name <http://example.org/g> ] ] ."""


@pytest.mark.w3c
@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("sd:supportedLanguage sd:SPARQL11Query", "no sd:supportedLanguage"),
        ("sd:feature sd:BasicFederatedQuery", "sd:BasicFederatedQueries is not a term"),
        ("sd:name <http://example.org/g>", "has 0 sd:name values"),
        ("sd:endpoint <http://example.org/sparql>", "has no sd:endpoint"),
        ("sd:defaultGraph [ a sd:Graph ]", "typed {'NamedGraph'}, not sd:Graph"),
    ],
)
def test_harness_schema_check_finds_problems(broken: str, message: str) -> None:
    conforms_to_schema(_FakeClient(GOOD_SD))
    replacement = {
        "sd:supportedLanguage sd:SPARQL11Query": "sd:endpoint <http://example.org/sparql>",
        "sd:feature sd:BasicFederatedQuery": "sd:feature sd:BasicFederatedQueries",
        "sd:name <http://example.org/g>": "a sd:NamedGraph",
        "sd:endpoint <http://example.org/sparql>": "sd:supportedLanguage sd:SPARQL11Query",
        "sd:defaultGraph [ a sd:Graph ]": "sd:defaultGraph [ a sd:NamedGraph ; sd:name <http://example.org/h> ]",
    }[broken]
    with pytest.raises(AssertionError, match=re.escape(message)):
        conforms_to_schema(_FakeClient(GOOD_SD.replace(broken, replacement)))
