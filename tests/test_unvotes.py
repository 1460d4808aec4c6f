"""The UN General Assembly voting record (data/unvotes): import, succession, the article's vote, saved queries.

One real store of the whole project (article + the record, several million triples) is built once for the module
and served by a real server. Every expected answer is computed here, straight from the CSV files with the csv
module (Voeten's codes, COW codes, dates), independently of the mapper in src/rulakg/data/unvotes.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from server import LiveServer, build_store

from rulakg.config import PROJECT_ROOT, Settings

DATA = PROJECT_ROOT / "data"
UNVOTES = DATA / "unvotes"
ID = "https://w3id.org/rulakg/id/"
R = "https://w3id.org/rulakg/ontology#"
G_UNVOTES = "https://w3id.org/rulakg/graph/unvotes"
G_ARTICLE = "https://w3id.org/rulakg/graph/article"
LAC_GROUP = f"{ID}grouping/latin-america-and-the-caribbean"
PREFIXES = f"PREFIX rula: <{R}> PREFIX id: <{ID}> "
CODE = {"yes": 1, "abstain": 2, "no": 3}
OPTION = {1: "vote-yes", 2: "vote-abstain", 3: "vote-no", 8: "vote-absent", 9: "vote-not-member"}
LAC_ISO2 = {
    "AG", "AR", "BS", "BB", "BZ", "BO", "BR", "CL", "CO", "CR", "CU", "DM", "DO", "EC", "SV", "GD", "GT",
    "GY", "HT", "HN", "JM", "MX", "NI", "PA", "PY", "PE", "KN", "LC", "VC", "SR", "TT", "UY", "VE",
}  # fmt: skip
SOVIET = {365: "ussr", 370: "byelorussian-ssr", 369: "ukrainian-ssr"}


# ---------------------------------------------------------------- the source, read independently


def _gz_rows(name: str) -> Iterator[dict[str, str]]:
    with gzip.open(UNVOTES / name, "rt", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


class Record:
    """Voeten's files as plain dicts: roll calls, votes by (rcid, COW code), issues."""

    def __init__(self) -> None:
        self.calls = {int(r["rcid"]): r for r in _gz_rows("un_roll_calls.csv.gz")}
        with open(UNVOTES / "un_roll_call_issues.csv", encoding="utf-8", newline="") as f:
            self.issues: dict[int, set[str]] = defaultdict(set)
            for r in csv.DictReader(f):
                self.issues[int(r["rcid"])].add(r["short_name"])
        with open(UNVOTES / "countries.csv", encoding="utf-8", newline="") as f:
            countries = list(csv.DictReader(f))
        iso2_cow = {r["iso_alpha2"]: int(r["cow_code"]) for r in countries if r["iso_alpha2"] and r["cow_code"]}
        self.lac_cow = {iso2_cow[i] for i in LAC_ISO2}
        self.votes: dict[int, dict[int, int]] = defaultdict(dict)  # rcid → COW → code
        for r in _gz_rows("voeten_raw_votes_s1-70.csv.gz"):
            self.votes[int(r["rcid"])][int(r["ccode"])] = int(r["vote"])
        raw = set(self.votes)
        names = {"Yugoslavia": 345, "Czechoslovakia": 315, "Yemen Arab Republic": 678, "Zanzibar": 511,
                 "Yemen People's Republic": 680, "Federal Republic of Germany": 260, "German Democratic Republic": 265}
        self.rows_un_votes = 0
        for r in _gz_rows("un_votes.csv.gz"):
            rcid = int(r["rcid"])
            if rcid not in raw:
                self.votes[rcid][names.get(r["country"]) or iso2_cow[r["country_code"]]] = CODE[r["vote"]]
                self.rows_un_votes += 1

    def russia_vote(self, rcid: int) -> int | None:
        return self.votes[rcid].get(365)

    def agreement(self, cow: int, rcids: list[int]) -> tuple[float, int]:
        """Voeten's agree index of ``cow`` with COW 365 (the Soviet/Russian seat) over ``rcids``: (index, n)."""
        score, n = 0.0, 0
        for rcid in rcids:
            a, b = self.votes[rcid].get(cow), self.votes[rcid].get(365)
            if a in (1, 2, 3) and b in (1, 2, 3):
                score += 1.0 if a == b else 0.5 if 2 in (a, b) else 0.0
                n += 1
        return (score / n if n else float("nan")), n

    def session(self, s: int) -> list[int]:
        return [rcid for rcid, c in self.calls.items() if int(c["session"]) == s]


