"""The RuLA KG ontology as a Python subpackage: where its files are, SHACL validation and reasoning.

The ontology (``ontology/rulakg.ttl``) and the shapes (``ontology/shapes.ttl``) live at the top of the
repository so that researchers find them without reading Python; this package only locates and uses them.
Set ``RULAKG_ONTOLOGY_DIR`` to point elsewhere (e.g. an installed copy).
"""

from __future__ import annotations

import os
from pathlib import Path

import rdflib

NAMESPACE = "https://w3id.org/rulakg/ontology#"
ONTOLOGY_IRI = "https://w3id.org/rulakg/ontology"
VERSION_IRI = "https://w3id.org/rulakg/ontology/0.1.0"
SHAPES_NAMESPACE = "https://w3id.org/rulakg/shapes#"
RULA = rdflib.Namespace(NAMESPACE)


def ontology_dir() -> Path:
    """Directory holding rulakg.ttl and shapes.ttl (``RULAKG_ONTOLOGY_DIR`` or the repository's ``ontology/``)."""
    env = os.environ.get("RULAKG_ONTOLOGY_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "ontology"


def ontology_path() -> Path:
    """Path of the OWL ontology in Turtle."""
    return ontology_dir() / "rulakg.ttl"


def shapes_path() -> Path:
    """Path of the SHACL shapes in Turtle."""
    return ontology_dir() / "shapes.ttl"


def load_ontology() -> rdflib.Graph:
    """Parse the ontology into a fresh rdflib graph."""
    return rdflib.Graph().parse(ontology_path(), format="turtle")


def load_shapes() -> rdflib.Graph:
    """Parse the SHACL shapes into a fresh rdflib graph."""
    return rdflib.Graph().parse(shapes_path(), format="turtle")


from .reason import ConsistencyResult, check_consistency, materialise  # noqa: E402
from .validate import ValidationReport, Violation, validate  # noqa: E402

__all__ = [
    "NAMESPACE",
    "ONTOLOGY_IRI",
    "RULA",
    "SHAPES_NAMESPACE",
    "VERSION_IRI",
    "ConsistencyResult",
    "ValidationReport",
    "Violation",
    "check_consistency",
    "load_ontology",
    "load_shapes",
    "materialise",
    "ontology_dir",
    "ontology_path",
    "shapes_path",
    "validate",
]
