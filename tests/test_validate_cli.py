"""``rulakg validate``: SHACL (and optionally HermiT) over the real project sources, compiled as the build does.

The command is run in-process with typer's CliRunner, over the repository's own ontology/, data/ and queries/
(set explicitly, so that other tests' environment cannot point it at the small test fixtures).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rulakg.cli import app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "shapes_fixtures"
ENV = {
    "RULAKG_ONTOLOGY_DIR": str(ROOT / "ontology"),
    "RULAKG_DATA_DIR": str(ROOT / "data"),
    "RULAKG_QUERIES_DIR": str(ROOT / "queries"),
}
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs java")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["validate", *args], env=ENV)


@needs_java
@pytest.mark.slow
def test_project_data_conforms_and_is_consistent() -> None:
    result = run("--reason")
    assert result.exit_code == 0, result.output
    assert "SHACL: conforms: 0 violation(s)" in result.stdout
    assert "Violations" not in result.stdout
    assert "HermiT: consistent; no unsatisfiable class." in result.stdout


@pytest.mark.slow
def test_a_file_with_a_violation_fails_naming_node_and_shape() -> None:
    result = run("--warnings", str(FIXTURES / "FactShape.ttl"))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "SHACL: does not conform:" in out
    assert "+ 4 triples from 1 file(s)" in out
    # grouped by shape, the focus node on each line
    assert "  rulash:FactShape (" in out
    assert "    id:test/bad" in out
    assert "an inferred fact needs rula:confidence" in out
    # violations come before warnings, the summary last
    assert out.index("Violations (") < out.index("Warnings (") < out.index("SHACL: does not conform")
    assert out.rstrip().splitlines()[-1].startswith("SHACL: does not conform")


def test_an_unparsable_file_is_a_usage_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix rula: <https://w3id.org/rulakg/ontology#> .\nrula:x rula:y \n")
    result = run(str(broken))
    assert result.exit_code == 2
    assert "broken.ttl" in result.output


def test_a_missing_file_is_refused() -> None:
    result = run(str(ROOT / "no-such-file.ttl"))
    assert result.exit_code == 2


def test_help_documents_the_options() -> None:
    result = CliRunner().invoke(app, ["validate", "--help"], env={**ENV, "COLUMNS": "200", "TERM": "dumb"})
    assert result.exit_code == 0
    for word in ("--warnings", "--no-warnings", "--reason", "[FILE]..."):
        assert word in result.output
