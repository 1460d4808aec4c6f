"""Wikidata: federated queries through the allow-list and proxy, the link check, QuickStatements, alignments.

No internet: a real SPARQL server (``oxigraph serve-read-only``) holds a small Wikidata-shaped fixture
(tests/fixtures/wikidata/wikidata.ttl), behind a counting forwarder that records each request's User-Agent
and can answer 429. The service maps Wikidata's endpoint IRI to it with RULAKG_SERVICE_UPSTREAMS.
"""

from __future__ import annotations

import csv
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server import LiveServer, build_store, free_port

from rulakg.config import PROJECT_ROOT, Settings
from rulakg.wikidata.alignments import table_markdown
from rulakg.wikidata.federation import ServiceRefused, public_error, rewrite_services

FIXTURES = Path(__file__).parent / "fixtures" / "wikidata"
WIKIDATA = "https://query.wikidata.org/sparql"
USER_AGENT = "RuLAKG-tests/1.0 (mailto:tests@example.org)"
OXIGRAPH = Path(sys.executable).parent / "oxigraph"


class Forwarder:
    """A counting HTTP forwarder in front of the upstream SPARQL server: records (path, User-Agent, query),
    and answers 429 (Retry-After: 30) to any query that contains the word THROTTLE."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.requests: list[dict[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                form = httpx.QueryParams(body.decode())
                query = form.get("query") or body.decode()
                outer.requests.append({"ua": self.headers.get("user-agent", ""), "query": query})
                if "THROTTLE" in query:
                    self.send_response(429)
                    self.send_header("Retry-After", "30")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                r = httpx.post(
                    outer.upstream,
                    content=body,
                    headers={"Content-Type": self.headers["content-type"], "Accept": self.headers.get("accept", "")},
                    timeout=30,
                )
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("content-type", "text/plain"))
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/query"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def count(self, needle: str = "") -> int:
        return sum(1 for r in self.requests if needle in r["query"])


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forwarder]:
    """``oxigraph serve-read-only`` over the Wikidata-shaped fixture, behind a counting forwarder."""
    location = tmp_path_factory.mktemp("wikidata-upstream")
    subprocess.run(
        [str(OXIGRAPH), "load", "--location", str(location), "--file", str(FIXTURES / "wikidata.ttl")],
        check=True,
        capture_output=True,
    )
    port = free_port()
    proc = subprocess.Popen(
        [str(OXIGRAPH), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.post(url, data={"query": "ASK {}"}, timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield Forwarder(url)
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store of RuLA KG-shaped test entities and facts (with the project ontology, without its shapes)."""
    ontology = tmp_path_factory.mktemp("wd-ontology")
    shutil.copy(PROJECT_ROOT / "ontology" / "rulakg.ttl", ontology)
    return build_store(tmp_path_factory.mktemp("wd-store"), ontology, FIXTURES / "data")


@pytest.fixture(scope="module")
def queries_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wd-queries")
    shutil.copytree(PROJECT_ROOT / "queries" / "wikidata", root / "wikidata")
    return root


@pytest.fixture(scope="module")
def service(settings: Settings, upstream: Forwarder, queries_dir: Path) -> Iterator[LiveServer]:
    with LiveServer(
        settings.store_dir,
        workers=2,
        queries_dir=queries_dir,
        service_upstreams=json.dumps({WIKIDATA: upstream.url}),
        user_agent=USER_AGENT,
    ) as live:
        yield live


def sparql(server: LiveServer, query: str) -> httpx.Response:
    return httpx.post(f"{server.url}/sparql", data={"query": query}, timeout=60)


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


# --- the rewrite, without a server -------------------------------------------------------------------------


