"""Result and RDF formats, and content negotiation: the one place that maps media types to serializers.

Serialization itself is pyoxigraph's (streamed, no per-row Python); this module only decides which
serializer answers a request, from the ``Accept`` header or a ``format=`` override.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class Format:
    """A format the service can answer with."""

    key: str  # short name for ``format=`` and file extensions
    media_type: str  # the media type sent in Content-Type
    aliases: tuple[str, ...]  # other media types a client may ask for
    names: tuple[str, ...]  # other ``format=`` names
    text: bool  # a text/* type: send ``charset=utf-8``

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type


# Order is preference: the first format is the default for ``*/*`` or no Accept header.
RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("application/json",), ("srj",), False),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), ("srx",), False),
    Format("csv", "text/csv", (), (), True),
    Format("tsv", "text/tab-separated-values", (), (), True),
)
RDF_FORMATS: tuple[Format, ...] = (
    Format("ttl", "text/turtle", ("application/x-turtle",), ("turtle", "n3"), True),  # Turtle is N3 too
    Format("nt", "application/n-triples", ("text/plain",), ("ntriples", "n-triples"), False),
    Format("nq", "application/n-quads", ("text/x-nquads",), ("nquads", "n-quads"), False),
    Format("trig", "application/trig", (), (), False),
    Format("rdf", "application/rdf+xml", ("application/xml", "text/xml"), ("rdfxml", "rdf-xml", "xml", "owl"), False),
    Format("jsonld", "application/ld+json", ("application/json",), ("json-ld", "json"), False),
)

_RESULTS_SERIALIZER = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
_RDF_SERIALIZER = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "rdf": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
}


def results_serializer(key: str) -> QueryResultsFormat:
    return _RESULTS_SERIALIZER[key]


def rdf_serializer(key: str) -> RdfFormat:
    return _RDF_SERIALIZER[key]


def rdf_format_for_path(name: str) -> RdfFormat | None:
    """The RDF format of a file from its name (``.gz`` ignored), for ``rulakg load``."""
    base = name[:-3] if name.endswith(".gz") else name
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    by_ext = {
        "ttl": RdfFormat.TURTLE,
        "turtle": RdfFormat.TURTLE,
        "nt": RdfFormat.N_TRIPLES,
        "nq": RdfFormat.N_QUADS,
        "trig": RdfFormat.TRIG,
        "rdf": RdfFormat.RDF_XML,
        "owl": RdfFormat.RDF_XML,
        "xml": RdfFormat.RDF_XML,
        "jsonld": RdfFormat.JSON_LD,
        "json": RdfFormat.JSON_LD,
        "n3": RdfFormat.N3,
    }
    return by_ext.get(ext)


class NotAcceptable(Exception):
    """No offered format matches the client's Accept header (HTTP 406)."""

    def __init__(self, accept: str, offered: tuple[Format, ...]):
        self.offered = offered
        listing = ", ".join(f.media_type for f in offered)
        super().__init__(f"None of the requested media types ({accept!r}) can be produced here. Offered: {listing}.")


class UnknownFormat(ValueError):
    """A ``format=`` value that names no format of this kind (HTTP 400)."""


def _parse_accept(accept: str) -> list[tuple[str, float, int]]:
    """Media ranges with their q-values, in header order; parameters other than q are ignored."""
    ranges = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        if "/" not in media:
            media = "*/*" if media == "*" else media
        ranges.append((media, q, i))
    return ranges


def _specificity(media_range: str, fmt: Format) -> int:
    """How specifically a media range names a format: 3 exact, 2 alias, 1 type/*, 0 */*, -1 no match."""
    if media_range == fmt.media_type:
        return 3
    if media_range in fmt.aliases:
        return 2
    if media_range == "*/*":
        return 0
    main, _, sub = media_range.partition("/")
    # type/* matches the media type actually sent, not an alias (text/* must not get sparql-results+xml).
    if sub == "*" and fmt.media_type.split("/")[0] == main:
        return 1
    return -1


def negotiate(accept: str | None, offered: tuple[Format, ...], override: str | None = None) -> Format:
    """Pick the format for a response.

    ``override`` (the ``format=`` parameter: a short name or a media type) wins over ``Accept``. Each offered
    format gets the q-value of the most specific range that matches it (RFC 9110); the highest q wins, ties
    going to the server's order of preference.
    """
    if override:
        wanted = override.strip().lower()
        for fmt in offered:
            if wanted in (fmt.key, fmt.media_type, *fmt.names, *fmt.aliases):
                return fmt
        known = ", ".join(f.key for f in offered)
        raise UnknownFormat(f"Unknown format {override!r} for this result; use one of: {known}.")
    if not accept or not accept.strip():
        return offered[0]
    ranges = _parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen: Format | None = None
    for rank, fmt in enumerate(offered):
        match: tuple[int, float, int] | None = None  # (specificity, q, header position)
        for media, q, pos in ranges:
            spec = _specificity(media, fmt)
            if spec >= 0 and (match is None or spec > match[0]):
                match = (spec, q, pos)
        if match is None or match[1] <= 0:
            continue
        # Higher q first; then a more specific match; then the server's own order.
        score = (match[1], match[0], -rank)
        if best is None or score > best:
            best, chosen = score, fmt
    if chosen is None:
        raise NotAcceptable(accept, offered)
    return chosen
