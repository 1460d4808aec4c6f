"""HTML documentation of the ontology, generated with pyLODE at build time and served at the ontology's IRI."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

ONTOLOGY_FILE = "rulakg.ttl"
HTML_NAME = "ontology.html"
TURTLE_NAME = "ontology.ttl"


def write_docs(ontology_dir: Path, target: Path) -> None:
    """Copy the ontology next to the built store and render its pyLODE page there (about 2 s)."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    # pyLODE calls logging.basicConfig(level=DEBUG) when imported (pylode/profiles/supermodel/loader.py), which
    # turns on every library's debug output (asyncio, pyLODE's own INFO lines); put the root logger back.
    from pylode import OntPub

    root.setLevel(level)
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    source = ontology_dir / ONTOLOGY_FILE
    if not source.is_file():
        return
    shutil.copyfile(source, target / TURTLE_NAME)
    html = OntPub(ontology=str(source)).make_html()
    (target / HTML_NAME).write_text(html, encoding="utf-8")
