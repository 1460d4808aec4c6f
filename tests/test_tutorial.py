"""The tutorial (docs/tutorial.md) runs: each question's SPARQL, Python and R examples are taken from the page and
run against a live server over the project data, and their results are compared with answers worked out here
from the curated CSV tables (data/article/), never from a query's output."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from project_store import project_settings
from server import LiveServer

from rulakg.config import PROJECT_ROOT

TUTORIAL = PROJECT_ROOT / "docs" / "tutorial.md"
ARTICLE = PROJECT_ROOT / "data" / "article"
ID = "https://w3id.org/rulakg/id/"
DOC_URL = "http://127.0.0.1:8000"

Rows = list[dict[str, str]]


def table(name: str) -> Rows:
    with (ARTICLE / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def slug(iri: str) -> str:
    return iri.rsplit("/", 1)[1]


def number(value: str) -> float:
    return float(value)


def edtf_first_year(date: str) -> int:
    """The first year an EDTF date can fall in: 2014-21 → 2014, 1996/1997 → 1996, 199X → 1990."""
    return int(date.split("/")[0][:4].replace("X", "0"))


def took_place(row: dict[str, str]) -> bool:
    return row["cancelled"] != "true"


# The expected answers, from the CSV tables ------------------------------------------------------------------


def q1() -> object:  # vote_casts.csv: one row per state and vote on A/RES/68/262
    return {r["state"]: r["vote"] for r in table("vote_casts") if r["resolution"] == "unga-resolution-68-262"}


def q1_answer(rows: Rows) -> object:
    return {slug(r["state"]): r["vote"] for r in rows}


def q2() -> object:  # visits.csv: dated visits that took place, by the first year their date allows
    return dict(Counter(edtf_first_year(r["date"]) for r in table("visits") if r["date"] and took_place(r)))


def q2_answer(rows: Rows) -> object:
    return {int(number(r["year"])): int(number(r["visits"])) for r in rows}


def q3() -> object:  # visits.csv: visits from Russia or the USSR that took place, per host state
    return dict(Counter(h for r in table("visits") if r["visiting_state"] in ("russia", "ussr") and took_place(r)
                        for h in r["host_states"].split(";") if h))


def q3_answer(rows: Rows) -> object:
    return {slug(r["host"]): int(number(r["visits"])) for r in rows}


def q4() -> object:  # visits.csv: the persons among the visitors of Russian visits that took place
    persons = {r["id"] for r in table("persons")}
    return dict(Counter(p for r in table("visits") if r["visiting_state"] == "russia" and took_place(r)
                        for p in r["visitors"].split(";") if p in persons))


def q4_answer(rows: Rows) -> object:
    return {slug(r["person"]): int(number(r["trips"])) for r in rows}


def q5() -> object:  # agreements.csv: Russia and Venezuela among the parties (or lender / borrower)
    def parties(r: dict[str, str]) -> set[str]:
        return set(";".join((r["parties"], r["lender_or_creditor"], r["borrower_or_debtor"])).split(";"))

    return {r["id"] for r in table("agreements") if {"russia", "venezuela"} <= parties(r)}


def q5_answer(rows: Rows) -> object:
    return {slug(r["agreement"]) for r in rows}


def q6() -> object:  # agreements.csv: debt write-offs of Cuba, amount × percentage / 100, and their quotes
    return {
        r["id"]: (float(r["amount"]) * float(r["percentage"] or 100) / 100, frozenset(r["quote"].split(" || ")))
        for r in table("agreements") if r["kind"] == "debt-write-off" and r["borrower_or_debtor"] == "cuba"
    }


def q6_answer(rows: Rows) -> object:
    found: dict[str, tuple[float, set[str]]] = {}
    for r in rows:
        share = float(r["percentage"]) if r.get("percentage") not in (None, "", "nan", "NA") else 100.0
        written_off = number(r["writtenOff"]) if "writtenOff" in r else number(r["amount"]) * share / 100
        found.setdefault(slug(r["writeOff"]), (written_off, set()))[1].add(r["quote"])
    return {k: (v, frozenset(q)) for k, (v, q) in found.items()}


def q7() -> object:  # arms_transfers.csv: deliveries, one (supplier, recipient, system) per system
    return {(r["supplier"], r["recipient"], s) for r in table("arms_transfers") if r["kind"] == "delivery"
            for s in r["system"].split(";") if s}


def q7_answer(rows: Rows) -> object:
    return {(slug(r["supplier"]), slug(r["recipient"]), slug(r["system"])) for r in rows}


def q8() -> object:  # recognitions.csv
    return {(r["recognising_state"], r["recognised"], r["stance"]) for r in table("recognitions")}


def q8_answer(rows: Rows) -> object:
    return {(slug(r["state"]), slug(r["polity"]), r["stance"]) for r in rows}


def q9() -> object:  # memberships.csv: Brazil's memberships and their kind
    return {r["organisation"]: r["role"] for r in table("memberships") if r["member"] == "brazil"}


def q9_answer(rows: Rows) -> object:
    return {slug(r["organisation"]): r["role"] for r in rows}


def q10() -> object:  # economic_figures.csv: Russia's trade turnover with Latin America, per year
    return {int(r["period"][:4]): (float(r["value"]), r["unit_or_currency"]) for r in table("economic_figures")
            if r["kind"] == "trade-turnover" and r["reporting_state"] == "russia"
            and r["partner_state"] == "latin-america"}


def q10_answer(rows: Rows) -> object:
    return {int(number(r["year"])): (number(r["value"]), r["currency"]) for r in rows}


QUESTIONS: dict[int, tuple[Callable[[], object], Callable[[Rows], object]]] = {
    1: (q1, q1_answer), 2: (q2, q2_answer), 3: (q3, q3_answer), 4: (q4, q4_answer), 5: (q5, q5_answer),
    6: (q6, q6_answer), 7: (q7, q7_answer), 8: (q8, q8_answer), 9: (q9, q9_answer), 10: (q10, q10_answer),
}
PLOTS = {2: "visits-per-year.png", 10: "trade-turnover.png"}


# The page ------------------------------------------------------------------------------------------------------


def blocks(markdown: str) -> dict[str, dict[str, str]]:
    """Section (``setup`` or the question number) → language → the code of its fenced block."""
    found: dict[str, dict[str, str]] = {}
    section = ""
    for part in re.split(r"^(## .*)$", markdown, flags=re.M):
        if part.startswith("## "):
            m = re.match(r"## (\d+)\. ", part)
            section = m.group(1) if m else part[3:].strip().lower()
            continue
        for lang, code in re.findall(r"^```(\w+)\n(.*?)^```$", part, flags=re.M | re.S):
            assert lang not in found.get(section, {}), f"two {lang} blocks in section {section}"
            found.setdefault(section, {})[lang] = code
    return found


PAGE = blocks(TUTORIAL.read_text(encoding="utf-8"))


def test_the_page_has_ten_questions_each_in_sparql_python_and_r() -> None:
    assert {"python", "r"} <= set(PAGE["set-up"])
    for n in QUESTIONS:
        assert set(PAGE[str(n)]) == {"sparql", "python", "r"}, n


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(project_settings(tmp_path_factory).store_dir, workers=2) as live:
        yield live


def _code(server: LiveServer, text: str) -> str:
    assert DOC_URL in text or "ENDPOINT" in text or "endpoint" in text or "sparql(" in text or "select(" in text
    return text.replace(DOC_URL, server.url)


@pytest.mark.parametrize("n", list(QUESTIONS))
def test_sparql(server: LiveServer, n: int) -> None:
    expected, answer = QUESTIONS[n]
    response = httpx.post(f"{server.url}/sparql", data={"query": PAGE[str(n)]["sparql"]}, timeout=30)
    assert response.status_code == 200, response.text
    rows = [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]
    assert answer(rows) == expected()


@pytest.fixture(scope="module")
def python_setup(server: LiveServer) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(_code(server, PAGE["set-up"]["python"]), "tutorial set-up", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("n", list(QUESTIONS))
def test_python(server: LiveServer, python_setup: dict[str, object], n: int, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    expected, answer = QUESTIONS[n]
    monkeypatch.chdir(tmp_path)  # the plots are saved in the working folder
    namespace = dict(python_setup)
    exec(compile(_code(server, PAGE[str(n)]["python"]), f"tutorial question {n}", "exec"), namespace)
    df = namespace["df"]
    assert isinstance(df, pd.DataFrame)
    rows = [{k: "" if pd.isna(v) else str(v) for k, v in r.items()} for r in df.to_dict("records")]
    assert answer(rows) == expected()
    assert capsys.readouterr().out.strip() or n in PLOTS  # the example shows its result
    if n in PLOTS:
        assert (tmp_path / PLOTS[n]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("n", list(QUESTIONS))
def test_r(server: LiveServer, n: int) -> None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is not installed (.ci/run installs r-base-core)")
    expected, answer = QUESTIONS[n]
    program = _code(server, PAGE["set-up"]["r"]) + "\n" + _code(server, PAGE[str(n)]["r"])
    run = subprocess.run([rscript, "--vanilla", "-e", program], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    out = run.stdout  # what the example prints (question 1: a count per vote), then write.csv's quoted header
    header = 0 if out.startswith('"') else out.index('\n"') + 1
    rows = list(csv.DictReader(io.StringIO(out[header:])))
    rows = [{k: "" if v == "NA" else v for k, v in r.items()} for r in rows]
    assert answer(rows) == expected()