@pytest.fixture(scope="module")
def record() -> Record:
    return Record()


# ---------------------------------------------------------------- the store, built once


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_store(tmp_path_factory.mktemp("unvotes-store"), PROJECT_ROOT / "ontology", DATA, skip_sources="")


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[ox.Store]:
    s = ox.Store.read_only(str(settings.store_dir / "current" / "oxigraph"))
    yield s
    del s


@pytest.fixture(scope="module")
def server(settings: Settings, store: ox.Store) -> Iterator[LiveServer]:
    with LiveServer(settings.store_dir) as live:
        yield live


def select(store: ox.Store, query: str) -> list[list[str]]:
    return [
        [t.value if t is not None else "" for t in row]
        for row in store.query(PREFIXES + query, use_default_graph_as_union=True)
    ]


def run(server: LiveServer, name: str, params: dict[str, str]) -> list[dict[str, str]]:
    response = httpx.get(f"{server.url}/api/queries/{name}", params={**params, "per_page": "1000"}, timeout=60)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


@pytest.fixture(scope="module")
def cow_of(store: ox.Store) -> dict[str, int]:
    """State IRI → COW code as the graph records it (article states and the record's own)."""
    return {s: int(c) for s, c in select(store, "SELECT DISTINCT ?s ?c { ?s rula:cowCode ?c }")}


# ---------------------------------------------------------------- import


def test_every_roll_call_and_vote_is_imported(store: ox.Store, record: Record) -> None:
    [[calls]] = select(store, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{G_UNVOTES}> {{ ?rc rula:rollCallId ?id }} }}")
    assert int(calls) == len(record.calls) == 6203
    by_option = dict(select(store, f"""SELECT ?o (COUNT(*) AS ?n) {{ GRAPH <{G_UNVOTES}> {{
        ?c a rula:VoteCast ; rula:voteOption ?o }} }} GROUP BY ?o"""))
    expected = Counter(code for cast in record.votes.values() for code in cast.values())
    assert {o.removeprefix(R): int(n) for o, n in by_option.items()} == {OPTION[c]: n for c, n in expected.items()}
    assert sum(expected.values()) == 1_066_613 + record.rows_un_votes
    # the direct properties beside the vote casts: one per yes/no/abstain/absent
    direct = dict(select(store, f"""SELECT ?p (COUNT(*) AS ?n) {{ GRAPH <{G_UNVOTES}> {{ ?s ?p ?rc }}
        VALUES ?p {{ rula:votedYes rula:votedNo rula:votedAbstain rula:votedAbsent }} }} GROUP BY ?p"""))
    assert {p.removeprefix(R): int(n) for p, n in direct.items()} == {
        "votedYes": expected[1], "votedAbstain": expected[2], "votedNo": expected[3], "votedAbsent": expected[8]}


def test_roll_call_details(store: ox.Store, record: Record) -> None:
    call = record.calls[3]
    rows = select(store, """SELECT ?s ?date ?imp ?amend ?para ?code ?title {
        ?rc rula:rollCallId 3 ; rula:session ?s ; rula:dateValue ?date ; rula:importantVote ?imp ;
            rula:amendmentVote ?amend ; rula:paragraphVote ?para ; rula:onResolution ?res ;
            <http://purl.org/dc/terms/title> ?title . ?res rula:resolutionCode ?code }""")
    assert rows == [[call["session"], call["date"], "false", "true", "false", call["unres"], call["short"]]]
    rows = select(store, "SELECT ?i { ?rc rula:rollCallId 77 ; rula:voteIssue ?i }")
    issues = {r[0].removeprefix(R + "issue-") for r in rows}
    assert issues == record.issues[77] and issues
    important = select(store, "SELECT (COUNT(*) AS ?n) { ?rc rula:importantVote true }")
    assert int(important[0][0]) == sum(1 for c in record.calls.values() if c["importantvote"] == "1")


# ---------------------------------------------------------------- states and succession


