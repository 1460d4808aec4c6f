"""``rulakg``: build the store, serve it, and work with it from the shell."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from rulakg.config import Settings

app = typer.Typer(help="RuLA KG: build, serve and query the knowledge graph.", no_args_is_help=True)
err = Console(stderr=True)


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


StoreOpt = Annotated[Path | None, typer.Option("--store-dir", help="Folder of the stores (RULAKG_STORE_DIR).")]


@app.command()
def build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the inputs are unchanged.")] = False,
    store_dir: StoreOpt = None,
    target: Annotated[
        str | None,
        typer.Option(help="Then load the graphs into this remote server: its Graph Store endpoint or update endpoint."),
    ] = None,
    target_kind: Annotated[
        str | None, typer.Option(help="`store` (Graph Store Protocol) or `update` (SPARQL Update); default: by URL.")
    ] = None,
    target_query: Annotated[
        str | None, typer.Option(help="The server's query endpoint, to check the counts (RULAKG_REMOTE_QUERY_URL).")
    ] = None,
) -> None:
    """Build the store from ontology/ and data/ (atomic; skipped when the inputs are unchanged); with --target,
    load it into a remote SPARQL server too (see rulakg.build.remote)."""
    from rulakg.build import BuildError
    from rulakg.build import build as run_build

    settings = _settings(store_dir=store_dir)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task("reading sources", total=None)
        try:
            result = run_build(
                settings, force=force, on_source=lambda s: bar.update(task, description=f"loading {s.name}")
            )
        except BuildError as e:
            err.print(f"[red]Build failed[/red]; the previous store is unchanged.\n{e}")
            raise typer.Exit(1) from None
    if result.skipped:
        err.print(f"Inputs unchanged: the current store is up to date ({result.triples} triples).")
    else:
        err.print(
            f"Built {result.path} in {result.seconds:.1f} s: {result.triples} triples in {len(result.graphs)} graphs."
        )
    if target:
        from rulakg.build.remote import TargetError, load_build

        try:
            loaded = load_build(
                settings,
                _open_read_only(settings),
                target,
                target_kind,
                target_query,
                on_graph=lambda g, n: err.print(f"  {g}: {n} triples"),
            )
        except TargetError as e:
            err.print(f"[red]Loading into {target} failed:[/red] {e}")
            raise typer.Exit(1) from None
        checked = " (counts checked on the server)" if loaded["checked"] else ""
        total = sum(loaded["sent"].values())
        err.print(f"Loaded {total} triples in {len(loaded['sent'])} graphs into {target}{checked}.")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (RULAKG_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (RULAKG_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Query worker processes (RULAKG_WORKERS).")] = None,
    no_build: Annotated[bool, typer.Option("--no-build", help="Serve the current store without building.")] = False,
    store_dir: StoreOpt = None,
) -> None:
    """Build the store if its inputs changed, then serve it over HTTP."""
    import os

    import uvicorn

    overrides = {"host": host, "port": port, "workers": workers, "store_dir": store_dir}
    for key, value in overrides.items():  # the app reads its settings from the environment
        if value is not None:
            os.environ[f"RULAKG_{key.upper()}"] = str(value)
    settings = _settings()
    if not no_build:
        build(force=False, store_dir=None)
    _library(settings)  # a broken saved query stops here, with its file and line
    from rulakg.service.app import create_app

    err.print(f"Serving {settings.store_path()} on http://{settings.host}:{settings.port}/sparql")
    # proxy_headers off: X-Forwarded-For is read by the service itself, from RULAKG_TRUSTED_PROXIES only
    # (uvicorn would believe it from 127.0.0.1); its access log is replaced by ours (RULAKG_ACCESS_LOG).
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        proxy_headers=False,
        access_log=not settings.access_log,
    )


def _open_read_only(settings: Settings):  # type: ignore[no-untyped-def]
    from pyoxigraph import Store

    from rulakg.build.builder import store_in_use

    path = settings.store_path() / "oxigraph"
    if not path.is_dir():
        err.print(f"[red]No store at {path}[/red]: run `rulakg build` first.")
        raise typer.Exit(1)
    if store_in_use(path):  # a service writes it: read a private copy (hard links) of its newest snapshot
        return Store.read_only(str(_snapshot_copy(settings)))
    return Store.read_only(str(path.resolve()))


def _snapshot_copy(settings: Settings) -> Path:
    """Hard links to the newest snapshot of the store a service is writing (opening the store itself read-only
    while it is written is undefined behaviour); removed at exit."""
    import atexit
    import os
    import shutil

    from rulakg.store.writer import writes_lock

    build_dir = settings.store_path().resolve()
    target = build_dir / f".cli-read-{os.getpid()}"
    with writes_lock(settings.store_dir):
        snapshots = sorted((build_dir / "snapshots").glob("s-*"), key=lambda p: p.stat().st_mtime)
        if not snapshots:
            err.print(f"[red]{build_dir / 'oxigraph'} is open for writing and has no snapshot.[/red]")
            raise typer.Exit(1)
        shutil.copytree(snapshots[-1], target, copy_function=os.link)
    atexit.register(shutil.rmtree, target, True)
    return target


@app.command()
def query(
    sparql: Annotated[
        str | None, typer.Argument(help="The query, @FILE to read it from a file, or - for stdin.")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, json, xml, csv, tsv; ttl, nt, nq, trig, rdf, jsonld.")
    ] = "table",
    union: Annotated[
        bool | None, typer.Option("--union/--no-union", help="Default graph = union of all graphs.")
    ] = None,
    store_dir: StoreOpt = None,
    saved: Annotated[str | None, typer.Option("--saved", help="Run the saved query of this name (queries/).")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A saved query's parameter, NAME=VALUE (repeatable).")
    ] = None,
) -> None:
    """Run a SPARQL query (or a saved query: --saved NAME --param k=v) on the store and print the result."""
    from pyoxigraph import QueryBoolean, QuerySolutions

    from rulakg import formats
    from rulakg.prefixes import PREFIXES

    settings = _settings(store_dir=store_dir, union_default_graph=union)
    extra: dict[str, Any] = {}
    if saved is not None:
        if sparql is not None:
            err.print("[red]Give either a query or --saved NAME, not both.[/red]")
            raise typer.Exit(2)
        text, extra["substitutions"] = _saved_query(settings, saved, param or [])
    elif param:
        err.print("[red]--param goes with --saved NAME.[/red]")
        raise typer.Exit(2)
    elif sparql is None or sparql == "-":
        text = sys.stdin.read()
    elif sparql.startswith("@"):
        text = Path(sparql[1:]).read_text(encoding="utf-8")
    else:
        text = sparql
    store = _open_read_only(settings)
    try:
        result = store.query(
            text, use_default_graph_as_union=settings.union_default_graph, prefixes=PREFIXES, **extra
        )
    except SyntaxError as e:
        err.print(f"[red]SPARQL syntax error:[/red] {e}")
        raise typer.Exit(2) from None
    out = sys.stdout.buffer
    if isinstance(result, QueryBoolean):
        if fmt == "table":
            print("true" if bool(result) else "false")
            return
        result.serialize(out, formats.results_serializer(formats.negotiate(None, formats.RESULT_FORMATS, fmt).key))
    elif isinstance(result, QuerySolutions):
        if fmt == "table":
            names = [v.value for v in result.variables]
            table = Table(*names)
            for row in result:
                table.add_row(*("" if row[n] is None else str(row[n]) for n in names))
            Console().print(table)
            return
        try:
            key = formats.negotiate(None, formats.RESULT_FORMATS, fmt).key
        except formats.UnknownFormat as e:
            err.print(f"[red]{e}[/red]")
            raise typer.Exit(2) from None
        result.serialize(out, formats.results_serializer(key))
    else:
        try:
            key = formats.negotiate(None, formats.RDF_FORMATS, "ttl" if fmt == "table" else fmt).key
        except formats.UnknownFormat as e:
            err.print(f"[red]{e}[/red]")
            raise typer.Exit(2) from None
        result.serialize(out, formats.rdf_serializer(key))
    out.flush()


def _library(settings: Settings):  # type: ignore[no-untyped-def]
    from rulakg.queries import LibraryError, load_library

    try:
        return load_library(settings.queries_dir)
    except LibraryError as e:
        err.print(str(e), markup=False, highlight=False, soft_wrap=True, style="red")
        raise typer.Exit(1) from None


def _saved_query(settings: Settings, name: str, params: list[str]):  # type: ignore[no-untyped-def]
    """A saved query's text and its parameters bound (enumerations listed from the store)."""
    from pyoxigraph import Variable

    from rulakg.queries import ParameterError, bind

    library = _library(settings)
    saved = library.get(name)
    if saved is None:
        err.print(f"No saved query {name!r}. Known queries: {', '.join(sorted(library.queries)) or 'none'}.")
        raise typer.Exit(2)
    values: dict[str, list[str]] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            err.print(f"--param {item!r}: write NAME=VALUE.")
            raise typer.Exit(2)
        values.setdefault(key.strip(), []).append(value)
    store = _open_read_only(settings)
    for p in saved.parameters:
        if p.enum_query:
            rows = store.query(p.enum_query, use_default_graph_as_union=settings.union_default_graph)
            p.enum = list(dict.fromkeys(row[0].value for row in rows if row[0] is not None)) or None
    try:
        terms = bind(saved, values)
    except ParameterError as e:
        err.print(f"Invalid parameter {e.name!r}: {e}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    return saved.text, {Variable(var): term for var, term in terms.items()}


queries_app = typer.Typer(help="The saved queries (queries/**/*.rq).", no_args_is_help=True)
app.add_typer(queries_app, name="queries")


@queries_app.command("check")
def queries_check(
    folder: Annotated[Path | None, typer.Argument(help="Folder of .rq files (default: RULAKG_QUERIES_DIR).")] = None,
) -> None:
    """Check every saved query (decorators, parameters, syntax); print each problem as file:line: message."""
    settings = _settings(queries_dir=folder)
    library = _library(settings)
    err.print(f"{len(library)} saved queries in {settings.queries_dir}: all OK.")


@queries_app.command("list")
def queries_list(
    folder: Annotated[Path | None, typer.Argument(help="Folder of .rq files (default: RULAKG_QUERIES_DIR).")] = None,
) -> None:
    """List the saved queries: name, form, parameters, summary."""
    settings = _settings(queries_dir=folder)
    table = Table("name", "form", "parameters", "tags", "summary")
    for q in _library(settings):
        params = ", ".join(
            f"{p.name}{'' if p.required else '?'}:{p.type if p.type != 'lang' else '@' + (p.language or '')}"
            for p in q.parameters
        )
        table.add_row(q.name, q.form, params, ", ".join(q.tags), q.summary)
    Console().print(table)


@app.command()
def load(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="RDF file (.ttl .nt .nq .trig .rdf .jsonld, .gz too).")
    ],
    graph: Annotated[
        str | None, typer.Option(help="Named graph IRI for the triples (default: the default graph).")
    ] = None,
    base: Annotated[str | None, typer.Option(help="Base IRI for relative IRIs.")] = None,
    store_dir: StoreOpt = None,
) -> None:
    """Bulk-load an RDF file into the current store (with a progress bar)."""
    from pyoxigraph import Store

    from rulakg.store.embedded import LoadError, load_file

    settings = _settings(store_dir=store_dir)
    path = settings.store_path() / "oxigraph"
    if not path.is_dir():
        err.print(f"[red]No store at {path}[/red]: run `rulakg build` first.")
        raise typer.Exit(1)
    store = Store(str(path.resolve()))
    size = file.stat().st_size
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err) as bar:
        task = bar.add_task(f"loading {file.name}", total=size)
        try:
            load_file(store, file, graph=graph, base_iri=base, progress=lambda n: bar.advance(task, n))
        except LoadError as e:
            err.print(f"[red]Load failed:[/red] {e}")
            raise typer.Exit(1) from None
        bar.update(task, description="compacting")
        store.optimize()
    store.flush()
    err.print(f"Loaded {file} into {graph or 'the default graph'}.")


