"""Build the guide: ``docs/`` and ``mkdocs.yml`` copied into a work folder, includes expanded, generated pages
added (data dictionary, saved queries, model diagram), then MkDocs builds the static site into
``<build>/guide``, which the service serves at ``/docs/guide``.

The work folder keeps the repository clean (generated pages are never committed) and lets the same sources be
built against any store. ``strict=True`` (the tests) turns every MkDocs warning — a broken link, a page left out
of the navigation — into a failure.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from pyoxigraph import Store

from rulakg.config import PROJECT_ROOT, Settings
from rulakg.guide import diagram, dictionary, pages

GUIDE_DIR = "guide"
GENERATED = {"data-dictionary.md", "queries.md", "model.svg"}


class GuideError(Exception):
    """The guide could not be built: the message names the page or the MkDocs warnings."""


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def prepare(work: Path, store: Store, base_iri: str, queries_dir: Path, root: Path = PROJECT_ROOT) -> Path:
    """The MkDocs sources, ready to build, in ``work``; returns the config file."""
    from rulakg.queries import load_library

    docs = work / "docs"
    if not (root / "mkdocs.yml").is_file() or not (root / "docs").is_dir():
        raise GuideError(f"no mkdocs.yml and docs/ in {root}: the guide's sources are not here")
    shutil.copytree(root / "docs", docs)
    for page in docs.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        if "<!-- include:" in text:
            try:
                page.write_text(pages.expand_includes(text, root), encoding="utf-8")
            except pages.IncludeError as e:
                raise GuideError(f"{page.relative_to(docs)}: {e}") from None
    (docs / "data-dictionary.md").write_text(dictionary.markdown(store, base_iri), encoding="utf-8")
    (docs / "queries.md").write_text(pages.queries_page(load_library(queries_dir)), encoding="utf-8")
    readme = (root / "ontology" / "README.md").read_text(encoding="utf-8")
    (docs / "model.svg").write_text(diagram.svg(diagram.mermaid_block(readme)), encoding="utf-8")
    config = work / "mkdocs.yml"
    shutil.copyfile(root / "mkdocs.yml", config)
    return config


def build_guide(
    store: Store, target: Path, *, base_iri: str, queries_dir: Path, strict: bool = False, root: Path = PROJECT_ROOT
) -> list[str]:
    """Build the site into ``target`` (replaced); returns MkDocs' warnings (none when ``strict``: they raise)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    try:
        with tempfile.TemporaryDirectory(prefix="rulakg-guide-") as tmp:
            config_file = prepare(Path(tmp), store, base_iri, queries_dir, root)
            site = Path(tmp) / "site"
            try:
                cfg = load_config(str(config_file), site_dir=str(site), strict=strict)
                build(cfg)
            except (Abort, ConfigurationError) as e:
                raise GuideError(f"mkdocs build failed: {e}\n  " + "\n  ".join(collect.messages)) from None
            if strict and collect.messages:
                raise GuideError("mkdocs warnings:\n  " + "\n  ".join(collect.messages))
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(site, target)
    finally:
        logger.removeHandler(collect)
    return collect.messages


def guide_artifact(target: Path, settings: Settings) -> None:
    """The build step (``builder.artifacts``): the guide of the new store into ``<build>/guide``. Only for builds
    that describe the dataset (``describe_dataset``, the default; test stores leave it out). A broken guide does
    not stop the data from being published: MkDocs' problems are logged (the tests build it with ``strict``)."""
    if not settings.describe_dataset:
        return
    store = Store.read_only(str((target / "oxigraph").resolve()))
    try:
        problems = build_guide(store, target / GUIDE_DIR, base_iri=settings.base_iri, queries_dir=settings.queries_dir)
    except GuideError as e:
        problems = [str(e)]
    finally:
        del store
    for problem in problems:
        logging.getLogger("rulakg.build").warning("guide: %s", problem)