def test_soviet_seat_goes_to_the_ussr_until_26_december_1991(store: ox.Store, record: Record) -> None:
    rows = select(store, """SELECT ?state (COUNT(*) AS ?n) (MIN(?d) AS ?first) (MAX(?d) AS ?last) {
        VALUES ?state { id:state\\/ussr id:state\\/russia id:state\\/byelorussian-ssr id:state\\/belarus }
        ?c rula:voter ?state ; rula:inVote ?rc ; rula:voteOption ?o .
        FILTER(?o != rula:vote-not-member) ?rc rula:dateValue ?d } GROUP BY ?state""")
    got = {s.removeprefix(f"{ID}state/"): (int(n), first, last) for s, n, first, last in rows}
    for cow, before, after in ((365, "ussr", "russia"), (370, "byelorussian-ssr", "belarus")):
        dates = [record.calls[rcid]["date"] for rcid, cast in record.votes.items() if cast.get(cow, 9) != 9]
        assert got[before][0] == sum(d < "1991-12-26" for d in dates)
        assert got[after][0] == sum(d >= "1991-12-26" for d in dates)
        assert got[before][2] < "1991-12-26" <= got[after][1]
    successions = select(store, "SELECT ?a ?b { ?a rula:successorOf ?b }")
    for pair in (("russia", "ussr"), ("belarus", "byelorussian-ssr"), ("ukraine", "ukrainian-ssr"),
                 ("serbia", "serbia-and-montenegro"), ("serbia-and-montenegro", "yugoslavia")):
        assert [f"{ID}state/{pair[0]}", f"{ID}state/{pair[1]}"] in successions
    # the polities stay distinct, each with its own QID (the article's, verified)
    assert select(store, "SELECT ?q { id:state\\/ussr rula:wikidataId ?q }") == [["Q15180"]]
    assert select(store, "SELECT ?q { id:state\\/russia rula:wikidataId ?q }") == [["Q159"]]


def test_states_resolve_to_countries_csv(store: ox.Store) -> None:
    with open(UNVOTES / "countries.csv", encoding="utf-8", newline="") as f:
        qids = {r["iso_alpha3"]: r["wikidata_qid"] for r in csv.DictReader(f) if r["iso_alpha3"]}
    rows = select(store, f"""SELECT ?s ?iso ?q {{ GRAPH <{G_UNVOTES}> {{ ?s rula:isoAlpha3 ?iso }}
        OPTIONAL {{ ?s rula:wikidataId ?q }} }}""")
    assert len(rows) > 150
    for state, iso, qid in rows:
        assert qid == qids[iso], state  # QIDs only from countries.csv, never guessed
    lac = select(store, f"SELECT DISTINCT ?s {{ ?s rula:inGrouping <{LAC_GROUP}> ; rula:isoAlpha2 ?i }}")
    assert len(lac) == 33
    # the article's states keep the article's IRIs
    assert [f"{ID}state/trinidad-and-tobago"] in lac and [f"{ID}state/saint-lucia"] in lac


# ---------------------------------------------------------------- the article's vote is the record's roll call


def test_article_vote_is_the_record_roll_call_and_agrees(store: ox.Store, record: Record) -> None:
    assert select(store, "SELECT ?rc { ?rc rula:rollCallId 5309 }") == [[f"{ID}vote/unga-resolution-68-262"]]
    rows = select(store, f"""SELECT ?state ?said ?recorded {{
        GRAPH <{G_ARTICLE}> {{ ?cast rula:inVote id:vote\\/unga-resolution-68-262 ; rula:voter ?state ;
                                   rula:voteOption ?said }}
        OPTIONAL {{ GRAPH <{G_UNVOTES}> {{ ?rcast rula:inVote id:vote\\/unga-resolution-68-262 ;
                                   rula:voter ?state ; rula:voteOption ?recorded }} }} }}""")
    with open(DATA / "article" / "vote_casts.csv", encoding="utf-8", newline="") as f:
        stated = [r for r in csv.DictReader(f) if r["resolution"] == "unga-resolution-68-262"]
    assert len(rows) == len(stated) == 19
    disagree = [(s, said, rec) for s, said, rec in rows if said != rec]
    assert disagree == []
    # the totals the article gives (no = 11, abstain = 58) are the record's
    totals = Counter(record.votes[5309].values())
    stated_totals = select(store, f"""SELECT ?no ?abstain {{ GRAPH <{G_ARTICLE}> {{
        id:vote\\/unga-resolution-68-262 rula:noCount ?no ; rula:abstainCount ?abstain }} }}""")
    assert stated_totals == [[str(totals[3]), str(totals[2])]]


# ---------------------------------------------------------------- saved queries, exact answers


def _close(a: str | float, b: float) -> bool:
    return abs(float(a) - b) < 5e-6


