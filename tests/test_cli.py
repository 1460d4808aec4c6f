"""The ``rulakg`` CLI run as a real subprocess over stores in temporary folders."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import DATA_DIR, G_PEOPLE, G_PLACES, ID, ONT, ONTOLOGY_DIR, fixture_triples
from rdflib import Graph
from rdflib.compare import isomorphic
from server import LiveServer

EX = "http://example.org/load/"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


class Cli:
    """The CLI with its own sources and store folders."""

    def __init__(self, root: Path):
        self.root = root
        self.ontology = root / "ontology"
        self.data = root / "data"
        self.store = root / "store"
        shutil.copytree(ONTOLOGY_DIR, self.ontology)
        shutil.copytree(DATA_DIR, self.data)
        self.env = {
            **os.environ,
            "RULAKG_STORE_DIR": str(self.store),
            "RULAKG_ONTOLOGY_DIR": str(self.ontology),
            "RULAKG_DATA_DIR": str(self.data),
            "RULAKG_QUERIES_DIR": str(root / "queries"),  # none: the store holds the fixture (+ its VoID)
            "RULAKG_DESCRIBE_DATASET": "false",  # the store holds exactly the fixture sources
            "COLUMNS": "500",  # rich wraps at the terminal width; keep paths and IRIs on one line
        }

    def __call__(self, *args: str, input: str | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "rulakg.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            input=input,
            timeout=120,
        )
        if ok:
            assert result.returncode == 0, f"rulakg {' '.join(args)}: {result.returncode}\n{result.stderr}"
        return result

    def current(self) -> Path:
        return (self.store / "current").resolve()

    def manifest(self) -> dict:
        return json.loads((self.current() / "build.json").read_text())

    def query_json(self, query: str, *extra: str) -> dict:
        return json.loads(self("query", query, "--format", "json", *extra).stdout)


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """A built store that the load tests add to (each adds triples about its own subject)."""
    c = Cli(tmp_path_factory.mktemp("cli"))
    c("build")
    return c


@pytest.fixture
def fresh(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


# --- build -----------------------------------------------------------------------------------------------


def test_build_skip_force_reproducible(fresh: Cli):
    first = fresh("build")
    target = fresh.current()
    assert (target / "oxigraph").is_dir()
    manifest = fresh.manifest()
    assert f"{manifest['triples']} triples in {len(manifest['graphs'])} graphs" in first.stderr
    assert manifest["triples"] == sum(manifest["graphs"].values())
    for graph, n in fixture_triples().items():  # every source in its graph (derived graphs come on top)
        assert manifest["graphs"][graph] == n
    dump_a = fresh("dump").stdout

    again = fresh("build")
    assert "unchanged" in again.stderr
    assert fresh.current() == target

    forced = fresh("build", "--force")
    assert "Built" in forced.stderr
    assert fresh.current() != target
    dump_b = fresh("dump").stdout
    assert dump_a == dump_b  # reproducible, blank node labels included
    assert len(dump_a.splitlines()) == manifest["triples"]
    assert "_:" in dump_a

    # a change of the inputs is picked up
    with (fresh.data / "places" / "places.nt").open("a") as f:
        f.write(f'<{ID}chile> <http://www.w3.org/2000/01/rdf-schema#label> "Chile"@es .\n')
    assert "Built" in fresh("build").stderr
    assert fresh.manifest()["graphs"][G_PLACES] == fixture_triples()[G_PLACES] + 1


def test_broken_turtle_keeps_previous_store(fresh: Cli):
    fresh("build")
    good = fresh.current()
    builds = sorted(p.name for p in fresh.store.iterdir())
    (fresh.data / "people" / "broken.ttl").write_text(
        '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\nex:d ex:e ex:f .\n'
    )
    result = fresh("build", ok=False)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "broken.ttl" in message
    assert "line 3" in message
    assert "previous store is unchanged" in message
    assert fresh.current() == good
    assert sorted(p.name for p in fresh.store.iterdir()) == builds  # the failed build left nothing behind
    # the previous store is still queryable...
    rows = fresh.query_json("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")["results"]["bindings"]
    assert int(rows[0]["n"]["value"]) == fresh.manifest()["triples"]
    # ...and served
    with LiveServer(fresh.store, workers=1) as live:
        health = httpx.get(live.url + "/health").json()
        assert health["triples"] == fresh.manifest()["triples"]
        response = httpx.get(live.url + "/sparql", params={"query": f"ASK {{ <{ID}castro> ?p ?o }}"})
        assert response.json()["boolean"] is True


def test_broken_ontology_file_names_the_file(fresh: Cli):
    (fresh.ontology / "extra.ttl").write_text("@prefix : <http://e/> .\n\n:a :b :c ;\n  :d .\n")
    result = fresh("build", ok=False)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "extra.ttl" in message
    assert "line 4" in message
    assert not (fresh.store / "current").exists()


# --- load ------------------------------------------------------------------------------------------------

DOCS = {
    "ttl": f'@prefix ex: <{EX}> .\nex:ttl ex:p "turtle"@en ; ex:q [ ex:r 1 ] .\n',
    "nt": f'<{EX}nt> <{EX}p> "n-triples" .\n<{EX}nt> <{EX}q> "2"^^<{XSD_INTEGER}> .\n',
    "rdf": (
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="' + EX + '">\n'
        '  <rdf:Description rdf:about="' + EX + 'rdf"><ex:p xml:lang="ru">рдф</ex:p><ex:q>x</ex:q></rdf:Description>\n'
        "</rdf:RDF>\n"
    ),
    "jsonld": json.dumps({"@id": EX + "jsonld", EX + "p": "json-ld", EX + "q": {"@value": "y", "@language": "es"}}),
}


def _where(cli: Cli, subject: str) -> dict[str | None, set[str]]:
    """The objects of ``subject`` by graph (None: the store's default graph), in one ``rulakg query``."""
    query = f"SELECT ?g ?o WHERE {{ {{ <{subject}> ?p ?o }} UNION {{ GRAPH ?g {{ <{subject}> ?p ?o }} }} }}"
    out: dict[str | None, set[str]] = {}
    for row in cli.query_json(query, "--no-union")["results"]["bindings"]:
        out.setdefault(row["g"]["value"] if "g" in row else None, set()).add(row["o"]["value"])
    return out


def _objects(cli: Cli, subject: str, graph: str | None) -> set[str]:
    return _where(cli, subject).get(graph, set())


@pytest.mark.parametrize("fmt", list(DOCS))
@pytest.mark.parametrize("graph", [None, "http://example.org/graph/loaded"])
def test_load_triples(cli: Cli, tmp_path: Path, fmt: str, graph: str | None):
    name = f"{fmt}{'-g' if graph else ''}"
    text = DOCS[fmt].replace(f"{EX}{fmt}", f"{EX}{name}").replace("ex:ttl ", f"<{EX}{name}> ")
    path = tmp_path / f"doc.{fmt}"
    path.write_text(text, encoding="utf-8")
    args = ["load", str(path)] + (["--graph", graph] if graph else [])
    result = cli(*args)
    assert "Loaded" in result.stderr
    where = _where(cli, EX + name)
    assert list(where) == [graph], where  # in that graph only
    assert len(where[graph]) == 2, where


def test_load_gzip(cli: Cli, tmp_path: Path):
    for graph in (None, "http://example.org/graph/gz"):
        subject = f"{EX}gz-{'g' if graph else 'd'}"
        path = tmp_path / "doc.nt.gz"
        with gzip.open(path, "wt", encoding="utf-8") as f:
            for i in range(1000):
                f.write(f'<{subject}> <{EX}p> "value {i}" .\n')
        cli("load", str(path), *(["--graph", graph] if graph else []))
        assert len(_objects(cli, subject, graph)) == 1000


def test_load_quads_keep_their_graphs(cli: Cli, tmp_path: Path):
    nq = tmp_path / "doc.nq"
    nq.write_text(f'<{EX}nq> <{EX}p> "in g1" <{EX}g1> .\n<{EX}nq> <{EX}p> "in default" .\n')
    cli("load", str(nq), "--graph", f"{EX}gx")
    assert _where(cli, f"{EX}nq") == {f"{EX}g1": {"in g1"}, f"{EX}gx": {"in default"}}
    trig = tmp_path / "doc.trig"
    trig.write_text(f'@prefix ex: <{EX}> .\nex:g2 {{ ex:trig ex:p "in g2" }}\nex:trig ex:p "top" .\n')
    cli("load", str(trig))
    assert _where(cli, f"{EX}trig") == {f"{EX}g2": {"in g2"}, None: {"top"}}


def test_load_broken_file_fails(cli: Cli, tmp_path: Path):
    path = tmp_path / "bad.ttl"
    path.write_text("@prefix ex: <http://e/> .\nex:a ex:b .\n")
    result = cli("load", str(path), ok=False)
    assert result.returncode == 1
    assert "bad.ttl" in " ".join(result.stderr.split())
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    assert cli("load", str(unknown), ok=False).returncode == 1


# --- query -----------------------------------------------------------------------------------------------

NAMES = f"PREFIX rula: <{ONT}> SELECT ?p ?name WHERE {{ ?p rula:name ?name }} ORDER BY ?name"


def test_query_formats(cli: Cli):
    data = cli.query_json(NAMES)
    assert data["head"]["vars"] == ["p", "name"]
    assert {b["name"]["value"] for b in data["results"]["bindings"]} == {
        "Fidel Castro",
        "Фидель Кастро",
        "Nikita Khrushchev",
        "Никита Хрущёв",
    }
    rows = list(csv.reader(io.StringIO(cli("query", NAMES, "--format", "csv").stdout)))
    assert rows[0] == ["p", "name"]
    assert len(rows) == 5
    assert [ID + "castro", "Fidel Castro"] in rows
    tsv = cli("query", NAMES, "--format", "tsv").stdout.splitlines()
    assert tsv[0] == "?p\t?name"
    assert f'<{ID}khrushchev>\t"Никита Хрущёв"@ru' in tsv
    table = cli("query", NAMES).stdout
    assert "Фидель Кастро" in table
    assert "name" in table
    xml = cli("query", NAMES, "--format", "xml").stdout
    assert len(list(ox.parse_query_results(xml.encode(), ox.QueryResultsFormat.XML))) == 4


def test_query_ask_and_construct(cli: Cli):
    ask = f"ASK {{ <{ID}castro> ?p ?o }}"
    assert cli("query", ask).stdout.strip() == "true"
    assert json.loads(cli("query", ask, "--format", "json").stdout)["boolean"] is True
    construct = f"CONSTRUCT {{ <{ID}castro> ?p ?o }} WHERE {{ <{ID}castro> ?p ?o }}"
    turtle = cli("query", construct).stdout
    assert len(list(ox.parse(turtle.encode(), ox.RdfFormat.TURTLE))) == 7
    nt = cli("query", construct, "--format", "nt").stdout
    assert len(nt.strip().splitlines()) == 7


def test_query_union_and_sources(cli: Cli, tmp_path: Path):
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G_PLACES}> {{ ?s ?p ?o }} }}"
    assert cli.query_json(count)["results"]["bindings"][0]["n"]["value"] == "10"
    ask = f"ASK {{ <{ID}castro> <{ONT}citizenOf> ?c }}"
    assert cli("query", ask).stdout.strip() == "true"  # union by default
    assert cli("query", ask, "--no-union").stdout.strip() == "false"
    file = tmp_path / "q.rq"
    file.write_text(f"# from a file\nASK {{ GRAPH <{G_PEOPLE}> {{ <{ID}castro> ?p ?o }} }}\n")
    assert cli("query", f"@{file}").stdout.strip() == "true"
    assert cli("query", "-", input=file.read_text()).stdout.strip() == "true"


