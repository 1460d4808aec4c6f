"""The FastAPI application: routers for each capability over one store backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from rulakg import __version__
from rulakg.build.builder import read_manifest
from rulakg.config import Settings, get_settings
from rulakg.service import errors, lanes, metrics
from rulakg.service.fast import ServiceApp
from rulakg.service.remote import open_remote
from rulakg.service.routers import meta, ontology, queries, sparql, writes
from rulakg.service.state import ServiceState
from rulakg.store import QueryBackend, WorkerPool
from rulakg.store.cache import ResultCache, build_identity


def create_app(settings: Settings | None = None, backend: QueryBackend | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store_root = settings.store_path()
        remote = settings.backend == "remote"  # a SPARQL server elsewhere (service/remote.py); a local build optional
        if not remote and not (store_root / "oxigraph").is_dir():
            raise RuntimeError(f"No built store at {store_root}: run `rulakg build` first.")
        manifest = read_manifest(store_root.resolve()) or {}
        if remote:
            pool, writer, tokens = open_remote(settings, manifest)
        else:
            # Writes (routers/writes.py): on when an API token is configured; the workers then read snapshots.
            writer, tokens = await writes.start(settings, store_root.resolve())
            store_path = writer.snapshot if writer is not None else store_root.resolve() / "oxigraph"
            cap = lanes.heavy_cap(settings.heavy_workers, settings.workers)
            pool = backend or WorkerPool(
                store_path,
                settings.workers,
                heavy_cap=cap,
                inline_bytes=settings.inline_lookup_bytes,
                worker_memory=int(settings.worker_memory_mb * 2**20),
            )
        await pool.start()
        metrics.watch_lanes(pool)
        if isinstance(pool, WorkerPool):
            metrics.watch_workers(pool)
        # The build is opened once, here: the cache's key names this build (a new build needs a restart).
        cache = ResultCache(
            int(settings.result_cache_mb * 1024 * 1024),
            build_identity(store_root, manifest) + (f"|{settings.remote_query_url}" if remote else ""),
            None if remote else store_root.resolve() / "oxigraph",
        )
        metrics.watch_result_cache(cache)
        writes.attach(writer, pool, cache)
        if remote:  # others may write to the server: kept answers expire (service/remote.py)
            pool.expire_cache(cache, settings.remote_cache_seconds)  # type: ignore[union-attr]
        app.state.rulakg = ServiceState(
            settings, pool, manifest, cache, writer, tokens, lanes.Lanes(settings.heavy_query_ms)
        )
        try:
            # A broken saved query stops the start-up (file, line, message); their enumerations are not awaited.
            enumerations = await queries.startup(app)
        except BaseException:
            await pool.stop()
            if writer is not None:
                await writer.stop()
            raise
        try:
            yield
        finally:
            await enumerations.stop()
            await pool.stop()
            if writer is not None:
                await writer.stop()

    app = ServiceApp(
        title="RuLA KG",
        version=__version__,
        summary="Russia (and the USSR) and Latin America and the Caribbean: a knowledge graph and SPARQL 1.1 service.",
        lifespan=lifespan,
    )
    if settings.cors:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["X-SPARQL-MaxRows", "X-Cache", "X-Query-Lane", "Link", "Content-Disposition"],
            max_age=86400,
        )
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(writes.router)
    app.include_router(meta.router)
    app.include_router(queries.router)
    queries.install_openapi(app)
    app.include_router(ontology.router)
    from rulakg.service.routers import downloads, guide  # releases (rulakg release); the guide (MkDocs)

    app.include_router(downloads.router)
    app.include_router(guide.router)
    from rulakg.service.routers import ui  # the web interface: editor, gallery, entity pages, search, views

    ui.install(app)
    from rulakg.service.routers import federation  # SERVICE calls: allow-list, proxy, cache

    federation.install(app, settings)
    from rulakg.service import edge  # outermost: limits, security headers, no tracebacks, access log

    edge.install(app, settings)
    return app