@pytest.mark.parametrize("session", [40, 68])
def test_agreement_of_lac_states_in_a_session(server: LiveServer, record: Record, cow_of: dict[str, int],
                                              session: int) -> None:
    rows = run(server, "unga-agreement-with-russia", {"session": str(session)})
    counterpart = "ussr" if session < 46 else "russia"
    assert {r["counterpart"] for r in rows} == {f"{ID}state/{counterpart}"}
    rcids = record.session(session)
    expected = {cow: record.agreement(cow, rcids) for cow in record.lac_cow}
    expected = {cow: v for cow, v in expected.items() if v[1]}
    assert len(rows) == len(expected)
    for row in rows:
        index, n = expected[cow_of[row["state"]]]
        assert int(row["votes"]) == n and _close(row["agreement"], index), row
        assert row["year"] == str(1945 + session)


def test_agreement_by_issue(server: LiveServer, record: Record) -> None:
    rows = run(server, "unga-agreement-with-russia", {"state": f"{ID}state/cuba", "issue": f"{R}issue-hr"})
    by_session: dict[int, list[int]] = defaultdict(list)
    for rcid, call in record.calls.items():
        if "hr" in record.issues[rcid]:
            by_session[int(call["session"])].append(rcid)
    expected = {}
    for s, rcids in by_session.items():
        # session 46 splits at 26 December 1991 between the USSR and Russia
        for cp, part in (("ussr", [r for r in rcids if record.calls[r]["date"] < "1991-12-26"]),
                         ("russia", [r for r in rcids if record.calls[r]["date"] >= "1991-12-26"])):
            index, n = record.agreement(40, part)
            if n:
                expected[(s, cp)] = (index, n)
    got = {(int(r["session"]), r["counterpart"].removeprefix(f"{ID}state/")): (float(r["agreement"]), int(r["votes"]))
           for r in rows}
    assert got.keys() == expected.keys()
    for key, (index, n) in expected.items():
        assert got[key][1] == n and _close(got[key][0], index), key


def test_most_and_least_aligned(server: LiveServer, record: Record, cow_of: dict[str, int]) -> None:
    rows = run(server, "unga-alignment-ranking", {"from": "2000", "to": "2015"})
    rcids = [r for r, c in record.calls.items() if 55 <= int(c["session"]) <= 70]
    expected = {cow: record.agreement(cow, rcids) for cow in record.lac_cow}
    assert len(rows) == 33
    got = [(cow_of[r["state"]], float(r["pooledAgreement"]), int(r["rollCalls"])) for r in rows]
    for cow, index, n in got:
        assert n == expected[cow][1] and _close(index, expected[cow][0]), cow
    assert all(a[1] >= b[1] for a, b in itertools.pairwise(got))  # most aligned first
    assert got[0][0] == max(expected, key=lambda c: expected[c][0])
    assert got[-1][0] == min(expected, key=lambda c: expected[c][0])


def test_before_and_after_an_event(server: LiveServer, record: Record) -> None:
    event = f"{ID}visit/naval-call-pyotr-velikiy-venezuela-2008-11"  # November 2008
    [row] = run(server, "unga-alignment-before-after", {"state": f"{ID}state/venezuela", "event": event, "years": "3"})
    before = [r for r, c in record.calls.items() if 2005 <= 1945 + int(c["session"]) <= 2007]
    after = [r for r, c in record.calls.items() if 2009 <= 1945 + int(c["session"]) <= 2011]
    (b, nb), (a, na) = record.agreement(101, before), record.agreement(101, after)
    assert row["eventYear"] == "2008"
    assert int(row["beforeRollCalls"]) == nb and int(row["afterRollCalls"]) == na
    assert _close(row["before"], b) and _close(row["after"], a) and _close(row["change"], a - b)


def test_votes_on_important_votes(server: LiveServer, record: Record) -> None:
    rows = run(server, "unga-important-votes", {"state": f"{ID}state/brazil", "session": "68"})
    expected = {rcid: record.votes[rcid][140] for rcid in record.session(68)
                if record.calls[rcid]["importantvote"] == "1" and 140 in record.votes[rcid]}
    assert expected and {int(r["rcid"]): r["vote"].removeprefix(R) for r in rows} == {
        k: OPTION[v] for k, v in expected.items()}
    for r in rows:
        assert r["russiaVote"] == R + OPTION[record.votes[int(r["rcid"])][365]]
        assert r["same"] == str(r["vote"] == r["russiaVote"]).lower()


