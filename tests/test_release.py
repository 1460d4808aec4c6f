"""Releases (`rulakg release`): dumps that verify against their checksums and reload to the same triples per
graph, a DCAT description that matches the files, `/downloads` over a live server, and the persistent-IRI check
against the previous release kept in the repository (`releases/<version>/iris.txt.gz`)."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from project_store import project_settings
from server import LiveServer

from rulakg.config import PROJECT_ROOT, Settings
from rulakg.release import checksums, iris
from rulakg.release.tables import TABLES

VERSION = "1.2.3"
BASE = "https://w3id.org/rulakg/"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
OWL_DEPRECATED = ox.NamedNode("http://www.w3.org/2002/07/owl#deprecated")
IS_REPLACED_BY = ox.NamedNode("http://purl.org/dc/terms/isReplacedBy")
TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


def rulakg(*args: str, store_dir: Path, ok: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "rulakg.cli", *args],
        env={**os.environ, "RULAKG_STORE_DIR": str(store_dir), "COLUMNS": "300", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if ok:
        assert result.returncode == 0, f"rulakg {' '.join(args)}: {result.returncode}\n{result.stderr}"
    return result


def counts_per_graph(store: ox.Store) -> dict[str, int]:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row[0].value: int(row[1].value) for row in rows}


@pytest.fixture(scope="module")
def release(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of the fixture store written by the CLI; its IRI list recorded in a temporary folder."""
    root = tmp_path_factory.mktemp("release")
    rulakg("release", "--version", VERSION, "--out", str(root / "out"), "--record", str(root / "record"),
           store_dir=store_dir)
    return root / "out" / VERSION


def test_the_release_has_every_kind_of_dump(release: Path, expected_counts: dict[str, int]) -> None:
    names = set(checksums.read_sums(release))
    stem = f"rulakg-{VERSION}"
    assert {f"{stem}.nq.gz", f"{stem}.trig.gz", f"{stem}.jsonld.gz", "dcat.ttl", "release.json", "iris.txt.gz"} <= names
    graphs = {n for n in names if n.startswith(f"{stem}-graph-") and n.endswith(".ttl.gz")}
    assert graphs == {f"{stem}-graph-{g.rsplit('/', 1)[1]}.ttl.gz" for g in expected_counts}
    assert {f"{stem}-{t}.csv.gz" for t in TABLES} <= names
    assert not (release.parent / f"{VERSION}.partial").exists()


def test_checksums_verify_with_sha256sum_and_a_changed_byte_is_caught(release: Path, tmp_path: Path) -> None:
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "--check", "--strict", checksums.SUMS], cwd=release,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    assert checksums.verify(release) == []
    copy = tmp_path / VERSION
    shutil.copytree(release, copy)
    dump = copy / f"rulakg-{VERSION}.nq.gz"
    data = bytearray(dump.read_bytes())
    data[-10] ^= 0xFF
    dump.write_bytes(bytes(data))
    (copy / "dcat.ttl").unlink()
    assert sorted(checksums.verify(copy)) == [
        "dcat.ttl: missing", f"rulakg-{VERSION}.nq.gz: SHA-256 differs from SHA256SUMS"
    ]


@pytest.mark.parametrize("suffix", ["nq.gz", "trig.gz", "jsonld.gz"])
def test_a_dataset_dump_loads_into_a_fresh_store_with_the_same_triples_per_graph(
    release: Path, expected_counts: dict[str, int], tmp_path: Path, suffix: str
) -> None:
    fresh = ox.Store(str(tmp_path / "fresh"))
    fmt = {"nq.gz": ox.RdfFormat.N_QUADS, "trig.gz": ox.RdfFormat.TRIG, "jsonld.gz": ox.RdfFormat.JSON_LD}[suffix]
    with gzip.open(release / f"rulakg-{VERSION}.{suffix}", "rb") as f:
        fresh.bulk_load(f, fmt)
    # expected_counts are counted from the fixture files themselves, not from the store that was dumped
    assert counts_per_graph(fresh) == expected_counts


