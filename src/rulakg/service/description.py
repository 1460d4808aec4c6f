"""The SPARQL 1.1 Service Description of the endpoint (returned by ``GET /sparql`` without a query)."""

from __future__ import annotations

from pyoxigraph import RdfFormat, parse, serialize

from rulakg import __version__
from rulakg.config import Settings
from rulakg.formats import RDF_FORMATS, RESULT_FORMATS, Format, rdf_serializer

_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "ttl": "Turtle",
    "nt": "N-Triples",
    "nq": "N-Quads",
    "trig": "TriG",
    "rdf": "RDF_XML",
    "jsonld": "JSON-LD",
}


def service_description_turtle(settings: Settings, endpoint: str, graphs: dict[str, int]) -> str:
    """The description as Turtle: endpoint, language, formats, features, and the default dataset."""
    formats = " , ".join(f"<http://www.w3.org/ns/formats/{_FORMAT_IRIS[f.key]}>" for f in RESULT_FORMATS + RDF_FORMATS)
    features = "sd:BasicFederatedQuery"
    if settings.union_default_graph:
        features = "sd:UnionDefaultGraph , " + features
    named = "".join(
        f"""
        sd:namedGraph [ a sd:NamedGraph ; sd:name <{iri}> ;
            sd:graph [ a sd:Graph ; void:triples {count} ] ] ;"""
        for iri, count in sorted(graphs.items())
    )
    total = sum(graphs.values())
    default_graph = (
        "the union of all named graphs" if settings.union_default_graph else "the store's default graph"
    )
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

[] a sd:Service ;
    rdfs:label "RuLA KG SPARQL endpoint" ;
    dcterms:description "RuLA KG: Russia (USSR) and Latin America. Default graph: {default_graph}." ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat {formats} ;
    sd:feature {features} ;
    dcterms:hasVersion "{__version__}" ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ; void:triples {total if settings.union_default_graph else 0} ] ;{named}
    ] .
"""


def render(turtle: str, fmt: Format, endpoint: str) -> bytes:
    """The description in the negotiated RDF format (pyoxigraph converts the Turtle)."""
    if fmt.key == "ttl":
        return turtle.encode()
    return serialize(parse(turtle, RdfFormat.TURTLE, base_iri=endpoint), format=rdf_serializer(fmt.key))
