"""The DCAT description of a release: a ``dcat:Dataset`` with one ``dcat:Distribution`` per file (media type,
gzip compression, byte size, SPDX SHA-256 checksum, licence, download URL), its versions and its citation."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SPDX = "http://spdx.org/rdf/terms#"
IANA = "https://www.iana.org/assignments/media-types/"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
PREFIXES = {"dcat": DCAT, "dct": DCT, "rdfs": RDFS, "xsd": XSD, "owl": OWL, "spdx": SPDX}


@dataclass(frozen=True)
class Distribution:
    name: str  # file name in the release folder
    title: str
    media_type: str  # of the content, e.g. application/n-quads
    gzip: bool
    byte_size: int
    sha256: str


def describe(
    *,
    base_iri: str,
    download_base: str,
    version: str,
    issued: str,
    ontology_version_iri: str | None,
    citation: str,
    distributions: list[Distribution],
) -> bytes:
    """Turtle of the release's DCAT description."""
    dataset = NamedNode(f"{base_iri}release/{version}")
    quads: list[Triple] = []

    def add(s: NamedNode, p: str, o: NamedNode | Literal) -> None:
        quads.append(Triple(s, NamedNode(p), o))

    add(dataset, RDF + "type", NamedNode(DCAT + "Dataset"))
    add(dataset, DCT + "title", Literal(f"RuLA KG {version}", language="en"))
    add(
        dataset,
        DCT + "description",
        Literal(
            "Russia (and the USSR) and Latin America and the Caribbean: a knowledge graph of states, officials, "
            "visits, agreements, UN votes, memberships, arms transfers and economic figures, each fact with the "
            "verbatim quote of its source.",
            language="en",
        ),
    )
    add(dataset, DCAT + "version", Literal(version))
    add(dataset, OWL + "versionInfo", Literal(version))
    add(dataset, DCT + "issued", Literal(issued, datatype=NamedNode(XSD + "date")))
    add(dataset, DCT + "license", NamedNode(CC_BY))
    add(dataset, DCT + "bibliographicCitation", Literal(citation))
    add(dataset, DCT + "isVersionOf", NamedNode(f"{base_iri}void/dataset"))
    if ontology_version_iri:
        add(dataset, DCT + "conformsTo", NamedNode(ontology_version_iri))
    for d in distributions:  # the dataset's triples together (a Turtle serialiser groups consecutive subjects)
        add(dataset, DCAT + "distribution", NamedNode(f"{base_iri}release/{version}/{d.name}"))
    for d in distributions:
        node = NamedNode(f"{base_iri}release/{version}/{d.name}")
        checksum = NamedNode(f"{base_iri}release/{version}/{d.name}#sha256")
        add(node, RDF + "type", NamedNode(DCAT + "Distribution"))
        add(node, DCT + "title", Literal(d.title, language="en"))
        add(node, DCAT + "downloadURL", NamedNode(f"{download_base}/{version}/{d.name}"))
        add(node, DCAT + "accessURL", NamedNode(f"{download_base}"))
        add(node, DCAT + "mediaType", NamedNode(IANA + d.media_type))
        if d.gzip:
            add(node, DCAT + "compressFormat", NamedNode(IANA + "application/gzip"))
        add(node, DCAT + "byteSize", Literal(str(d.byte_size), datatype=NamedNode(XSD + "nonNegativeInteger")))
        add(node, DCT + "license", NamedNode(CC_BY))
        add(node, SPDX + "checksum", checksum)
        add(checksum, RDF + "type", NamedNode(SPDX + "Checksum"))
        add(checksum, SPDX + "algorithm", NamedNode(SPDX + "checksumAlgorithm_sha256"))
        add(checksum, SPDX + "checksumValue", Literal(d.sha256, datatype=NamedNode(XSD + "hexBinary")))
    return serialize(quads, format=RdfFormat.TURTLE, prefixes=PREFIXES)  # type: ignore[no-any-return]