def test_roll_calls_where_latin_america_split(server: LiveServer, record: Record) -> None:
    rows = run(server, "unga-lac-split", {"from": "2013", "to": "2014"})
    expected = {}
    for rcid in record.session(68) + record.session(69):
        counts = Counter(code for cow, code in record.votes[rcid].items() if cow in record.lac_cow)
        if counts[1] and counts[3]:
            expected[rcid] = (counts[1], counts[3], counts[2])
    assert expected
    assert {int(r["rcid"]): (int(r["yes"]), int(r["no"]), int(r["abstain"])) for r in rows} == expected
    assert 5309 in expected  # the Crimea vote split the region


def test_ideal_point_distance(server: LiveServer) -> None:
    rows = run(server, "unga-ideal-point-distance", {"state": f"{ID}state/cuba", "other": f"{ID}state/russia"})
    points: dict[int, dict[int, float]] = defaultdict(dict)
    for r in _gz_rows("idealpoints_all_apr2020.csv.gz"):
        points[int(r["session"])][int(r["ccode"])] = float(r["IdealPoint"])
    expected = {s: abs(p[40] - p[365]) for s, p in points.items() if 40 in p and 365 in p and s >= 47}
    got = {int(r["session"]): float(r["distance"]) for r in rows}
    assert got.keys() == expected.keys()
    assert all(_close(got[s], expected[s]) for s in expected)


def test_roll_call_query_and_bad_input(server: LiveServer, record: Record, cow_of: dict[str, int]) -> None:
    rows = run(server, "unga-roll-call", {"rcid": "5309"})
    assert {cow_of[r["state"]]: r["vote"].removeprefix(R) for r in rows} == {
        cow: OPTION[c] for cow, c in record.votes[5309].items()}
    response = httpx.get(f"{server.url}/api/queries/unga-roll-call", params={"rcid": "x"}, timeout=30)
    assert response.status_code == 400


# ---------------------------------------------------------------- shapes (on a sample) and rebuilds


def test_a_sample_of_the_record_conforms_to_the_shapes_and_uses_declared_terms(store: ox.Store) -> None:
    """The build's SHACL step leaves the record out (too big for rdflib); here a sample of it is checked: roll calls
    of several kinds with all their votes, resolutions, citations, tallies, every state, one state's observations
    in a session, the data sets, with what the article's graph says of the same nodes and the types of the
    article's entities (for sh:class). Only the sample's own nodes are judged: the article's entities come with
    their types alone."""
    from rulakg.ontology.validate import load_ontology, load_shapes, validate

    # an amendment (1946), a procedural vote without a resolution (812), the article's (5309), a roll call only in
    # un_votes (9147, 2019)
    ids = "3, 812, 5309, 9147"
    nodes = select(store, f"""SELECT DISTINCT ?x {{ GRAPH <{G_UNVOTES}> {{
        {{ ?x rula:rollCallId ?id FILTER(?id IN ({ids})) }}
        UNION {{ ?rc rula:rollCallId ?id FILTER(?id IN ({ids}))
                 {{ ?x rula:inVote ?rc }} UNION {{ ?x rula:tallyOf ?rc }} UNION {{ ?rc rula:onResolution ?x }}
                 UNION {{ ?rc <http://www.w3.org/ns/prov#wasDerivedFrom> ?x }} }}
        UNION {{ ?x rula:session 68 ; rula:refArea id:state\\/cuba }}
        UNION {{ ?x a ?type FILTER(?type IN (rula:SovereignState, rula:HistoricalState, rula:Document,
                                             <http://purl.org/linked-data/cube#DataSet>)) }}
        UNION {{ VALUES ?x {{ id:citation\\/unga-voting-data id:citation\\/unga-ideal-points }} }}
    }} }}""")
    assert len(nodes) > 800
    values = " ".join(f"<{n}>" for [n] in nodes)
    buffer = io.BytesIO()
    for graph in (G_UNVOTES, G_ARTICLE):  # the sample's nodes, as each graph describes them
        query = f"CONSTRUCT {{ ?x ?p ?o }} WHERE {{ GRAPH <{graph}> {{ VALUES ?x {{ {values} }} ?x ?p ?o }} }}"
        for triple in store.query(query):
            buffer.write(f"{triple} .\n".encode())
    for triple in store.query(f"CONSTRUCT {{ ?x a ?t }} WHERE {{ GRAPH <{G_ARTICLE}> {{ ?x a ?t }} }}"):
        buffer.write(f"{triple} .\n".encode())  # the article's entities' types, for the sh:class constraints
    data = rdflib.Graph().parse(data=buffer.getvalue(), format="nt")
    ontology = load_ontology()
    report = validate(data, ontology=ontology, shapes=load_shapes())
    sample = {n.replace(ID, "id:") for [n] in nodes}
    violations = [v for v in report.violations if v.severity == "Violation" and v.focus_node in sample]
    assert violations == [], "\n".join(map(str, violations[:30]))
    # the focus nodes are named as the filter expects: the procedural vote's warning (no resolution) is there
    assert any(v.focus_node == "id:vote/unga-rollcall-812" and v.severity == "Warning" for v in report.violations)
    # every rula: class, property and value the sample uses is declared in the ontology
    ours = {t for triple in data for t in triple if isinstance(t, rdflib.URIRef) and str(t).startswith(R)}
    assert len(ours) > 40 and sorted(t for t in ours if (t, None, None) not in ontology) == []