def test_query_errors(cli: Cli):
    result = cli("query", "SELEC * {}", ok=False)
    assert result.returncode == 2
    assert "syntax" in result.stderr.lower()
    result = cli("query", NAMES, "--format", "nope", ok=False)
    assert result.returncode == 2


def test_query_without_store(fresh: Cli):
    result = fresh("query", "ASK {}", ok=False)
    assert result.returncode == 1
    assert "rulakg build" in result.stderr


# --- dump, stats -----------------------------------------------------------------------------------------


def _graphs(quads) -> dict[str, Graph]:
    graphs: dict[str, list[str]] = {}
    for q in quads:
        graphs.setdefault(str(q.graph_name), []).append(str(ox.Triple(q.subject, q.predicate, q.object)) + " .")
    return {g: Graph().parse(data="\n".join(lines), format="nt") for g, lines in graphs.items()}


@pytest.mark.parametrize("suffix", [".nq", ".trig"])
def test_dump_round_trip(fresh: Cli, tmp_path: Path, suffix: str):
    fresh("build")
    out = tmp_path / f"backup{suffix}"
    result = fresh("dump", str(out))
    assert "Wrote" in result.stderr
    restored = ox.Store()
    restored.bulk_load(path=out, format=ox.RdfFormat.N_QUADS if suffix == ".nq" else ox.RdfFormat.TRIG)
    original = ox.Store.read_only(str(fresh.current() / "oxigraph"))
    assert len(restored) == len(original) == fresh.manifest()["triples"]
    assert {str(g) for g in restored.named_graphs()} == {str(g) for g in original.named_graphs()}
    mine, theirs = _graphs(restored), _graphs(original)
    assert mine.keys() == theirs.keys()
    for name in mine:
        assert isomorphic(mine[name], theirs[name]), name
    assert '"Фидель Кастро"@ru' in out.read_text(encoding="utf-8")


def test_dump_rejects_triple_formats(cli: Cli, tmp_path: Path):
    result = cli("dump", "--format", "ttl", ok=False)
    assert result.returncode == 2


def test_stats(fresh: Cli):
    fresh("build")
    out = " ".join(fresh("stats").stdout.split())
    for graph, n in fixture_triples().items():
        assert f"{graph} │ {n} " in out
    assert "Classes" in out
    assert "Properties" in out
    assert f"{ONT}Person │ 2 " in out
    assert f"{ONT}Country │ 2 " in out
    assert f"{ONT}name │ 4 " in out
    assert f"Total: {fresh.manifest()['triples']} triples" in out


def test_the_readme_lists_every_setting_as_rulakg_settings_prints_it(fresh: Cli):
    """The README's settings table is the output of ``rulakg settings --no-values``: a new setting is listed."""
    printed = fresh("settings", "--no-values").stdout.strip().splitlines()
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text().splitlines()
    start = readme.index(printed[0])
    assert readme[start : start + len(printed)] == printed
    assert any("RULAKG_WORKER_MEMORY_MB" in line for line in printed)