@app.command()
def aggregates(store_dir: StoreOpt = None) -> None:
    """Recompute the build-time aggregates (graph aggregates) over the current store, e.g. after `rulakg load`."""
    from pyoxigraph import Store

    from rulakg.build.aggregate import recompute

    settings = _settings(store_dir=store_dir)
    path = settings.store_path() / "oxigraph"
    if not path.is_dir():
        err.print(f"[red]No store at {path}[/red]: run `rulakg build` first.")
        raise typer.Exit(1)
    try:
        store = Store(str(path.resolve()))
    except OSError as e:  # another process (the service's writer, a build) holds the store
        err.print(f"[red]Cannot open {path} for writing[/red] (stop the service first): {e}")
        raise typer.Exit(1) from None
    with err.status("computing the aggregates"):
        n = recompute(store, settings)
    store.flush()
    err.print(f"Wrote {n} triples of aggregates.")


@app.command()
def dump(
    output: Annotated[Path | None, typer.Argument(help="File to write (.nq or .trig); stdout if omitted.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="nq or trig.")] = "nq",
    store_dir: StoreOpt = None,
) -> None:
    """Write the whole store as N-Quads or TriG (a backup that keeps the named graphs)."""
    from rulakg import formats
    from rulakg.store.embedded import dump as run_dump

    settings = _settings(store_dir=store_dir)
    if output is not None and output.suffix in (".trig", ".nq"):
        fmt = output.suffix[1:]
    if fmt not in ("nq", "trig"):
        err.print("[red]A dump is N-Quads (nq) or TriG (trig).[/red]")
        raise typer.Exit(2)
    store = _open_read_only(settings)
    rdf_format = formats.rdf_serializer(fmt)
    if output is None:
        run_dump(store, sys.stdout.buffer, rdf_format)
        sys.stdout.buffer.flush()
    else:
        with err.status(f"writing {output}"):
            run_dump(store, output, rdf_format)
        err.print(f"Wrote {output} ({output.stat().st_size} bytes).")


from rulakg.guide.command import docs  # noqa: E402  (the guide at /docs/guide: rulakg/guide/)
from rulakg.release.command import release  # noqa: E402  (dumps, checksums, DCAT: rulakg/release/)

app.command()(release)
app.command()(docs)


@app.command()
def stats(store_dir: StoreOpt = None, top: Annotated[int, typer.Option(help="Rows per table.")] = 30) -> None:
    """Triples per named graph, instances per class, triples per property."""
    from rulakg.store.embedded import stats as run_stats

    settings = _settings(store_dir=store_dir)
    result = run_stats(_open_read_only(settings))
    console = Console()
    for title, rows, head in (
        ("Graphs", result.graphs, "triples"),
        ("Classes", result.classes[:top], "instances"),
        ("Properties", result.properties[:top], "triples"),
    ):
        table = Table("IRI", head, title=title)
        for iri, n in rows:
            table.add_row(iri, str(n))
        console.print(table)
    console.print(f"Total: {result.total} triples")


def _print_results(title: str, results: list[Any]) -> None:
    """SHACL results grouped by node shape, then sorted by focus node and path, one line each."""
    groups: dict[str, list[Any]] = {}
    for v in results:
        groups.setdefault(v.shape or "(no shape)", []).append(v)
    print(f"{title} ({len(results)}):")
    for shape in sorted(groups):
        print(f"  {shape} ({len(groups[shape])}):")
        for v in sorted(groups[shape], key=lambda v: (v.focus_node, v.path, v.message)):
            where = f" {v.path}" if v.path else ""
            value = f" (value {v.value})" if v.value else ""
            print(f"    {v.focus_node}{where}: {v.message}{value} [{v.constraint}]")


@app.command()
def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            exists=True, dir_okay=False, metavar="FILE",
            help="Extra RDF files (.ttl .nt .nq .trig .rdf .jsonld) validated together with the project data.",
        ),
    ] = None,
    warnings: Annotated[
        bool,
        typer.Option(
            "--warnings/--no-warnings",
            help="List every sh:Warning/sh:Info result; by default only their number is printed.",
        ),
    ] = False,
    reason: Annotated[
        bool,
        typer.Option(
            "--reason", help="Also run the HermiT consistency check (needs java) and list unsatisfiable classes."
        ),
    ] = False,
) -> None:
    """Check the project data (and FILES) against ontology/shapes.ttl with SHACL, without building a store.

    The ontology and data sources are compiled exactly as `rulakg build` does. Results are printed grouped by
    shape, violations first; exit code 1 if there is any sh:Violation (or, with --reason, an inconsistency or an
    unsatisfiable class), 0 otherwise.
    """
    from rulakg.build.sources import SourceError
    from rulakg.ontology._graphs import as_graph
    from rulakg.ontology.validate import compile_project
    from rulakg.ontology.validate import validate as run_validate

    extras = []
    for path in files or []:  # parsed first: a broken file is reported at once
        try:
            extras.append(as_graph(path))
        except Exception as e:  # rdflib raises parser-specific errors
            err.print(f"[red]Cannot parse {path}:[/red] {e}", highlight=False)
            raise typer.Exit(2) from None
    settings = _settings()
    with err.status("compiling the ontology and the data sources"):
        try:
            project = compile_project(settings)
        except SourceError as e:
            err.print(f"[red]Broken source:[/red] {e}", highlight=False)
            raise typer.Exit(1) from None
    data = project.data
    data_triples = len(data)
    extra_triples = sum(len(g) for g in extras)
    for extra in extras:
        data += extra
    with err.status(f"running the SHACL shapes on {len(data)} triples"):
        report = run_validate(data, ontology=project.ontology, shapes=project.shapes)
    errors, notes = report.errors, report.warnings
    if errors:
        _print_results("Violations", errors)
    if notes and warnings:
        _print_results("Warnings", notes)
    scope = f"{data_triples} data triples" + (
        f" + {extra_triples} triples from {len(files or [])} file(s)" if files else ""
    )
    verdict = "conforms" if not errors else "does not conform"
    hint = "" if warnings or not notes else " (list them with --warnings)"
    print(
        f"SHACL: {verdict}: {len(errors)} violation(s) in {len({v.shape for v in errors})} shape(s), "
        f"{len(notes)} warning(s){hint}; {scope}."
    )
    failed = bool(errors)
    if reason:
        import shutil

        from rulakg.ontology.reason import check_consistency

        if shutil.which("java") is None:
            err.print("[red]--reason needs java (HermiT runs on the JVM).[/red]")
            raise typer.Exit(2)
        with err.status("running HermiT"):
            result = check_consistency(data, ontology=project.ontology)
        if not result.consistent:
            print(f"HermiT: inconsistent. {result.message}")
        elif result.unsatisfiable:
            print(f"HermiT: consistent, but {len(result.unsatisfiable)} unsatisfiable class(es):")
            for iri in result.unsatisfiable:
                print(f"  {iri}")
        else:
            print("HermiT: consistent; no unsatisfiable class.")
        failed = failed or not result.ok
    if failed:
        raise typer.Exit(1)


