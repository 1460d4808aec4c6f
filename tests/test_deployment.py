"""Deployment files, checked with real tools since no Docker engine runs here: ``docker-compose.yml`` against the
Compose Specification's JSON schema (``check-jsonschema``'s vendored copy), the ``Dockerfile`` with Docker's own
parser (the ``dockerfile`` package wraps BuildKit's Go parser); then what the schema cannot know: settings that
exist, stages, a non-root user, health checks, sources that are in the build context."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
from pathlib import Path
from typing import Any

import dockerfile
import pytest
import yaml

from rulakg.config import Settings

ROOT = Path(__file__).resolve().parents[1]
KNOWN = frozenset(dockerfile.all_cmds())  # the instructions BuildKit knows
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_follows_the_compose_spec() -> None:
    run = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_compose_schema_check_catches_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  rulakg:\n    image: rulakg\n    ports: 8000\n    restart: sometimes\n")
    run = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(broken)], capture_output=True, text=True
    )
    assert run.returncode != 0


def test_compose_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    fields = set(Settings.model_fields)
    for name, service in services.items():
        for key in service.get("environment", {}):
            if key.startswith("RULAKG_"):
                assert key[len("RULAKG_") :].lower() in fields, f"{name}: {key} is not a setting"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on an unknown service {dependency}"
        if name != "virtuoso-loader":  # a one-shot job; everything that serves has a health check
            assert "test" in service["healthcheck"], name
    # the default service keeps its store on a volume; the profile runs the service on Virtuoso
    assert "rulakg-store:/var/lib/rulakg/store" in services["rulakg"]["volumes"]
    assert "profiles" not in services["rulakg"]
    remote = services["rulakg-virtuoso"]
    assert remote["profiles"] == ["virtuoso"] and remote["environment"]["RULAKG_BACKEND"] == "remote"
    assert services["virtuoso"]["image"].startswith("openlink/virtuoso-opensource-7")
    assert remote["depends_on"]["virtuoso-loader"]["condition"] == "service_completed_successfully"
    loader = services["virtuoso-loader"]["command"]
    assert loader[:3] == ["rulakg", "build", "--target"]
    assert remote["environment"]["RULAKG_REMOTE_STORE_URL"] == loader[3]
    assert set(compose["volumes"]) >= {"rulakg-store", "virtuoso-db"}


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)


def dockerfile_problems(text: str, context: Path = ROOT) -> list[str]:
    """What is wrong with a Dockerfile for this project: BuildKit's parser, then our rules."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as e:
        return [f"does not parse: {e}"]
    ignore_file = context / ".dockerignore"
    ignore = [
        line.strip()
        for line in (ignore_file.read_text().splitlines() if ignore_file.exists() else [])
        if line.strip() and not line.startswith("#")
    ]
    problems: list[str] = []
    stages: list[str] = []
    final: list[dockerfile.Command] = []
    for c in commands:
        if (c.cmd or "").lower() not in KNOWN:
            problems.append(f"line {c.start_line}: unknown instruction {c.cmd!r}")
            continue
        if c.cmd == "FROM":
            if len(c.value) != 3 or c.value[1].upper() != "AS":
                problems.append(f"line {c.start_line}: unnamed stage")
            stages.append(c.value[-1])
            final = []
        final.append(c)
        if c.cmd == "COPY":
            source_stage = next((f.split("=", 1)[1] for f in c.flags if f.startswith("--from=")), None)
            if source_stage is not None:
                if source_stage not in stages[:-1]:
                    problems.append(f"line {c.start_line}: COPY from a later or unknown stage {source_stage}")
                continue
            for src in c.value[:-1]:
                if not (context / src).exists():
                    problems.append(f"line {c.start_line}: COPY of a missing path {src}")
                elif _ignored(src, ignore):
                    problems.append(f"line {c.start_line}: COPY of {src}, which .dockerignore leaves out")
    if len(stages) < 2:
        problems.append("not multi-stage")
    users = [c.value[0] for c in final if c.cmd == "USER" and c.value]
    if not users or users[-1] in ("root", "0"):
        problems.append("the runtime stage runs as root")
    if not any(c.cmd == "HEALTHCHECK" and c.value for c in final):
        problems.append("no HEALTHCHECK in the runtime stage")
    if not any(c.cmd == "CMD" for c in final):
        problems.append("no CMD in the runtime stage")
    if any(c.cmd == "RUN" and "pip install" in " ".join(c.value) for c in final):
        problems.append("pip install in the runtime stage (it belongs in the builder)")
    return problems


def test_dockerfile_is_multi_stage_non_root_with_a_health_check() -> None:
    assert dockerfile_problems((ROOT / "Dockerfile").read_text()) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("FROM python:3.11-slim AS a\nCOPY <<EOF /x\n", "does not parse"),
        ("FROM python:3.11-slim AS a\nFROM python:3.11-slim AS b\nCMD x\nHEALTHCHECK CMD x\n", "runs as root"),
        ("FROM python:3.11-slim AS only\nUSER app\nCMD x\nHEALTHCHECK CMD x\n", "not multi-stage"),
        ("FROM a AS a\nFROM b AS b\nUSER app\nCMD x\nHEALTHCHEK CMD x\n", "unknown instruction"),
        ("FROM a AS a\nFROM b AS b\nCOPY --from=c /x /x\nUSER app\nCMD x\nHEALTHCHECK CMD x\n", "unknown stage"),
        ("FROM a AS a\nFROM b AS b\nCOPY .venv /x\nUSER app\nCMD x\nHEALTHCHECK CMD x\n", "leaves out"),
    ],
)
def test_dockerfile_checks_catch_mistakes(text: str, problem: str) -> None:
    assert any(problem in p for p in dockerfile_problems(text)), dockerfile_problems(text)