def test_rewrite_points_allowed_endpoints_at_the_proxy() -> None:
    s = Settings(port=8123, federation_proxy_url=None)
    text = "PREFIX w: <https://query.wikidata.org/> SELECT * { SERVICE w:sparql { ?s ?p ?o } # SERVICE <http://x/>\n}"
    out = rewrite_services(text, s)
    assert re.search(r"SERVICE <http://127\.0\.0\.1:8123/federation/[^/]+/0> \{", out)
    assert "# SERVICE <http://x/>" in out  # comments are not touched
    with pytest.raises(ServiceRefused) as e:
        rewrite_services("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", s)
    assert e.value.status == 403 and "<http://example.org/sparql>" in str(e.value)
    with pytest.raises(ServiceRefused) as e:
        rewrite_services("SELECT * { SERVICE ?e { ?s ?p ?o } }", s)
    assert e.value.status == 400
    silent = rewrite_services("SELECT * { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }", s)
    assert silent.endswith("/refused> { ?s ?p ?o } }")
    status, message = public_error("Error 429 returned by http://127.0.0.1:8123/federation/abc/0 with payload", s)
    assert status == 503 and WIKIDATA in message and "federation" not in message


# --- federated queries through /sparql ---------------------------------------------------------------------


def test_federated_saved_query_joins_officials_with_wikidata(service: LiveServer) -> None:
    r = httpx.get(f"{service.url}/api/queries/officials-born-and-parties", timeout=60)
    got = {(x["label"], x.get("born"), x.get("partyLabel")) for x in rows(r)}
    assert ("Sergey Lavrov", "1950-03-21T00:00:00Z", "United Russia") in got
    assert ("Vladimir Putin", "1952-10-07T00:00:00Z", "United Russia") in got


def test_federated_saved_query_joins_states_with_wikidata(service: LiveServer) -> None:
    r = httpx.get(f"{service.url}/api/queries/states-population-and-capitals", timeout=60)
    got = {x["label"]: (x.get("population"), x.get("capitals")) for x in rows(r)}
    assert got["Brazil"] == ("203080756", "Brasília")
    assert got["Russia"] == ("146150789", "Moscow")


