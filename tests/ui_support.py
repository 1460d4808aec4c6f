"""The web interface's tests: the project's data built once per test session into a shared store."""

from __future__ import annotations

from pathlib import Path

import pytest
from server import build_store

from rulakg.config import PROJECT_ROOT


def project_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's ontology and data built into ``<basetemp>/project-store`` (with the saved queries' and VoID
    graphs); a second call in the same session finds the same inputs and skips the build."""
    path = tmp_path_factory.getbasetemp() / "project-store"
    build_store(path, PROJECT_ROOT / "ontology", PROJECT_ROOT / "data", describe_dataset=True)
    return path
