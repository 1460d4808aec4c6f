"""HTTP caching of complete query answers through the real server: ETag (stable, per format, changed by a write),
If-None-Match → 304 on the fast GET path and the routed paths (POST, saved queries), Cache-Control (no-cache by
default, max-age with RULAKG_HTTP_MAX_AGE, never for RAND), the request's Cache-Control: no-cache bypassing the
result cache, and no validator on a streamed answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import DATA_DIR, ONTOLOGY_DIR
from server import LiveServer, build_store

from rulakg.service.auth import mint
from rulakg.service.http_cache import answer_etag, cache_control, etag_matches, wants_fresh

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
EX = "http://example.org/http-caching/"
JSON = {"Accept": "application/sparql-results+json"}
RW, RW_LINE = mint()


def fresh(query: str) -> str:
    """The query with a unique comment: a text no other test has sent (a miss in the result cache)."""
    return f"# {uuid.uuid4()}\n{query}"


def get(server: LiveServer, query: str, headers: dict[str, str] | None = None, **params: str) -> httpx.Response:
    return httpx.get(f"{server.url}/sparql", params={"query": query, **params}, headers=headers or {}, timeout=30)


def metric(server: LiveServer, name: str) -> float:
    for line in httpx.get(f"{server.url}/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


# --- the pieces -------------------------------------------------------------------------------------------


def test_validator_and_request_directives():
    head = {"content_type": "application/sparql-results+json"}
    tag = answer_etag("build|v=1", head, b"{}")
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert tag == answer_etag("build|v=1", dict(head), b"{}")
    assert tag != answer_etag("build|v=2", head, b"{}")  # a write changes the tag
    assert tag != answer_etag("build|v=1", head, b"{ }")
    assert tag != answer_etag("build|v=1", {"content_type": "application/json"}, b"{}")
    assert etag_matches(tag, tag) and etag_matches(f'"x", W/{tag}', tag) and etag_matches("*", tag)
    assert not etag_matches('"x"', tag) and not etag_matches(None, tag) and not etag_matches("*", None)
    assert wants_fresh("no-cache") and wants_fresh("max-age=0, No-Store") and wants_fresh(None, "no-cache")
    assert not wants_fresh("max-age=0") and not wants_fresh(None)
    assert cache_control(0, {"query": "SELECT * {}"}) == "no-cache"
    assert cache_control(60, {"query": "SELECT * {}"}) == "public, max-age=60"
    assert cache_control(60, {"query": "SELECT (RAND() AS ?r) {}"}) == "no-cache"


# --- the service with its default settings ----------------------------------------------------------------


def test_etag_is_stable_and_if_none_match_gets_304(server: LiveServer):
    q = fresh(f"SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label }} ORDER BY ?s ?label LIMIT 5")
    first, second = get(server, q), get(server, q)
    assert first.status_code == second.status_code == 200
    assert [first.headers["x-cache"], second.headers["x-cache"]] == ["miss", "hit"]
    tag = first.headers["etag"]
    assert tag == second.headers["etag"] and not tag.startswith("W/")
    assert first.headers["cache-control"] == "no-cache"  # RULAKG_HTTP_MAX_AGE=0: revalidate
    assert first.headers["vary"].startswith("Accept")
    before = metric(server, "rulakg_not_modified_total")
    r = get(server, q, {"If-None-Match": tag})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["etag"] == tag and r.headers["cache-control"] == "no-cache"
    assert get(server, q, {"If-None-Match": f'"other", W/{tag}'}).status_code == 304
    assert get(server, q, {"If-None-Match": "*"}).status_code == 304
    other = get(server, q, {"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.content == first.content
    assert metric(server, "rulakg_not_modified_total") == before + 3


def test_routed_post_and_head_answer_304(server: LiveServer):
    q = fresh("ASK { ?s ?p ?o }")
    url = f"{server.url}/sparql"
    first = httpx.post(url, data={"query": q}, headers=JSON, timeout=30)
    assert first.status_code == 200 and first.json()["boolean"] is True
    tag = first.headers["etag"]
    assert get(server, q, JSON).headers["etag"] == tag  # the same answer by GET: the same tag
    r = httpx.post(url, data={"query": q}, headers={**JSON, "If-None-Match": tag}, timeout=30)
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == tag
    r = httpx.head(url, params={"query": q}, headers={**JSON, "If-None-Match": tag}, timeout=30)
    assert r.status_code == 304 and r.headers["etag"] == tag


def test_a_different_format_has_a_different_etag(server: LiveServer):
    q = fresh(f"SELECT ?s WHERE {{ ?s <{LABEL}> ?label }} ORDER BY ?s LIMIT 3")
    as_json = get(server, q, JSON)
    as_xml = get(server, q, {"Accept": "application/sparql-results+xml"})
    as_csv = get(server, q, format="csv")
    tags = {as_json.headers["etag"], as_xml.headers["etag"], as_csv.headers["etag"]}
    assert len(tags) == 3
    # a tag of one format does not validate another
    xml_with_json_tag = {"Accept": "application/sparql-results+xml", "If-None-Match": as_json.headers["etag"]}
    assert get(server, q, xml_with_json_tag).status_code == 200


def test_construct_answers_carry_an_etag(server: LiveServer):
    q = fresh(f"CONSTRUCT {{ ?s <{LABEL}> ?l }} WHERE {{ ?s <{LABEL}> ?l }} LIMIT 2")
    r = get(server, q, {"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["etag"]
    assert get(server, q, {"Accept": "text/turtle", "If-None-Match": r.headers["etag"]}).status_code == 304


def test_no_cache_request_bypasses_the_result_cache(server: LiveServer):
    q = fresh("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert get(server, q).headers["x-cache"] == "miss"
    assert get(server, q).headers["x-cache"] == "hit"
    before = metric(server, "rulakg_result_cache_bypass_total")
    fresh_one = get(server, q, {"Cache-Control": "no-cache"})
    assert fresh_one.status_code == 200 and fresh_one.headers["x-cache"] == "bypass"
    assert get(server, q, {"Cache-Control": "no-store"}).headers["x-cache"] == "bypass"
    assert get(server, q, {"Pragma": "no-cache"}).headers["x-cache"] == "bypass"
    posted = httpx.post(f"{server.url}/sparql", data={"query": q}, headers={"Cache-Control": "no-cache"}, timeout=30)
    assert posted.headers["x-cache"] == "bypass"
    assert metric(server, "rulakg_result_cache_bypass_total") == before + 4
    again = get(server, q)
    assert again.headers["x-cache"] == "hit"  # the fresh answer was kept
    assert again.headers["etag"] == fresh_one.headers["etag"] and again.content == fresh_one.content


def test_surrounding_whitespace_does_not_change_the_cache_key(server: LiveServer):
    q = fresh("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }")
    first = get(server, f"  \n{q}\n  ")
    second = get(server, q)
    assert first.headers["x-cache"] == "miss" and second.headers["x-cache"] == "hit"
    assert first.headers["etag"] == second.headers["etag"]


def test_a_big_streamed_answer_has_no_etag(big_server: LiveServer):
    q = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    with httpx.stream("GET", f"{big_server.url}/sparql", params={"query": q}, timeout=60) as r:
        assert r.status_code == 200
        assert "content-length" not in r.headers  # streamed
        assert "etag" not in r.headers
        size = sum(len(chunk) for chunk in r.iter_bytes())
    assert size > 256 * 1024
    with httpx.stream(
        "GET", f"{big_server.url}/sparql", params={"query": q}, headers={"If-None-Match": "*"}, timeout=60
    ) as r:
        assert r.status_code == 200 and "etag" not in r.headers  # nothing to validate against: the whole answer
        r.close()


# --- writes, a max-age, saved queries ---------------------------------------------------------------------

SAVED_LABELS = f"""#+ summary: Labels, two per page
#+ tags: [testing]
#+ pagination: 2
SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label }} ORDER BY ?s ?label
"""


@pytest.fixture(scope="module")
def wserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store: Path = tmp_path_factory.mktemp("http-caching-store")
    build_store(store, ONTOLOGY_DIR, DATA_DIR)
    queries = tmp_path_factory.mktemp("http-caching-queries")
    (queries / "labels.rq").write_text(SAVED_LABELS)
    with LiveServer(store, workers=1, api_tokens=RW_LINE, http_max_age=60, queries_dir=queries) as live:
        yield live


def test_max_age_setting(wserver: LiveServer):
    r = get(wserver, fresh("ASK { ?s ?p ?o }"))
    assert r.headers["cache-control"] == "public, max-age=60"
    r = get(wserver, fresh("SELECT (RAND() AS ?r) WHERE {}"))
    assert r.headers["cache-control"] == "no-cache" and r.headers["etag"]  # never a lifetime for RAND


def test_a_write_changes_the_etag(wserver: LiveServer):
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }}"
    before = get(wserver, q, JSON)
    assert before.status_code == 200 and before.json()["results"]["bindings"][0]["n"]["value"] == "0"
    tag = before.headers["etag"]
    assert get(wserver, q, {**JSON, "If-None-Match": tag}).status_code == 304
    w = httpx.post(
        f"{wserver.url}/update",
        content=f'INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}b> "c" }} }}'.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {RW}"},
        timeout=30,
    )
    assert w.status_code in (200, 204), w.text
    after = get(wserver, q, {**JSON, "If-None-Match": tag})
    assert after.status_code == 200 and after.json()["results"]["bindings"][0]["n"]["value"] == "1"
    assert after.headers["etag"] != tag
    assert get(wserver, q, {**JSON, "If-None-Match": after.headers["etag"]}).status_code == 304


def test_saved_queries_carry_an_etag(wserver: LiveServer):
    url = f"{wserver.url}/api/queries/labels"
    first = httpx.get(url, timeout=30)
    assert first.status_code == 200 and first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=60"
    r = httpx.get(url, headers={"If-None-Match": first.headers["etag"]}, timeout=30)
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == first.headers["etag"]
    page2 = httpx.get(url, params={"page": 2}, headers={"If-None-Match": first.headers["etag"]}, timeout=30)
    assert page2.status_code == 200 and page2.headers["etag"] != first.headers["etag"]
    assert httpx.get(url, headers={"Cache-Control": "no-cache"}, timeout=30).headers["x-cache"] == "bypass"