def test_user_agent_and_cache(service: LiveServer, upstream: Forwarder) -> None:
    query = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?label WHERE {{ SERVICE <{WIKIDATA}> {{ <http://www.wikidata.org/entity/Q241> rdfs:label ?label }} }}"""
    assert rows(sparql(service, query)) == [{"label": "Cuba"}]
    calls = len(upstream.requests)
    assert upstream.requests[-1]["ua"] == USER_AGENT
    assert rows(sparql(service, query)) == [{"label": "Cuba"}]
    assert len(upstream.requests) == calls  # the second answer came from the cache


def test_not_allowed_endpoint_is_refused(service: LiveServer, upstream: Forwarder) -> None:
    calls = len(upstream.requests)
    r = sparql(service, "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert r.status_code == 403
    assert "SERVICE <http://example.org/sparql> refused" in r.text and WIKIDATA in r.text
    by_get = httpx.get(f"{service.url}/sparql", params={"query": "ASK { SERVICE <http://e.org/q> {} }"}, timeout=30)
    assert by_get.status_code == 403 and "SERVICE <http://e.org/q> refused" in by_get.text
    # SERVICE SILENT: per the standard, a failing service yields one empty solution.
    assert rows(sparql(service, "SELECT * { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }")) == [{}]
    assert len(upstream.requests) == calls


def test_throttled_endpoint_is_not_called_again_before_retry_after(service: LiveServer, upstream: Forwarder) -> None:
    query = f'SELECT * {{ SERVICE <{WIKIDATA}> {{ ?s ?p "THROTTLE" }} }}'
    r = sparql(service, query)
    assert r.status_code == 503 and WIKIDATA in r.text and "429" in r.text
    assert upstream.count("THROTTLE") == 1
    r = sparql(service, query.replace("?s", "?x"))  # another query to the same endpoint, within Retry-After
    assert r.status_code == 503
    assert upstream.count("THROTTLE") == 1
    blocked = sparql(service, f"SELECT * {{ SERVICE <{WIKIDATA}> {{ ?s ?p 'new' }} }}")
    assert blocked.status_code == 503
    silent = sparql(service, f"SELECT * {{ SERVICE SILENT <{WIKIDATA}> {{ ?s ?p 'other' }} }}")
    assert rows(silent) == [{}]


def test_empty_allowlist_disables_service(settings: Settings) -> None:
    with LiveServer(settings.store_dir, workers=1, service_allowlist="") as live:
        r = sparql(live, f"SELECT * {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }}")
    assert r.status_code == 403
    assert f"SERVICE <{WIKIDATA}> refused" in r.text and "RULAKG_SERVICE_ALLOWLIST is empty" in r.text


def test_proxy_needs_the_secret(service: LiveServer) -> None:
    r = httpx.post(f"{service.url}/federation/guess/0", data={"query": "ASK {}"}, timeout=10)
    assert r.status_code == 403


# --- rulakg wikidata check ---------------------------------------------------------------------------------


def _cli(*args: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RULAKG_STORE_DIR": str(settings.store_dir), "RULAKG_USER_AGENT": USER_AGENT, "COLUMNS": "300"}
    return subprocess.run(
        [sys.executable, "-m", "rulakg.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_wikidata_check_reports_wrong_links(settings: Settings, upstream: Forwarder) -> None:
    before = len(upstream.requests)
    done = _cli("wikidata", "check", "--endpoint", upstream.url, "--show-ok", "--batch-size", "3", settings=settings)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = {tuple(line.split("\t")[:3]) for line in done.stdout.splitlines()}
    rid = "https://w3id.org/rulakg/id/"
    assert lines == {
        ("ok", "Q155", rid + "state/brazil"),
        ("ok", "Q159", rid + "state/russia"),
        ("ok", "Q58217", rid + "person/sergey-lavrov"),
        ("ok", "Q7747", rid + "person/vladimir-putin"),
        ("ok", "Q1065", rid + "organisation/united-nations"),  # P31 international organization ⊑ organization
        ("redirect", "Q999241", rid + "state/cuba"),
        ("missing", "Q999999999", rid + "state/atlantis"),
        ("type", "Q1486", rid + "person/wrongly-linked"),
        ("ok", "Q96", rid + "state/mexico"),  # our label is one of Wikidata's aliases
        ("label", "Q419", rid + "state/peru"),
    }
    assert "is a redirect to Q241" in done.stdout
    assert "a rula:Person should be one of Q5" in done.stdout
    assert "our label 'Peru' is not Wikidata's label 'Bolivia' nor an alias" in done.stdout
    assert "10 links checked" in done.stderr and "4 wrong" in done.stderr
    assert len(upstream.requests) > before
    assert all(r["ua"] == USER_AGENT for r in upstream.requests[before:])


# --- rulakg export quickstatements -------------------------------------------------------------------------


def test_quickstatements_export(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "qs.txt"
    done = _cli("export", "quickstatements", "--out", str(out), settings=settings)
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines.count("CREATE") == 3  # one visit, one agreement, one UN vote
    command = re.compile(
        r'^(CREATE|LAST\t(L(en|es)\t"[^"\t]*"|P\d+\t(Q\d+|\+\d{4}-\d\d-\d\dT00:00:00Z/\d+)(\tS\d+\t\S.*)+))$'
    )
    for line in lines:
        assert command.match(line), line
        if line.startswith("LAST\tP"):
            assert '\tS854\t"https://w3id.org/rulakg/id/' in line and '\tS1683\ten:"' in line
    iri = "https://w3id.org/rulakg/id/visit/lavrov-brazil-2014"
    assert f'LAST\tP710\tQ58217\tS854\t"{iri}"\tS1683\ten:"Lavrov visited \'Brazil\' in April 2014"' in lines
    assert (
        f'LAST\tP585\t+2014-04-29T00:00:00Z/11\tS854\t"{iri}"\tS1683\ten:"Lavrov visited \'Brazil\' in April 2014"'
        in lines
    )
    vote = "https://w3id.org/rulakg/id/vote/res-1"
    assert f'LAST\tP710\tQ155\tS854\t"{vote}"\tS1683\ten:"Brazil abstained"' in lines
    agreement = "https://w3id.org/rulakg/id/agreement/brazil-russia-2013"
    assert (
        f'LAST\tP585\t+2013-00-00T00:00:00Z/9\tS854\t"{agreement}"\tS1683\ten:"an agreement was signed in 2013"'
        in lines
    )
    assert "LAST\tP31\tQ131569\t" in "\n".join(lines)  # agreement → treaty
    assert not any("Q1486" in line or "Q999999999" in line for line in lines)  # not linked from these facts


# --- saved queries and the README --------------------------------------------------------------------------


def _values(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    block = re.search(r"VALUES \?wikidata \{([^}]*)\}", text)
    assert block, path
    return set(re.findall(r"wd:(Q\d+)", block.group(1)))


def test_saved_query_value_lists_match_the_data() -> None:
    article = PROJECT_ROOT / "data" / "article"
    with (article / "persons.csv").open(encoding="utf-8") as f:
        people = {r["qid"] for r in csv.DictReader(f) if r["qid"]}
    with (article / "states.csv").open(encoding="utf-8") as f:
        states = {r["qid"] for r in csv.DictReader(f) if r["qid"] and r["kind"] == "sovereign-state"}
    assert _values(PROJECT_ROOT / "queries" / "wikidata" / "officials-born-and-parties.rq") == people
    assert _values(PROJECT_ROOT / "queries" / "wikidata" / "states-population-and-capitals.rq") == states
    for path in (PROJECT_ROOT / "queries" / "wikidata").glob("*.rq"):
        assert f"SERVICE <{WIKIDATA}>" in path.read_text(encoding="utf-8")


def test_readme_alignment_table_matches_the_ontology() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- wikidata-alignments:start -->\n(.*?)<!-- wikidata-alignments:end -->", readme, re.S)
    assert block, "README.md: the Wikidata alignments table markers are missing"
    expected = table_markdown(PROJECT_ROOT / "ontology" / "rulakg.ttl")
    assert block.group(1) == expected, "regenerate with: python -m rulakg.wikidata.alignments"
    for needle in ("wdt:P17", "wdt:P39", "wdt:P580", "wdt:P582", "wdt:P585", "wdt:P710", "wdt:P276", "wd:Q5"):
        assert f"`{needle}`" in expected


def test_quickstatements_properties_follow_the_ontology_alignments() -> None:
    from rulakg.wikidata.alignments import alignment_rows
    from rulakg.wikidata.quickstatements import LINKS

    aligned = {(term[1:], wd) for term, _label, _rel, wd in alignment_rows(PROJECT_ROOT / "ontology" / "rulakg.ttl")}
    for links in LINKS.values():
        for prop, wdprop in links:
            assert (prop, f"wdt:{wdprop}") in aligned, (prop, wdprop)


def test_proxy_cache_is_bounded() -> None:
    from rulakg.wikidata.federation import FederationProxy, Upstream, _retry_after

    proxy = FederationProxy(Settings(federation_cache_entries=2, federation_cache_seconds=60))
    for key in ("a", "b", "c"):
        proxy._store(key, 60, Upstream(200, "application/json", key.encode() * 10, {}))
    assert list(proxy._cache) == ["b", "c"] and proxy._cached_bytes == 20
    proxy._store("d", 0, Upstream(200, "application/json", b"x", {}))  # ttl 0: no cache
    assert "d" not in proxy._cache
    assert _retry_after("30") == 30 and _retry_after(None) == 60 and _retry_after("soon") == 60