token_app = typer.Typer(help="API tokens for /update, /store and /admin (stored hashed).", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    read_only: Annotated[bool, typer.Option("--read-only", help="A token that may read /store but not write.")] = False,
) -> None:
    """Mint an API token: prints the token once (give it to the client) and the hash line to store."""
    from rulakg.service.auth import mint

    token, line = mint(read_only)
    print(token)
    err.print(
        "Give the token above to the client; it is not stored anywhere. Add this line to RULAKG_API_TOKENS "
        "(space-separated) or to the file named by RULAKG_API_TOKEN_FILE:",
        highlight=False,
    )
    err.print(line, highlight=False, markup=False)


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="New folder to write the backup to (must not exist).")],
    store_dir: StoreOpt = None,
) -> None:
    """Back up the current store online (Oxigraph's backup; safe while the service runs and writes)."""
    from rulakg.store.backup import BackupError, backup_current

    settings = _settings(store_dir=store_dir)
    try:
        with err.status(f"writing {target}"):
            backup_current(settings.store_dir, target)
    except BackupError as e:
        err.print(f"[red]Backup failed:[/red] {e}", highlight=False)
        raise typer.Exit(1) from None
    err.print(f"Backed up {settings.store_path().resolve().name} to {target}. Restore with `rulakg restore {target}`.")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A folder written by `rulakg backup` or POST /admin/backup.")],
    store_dir: StoreOpt = None,
) -> None:
    """Restore a backup into a new build folder and make it the current store (atomic swap); restart the service."""
    from rulakg.store.backup import BackupError, restore_backup

    settings = _settings(store_dir=store_dir)
    try:
        with err.status(f"restoring {source}"):
            target = restore_backup(source, settings.store_dir)
    except BackupError as e:
        err.print(f"[red]Restore failed:[/red] {e}; the current store is unchanged.", highlight=False)
        raise typer.Exit(1) from None
    err.print(f"Restored {source} as {target.name}, now the current store. Restart the service to serve it.")


