"""The ontology's competency questions: each is answered by a saved query that exists and is tested."""

from __future__ import annotations

import re

from rulakg.config import PROJECT_ROOT

README = PROJECT_ROOT / "ontology" / "README.md"
QUERIES = PROJECT_ROOT / "queries"
ROW = re.compile(r"^\| CQ(\d+) \| (.+?) \| `(queries/[^`]+\.rq)` \|$", re.MULTILINE)


def competency_questions() -> list[tuple[int, str, str]]:
    return [(int(n), question, path) for n, question, path in ROW.findall(README.read_text(encoding="utf-8"))]


def test_at_least_thirty_numbered_questions() -> None:
    numbers = [n for n, _, _ in competency_questions()]
    assert len(numbers) >= 30
    assert len(set(numbers)) == len(numbers), "a CQ number is used twice"


def test_every_question_names_a_saved_query_that_exists() -> None:
    missing = [(n, path) for n, _, path in competency_questions() if not (PROJECT_ROOT / path).is_file()]
    assert not missing


def test_every_answering_query_has_an_exact_answer_test() -> None:
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "tests").glob("test_library_*.py"))
    names = {path: path.rsplit("/", 1)[1].removesuffix(".rq") for _, _, path in competency_questions()}
    untested = sorted(path for path, name in names.items() if f'"{name}"' not in tests)
    assert not untested, f"no test runs these queries by name: {untested}"