def test_unchanged_record_is_not_mapped_again(settings: Settings) -> None:
    from rulakg.build.builder import build
    from rulakg.data.unvotes import record_file

    cached = record_file(UNVOTES, settings)
    stamp = cached.stat().st_mtime_ns
    assert record_file(UNVOTES, settings) == cached and cached.stat().st_mtime_ns == stamp
    assert build(settings).skipped  # the whole build: inputs unchanged


def test_quick_build_without_the_record(tmp_path: Path) -> None:
    """skip_sources leaves the record out (what the other project-data tests use)."""
    from rulakg.build.sources import discover

    names = [s.name for s in discover(Settings(data_dir=DATA, store_dir=tmp_path, skip_sources="unvotes"))]
    assert "article" in names and "unvotes" not in names
    assert "unvotes" in [s.name for s in discover(Settings(data_dir=DATA, store_dir=tmp_path))]


# ---------------------------------------------------------------- the vote view shows any roll call


def test_vote_view_shows_a_roll_call_of_the_record(server: LiveServer, record: Record, cow_of: dict[str, int]) -> None:
    page = httpx.get(f"{server.url}/views/votes", timeout=30)
    assert page.status_code == 200 and 'name="rollcall"' in page.text
    assert page.text.count("<option") < 20  # the resolutions with the article's votes, not the record's 4,000
    data = httpx.get(f"{server.url}/api/views/votes", params={"rollcall": "5309"}, timeout=30).json()
    assert data["count"] == len(record.votes[5309])
    assert sum(v["option"] != "not-member" for v in data["votes"]) == 193  # the members in March 2014
    assert {cow_of[v["state"]]: v["option"] for v in data["votes"]} == {
        cow: OPTION[c].removeprefix("vote-") for cow, c in record.votes[5309].items()}
    assert {v["symbol"] for v in data["votes"]} == {"A/RES/68/262 (roll call 5309)"}
    early = httpx.get(f"{server.url}/api/views/votes", params={"rollcall": "3"}, timeout=30).json()
    assert {v["state"] for v in early["votes"] if v["option"] != "not-member"} >= {f"{ID}state/ussr"}
    assert httpx.get(f"{server.url}/api/views/votes", params={"rollcall": "999999"}, timeout=30).status_code == 404
    assert httpx.get(f"{server.url}/api/views/votes", params={"rollcall": "x"}, timeout=30).status_code == 400


def test_a_state_page_counts_its_votes_instead_of_listing_them(server: LiveServer) -> None:
    """Cuba cast thousands of votes: its page shows a count per crowded property with a link to the whole list."""
    import re
    from html import unescape

    page = httpx.get(f"{server.url}/id/state/cuba", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200
    assert len(page.content) < 300_000
    links = {
        m.group(1): int(m.group(0).split(" values")[0].replace(",", "").rsplit(">", 1)[-1])
        for m in re.finditer(r'>?[\d,]+ values — <a href="(/sparql\?[^"]+)"', page.text)
    }
    assert len(links) >= 2  # at least the votes cast (incoming) and the yes votes (outgoing)
    for href, n in links.items():
        listing = httpx.get(f"{server.url}{unescape(href)}", timeout=60)
        assert listing.status_code == 200
        assert len(listing.text.splitlines()) - 1 == n