@app.command("settings")
def show_settings(
    values: Annotated[bool, typer.Option("--values/--no-values", help="Show the values in force.")] = True,
) -> None:
    """Print the settings table (Markdown, as in the README), with the values in force."""
    from rulakg.config import PROJECT_ROOT

    current = Settings()
    head = "| setting | environment variable | default | description |"
    print(head[:-1] + "| now |" if values else head)
    print("| --- " * (5 if values else 4) + "|")
    for name, info in Settings.model_fields.items():
        default = info.default if info.default_factory is None else "CPU count + 1 (2–8)"
        if isinstance(default, Path):
            default = default.relative_to(PROJECT_ROOT) if default.is_relative_to(PROJECT_ROOT) else default
        shown = "(empty)" if default == "" else f"`{default}`"
        row = f"| `{name}` | `RULAKG_{name.upper()}` | {shown} | {info.description} |"
        print(row + f" `{getattr(current, name)}` |" if values else row)


@app.command("data-readme")
def data_readme(
    check: Annotated[bool, typer.Option("--check", help="Only check; exit 1 if out of date.")] = False,
) -> None:
    """Regenerate the table of counts per class in data/README.md from the curated tables."""
    from rulakg.data.article_mapping import compile_article
    from rulakg.data.report import counts_markdown, replace_block

    settings = _settings()
    readme = settings.data_dir / "README.md"
    updated = replace_block(readme, counts_markdown(compile_article(settings.data_dir / "article", settings)))
    if check:
        if updated != readme.read_text(encoding="utf-8"):
            err.print("data/README.md: the counts table is out of date; run `rulakg data-readme`.")
            raise typer.Exit(1)
        return
    readme.write_text(updated, encoding="utf-8")
    err.print(f"Updated {readme}")


from rulakg.wikidata.commands import export_app, wikidata_app  # noqa: E402

app.add_typer(wikidata_app, name="wikidata")
app.add_typer(export_app, name="export")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
