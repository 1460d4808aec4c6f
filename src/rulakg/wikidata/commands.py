"""The ``rulakg wikidata …`` and ``rulakg export …`` commands (registered by ``rulakg.cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rulakg.config import Settings
from rulakg.wikidata.federation import WIKIDATA_ENDPOINT

wikidata_app = typer.Typer(help="Wikidata: check the links of the graph.", no_args_is_help=True)
export_app = typer.Typer(help="Export the graph for other systems.", no_args_is_help=True)
err = Console(stderr=True)
StoreOpt = Annotated[Path | None, typer.Option("--store-dir", help="Folder of the stores (RULAKG_STORE_DIR).")]


def _open_store(store_dir: Path | None):  # type: ignore[no-untyped-def]
    from pyoxigraph import Store

    settings = Settings(**({"store_dir": store_dir} if store_dir else {}))
    path = settings.store_path() / "oxigraph"
    if not path.is_dir():
        err.print(f"[red]No store at {path}[/red]: run `rulakg build` first.")
        raise typer.Exit(2)
    return settings, Store.read_only(str(path.resolve()))


@wikidata_app.command("check")
def check(
    endpoint: Annotated[str, typer.Option(help="SPARQL endpoint with Wikidata's data.")] = WIKIDATA_ENDPOINT,
    batch_size: Annotated[int, typer.Option(help="Items per VALUES query.", min=1, max=500)] = 50,
    show_ok: Annotated[bool, typer.Option("--show-ok", help="List the correct links too.")] = False,
    store_dir: StoreOpt = None,
) -> None:
    """Fetch every linked item (label, aliases, P31, redirects) and report wrong, redirected and missing
    links; exit 1 when any link is wrong."""
    from rulakg.wikidata.check import Endpoint, linked_entities
    from rulakg.wikidata.check import check as run_check

    settings, store = _open_store(store_dir)
    entities = linked_entities(store)
    try:
        findings = run_check(entities, Endpoint(endpoint, settings), batch_size)
    except Exception as e:  # network, HTTP status, malformed answer
        err.print(f"[red]wikidata check failed[/red]: {e}")
        raise typer.Exit(2) from None
    bad = [f for f in findings if not f.ok]
    for f in findings:
        if show_ok or not f.ok:
            print(f"{f.status}\t{f.qid}\t{f.entity}\t{f.message}")
    err.print(f"{len(findings)} links checked against {endpoint}: {len(findings) - len(bad)} ok, {len(bad)} wrong.")
    if bad:
        raise typer.Exit(1)


@export_app.command("quickstatements")
def quickstatements(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")] = None,
    store_dir: StoreOpt = None,
) -> None:
    """Visits, agreements and UN votes as QuickStatements V1 commands (with references to the source), for
    entities with QIDs only. Nothing is uploaded."""
    from rulakg.wikidata.quickstatements import export

    _, store = _open_store(store_dir)
    text = export(store)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        err.print(f"Wrote {text.count('CREATE')} items ({len(text.splitlines())} commands) to {out}")
