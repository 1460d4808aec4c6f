"""Content negotiation (``rulakg.formats.negotiate``): Accept headers, q-values, wildcards, ``format=``."""

from __future__ import annotations

import pytest

from rulakg.formats import (
    RDF_FORMATS,
    RESULT_FORMATS,
    NotAcceptable,
    UnknownFormat,
    negotiate,
    rdf_format_for_path,
)


def results(accept: str | None, override: str | None = None) -> str:
    return negotiate(accept, RESULT_FORMATS, override).key


def rdf(accept: str | None, override: str | None = None) -> str:
    return negotiate(accept, RDF_FORMATS, override).key


CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept", [None, "", "   ", "*/*", "*"])
def test_default_is_first_format(accept):
    assert results(accept) == "json"
    assert rdf(accept) == "ttl"


@pytest.mark.parametrize(
    ("accept", "key"),
    [
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("application/json", "json"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
        ("TEXT/CSV", "csv"),
    ],
)
def test_result_types(accept, key):
    assert results(accept) == key


@pytest.mark.parametrize(
    ("accept", "key"),
    [
        ("text/turtle", "ttl"),
        ("application/x-turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("text/plain", "nt"),
        ("application/n-quads", "nq"),
        ("text/x-nquads", "nq"),
        ("application/trig", "trig"),
        ("application/rdf+xml", "rdf"),
        ("application/xml", "rdf"),
        ("application/ld+json", "jsonld"),
        ("application/json", "jsonld"),
    ],
)
def test_rdf_types(accept, key):
    assert rdf(accept) == key


def test_q_values_pick_the_highest():
    assert results("application/sparql-results+json;q=0.5, text/csv") == "csv"
    assert (
        results("text/csv;q=0.3, text/tab-separated-values;q=0.6, application/sparql-results+xml;q=0.4")
        == "tsv"
    )
    assert rdf("text/turtle;q=0.1, application/ld+json;q=0.2") == "jsonld"
    assert results("text/csv ; q=0.5 , text/tab-separated-values ; q=0.6") == "tsv"


def test_q_zero_excludes():
    with pytest.raises(NotAcceptable):
        results("text/csv;q=0")
    assert results("text/csv;q=0, */*") == "json"
    assert results("application/sparql-results+json;q=0, */*;q=0.5") == "xml"


def test_most_specific_range_gives_the_q():
    # JSON is matched by */* (q=1) and by its exact type (q=0.1): the exact range wins, so XML is preferred.
    assert results("*/*, application/sparql-results+json;q=0.1") == "xml"
    assert results("application/json;q=0.9, application/sparql-results+json;q=0.1") == "json"


def test_ties_go_to_server_order():
    assert results("text/csv, application/sparql-results+xml") == "xml"
    assert results("text/tab-separated-values, text/csv") == "csv"
    assert rdf("application/n-quads, application/trig, text/turtle") == "ttl"


def test_several_types_first_acceptable_one():
    assert results("image/png, text/csv") == "csv"
    assert rdf("text/html, application/rdf+xml") == "rdf"


def test_wildcard_subtypes():
    assert results("text/*") == "csv"  # a text/* type, not sparql-results+xml (which only has a text/ alias)
    assert rdf("text/*") == "ttl"
    assert rdf("application/*") == "nt"  # not Turtle, whose only application/ type is an alias
    assert results("application/*") == "json"
    assert results("text/*;q=0.5, application/sparql-results+xml") == "xml"
    assert results("*/*;q=0.1, text/tab-separated-values;q=0.05") == "json"
    with pytest.raises(NotAcceptable):
        results("image/*")


def test_charset_and_other_parameters_ignored():
    assert results("text/csv; charset=utf-8") == "csv"
    assert results("text/csv;charset=UTF-8;q=0.3, application/sparql-results+json;q=0.2") == "csv"
    assert rdf("text/turtle; charset=utf-8; q=0.9") == "ttl"
    assert rdf('application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"') == "jsonld"


def test_out_of_range_q_is_clamped():
    assert results("text/csv;q=7, text/tab-separated-values;q=0.9") == "csv"
    with pytest.raises(NotAcceptable):
        results("text/csv;q=-1")


def test_browser_accept_headers():
    assert results(CHROME) == "xml"
    assert rdf(CHROME) == "rdf"
    assert results(FIREFOX) == "xml"
    assert rdf(FIREFOX) == "rdf"
    assert results("text/html, */*;q=0.01") == "json"


def test_format_override_wins():
    assert results("application/sparql-results+json", "csv") == "csv"
    assert results("text/html", "tsv") == "tsv"  # even when Accept alone would be a 406
    assert results(None, "srx") == "xml"
    assert results(None, "text/csv") == "csv"
    assert results(None, " JSON ") == "json"
    assert rdf(None, "turtle") == "ttl"
    assert rdf(None, "n3") == "ttl"  # SPARQLWrapper's N3 (Turtle is N3)
    assert rdf(None, "xml") == "rdf"
    assert rdf(None, "json") == "jsonld"
    assert rdf(None, "n-triples") == "nt"
    assert rdf(None, "application/trig") == "trig"


def test_unknown_format_override():
    with pytest.raises(UnknownFormat, match="json, xml, csv, tsv"):
        results(None, "ttl")
    with pytest.raises(UnknownFormat):
        rdf(None, "csv")


def test_not_acceptable_lists_offered():
    with pytest.raises(NotAcceptable) as info:
        results("image/png, text/html")
    message = str(info.value)
    for fmt in RESULT_FORMATS:
        assert fmt.media_type in message
    assert info.value.offered == RESULT_FORMATS
    with pytest.raises(NotAcceptable) as info:
        rdf("application/sparql-results+json")
    assert "text/turtle" in str(info.value)


def test_content_types_carry_charset_for_text_only():
    by_key = {f.key: f.content_type for f in RESULT_FORMATS + RDF_FORMATS}
    assert by_key["csv"] == "text/csv; charset=utf-8"
    assert by_key["tsv"] == "text/tab-separated-values; charset=utf-8"
    assert by_key["ttl"] == "text/turtle; charset=utf-8"
    assert by_key["json"] == "application/sparql-results+json"
    assert by_key["nt"] == "application/n-triples"
    for fmt in RESULT_FORMATS + RDF_FORMATS:
        assert fmt.text == fmt.media_type.startswith("text/")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.ttl", "ttl"),
        ("a.nt.gz", "nt"),
        ("A.NQ", "nq"),
        ("x.trig", "trig"),
        ("o.owl", "rdf"),
        ("d.jsonld", "jsonld"),
    ],
)
def test_rdf_format_for_path(name, fmt):
    from rulakg.formats import rdf_serializer

    assert rdf_format_for_path(name) == rdf_serializer(fmt)


def test_rdf_format_for_unknown_path():
    assert rdf_format_for_path("notes.txt") is None
    assert rdf_format_for_path("README") is None