def test_each_graph_dump_holds_exactly_that_graph(release: Path, expected_counts: dict[str, int]) -> None:
    for graph, n in expected_counts.items():
        name = f"rulakg-{VERSION}-graph-{graph.rsplit('/', 1)[1]}.ttl.gz"
        with gzip.open(release / name, "rb") as f:
            assert len(set(ox.parse(f, ox.RdfFormat.TURTLE))) == n, name


def test_the_same_store_gives_the_same_bytes(release: Path, store_dir: Path, tmp_path: Path) -> None:
    rulakg("release", "--version", VERSION, "--out", str(tmp_path), "--record", str(tmp_path / "rec"),
           store_dir=store_dir)
    first, again = checksums.read_sums(release), checksums.read_sums(tmp_path / VERSION)
    dumps = [n for n in first if n.endswith(".gz")]
    assert dumps and {n: first[n] for n in dumps} == {n: again[n] for n in dumps}


def test_an_existing_release_is_not_overwritten_without_force(release: Path, store_dir: Path) -> None:
    out, record = str(release.parent), str(release.parents[1] / "record")
    again = rulakg("release", "--version", VERSION, "--out", out, "--record", record, store_dir=store_dir, ok=False)
    assert again.returncode == 1 and "exists" in again.stderr and "--force" in again.stderr
    bad = rulakg("release", "--version", "1.2", "--out", out, "--record", record, store_dir=store_dir, ok=False)
    assert bad.returncode == 1 and "not a semantic version" in bad.stderr


def test_the_dcat_description_matches_the_files(release: Path) -> None:
    graph = ox.Store()
    graph.load(path=release / "dcat.ttl", format=ox.RdfFormat.TURTLE)
    rows = list(graph.query(
        f"SELECT ?url ?size ?sum ?media ?licence {{ ?d a <{DCAT}Dataset> ; <{DCAT}distribution> ?x . "
        f"?x <{DCAT}downloadURL> ?url ; <{DCAT}byteSize> ?size ; <{DCAT}mediaType> ?media ; "
        f"<http://purl.org/dc/terms/license> ?licence ; <{SPDX}checksum> ?c . "
        f"?c <{SPDX}algorithm> <{SPDX}checksumAlgorithm_sha256> ; <{SPDX}checksumValue> ?sum }}"
    ))
    dumps = sorted(n for n in checksums.read_sums(release) if n.startswith("rulakg-"))
    assert sorted(row[0].value.rsplit("/", 1)[1] for row in rows) == dumps
    for url, size, digest, media, licence in rows:
        path = release / url.value.rsplit("/", 1)[1]
        assert int(size.value) == path.stat().st_size
        assert digest.value == hashlib.sha256(path.read_bytes()).hexdigest()
        assert media.value.startswith("https://www.iana.org/assignments/media-types/")
        assert licence.value == "https://creativecommons.org/licenses/by/4.0/"
    cited = list(graph.query("SELECT ?c { ?d <http://purl.org/dc/terms/bibliographicCitation> ?c }"))
    assert VERSION in cited[0][0].value


# /downloads ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def downloads(store_dir: Path, release: Path) -> Iterator[LiveServer]:
    with LiveServer(store_dir, workers=1, releases_dir=release.parent) as live:
        yield live


