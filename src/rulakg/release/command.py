"""The ``rulakg release`` command (registered in ``rulakg.cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True)


def release(
    version: Annotated[
        str | None, typer.Option("--version", help="Semantic version of the release (default: data/VERSION).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder of the releases (RULAKG_RELEASES_DIR, default var/releases).")
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option("--record", help="Where the IRI list is kept for the next release's check (default: releases/)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing release of this version.")] = False,
    store_dir: Annotated[
        Path | None, typer.Option("--store-dir", help="Folder of the stores (RULAKG_STORE_DIR).")
    ] = None,
) -> None:
    """Write the downloadable dumps of the current store (N-Quads, TriG, JSON-LD, Turtle per graph, CSV tables),
    SHA256SUMS and their DCAT description into <releases_dir>/<version>/ (served at /downloads).

    First checks that no persistent IRI of the previous recorded release has disappeared (exit 1 if one has).
    """
    from rulakg.cli import _open_read_only, _settings
    from rulakg.config import PROJECT_ROOT
    from rulakg.release import ReleaseError, make_release
    from rulakg.release import iris as iri_check
    from rulakg.release.versions import VersionError, data_version

    settings = _settings(store_dir=store_dir, releases_dir=out)
    record_dir = record or PROJECT_ROOT / "releases"
    try:
        version = version or data_version(settings.data_dir)
    except VersionError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    store = _open_read_only(settings)
    previous = iri_check.latest_release(record_dir)
    if previous is not None and previous[0] != version:
        report = iri_check.check_stability(iri_check.read_iris(previous[1]), store, settings.base_iri)
        if report.problems:
            err.print(report.message(previous[0]), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1)
        err.print(f"Persistent IRIs: all {report.previous} of release {previous[0]} kept ({report.deprecated} as "
                  "deprecated stubs).")
    download_base = (settings.public_url or settings.base_iri).rstrip("/") + "/downloads"
    try:
        with err.status("writing the release") as status:
            result = make_release(
                store,
                version=version,
                base_iri=settings.base_iri,
                out_dir=settings.releases_dir,
                record_dir=record_dir,
                download_base=download_base,
                force=force,
                on_file=lambda name: status.update(f"writing {name}"),
            )
    except (ReleaseError, VersionError) as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None
    for f in result.files:
        err.print(f"  {f.name:<48} {f.bytes:>12,} bytes")
    err.print(
        f"Release {version}: {len(result.files)} files in {result.folder} ({result.seconds:.1f} s), "
        f"{sum(result.graphs.values()):,} triples in {len(result.graphs)} graphs, {result.iris:,} persistent IRIs "
        f"(list kept in {record_dir / version})."
    )
