"""The ``rulakg docs`` command (registered in ``rulakg.cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True)


def docs(
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write the site to (default: the current build's guide/).")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on any MkDocs warning (as the tests do).")] = False,
    store_dir: Annotated[
        Path | None, typer.Option("--store-dir", help="Folder of the stores (RULAKG_STORE_DIR).")
    ] = None,
) -> None:
    """Build the guide (docs/ + mkdocs.yml, the data dictionary and saved queries from the current store) that the
    service serves at /docs/guide; `rulakg build` does it too, this rebuilds it after editing docs/."""
    import time

    from rulakg.cli import _open_read_only, _settings
    from rulakg.guide import GUIDE_DIR, GuideError, build_guide

    settings = _settings(store_dir=store_dir)
    store = _open_read_only(settings)
    target = out or settings.store_path().resolve() / GUIDE_DIR
    started = time.perf_counter()
    try:
        warnings = build_guide(
            store, target, base_iri=settings.base_iri, queries_dir=settings.queries_dir, strict=strict
        )
    except GuideError as e:
        err.print(str(e), markup=False, highlight=False, soft_wrap=True, style="red")
        raise typer.Exit(1) from None
    for w in warnings:
        err.print(f"warning: {w}", markup=False, highlight=False, soft_wrap=True)
    err.print(f"Built the guide into {target} in {time.perf_counter() - started:.1f} s.")