def test_downloads_lists_the_release_as_html_and_json(downloads: LiveServer, release: Path) -> None:
    page = httpx.get(f"{downloads.url}/downloads", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name in checksums.read_sums(release):
        if name.startswith("rulakg-"):
            assert name in page.text
    listing = httpx.get(f"{downloads.url}/downloads", headers={"Accept": "application/json"}).json()
    assert listing["latest"] == VERSION
    files = {f["name"]: f for f in listing["releases"][0]["files"]}
    assert files[f"rulakg-{VERSION}.nq.gz"]["sha256"] == checksums.read_sums(release)[f"rulakg-{VERSION}.nq.gz"]
    assert VERSION in listing["citation"]


def test_downloads_offers_the_dcat_description_by_negotiation(downloads: LiveServer) -> None:
    for accept, fmt in (("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES)):
        answer = httpx.get(f"{downloads.url}/downloads", headers={"Accept": accept})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(accept)
        types = {t.object.value for t in ox.parse(answer.content, fmt) if t.predicate.value.endswith("#type")}
        assert {f"{DCAT}Dataset", f"{DCAT}Distribution"} <= types
    assert httpx.get(f"{downloads.url}/downloads", headers={"Accept": "image/png"}).status_code == 406
    assert httpx.get(f"{downloads.url}/downloads?format=bogus").status_code == 400


def test_a_downloaded_file_matches_its_checksum(downloads: LiveServer, release: Path) -> None:
    sums = checksums.read_sums(release)
    name = f"rulakg-{VERSION}.trig.gz"
    for version in (VERSION, "latest"):
        answer = httpx.get(f"{downloads.url}/downloads/{version}/{name}")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/gzip"
        assert hashlib.sha256(answer.content).hexdigest() == sums[name]
    listed = httpx.get(f"{downloads.url}/downloads/{VERSION}/SHA256SUMS")
    assert listed.status_code == 200 and name in listed.text


@pytest.mark.parametrize(
    "path",
    ["/downloads/9.9.9/SHA256SUMS", f"/downloads/{VERSION}/nothing.nq.gz", f"/downloads/{VERSION}/..%2Frelease.json",
     "/downloads/..%2F..%2Fetc/passwd", f"/downloads/{VERSION}.partial/dcat.ttl", f"/downloads/{VERSION}/a%00b",
     f"/downloads/{VERSION}/{'x' * 5000}", f"/downloads/{'9' * 5000}/SHA256SUMS"],
)
def test_only_listed_files_of_complete_releases_are_served(downloads: LiveServer, path: str) -> None:
    answer = httpx.get(downloads.url + path)
    assert answer.status_code == 404, answer.text


def test_downloads_without_a_release_says_how_to_make_one(store_dir: Path, tmp_path: Path) -> None:
    with LiveServer(store_dir, workers=1, releases_dir=tmp_path) as live:
        page = httpx.get(f"{live.url}/downloads", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "rulakg release" in page.text
        assert httpx.get(f"{live.url}/downloads", headers={"Accept": "text/turtle"}).status_code == 404
        assert httpx.get(f"{live.url}/downloads/latest/SHA256SUMS").status_code == 404


# persistent IRIs ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return project_settings(tmp_path_factory)


@pytest.fixture(scope="module")
def project_store(project: Settings) -> Iterator[ox.Store]:
    yield ox.Store.read_only(str((project.store_path() / "oxigraph").resolve()))


def test_no_iri_of_the_previous_release_has_disappeared(project_store: ox.Store) -> None:
    previous = iris.latest_release(PROJECT_ROOT / "releases")
    assert previous is not None, "releases/<version>/iris.txt.gz is missing: run `rulakg release`"
    version, path = previous
    earlier = iris.read_iris(path)
    assert len(earlier) > 1000 and f"{BASE}id/state/cuba" in earlier
    report = iris.check_stability(earlier, project_store, BASE)
    assert report.problems == [], report.message(version)


def _copy(store: ox.Store) -> ox.Store:
    copy = ox.Store()
    copy.bulk_extend(store.quads_for_pattern(None, None, None, None))
    return copy


def test_a_removed_iri_fails_the_check_with_a_readable_message(project_store: ox.Store) -> None:
    earlier = sorted(iris.persistent_iris(project_store, BASE))
    store = _copy(project_store)
    gone = ox.NamedNode(f"{BASE}id/person/vladimir-putin")
    assert gone.value in earlier
    for quad in [*store.quads_for_pattern(gone, None, None, None), *store.quads_for_pattern(None, None, gone, None)]:
        store.remove(quad)
    report = iris.check_stability(earlier, store, BASE)
    assert report.problems == [f"{gone.value}: in the earlier release, gone now (no triple uses it)"]
    message = report.message("0.1.0")
    assert "1 persistent IRI problem(s) against release 0.1.0" in message and "owl:deprecated" in message


def test_a_deprecated_iri_with_a_live_replacement_passes(project_store: ox.Store) -> None:
    earlier = sorted(iris.persistent_iris(project_store, BASE))
    store = _copy(project_store)
    old, new = ox.NamedNode(f"{BASE}id/person/vladimir-putin"), ox.NamedNode(f"{BASE}id/person/vladimir-v-putin")
    graph = ox.NamedNode(f"{BASE}graph/article")
    for quad in list(store.quads_for_pattern(old, None, None, None)):  # the entity moves to its new IRI
        store.remove(quad)
        store.add(ox.Quad(new, quad.predicate, quad.object, quad.graph_name))
    store.add(ox.Quad(old, OWL_DEPRECATED, TRUE, graph))
    assert any("has no replacement" in p or "without dct:isReplacedBy" in p
               for p in iris.check_stability(earlier, store, BASE).problems)
    store.add(ox.Quad(old, IS_REPLACED_BY, new, graph))
    report = iris.check_stability(earlier, store, BASE)
    assert report.problems == [] and report.deprecated == 1
    store.add(ox.Quad(new, OWL_DEPRECATED, TRUE, graph))  # a chain to a deprecated IRI is refused
    assert any("deprecated too" in p for p in iris.check_stability(earlier, store, BASE).problems)


def test_release_refuses_when_a_recorded_iri_is_gone(store_dir: Path, tmp_path: Path) -> None:
    record = tmp_path / "record"
    iris.write_iris(record / "0.0.1" / iris.IRI_LIST, [f"{BASE}id/person/nobody-at-all"])
    answer = rulakg("release", "--version", VERSION, "--out", str(tmp_path / "out"), "--record", str(record),
                    store_dir=store_dir, ok=False)
    assert answer.returncode == 1
    assert "against release 0.0.1" in answer.stderr and f"{BASE}id/person/nobody-at-all" in answer.stderr
    assert not (tmp_path / "out" / VERSION).exists()


@pytest.fixture(scope="module")
def project_release(project: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("project-release")
    rulakg("release", "--version", VERSION, "--out", str(out), "--record", str(out / "rec"),
           store_dir=project.store_dir)
    return out / VERSION


def test_the_project_dumps_reload_with_the_same_triples_per_graph(
    project_release: Path, project_store: ox.Store, tmp_path: Path
) -> None:
    expected = counts_per_graph(project_store)  # blank nodes included (qualified parties, amounts)
    assert len(expected) >= 5
    for suffix, fmt in (("nq.gz", ox.RdfFormat.N_QUADS), ("trig.gz", ox.RdfFormat.TRIG)):
        fresh = ox.Store()
        with gzip.open(project_release / f"rulakg-{VERSION}.{suffix}", "rb") as f:
            fresh.bulk_load(f, fmt)
        assert counts_per_graph(fresh) == expected, suffix
    assert checksums.verify(project_release) == []


def test_the_release_tables_have_the_rows_of_the_curated_csv(project_release: Path) -> None:
    import csv

    data = PROJECT_ROOT / "data" / "article"

    def ids(table: str, column: str) -> set[str]:
        with gzip.open(project_release / f"rulakg-{VERSION}-{table}.csv.gz", "rt", encoding="utf-8") as f:
            return {row[column].rsplit("/", 1)[1] for row in csv.DictReader(io.StringIO(f.read()))}

    with (data / "visits.csv").open(encoding="utf-8") as f:
        assert {r["id"] for r in csv.DictReader(f)} == ids("visits", "visit")
    with (data / "vote_casts.csv").open(encoding="utf-8") as f:
        assert {r["id"] for r in csv.DictReader(f)} <= ids("votes", "cast")
    with (data / "persons.csv").open(encoding="utf-8") as f:
        assert {r["id"] for r in csv.DictReader(f)} == ids("persons", "person")
